// Sparse linear resampling along one dim: the kernel behind interpolation, adaptive average
// pooling and the pooling ops' padding (and all their adjoints).
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

template <class T>
void resample_typed(const TensorView& out, const TensorView& in, const ResampleParams& p) {
  using C = compute_t<T>;
  const size_t dim = size_t(p.dim);
  const int64_t out_len = out.sizes[dim], taps = p.taps;
  const int64_t in_step = in.strides[dim], out_step = out.strides[dim];
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
  // Weights in the compute type (f32 inputs resample in f32 like PyTorch's kernels).
  std::vector<C> w(p.weight.size());
  for (size_t i = 0; i < w.size(); ++i) w[i] = C(p.weight[i]);
  const int64_t rows = int64_t(in_off.size());
  const T* src = in.ptr<T>();
  T* dst = out.ptr<T>();
  const bool big = rows * out_len * taps >= kParallelGrain;
#pragma omp parallel for schedule(static) if (big)
  for (int64_t r = 0; r < rows; ++r) {
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
  }
}

}  // namespace

bool CpuBackend::resample(const TensorView& out, const TensorView& in, const ResampleParams& p) {
  TZ_DISPATCH_FLOAT(in.dtype, "resample", [&]<class T>() { resample_typed<T>(out, in, p); });
  return true;
}

}  // namespace tz::cpu
