// Sparse linear resampling along one dim: the kernel behind interpolation, adaptive average
// pooling and the pooling ops' padding (and all their adjoints).
#include <algorithm>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

/// Contiguous tensors with trailing dims after `dim` ([B, L, J] with J > 1): each output row is
/// a weighted sum of J-long contiguous input rows, a vectorisable axpy.
template <class T>
void resample_rows(const TensorView& out, const TensorView& in, const ResampleParams& p, const std::vector<compute_t<T>>& w) {
  using C = compute_t<T>;
  const size_t dim = size_t(p.dim);
  int64_t B = 1, J = 1;
  for (size_t d = 0; d < dim; ++d) B *= in.sizes[d];
  for (size_t d = dim + 1; d < in.sizes.size(); ++d) J *= in.sizes[d];
  const int64_t L = in.sizes[dim], O = out.sizes[dim], taps = p.taps;
  const T* src = in.ptr<T>();
  T* dst = out.ptr<T>();
  const bool big = B * O * J * taps >= kParallelGrain;
#pragma omp parallel if (big)
  {
    std::vector<C> acc(static_cast<size_t>(J));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < B * O; ++r) {
      const int64_t b = r / O, o = r % O;
      std::fill(acc.begin(), acc.end(), C(0));
      for (int64_t t = 0; t < taps; ++t) {
        const C wt = w[size_t(o * taps + t)];
        if (wt == C(0)) continue;
        const T* row = src + (b * L + p.index[size_t(o * taps + t)]) * J;
        for (int64_t j = 0; j < J; ++j) acc[size_t(j)] += wt * C(row[j]);
      }
      T* d = dst + r * J;
      for (int64_t j = 0; j < J; ++j) d[j] = T(acc[size_t(j)]);
    }
  }
}

template <class T>
void resample_typed(const TensorView& out, const TensorView& in, const ResampleParams& p) {
  using C = compute_t<T>;
  const size_t dim = size_t(p.dim);
  const int64_t out_len = out.sizes[dim], taps = p.taps;
  const int64_t in_step = in.strides[dim], out_step = out.strides[dim];
  // Weights in the compute type (f32 inputs resample in f32 like PyTorch's kernels).
  std::vector<C> w(p.weight.size());
  for (size_t i = 0; i < w.size(); ++i) w[i] = C(p.weight[i]);
  int64_t trailing = 1;
  for (size_t d = dim + 1; d < in.sizes.size(); ++d) trailing *= in.sizes[d];
  if (trailing > 1 && in.is_contiguous() && out.is_contiguous()) return resample_rows<T>(out, in, p, w);
  // Offsets of every position of the other dims, in both tensors (same order).
  Shape rest = in.sizes;
  Strides in_rest = in.strides, out_rest = out.strides;
  rest.erase(rest.begin() + std::ptrdiff_t(dim));
  in_rest.erase(in_rest.begin() + std::ptrdiff_t(dim));
  out_rest.erase(out_rest.begin() + std::ptrdiff_t(dim));
  std::vector<int64_t> in_off, out_off;
  in_off.reserve(size_t(numel_of(rest)));
  out_off.reserve(size_t(numel_of(rest)));
  for_each_offset(rest, in_rest, [&](int64_t o) { in_off.push_back(o); });
  for_each_offset(rest, out_rest, [&](int64_t o) { out_off.push_back(o); });
  const int64_t rows = int64_t(in_off.size());
  const T* src = in.ptr<T>();
  T* dst = out.ptr<T>();
  const bool big = rows * out_len * taps >= kParallelGrain;
  parallel_for_if(big, rows, [&](int64_t r) {
    const T* s = src + in_off[size_t(r)];
    T* d = dst + out_off[size_t(r)];
    for (int64_t o = 0; o < out_len; ++o) {
      C acc = C(0);
      const int64_t* ix = p.index.data() + o * taps;
      const C* wt = w.data() + o * taps;
      for (int64_t t = 0; t < taps; ++t)
        if (wt[t] != C(0)) acc += wt[t] * C(s[ix[t] * in_step]);
      d[o * out_step] = T(acc);
    }
  });
}

}  // namespace

bool CpuBackend::resample(const TensorView& out, const TensorView& in, const ResampleParams& p) {
  TZ_DISPATCH_FLOAT(in.dtype, "resample", [&]<class T>() { resample_typed<T>(out, in, p); });
  return true;
}

}  // namespace tz::cpu
