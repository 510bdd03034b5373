// Fused softmax / log-softmax and their backward along the last dim of contiguous tensors: one
// pass per row over cache-resident data instead of the composite's five full-tensor kernels.
#include <algorithm>
#include <cmath>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"
#include "backends/cpu/vec_dispatch.h"

namespace tz::cpu {

namespace {

template <class T>
void softmax_rows(T* out, const T* in, int64_t rows, int64_t n, bool log) {
  using C = compute_t<T>;
  if constexpr (std::is_same_v<T, float>) {
    if (!log) {
      // float32 softmax rows use the vectorised exp of the CPU's widest instruction set.
      const SoftmaxRowF32 row = best_softmax_row_f32();
      parallel_for_if(rows > 1 && rows * n >= kParallelGrain, rows,
                      [&](int64_t r) { row(out + r * n, in + r * n, n); });
      return;
    }
  }
  parallel_for_if(rows > 1 && rows * n >= kParallelGrain, rows, [&](int64_t r) {
    const T* x = in + r * n;
    T* y = out + r * n;
    C mx = -INFINITY;
    for (int64_t i = 0; i < n; ++i) mx = std::max(mx, C(x[i]));
    // A row of -inf (or one holding +inf) has no finite shift; exp(x - mx) then gives NaN, as
    // PyTorch does.
    C sum = 0;
    if (log) {
      for (int64_t i = 0; i < n; ++i) sum += std::exp(C(x[i]) - mx);
      const C lse = mx + std::log(sum);
      for (int64_t i = 0; i < n; ++i) y[i] = T(C(x[i]) - lse);
    } else if constexpr (std::is_same_v<T, C>) {
      for (int64_t i = 0; i < n; ++i) {
        y[i] = std::exp(x[i] - mx);
        sum += y[i];
      }
      const C inv = C(1) / sum;
      for (int64_t i = 0; i < n; ++i) y[i] *= inv;
    } else {
      // 16-bit output: keep the unnormalised exponentials in float, round once at the end.
      for (int64_t i = 0; i < n; ++i) sum += std::exp(C(x[i]) - mx);
      const C inv = C(1) / sum;
      for (int64_t i = 0; i < n; ++i) y[i] = T(std::exp(C(x[i]) - mx) * inv);
    }
  });
}

template <class T>
void softmax_backward_rows(T* gin, const T* gout, const T* out, int64_t rows, int64_t n, bool log) {
  using C = compute_t<T>;
  parallel_for_if(rows > 1 && rows * n >= kParallelGrain, rows, [&](int64_t r) {
    const T* g = gout + r * n;
    const T* y = out + r * n;
    T* gi = gin + r * n;
    C s = 0;
    if (log) {
      for (int64_t i = 0; i < n; ++i) s += C(g[i]);
      for (int64_t i = 0; i < n; ++i) gi[i] = T(C(g[i]) - std::exp(C(y[i])) * s);
    } else {
      for (int64_t i = 0; i < n; ++i) s += C(g[i]) * C(y[i]);
      for (int64_t i = 0; i < n; ++i) gi[i] = T(C(y[i]) * (C(g[i]) - s));
    }
  });
}

bool last_dim_ok(const TensorView& v) { return v.dim() >= 1 && v.is_contiguous() && is_floating(v.dtype); }

}  // namespace

bool CpuBackend::softmax(const TensorView& out, const TensorView& in, bool log) {
  if (!last_dim_ok(in) || !last_dim_ok(out) || out.dtype != in.dtype || out.sizes != in.sizes) return false;
  const int64_t n = in.sizes.back();
  if (n == 0 || in.numel() == 0) return true;
  TZ_DISPATCH_FLOAT(in.dtype, "softmax", [&]<class T>() { softmax_rows<T>(out.ptr<T>(), in.ptr<const T>(), in.numel() / n, n, log); });
  return true;
}

bool CpuBackend::softmax_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& out,
                                  bool log) {
  for (const TensorView* v : {&grad_in, &grad_out, &out})
    if (!last_dim_ok(*v) || v->dtype != out.dtype || v->sizes != out.sizes) return false;
  const int64_t n = out.sizes.back();
  if (n == 0 || out.numel() == 0) return true;
  TZ_DISPATCH_FLOAT(out.dtype, "softmax_backward", [&]<class T>() {
    softmax_backward_rows<T>(grad_in.ptr<T>(), grad_out.ptr<const T>(), out.ptr<const T>(), out.numel() / n, n, log);
  });
  return true;
}

}  // namespace tz::cpu
