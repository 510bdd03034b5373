// Fused layer norm and RMS norm over the last dim of contiguous [rows, n] tensors, forward and
// backward. Rows are reduced by a warp or a block (cuda_rows.cuh); statistics are two-pass
// (mean, then squared deviations) in f32 for 16-bit inputs (f64 for f64), like the CPU kernel.
// The weight/bias gradients are column sums over rows: partial sums per row chunk, then one
// pass adding the chunks.
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_launch.cuh"
#include "backends/cuda/cuda_rows.cuh"
#include "backends/cuda/cuda_workspace.h"

namespace tz::cuda_backend {
namespace {

/// Mean (0 for RMS norm) and 1/sqrt(var + eps) of one row, var around that mean.
template <class T, bool kBlock>
__device__ void row_stats(const RowGroup<kBlock>& g, const T* x, int64_t n, acc_t<T> eps, bool rms, acc_t<T>& mu,
                          acc_t<T>& rstd) {
  using A = acc_t<T>;
  mu = 0;
  if (!rms) {
    A s = 0;
    for (int64_t i = g.rank(); i < n; i += g.size()) s += to_acc(x[i]);
    mu = g.reduce(s, SumOp()) / A(n);
  }
  A sq = 0;
  for (int64_t i = g.rank(); i < n; i += g.size()) {
    const A d = to_acc(x[i]) - mu;
    sq += d * d;
  }
  rstd = A(1) / sqrt(g.reduce(sq, SumOp()) / A(n) + eps);
}

/// y = (x - mu) * rstd * w + b (w, b, mean_out, rstd_out may be null).
template <class T, class S, bool kBlock>
__global__ void norm_forward_kernel(T* out, S* mean_out, S* rstd_out, const T* in, const T* w, const T* b, int64_t rows,
                                    int64_t n, acc_t<T> eps, bool rms) {
  using A = acc_t<T>;
  const RowGroup<kBlock> g;
  for (int64_t r = g.first_row(); r < rows; r += g.row_step()) {
    const T* x = in + r * n;
    T* y = out + r * n;
    A mu, rstd;
    row_stats(g, x, n, eps, rms, mu, rstd);
    for (int64_t i = g.rank(); i < n; i += g.size()) {
      A v = (to_acc(x[i]) - mu) * rstd;
      if (w) v *= to_acc(w[i]);
      if (b) v += to_acc(b[i]);
      y[i] = cast_to<T>(v);
    }
    if (g.rank() == 0) {
      if (mean_out) mean_out[r] = S(mu);
      if (rstd_out) rstd_out[r] = S(rstd);
    }
  }
}

/// grad_in of one row; keeps mu/rstd (acc type) for the weight-gradient pass when asked.
/// Layer norm: gi = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)); RMS norm (mu = 0):
/// gi = rstd * (gh - xhat * mean(gh * xhat)); gh = go * w, xhat = (x - mu) * rstd.
template <class T, bool kBlock>
__global__ void norm_backward_kernel(T* grad_in, acc_t<T>* mean_buf, acc_t<T>* rstd_buf, const T* grad_out, const T* in,
                                     const T* w, int64_t rows, int64_t n, acc_t<T> eps, bool rms) {
  using A = acc_t<T>;
  const RowGroup<kBlock> g;
  for (int64_t r = g.first_row(); r < rows; r += g.row_step()) {
    const T* x = in + r * n;
    const T* go = grad_out + r * n;
    A mu, rstd;
    row_stats(g, x, n, eps, rms, mu, rstd);
    A s_gh = 0, s_ghx = 0;
    for (int64_t i = g.rank(); i < n; i += g.size()) {
      const A gh = w ? to_acc(go[i]) * to_acc(w[i]) : to_acc(go[i]);
      s_gh += gh;
      s_ghx += gh * (to_acc(x[i]) - mu) * rstd;
    }
    const A mean_gh = rms ? A(0) : g.reduce(s_gh, SumOp()) / A(n);
    const A mean_ghx = g.reduce(s_ghx, SumOp()) / A(n);
    T* gi = grad_in + r * n;
    for (int64_t i = g.rank(); i < n; i += g.size()) {
      const A gh = w ? to_acc(go[i]) * to_acc(w[i]) : to_acc(go[i]);
      const A xhat = (to_acc(x[i]) - mu) * rstd;
      gi[i] = cast_to<T>(rstd * (gh - mean_gh - xhat * mean_ghx));
    }
    if (g.rank() == 0) {
      if (mean_buf) mean_buf[r] = mu;
      if (rstd_buf) rstd_buf[r] = rstd;
    }
  }
}

constexpr int kColTile = 32, kColRows = 8;

/// Partial column sums over a chunk of rows: pw[chunk, j] = sum go*xhat, pb[chunk, j] = sum go.
/// blockDim = (32, 8); grid = (column tiles, chunks). pb may be null.
template <class T>
__global__ void column_partials_kernel(acc_t<T>* pw, acc_t<T>* pb, const T* grad_out, const T* in, const acc_t<T>* mean,
                                       const acc_t<T>* rstd, int64_t rows, int64_t n) {
  using A = acc_t<T>;
  __shared__ A sw[kColRows][kColTile + 1];
  __shared__ A sb[kColRows][kColTile + 1];
  const int64_t j = int64_t(blockIdx.x) * kColTile + threadIdx.x;
  A aw = 0, ab = 0;
  if (j < n)
    for (int64_t r = int64_t(blockIdx.y) * kColRows + threadIdx.y; r < rows; r += int64_t(gridDim.y) * kColRows) {
      const A go = to_acc(grad_out[r * n + j]);
      aw += go * (to_acc(in[r * n + j]) - mean[r]) * rstd[r];
      ab += go;
    }
  sw[threadIdx.y][threadIdx.x] = aw;
  sb[threadIdx.y][threadIdx.x] = ab;
  __syncthreads();
  if (threadIdx.y == 0 && j < n) {
    for (int k = 1; k < kColRows; ++k) {
      aw += sw[k][threadIdx.x];
      ab += sb[k][threadIdx.x];
    }
    pw[int64_t(blockIdx.y) * n + j] = aw;
    if (pb) pb[int64_t(blockIdx.y) * n + j] = ab;
  }
}

/// out[j] = sum over chunks of partial[chunk, j] (rounded to T once).
template <class T>
__global__ void column_finish_kernel(T* out, const acc_t<T>* partial, int64_t chunks, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < n; j += int64_t(gridDim.x) * blockDim.x) {
    acc_t<T> s = 0;
    for (int64_t c = 0; c < chunks; ++c) s += partial[c * n + j];
    out[j] = cast_to<T>(s);
  }
}

bool row_major_2d(const TensorView& v, DType dtype, int64_t rows, int64_t n) {
  return v.dim() == 2 && v.sizes[0] == rows && v.sizes[1] == n && v.is_contiguous() && v.dtype == dtype;
}
bool optional_vector(const TensorView& v, DType dtype, int64_t n) {
  return !v.data || (v.dtype == dtype && v.is_contiguous() && v.numel() == n);
}

/// Shared forward of layer_norm (rms=false) and rms_norm.
bool norm_forward(const TensorView& out, const TensorView& mean, const TensorView& rstd, const TensorView& in,
                  const TensorView& weight, const TensorView& bias, double eps, bool rms) {
  if (in.dim() != 2 || !is_floating(in.dtype)) return false;
  const int64_t rows = in.sizes[0], n = in.sizes[1];
  if (!row_major_2d(in, in.dtype, rows, n) || !row_major_2d(out, in.dtype, rows, n)) return false;
  const bool half = in.dtype == DType::F16 || in.dtype == DType::BF16;
  const DType stat = half ? DType::F32 : in.dtype;
  for (const TensorView* s : {&mean, &rstd})
    if (s->data && (s->dtype != stat || !s->is_contiguous() || s->numel() != rows)) return false;
  if (!optional_vector(weight, in.dtype, n) || !optional_vector(bias, in.dtype, n)) return false;
  if (rows == 0 || n == 0) return true;
  auto run = [&]<class T>() {
    using S = std::conditional_t<std::is_same_v<acc_t<T>, T>, T, float>;
    using A = acc_t<T>;
    launch_rows(rows, n, [&](dim3 grid, dim3 block, bool block_mode) {
      auto args = std::make_tuple(out.ptr<T>(), mean.ptr<S>(), rstd.ptr<S>(), in.ptr<const T>(), weight.ptr<const T>(),
                                  bias.ptr<const T>(), rows, n, A(eps), rms);
      auto* kernel = block_mode ? norm_forward_kernel<T, S, true> : norm_forward_kernel<T, S, false>;
      std::apply([&](auto... a) { TZ_LAUNCH_KERNEL(kernel, grid, block, 0, current_stream(), a...); }, args);
    });
  };
  // (The body is a named lambda: its template commas would split a macro argument.)
  TZ_CUDA_DISPATCH_FLOAT(in.dtype, rms ? "rms_norm" : "layer_norm", run);
  return true;
}

/// Shared backward of layer_norm and rms_norm (grad_bias unused for RMS norm).
bool norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_bias,
                   const TensorView& grad_out, const TensorView& in, const TensorView& weight, double eps, bool rms) {
  if (in.dim() != 2 || !is_floating(in.dtype)) return false;
  const int64_t rows = in.sizes[0], n = in.sizes[1];
  const DType dt = in.dtype;
  if (!row_major_2d(in, dt, rows, n) || !row_major_2d(grad_out, dt, rows, n) || !row_major_2d(grad_in, dt, rows, n))
    return false;
  if (!optional_vector(weight, dt, n) || !optional_vector(grad_weight, dt, n) || !optional_vector(grad_bias, dt, n))
    return false;
  if (n == 0) return true;
  cudaStream_t stream = current_stream();
  auto run = [&]<class T>() {
    using A = acc_t<T>;
    const bool want_columns = grad_weight.data || grad_bias.data;
    DeviceBuffer stats(want_columns ? size_t(2 * std::max<int64_t>(rows, 1)) * sizeof(A) : 0);
    A* mean_buf = want_columns ? stats.as<A>() : nullptr;
    A* rstd_buf = want_columns ? stats.as<A>() + rows : nullptr;
    if (rows > 0)
      launch_rows(rows, n, [&](dim3 grid, dim3 block, bool block_mode) {
        auto args = std::make_tuple(grad_in.ptr<T>(), mean_buf, rstd_buf, grad_out.ptr<const T>(), in.ptr<const T>(),
                                    weight.ptr<const T>(), rows, n, A(eps), rms);
        auto* kernel = block_mode ? norm_backward_kernel<T, true> : norm_backward_kernel<T, false>;
        std::apply([&](auto... a) { TZ_LAUNCH_KERNEL(kernel, grid, block, 0, stream, a...); }, args);
      });
    if (!want_columns) return;
    // Enough row chunks to fill the GPU, few enough that the finishing pass stays cheap.
    const int64_t col_tiles = (n + kColTile - 1) / kColTile;
    const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>((rows + kColRows - 1) / kColRows,
                                                                  std::max<int64_t>(1, 1024 / col_tiles)));
    DeviceBuffer partial(size_t(2 * chunks * n) * sizeof(A));
    A* pw = partial.as<A>();
    A* pb = pw + chunks * n;
    auto* partials = column_partials_kernel<T>;
    TZ_LAUNCH_KERNEL(partials, dim3(unsigned(std::min<int64_t>(col_tiles, 1 << 30)), unsigned(chunks)),
                     dim3(kColTile, kColRows), 0, stream, pw, pb, grad_out.ptr<const T>(), in.ptr<const T>(), mean_buf,
                     rstd_buf, rows, n);
    TZ_CUDA_CHECK_LAUNCH();
    auto* finish = column_finish_kernel<T>;
    if (grad_weight.data) TZ_LAUNCH_KERNEL(finish, grid_for(n), kThreads, 0, stream, grad_weight.ptr<T>(), pw, chunks, n);
    if (grad_bias.data) TZ_LAUNCH_KERNEL(finish, grid_for(n), kThreads, 0, stream, grad_bias.ptr<T>(), pb, chunks, n);
    TZ_CUDA_CHECK_LAUNCH();
  };
  TZ_CUDA_DISPATCH_FLOAT(dt, rms ? "rms_norm_backward" : "layer_norm_backward", run);
  return true;
}

}  // namespace

bool CudaBackend::layer_norm(const TensorView& out, const TensorView& mean, const TensorView& rstd, const TensorView& in,
                             const TensorView& weight, const TensorView& bias, double eps) {
  return norm_forward(out, mean, rstd, in, weight, bias, eps, false);
}

bool CudaBackend::layer_norm_backward(const TensorView& grad_in, const TensorView& grad_weight,
                                      const TensorView& grad_bias, const TensorView& grad_out, const TensorView& in,
                                      const TensorView& weight, double eps) {
  return norm_backward(grad_in, grad_weight, grad_bias, grad_out, in, weight, eps, false);
}

bool CudaBackend::rms_norm(const TensorView& out, const TensorView& rstd, const TensorView& in, const TensorView& weight,
                           double eps) {
  return norm_forward(out, TensorView{}, rstd, in, weight, TensorView{}, eps, true);
}

bool CudaBackend::rms_norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_out,
                                    const TensorView& in, const TensorView& weight, double eps) {
  return norm_backward(grad_in, grad_weight, TensorView{}, grad_out, in, weight, eps, true);
}

}  // namespace tz::cuda_backend
