// Fused softmax / log-softmax along the last dim of a contiguous [rows, n] tensor, forward and
// backward: one warp per row for short rows, one block per row for long ones (cuda_rows.cuh).
// 16-bit inputs compute in f32 and round once, like the composite.
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_launch.cuh"
#include "backends/cuda/cuda_rows.cuh"

namespace tz::cuda_backend {
namespace {

template <class T, bool kBlock>
__global__ void softmax_kernel(T* out, const T* in, int64_t rows, int64_t n, bool log) {
  using A = acc_t<T>;
  const RowGroup<kBlock> g;
  for (int64_t r = g.first_row(); r < rows; r += g.row_step()) {
    const T* x = in + r * n;
    T* y = out + r * n;
    A m = MaxOp::identity<A>();
    for (int64_t i = g.rank(); i < n; i += g.size()) m = MaxOp()(m, to_acc(x[i]));
    m = g.reduce(m, MaxOp());
    // An all -inf row keeps NaN (as the composite: -inf - -inf).
    A s = 0;
    for (int64_t i = g.rank(); i < n; i += g.size()) s += exp(to_acc(x[i]) - m);
    s = g.reduce(s, SumOp());
    if (log) {
      const A ls = ::log(s);
      for (int64_t i = g.rank(); i < n; i += g.size()) y[i] = cast_to<T>(to_acc(x[i]) - m - ls);
    } else {
      const A inv = A(1) / s;
      for (int64_t i = g.rank(); i < n; i += g.size()) y[i] = cast_to<T>(exp(to_acc(x[i]) - m) * inv);
    }
  }
}

/// softmax: gi = y * (g - sum(g*y)); log-softmax: gi = g - exp(y) * sum(g).
template <class T, bool kBlock>
__global__ void softmax_backward_kernel(T* grad_in, const T* grad_out, const T* out, int64_t rows, int64_t n, bool log) {
  using A = acc_t<T>;
  const RowGroup<kBlock> g;
  for (int64_t r = g.first_row(); r < rows; r += g.row_step()) {
    const T* go = grad_out + r * n;
    const T* y = out + r * n;
    T* gi = grad_in + r * n;
    A s = 0;
    for (int64_t i = g.rank(); i < n; i += g.size()) s += log ? to_acc(go[i]) : to_acc(go[i]) * to_acc(y[i]);
    s = g.reduce(s, SumOp());
    for (int64_t i = g.rank(); i < n; i += g.size()) {
      const A gv = to_acc(go[i]), yv = to_acc(y[i]);
      gi[i] = cast_to<T>(log ? gv - exp(yv) * s : yv * (gv - s));
    }
  }
}

bool rows_of(const TensorView& v, int64_t& rows, int64_t& n) {
  if (v.dim() < 1 || !v.is_contiguous() || !is_floating(v.dtype)) return false;
  n = v.sizes.back();
  rows = n == 0 ? 0 : v.numel() / n;
  return true;
}

/// The launches behind CudaBackend::softmax / softmax_backward (free functions so that the
/// kernel emulator's tests can call them; see tests/cuda_emu).
bool launch_softmax(const TensorView& out, const TensorView& in, bool log) {
  int64_t rows = 0, n = 0;
  if (!rows_of(in, rows, n) || !out.is_contiguous() || out.dtype != in.dtype) return false;
  if (rows == 0 || n == 0) return true;
  TZ_CUDA_DISPATCH_FLOAT(in.dtype, "softmax", [&]<class T>() {
    launch_rows(rows, n, [&](dim3 grid, dim3 block, bool block_mode) {
      auto* kernel = block_mode ? softmax_kernel<T, true> : softmax_kernel<T, false>;
      TZ_LAUNCH_KERNEL(kernel, grid, block, 0, current_stream(), out.ptr<T>(), in.ptr<const T>(), rows, n, log);
    });
  });
  return true;
}

bool launch_softmax_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& out, bool log) {
  int64_t rows = 0, n = 0;
  if (!rows_of(out, rows, n) || !grad_in.is_contiguous() || !grad_out.is_contiguous()) return false;
  if (grad_in.dtype != out.dtype || grad_out.dtype != out.dtype) return false;
  if (rows == 0 || n == 0) return true;
  TZ_CUDA_DISPATCH_FLOAT(out.dtype, "softmax_backward", [&]<class T>() {
    launch_rows(rows, n, [&](dim3 grid, dim3 block, bool block_mode) {
      auto* kernel = block_mode ? softmax_backward_kernel<T, true> : softmax_backward_kernel<T, false>;
      TZ_LAUNCH_KERNEL(kernel, grid, block, 0, current_stream(), grad_in.ptr<T>(), grad_out.ptr<const T>(),
                       out.ptr<const T>(), rows, n, log);
    });
  });
  return true;
}

}  // namespace

bool CudaBackend::softmax(const TensorView& out, const TensorView& in, bool log) {
  return launch_softmax(out, in, log);
}

bool CudaBackend::softmax_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& out,
                                   bool log) {
  return launch_softmax_backward(grad_in, grad_out, out, log);
}

}  // namespace tz::cuda_backend
