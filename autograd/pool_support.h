#pragma once
/// Internal helpers shared by the pooling, adaptive pooling and interpolation ops
/// (autograd/ops_pool.cpp, ops_adaptive_pool.cpp, ops_interpolate.cpp). Not public API.
#include <atomic>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace tz::detail {

/// A sparse linear map along one dim, in -> out: out[o] = sum_t weight[o*taps + t] * in[index[o*taps + t]].
/// Zero-weight taps are padding (never read).
struct ResampleTaps {
  int64_t in_len = 0;
  int64_t out_len = 0;
  int64_t taps = 1;
  std::vector<int64_t> index;
  std::vector<double> weight;
};
using TapsPtr = std::shared_ptr<const ResampleTaps>;

/// The transposed map (out -> in): the adjoint used by the backward.
TapsPtr transpose_taps(const ResampleTaps& t);

/// Applies `taps` along `dim` of a floating x (the backend's resample kernel, or a dense
/// broadcast-multiply-and-sum composite where the backend has none). Differentiable: the
/// backward applies the transposed taps, itself differentiable, so higher orders work.
Tensor resample(const Tensor& x, int64_t dim, const TapsPtr& taps);

/// A per-dim parameter list: one value for all `n` spatial dims, or exactly n values.
std::vector<int64_t> spatial_param(const char* op, const char* what, const std::vector<int64_t>& v, int64_t n);

/// When true, the pooling ops ignore the backends' pool and resample kernels and run their
/// composites (tests use it to check that both paths agree). Atomic, so flipping it while other
/// threads run ops is not a data race (those ops may take either path).
extern std::atomic<bool> g_force_pool_composite;

/// "[a, b, c]" for error messages.
std::string list_str(const std::vector<int64_t>& v);

}  // namespace tz::detail
