// fill, copy (with casts between the nine dtypes), where and flip of the CUDA backend. The conversions
// are the CPU backend's (backends/cpu/cpu_backend.cpp): 16-bit floats go through float, float ->
// integer truncates through int64 (wrapping like PyTorch), anything -> bool is "!= 0".
#include <cstring>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_loops.cuh"
#include "core/half.h"

namespace tz::cuda_backend {

namespace {

template <class T>
inline constexpr bool is_device_float_v =
    std::is_floating_point_v<T> || std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

/// One element converted from S to D (device storage types) with the CPU backend's semantics.
template <class D, class S>
__device__ __forceinline__ D convert(S x) {
  if constexpr (std::is_same_v<D, S>) {
    return x;
  } else if constexpr (std::is_same_v<D, bool>) {
    return to_acc(x) != acc_t<S>(0);
  } else if constexpr (!is_device_float_v<D> && is_device_float_v<S>) {
    return float_to_int<D>(double(to_acc(x)));
  } else {
    // int -> float rounds once to the compute type (float for the 16-bit floats), then narrows.
    return cast_to<D>(static_cast<acc_t<D>>(to_acc(x)));
  }
}

template <class D, class S>
struct ConvertFn {
  __device__ D operator()(S x) const { return convert<D, S>(x); }
};

template <class U>
struct FillFn {
  U bits;
  __device__ U operator()() const { return bits; }
};

template <class U>
struct SelectFn {
  __device__ U operator()(bool c, U x, U y) const { return c ? x : y; }
};

template <class U>
struct MoveFn {
  __device__ U operator()(U x) const { return x; }
};

}  // namespace

void CudaBackend::fill(const TensorView& out, const Scalar& value) {
  if (out.numel() == 0) return;
  // The value is converted on the host exactly as the CPU backend converts it, then written
  // as raw bits of the element's width.
  uint64_t bits = 0;
  TZ_DISPATCH(out.dtype, "fill", [&]<class T>() {
    const T v = value.to<T>();
    std::memcpy(&bits, &v, sizeof(T));
  });
  const size_t width = size_t(dtype_size(out.dtype));
  bool uniform_bytes = true;
  for (size_t k = 1; k < width; ++k) uniform_bytes = uniform_bytes && ((bits >> (8 * k)) & 0xff) == (bits & 0xff);
  if (out.is_contiguous() && uniform_bytes) {
    TZ_CUDA_CHECK(cudaMemsetAsync(out.data, int(bits & 0xff), size_t(out.numel()) * width, current_stream()));
    return;
  }
  dispatch_by_size(out.dtype, "fill", [&]<class U>() { launch_map<U>("fill", FillFn<U>{U(bits)}, out); });
}

void CudaBackend::copy(const TensorView& out, const TensorView& in) {
  TZ_CHECK(out.sizes == in.sizes, "copy", "sizes ", shape_str(out.sizes), " and ", shape_str(in.sizes), " differ");
  const int64_t n = out.numel();
  if (n == 0) return;
  if (out.dtype == in.dtype) {
    if (out.is_contiguous() && in.is_contiguous()) {
      if (out.data != in.data)
        TZ_CUDA_CHECK(cudaMemcpyAsync(out.data, in.data, size_t(n) * size_t(dtype_size(out.dtype)), cudaMemcpyDeviceToDevice,
                                      current_stream()));
      return;
    }
    dispatch_by_size(out.dtype, "copy", [&]<class U>() { launch_map<U, U>("copy", MoveFn<U>{}, out, in); });
    return;
  }
  // (The lambdas are parenthesised: their template argument lists contain commas.)
  TZ_CUDA_DISPATCH(out.dtype, "copy", ([&]<class D>() {
    TZ_CUDA_DISPATCH(in.dtype, "copy", ([&]<class S>() {
      if constexpr (!std::is_same_v<D, S>) launch_map<D, S>("copy", ConvertFn<D, S>{}, out, in);
    }));
  }));
}

void CudaBackend::where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  TZ_CHECK(cond.dtype == DType::Bool, "where", "condition must be bool, got ", dtype_name(cond.dtype));
  // The selection moves bits, so one kernel per element width serves every dtype.
  dispatch_by_size(out.dtype, "where",
                   [&]<class U>() { launch_map<U, bool, U, U>("where", SelectFn<U>{}, out, cond, a, b); });
}

bool CudaBackend::flip(const TensorView& out, const TensorView& in, const std::vector<bool>& dims) {
  TZ_CHECK(dims.size() == in.sizes.size() && out.sizes == in.sizes && out.dtype == in.dtype, "flip",
           "expects out and in of one shape and dtype and a flag per dim, got ", shape_str(out.sizes), " ",
           dtype_name(out.dtype), ", ", shape_str(in.sizes), " ", dtype_name(in.dtype), " and ", dims.size(), " flags");
  if (out.numel() == 0) return true;
  // The strided copy kernel reads through a view of `in` that starts at the last element of each
  // flipped dim and walks it with a negated stride: its offset calculator is signed, so inside
  // this backend the negative strides that TensorView excludes at the boundary are fine.
  TensorView src = in;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (!dims[d] || in.sizes[d] <= 1) continue;
    src.data = static_cast<char*>(src.data) + (in.sizes[d] - 1) * in.strides[d] * dtype_size(in.dtype);
    src.strides[d] = -in.strides[d];
  }
  dispatch_by_size(out.dtype, "flip", [&]<class U>() { launch_map<U, U>("flip", MoveFn<U>{}, out, src); });
  return true;
}

}  // namespace tz::cuda_backend
