// Adaptive average / max pooling (1-3 spatial dims). Output element o along a dim of input
// length I pools the window [floor(o*I/O), ceil((o+1)*I/O)). Windows are products of per-dim
// intervals, so both poolings are separable: average = one resample per dim with weights
// 1/len; max = per dim, a running max over the window's positions gathered with one-tap
// resamples. Everything is differentiable through resample and where.
#include <algorithm>

#include "autograd/ops_binary.h"
#include "autograd/ops_conv.h"
#include "autograd/pool_support.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using detail::ResampleTaps;
using detail::TapsPtr;

namespace {

int64_t window_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
int64_t window_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

/// Checks and returns the per-dim output sizes.
std::vector<int64_t> adaptive_setup(const char* op, const Tensor& x, int64_t nsp, const IntList& output_size) {
  TZ_CHECK(x.defined(), op, "the input is undefined");
  TZ_CHECK(x.dim() == nsp + 1 || x.dim() == nsp + 2, op, "expected a ", nsp + 1, "-d (unbatched) or ", nsp + 2,
           "-d (batched) input, got ", describe(x));
  TZ_CHECK(x.is_floating_point(), op, "expected a floating input, got ", describe(x));
  for (int64_t d = x.dim() - nsp; d < x.dim(); ++d)
    TZ_CHECK(x.size(d) > 0, op, "expected non-zero sizes for the spatial dims, got ", describe(x));
  std::vector<int64_t> out = detail::spatial_param(op, "output_size", output_size, nsp);
  for (int64_t o : out)
    TZ_CHECK(o >= 0, op, "elements of output_size must be greater than or equal to 0, got ", detail::list_str(out));
  return out;
}

/// Averaging taps of one dim.
TapsPtr adaptive_avg_taps(int64_t in, int64_t out) {
  auto t = std::make_shared<ResampleTaps>();
  t->in_len = in;
  t->out_len = out;
  int64_t longest = 1;
  for (int64_t o = 0; o < out; ++o) longest = std::max(longest, window_end(o, in, out) - window_start(o, in, out));
  t->taps = longest;
  t->index.assign(size_t(out * longest), 0);
  t->weight.assign(size_t(out * longest), 0.0);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t lo = window_start(o, in, out), hi = window_end(o, in, out);
    for (int64_t i = lo; i < hi; ++i) {
      t->index[size_t(o * longest + i - lo)] = i;
      t->weight[size_t(o * longest + i - lo)] = 1.0 / double(hi - lo);
    }
  }
  return t;
}

/// One-tap gather of the t-th position of each window (the window's last position once t runs
/// past a shorter window, which cannot change a max).
TapsPtr adaptive_gather_taps(int64_t in, int64_t out, int64_t t_pos) {
  auto t = std::make_shared<ResampleTaps>();
  t->in_len = in;
  t->out_len = out;
  t->taps = 1;
  t->index.resize(size_t(out));
  t->weight.assign(size_t(out), 1.0);
  for (int64_t o = 0; o < out; ++o)
    t->index[size_t(o)] = std::min(window_start(o, in, out) + t_pos, window_end(o, in, out) - 1);
  return t;
}

Tensor adaptive_avg(const char* op, const Tensor& x, int64_t nsp, const IntList& output_size) {
  const std::vector<int64_t> out = adaptive_setup(op, x, nsp, output_size);
  Tensor r = x;
  for (int64_t j = 0; j < nsp; ++j) {
    const int64_t dim = x.dim() - nsp + j;
    r = detail::resample(r, dim, adaptive_avg_taps(x.size(dim), out[size_t(j)]));
  }
  return r;
}

/// Max along one dim over adaptive windows: PyTorch's rule (a larger value or a NaN takes over,
/// so ties keep the first position and gradients go there).
Tensor adaptive_max_dim(const Tensor& x, int64_t dim, int64_t out) {
  const int64_t in = x.size(dim);
  int64_t longest = 1;
  for (int64_t o = 0; o < out; ++o) longest = std::max(longest, window_end(o, in, out) - window_start(o, in, out));
  Tensor best = detail::resample(x, dim, adaptive_gather_taps(in, out, 0));
  for (int64_t t = 1; t < longest; ++t) {
    const Tensor v = detail::resample(x, dim, adaptive_gather_taps(in, out, t));
    best = where(logical_or(gt(v, best), isnan(v)), v, best);
  }
  return best;
}

Tensor adaptive_max(const char* op, const Tensor& x, int64_t nsp, const IntList& output_size) {
  const std::vector<int64_t> out = adaptive_setup(op, x, nsp, output_size);
  // The innermost dim first: the row-major first maximum wins, as in PyTorch's scan.
  Tensor r = x;
  for (int64_t j = nsp - 1; j >= 0; --j) r = adaptive_max_dim(r, x.dim() - nsp + j, out[size_t(j)]);
  return r;
}

}  // namespace

Tensor adaptive_avg_pool1d(const Tensor& x, const IntList& output_size) {
  return adaptive_avg("adaptive_avg_pool1d", x, 1, output_size);
}
Tensor adaptive_avg_pool2d(const Tensor& x, const IntList& output_size) {
  return adaptive_avg("adaptive_avg_pool2d", x, 2, output_size);
}
Tensor adaptive_avg_pool3d(const Tensor& x, const IntList& output_size) {
  return adaptive_avg("adaptive_avg_pool3d", x, 3, output_size);
}
Tensor adaptive_max_pool1d(const Tensor& x, const IntList& output_size) {
  return adaptive_max("adaptive_max_pool1d", x, 1, output_size);
}
Tensor adaptive_max_pool2d(const Tensor& x, const IntList& output_size) {
  return adaptive_max("adaptive_max_pool2d", x, 2, output_size);
}
Tensor adaptive_max_pool3d(const Tensor& x, const IntList& output_size) {
  return adaptive_max("adaptive_max_pool3d", x, 3, output_size);
}

}  // namespace tz
