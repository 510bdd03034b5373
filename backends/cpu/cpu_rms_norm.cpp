// Fused RMS norm over the last dim of a contiguous [rows, n] input, forward and backward (the
// backward recomputes rstd from the input, so nothing but x and w is saved).
#include <cmath>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

template <class T, class S>
void rms_norm_rows(T* out, S* rstd_out, const T* in, const T* w, int64_t rows, int64_t n, double eps) {
  using C = compute_t<T>;
  parallel_for_if(rows > 1 && rows * n >= kParallelGrain, rows, [&](int64_t r) {
    const T* x = in + r * n;
    T* y = out + r * n;
    C sq = 0;
    for (int64_t i = 0; i < n; ++i) sq += C(x[i]) * C(x[i]);
    const C rstd = C(1) / std::sqrt(sq / C(n) + C(eps));
    if (w) {
      for (int64_t i = 0; i < n; ++i) y[i] = T(C(x[i]) * rstd * C(w[i]));
    } else {
      for (int64_t i = 0; i < n; ++i) y[i] = T(C(x[i]) * rstd);
    }
    if (rstd_out) rstd_out[r] = S(rstd);
  });
}

// grad_in = rstd * gh - x * rstd^3 * mean(gh * x), gh = g * w; grad_w[i] = sum_r g * x * rstd
// (accumulated per thread in C, then reduced, so the result does not depend on scheduling order
// beyond the fixed per-thread blocks).
template <class T>
void rms_norm_backward_rows(T* gx, T* gw, const T* g, const T* in, const T* w, int64_t rows, int64_t n, double eps) {
  using C = compute_t<T>;
  std::vector<C> gw_acc(gw ? size_t(n) : 0, C(0));
#pragma omp parallel if (rows > 1 && rows * n >= kParallelGrain)
  {
    std::vector<C> local(gw ? size_t(n) : 0, C(0));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const T* x = in + r * n;
      const T* go = g + r * n;
      C sq = 0;
      for (int64_t i = 0; i < n; ++i) sq += C(x[i]) * C(x[i]);
      const C rstd = C(1) / std::sqrt(sq / C(n) + C(eps));
      if (gx) {
        C dot = 0;
        for (int64_t i = 0; i < n; ++i) dot += C(go[i]) * (w ? C(w[i]) : C(1)) * C(x[i]);
        const C k = rstd * rstd * rstd * dot / C(n);
        T* o = gx + r * n;
        for (int64_t i = 0; i < n; ++i) o[i] = T(rstd * C(go[i]) * (w ? C(w[i]) : C(1)) - C(x[i]) * k);
      }
      if (gw)
        for (int64_t i = 0; i < n; ++i) local[size_t(i)] += C(go[i]) * C(x[i]) * rstd;
    }
    if (gw) {
#pragma omp critical
      for (int64_t i = 0; i < n; ++i) gw_acc[size_t(i)] += local[size_t(i)];
    }
  }
  if (gw)
    for (int64_t i = 0; i < n; ++i) gw[i] = T(gw_acc[size_t(i)]);
}

bool row_view_ok(const TensorView& v, DType dt, int64_t n) {
  return !v.data || (v.dtype == dt && v.is_contiguous() && v.numel() == n);
}

}  // namespace

bool CpuBackend::rms_norm(const TensorView& out, const TensorView& rstd, const TensorView& in, const TensorView& weight,
                          double eps) {
  if (in.dim() != 2 || !in.is_contiguous() || !out.is_contiguous() || !is_floating(in.dtype)) return false;
  const int64_t rows = in.sizes[0], n = in.sizes[1];
  const DType stat = (in.dtype == DType::F16 || in.dtype == DType::BF16) ? DType::F32 : in.dtype;
  if (rstd.data && (rstd.dtype != stat || !rstd.is_contiguous())) return false;
  if (!row_view_ok(weight, in.dtype, n)) return false;
  if (rows == 0 || n == 0) return true;
  TZ_DISPATCH_FLOAT(in.dtype, "rms_norm", [&]<class T>() {
    using S = std::conditional_t<std::is_same_v<compute_t<T>, T>, T, float>;
    rms_norm_rows<T, S>(out.ptr<T>(), rstd.ptr<S>(), in.ptr<const T>(), weight.ptr<const T>(), rows, n, eps);
  });
  return true;
}

bool CpuBackend::rms_norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_out,
                                   const TensorView& in, const TensorView& weight, double eps) {
  if (in.dim() != 2 || !in.is_contiguous() || !grad_out.is_contiguous() || !is_floating(in.dtype)) return false;
  const int64_t rows = in.sizes[0], n = in.sizes[1];
  if (grad_in.data && (grad_in.dtype != in.dtype || !grad_in.is_contiguous())) return false;
  if (!row_view_ok(weight, in.dtype, n) || !row_view_ok(grad_weight, in.dtype, n)) return false;
  if (grad_out.dtype != in.dtype) return false;
  if (n == 0) return true;
  TZ_DISPATCH_FLOAT(in.dtype, "rms_norm_backward", [&]<class T>() {
    rms_norm_backward_rows<T>(grad_in.ptr<T>(), grad_weight.ptr<T>(), grad_out.ptr<const T>(), in.ptr<const T>(),
                              weight.ptr<const T>(), rows, n, eps);
  });
  return true;
}

}  // namespace tz::cpu
