// CPU sort kernel: a stable sort of each row of the last dim, NaN ordered as the largest value
// (PyTorch's convention), rows spread over OpenMP threads.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {
namespace {

template <class C>
inline bool is_nan_value(C v) {
  if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
  else return false;
}

template <class T>
void sort_rows(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) {
  using C = compute_t<T>;
  const int64_t nd = in.dim();
  const int64_t n = nd == 0 ? 1 : in.sizes.back();
  const int64_t rows = n == 0 ? 0 : in.numel() / n;
  Shape outer(in.sizes.begin(), in.sizes.end() - (nd == 0 ? 0 : 1));
  auto last_stride = [](const TensorView& v) { return v.dim() == 0 ? int64_t(1) : v.strides.back(); };
  const int64_t is = last_stride(in), vs = last_stride(values), xs = last_stride(indices);
  // Ascending: NaN after everything. Descending: NaN before everything. Ties keep input order.
  auto less = [](C a, C b) { return !is_nan_value(a) && (is_nan_value(b) || a < b); };
  auto greater = [](C a, C b) { return !is_nan_value(b) && (is_nan_value(a) || a > b); };
  const bool par = in.numel() >= kParallelGrain && rows > 1;
#pragma omp parallel if (par)
  {
    std::vector<int64_t> perm(static_cast<size_t>(n));
    std::vector<C> key(static_cast<size_t>(n));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      int64_t oi = 0, ov = 0, ox = 0, rem = r;
      for (int64_t d = int64_t(outer.size()) - 1; d >= 0; --d) {
        const int64_t c = rem % outer[size_t(d)];
        rem /= outer[size_t(d)];
        oi += c * in.strides[size_t(d)];
        ov += c * values.strides[size_t(d)];
        ox += c * indices.strides[size_t(d)];
      }
      const T* x = in.ptr<T>() + oi;
      for (int64_t j = 0; j < n; ++j) key[size_t(j)] = static_cast<C>(x[j * is]);
      std::iota(perm.begin(), perm.end(), int64_t(0));
      if (descending)
        std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return greater(key[size_t(a)], key[size_t(b)]); });
      else
        std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return less(key[size_t(a)], key[size_t(b)]); });
      T* v = values.ptr<T>() + ov;
      int64_t* ix = indices.ptr<int64_t>() + ox;
      for (int64_t j = 0; j < n; ++j) {
        v[j * vs] = x[perm[size_t(j)] * is];
        ix[j * xs] = perm[size_t(j)];
      }
    }
  }
}

}  // namespace

void CpuBackend::sort(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) {
  TZ_DISPATCH(in.dtype, "sort", [&]<class T>() { sort_rows<T>(values, indices, in, descending); });
}

}  // namespace tz::cpu
