// Fused layer norm forward over the last dim of a contiguous [rows, n] input: statistics and the
// affine output in one sweep per row (two-pass mean/variance for accuracy).
#include <cmath>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

/// S is the statistics dtype (f32 for 16-bit inputs, else T).
template <class T, class S>
void layer_norm_rows(T* out, S* mean_out, S* rstd_out, const T* in, const T* w, const T* b, int64_t rows, int64_t n,
                     double eps) {
  using C = compute_t<T>;
  parallel_for_if(rows > 1 && rows * n >= kParallelGrain, rows, [&](int64_t r) {
    const T* x = in + r * n;
    T* y = out + r * n;
    C sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += C(x[i]);
    const C mu = sum / C(n);
    C sq = 0;
    for (int64_t i = 0; i < n; ++i) {
      const C d = C(x[i]) - mu;
      sq += d * d;
    }
    const C rstd = C(1) / std::sqrt(sq / C(n) + C(eps));
    if (w && b) {
      for (int64_t i = 0; i < n; ++i) y[i] = T((C(x[i]) - mu) * rstd * C(w[i]) + C(b[i]));
    } else if (w) {
      for (int64_t i = 0; i < n; ++i) y[i] = T((C(x[i]) - mu) * rstd * C(w[i]));
    } else if (b) {
      for (int64_t i = 0; i < n; ++i) y[i] = T((C(x[i]) - mu) * rstd + C(b[i]));
    } else {
      for (int64_t i = 0; i < n; ++i) y[i] = T((C(x[i]) - mu) * rstd);
    }
    mean_out[r] = S(mu);
    rstd_out[r] = S(rstd);
  });
}

}  // namespace

bool CpuBackend::layer_norm(const TensorView& out, const TensorView& mean, const TensorView& rstd, const TensorView& in,
                            const TensorView& weight, const TensorView& bias, double eps) {
  if (in.dim() != 2 || !in.is_contiguous() || !out.is_contiguous() || !is_floating(in.dtype)) return false;
  const int64_t rows = in.sizes[0], n = in.sizes[1];
  const bool half = in.dtype == DType::F16 || in.dtype == DType::BF16;
  const DType stat = half ? DType::F32 : in.dtype;
  if (mean.dtype != stat || rstd.dtype != stat || !mean.is_contiguous() || !rstd.is_contiguous()) return false;
  for (const TensorView* p : {&weight, &bias})
    if (p->data && (p->dtype != in.dtype || !p->is_contiguous() || p->numel() != n)) return false;
  if (rows == 0 || n == 0) return true;
  TZ_DISPATCH_FLOAT(in.dtype, "layer_norm", [&]<class T>() {
    using S = std::conditional_t<std::is_same_v<compute_t<T>, T>, T, float>;
    layer_norm_rows<T, S>(out.ptr<T>(), mean.ptr<S>(), rstd.ptr<S>(), in.ptr<const T>(), weight.ptr<const T>(),
                          bias.ptr<const T>(), rows, n, eps);
  });
  return true;
}

}  // namespace tz::cpu
