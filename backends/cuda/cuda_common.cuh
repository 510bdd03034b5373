#pragma once
/// Shared helpers of the CUDA backend's kernel files (.cu): error checks, the current stream,
/// dtype -> device type mapping and dispatch, strided offset calculators and launch sizes.
/// Only files in backends/cuda include this (it pulls in CUDA headers).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "core/backend.h"
#include "core/error.h"

/// Throws tz::Error "[cuda] <expr> failed: <reason>" when a CUDA runtime call fails.
#define TZ_CUDA_CHECK(expr)                                                                          \
  do {                                                                                               \
    const cudaError_t tz_cuda_err_ = (expr);                                                         \
    if (tz_cuda_err_ != cudaSuccess) TZ_FAIL("cuda", #expr, " failed: ", cudaGetErrorString(tz_cuda_err_)); \
  } while (0)
/// After a kernel launch: reports launch-configuration errors at the launching op.
#define TZ_CUDA_CHECK_LAUNCH() TZ_CUDA_CHECK(cudaGetLastError())

namespace tz::cuda_backend {

/// The stream this thread queues kernels on for the current device (see tz::cuda::StreamGuard).
cudaStream_t current_stream();
/// The device kernels run on (views carry no device index: the backend keeps the current device
/// in step with the tensors it is given; today the backend serves device 0 for kernels).
int current_device();

/// Maximum number of dims a strided kernel handles after coalescing (more is rejected).
inline constexpr int kMaxDims = 10;

// ---- dtype mapping -----------------------------------------------------------------------------
template <DType> struct CudaTypeOf;
template <> struct CudaTypeOf<DType::F32> { using type = float; };
template <> struct CudaTypeOf<DType::F64> { using type = double; };
template <> struct CudaTypeOf<DType::F16> { using type = __half; };
template <> struct CudaTypeOf<DType::BF16> { using type = __nv_bfloat16; };
template <> struct CudaTypeOf<DType::I64> { using type = int64_t; };
template <> struct CudaTypeOf<DType::I32> { using type = int32_t; };
template <> struct CudaTypeOf<DType::I8> { using type = int8_t; };
template <> struct CudaTypeOf<DType::U8> { using type = uint8_t; };
template <> struct CudaTypeOf<DType::Bool> { using type = bool; };

/// The type arithmetic is done in: float for the 16-bit floats, the type itself otherwise.
template <class T> struct AccOf { using type = T; };
template <> struct AccOf<__half> { using type = float; };
template <> struct AccOf<__nv_bfloat16> { using type = float; };
template <class T> using acc_t = typename AccOf<T>::type;

template <class T> __host__ __device__ inline acc_t<T> to_acc(T v) { return static_cast<acc_t<T>>(v); }
template <> __host__ __device__ inline float to_acc<__half>(__half v) { return __half2float(v); }
template <> __host__ __device__ inline float to_acc<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }

/// Converts any arithmetic value (incl. the 16-bit floats) to T with C++ cast semantics
/// (float -> int truncates, nonzero -> bool true).
template <class T, class S> __host__ __device__ inline T cast_to(S v) {
  if constexpr (std::is_same_v<S, __half> || std::is_same_v<S, __nv_bfloat16>) {
    return cast_to<T>(to_acc(v));
  } else if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != S(0);
  } else {
    return static_cast<T>(v);
  }
}

/// TZ_CUDA_DISPATCH(dtype, "op", [&]<class T>() { ... }) — calls the lambda with T the device
/// type of dtype (all nine dtypes). Variants restrict the set.
#define TZ_CUDA_CASE(dt, fn) \
  case ::tz::DType::dt: fn.template operator()<typename ::tz::cuda_backend::CudaTypeOf<::tz::DType::dt>::type>(); break;
#define TZ_CUDA_DISPATCH(dtype, op, fn)                                                   \
  do {                                                                                    \
    auto&& tz_fn_ = fn;                                                                   \
    switch (dtype) {                                                                      \
      TZ_CUDA_CASE(F32, tz_fn_) TZ_CUDA_CASE(F64, tz_fn_) TZ_CUDA_CASE(F16, tz_fn_)       \
      TZ_CUDA_CASE(BF16, tz_fn_) TZ_CUDA_CASE(I64, tz_fn_) TZ_CUDA_CASE(I32, tz_fn_)      \
      TZ_CUDA_CASE(I8, tz_fn_) TZ_CUDA_CASE(U8, tz_fn_) TZ_CUDA_CASE(Bool, tz_fn_)        \
      default: TZ_FAIL(op, "not implemented on cuda for dtype ", ::tz::dtype_name(dtype)); \
    }                                                                                     \
  } while (0)
/// Floating dtypes only (f32, f64, f16, bf16).
#define TZ_CUDA_DISPATCH_FLOAT(dtype, op, fn)                                             \
  do {                                                                                    \
    auto&& tz_fn_ = fn;                                                                   \
    switch (dtype) {                                                                      \
      TZ_CUDA_CASE(F32, tz_fn_) TZ_CUDA_CASE(F64, tz_fn_) TZ_CUDA_CASE(F16, tz_fn_)       \
      TZ_CUDA_CASE(BF16, tz_fn_)                                                          \
      default: TZ_FAIL(op, "not implemented on cuda for dtype ", ::tz::dtype_name(dtype)); \
    }                                                                                     \
  } while (0)

// ---- strided indexing --------------------------------------------------------------------------
/// Element offsets of N operands that share one iteration shape. Built on the host from views
/// of equal sizes; dims are coalesced (merged where every operand is contiguous across them) so
/// most tensors need one or two dims. linear -> offsets uses the row-major order of `sizes`.
template <int N>
struct OffsetCalc {
  int ndim = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];

  __host__ __device__ void offsets(int64_t linear, int64_t (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t i = linear % sizes[d];
      linear /= sizes[d];
      for (int k = 0; k < N; ++k) off[k] += i * strides[k][d];
    }
  }
};

/// Builds the calculator for views that all have `sizes` (op names the caller in errors).
template <int N>
OffsetCalc<N> make_offset_calc(const Shape& sizes, const TensorView* const (&views)[N], const char* op) {
  OffsetCalc<N> c;
  // Drop size-1 dims, then merge dim d into d+1 when every operand has stride[d] == stride[d+1]*size[d+1].
  int64_t sz[64];
  int64_t st[N][64];
  int nd = 0;
  TZ_CHECK(sizes.size() <= 64, op, "too many dims (", sizes.size(), ")");
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    sz[nd] = sizes[d];
    for (int k = 0; k < N; ++k) st[k][nd] = views[k]->strides[d];
    ++nd;
  }
  int out = 0;
  for (int d = 0; d < nd; ++d) {
    if (out > 0) {
      bool mergeable = true;
      for (int k = 0; k < N; ++k) mergeable = mergeable && st[k][out - 1] == st[k][d] * sz[d];
      if (mergeable) {
        sz[out - 1] *= sz[d];
        for (int k = 0; k < N; ++k) st[k][out - 1] = st[k][d];
        continue;
      }
    }
    sz[out] = sz[d];
    for (int k = 0; k < N; ++k) st[k][out] = st[k][d];
    ++out;
  }
  TZ_CHECK(out <= kMaxDims, op, "cuda kernels handle at most ", kMaxDims, " non-mergeable dims, got ", out);
  c.ndim = out;
  for (int d = 0; d < out; ++d) {
    c.sizes[d] = sz[d];
    for (int k = 0; k < N; ++k) c.strides[k][d] = st[k][d];
  }
  return c;
}

// ---- launch sizes ------------------------------------------------------------------------------
inline constexpr int kThreads = 256;
/// Blocks for a grid-stride loop over n items (capped; the loop covers the rest).
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  const int64_t blocks = (n + threads - 1) / threads;
  return unsigned(std::max<int64_t>(1, std::min<int64_t>(blocks, int64_t(1) << 20)));
}

}  // namespace tz::cuda_backend
