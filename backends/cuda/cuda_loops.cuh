#pragma once
/// The elementwise launch machinery of the CUDA backend: `launch_map<Out, Ins...>(op, f, out,
/// ins...)` writes out[i] = f(ins[i]...) for every element of `out`.
///
/// Two kernels per functor:
///  - contiguous: every operand is contiguous, or a fully broadcast scalar (all strides 0, loaded
///    once per thread); pointers aligned to the pack size use 16-byte vector loads/stores
///    (VEC = 16 / largest element size elements per thread and step), with a scalar tail;
///  - strided: any strides (incl. stride-0 broadcast dims) through OffsetCalc, used for
///    everything else (including contiguous but misaligned views, which are rare).
/// Both are grid-stride loops with 64-bit indices. Functors take and return storage types
/// (__half, bool, ...) and must be trivially copyable.
#include <type_traits>

#include "backends/cuda/cuda_common.cuh"

namespace tz::cuda_backend {

template <class T, int VEC>
struct alignas(sizeof(T) * VEC) Pack {
  T v[VEC];
};

/// Elements per vector step for operands of these types: one 16-byte access of the widest.
template <class Out, class... Ins>
constexpr int vec_width() {
  size_t widest = sizeof(Out);
  ((widest = sizeof(Ins) > widest ? sizeof(Ins) : widest), ...);
  return int(16 / widest) > 0 ? int(16 / widest) : 1;
}

/// Input pointers of a map; `scalar[k]` marks an input broadcast from one element.
template <int N>
struct MapInputs {
  const void* p[N > 0 ? N : 1];
  bool scalar[N > 0 ? N : 1];
};

template <class T, int VEC>
__device__ __forceinline__ Pack<T, VEC> load_pack(const void* base, int64_t i, bool scalar) {
  Pack<T, VEC> r;
  if (scalar) {
    const T s = static_cast<const T*>(base)[0];
#pragma unroll
    for (int k = 0; k < VEC; ++k) r.v[k] = s;
  } else {
    r = *reinterpret_cast<const Pack<T, VEC>*>(static_cast<const T*>(base) + i);
  }
  return r;
}

template <class T>
__device__ __forceinline__ T load_one(const void* base, int64_t i, bool scalar) {
  return static_cast<const T*>(base)[scalar ? 0 : i];
}

template <class... Ts>
struct TypeList {};
template <int I, class... Ts>
using nth_t = std::tuple_element_t<I, std::tuple<Ts...>>;

/// out[i .. i+VEC) = f(ins[i .. i+VEC)...) (VEC == 1: one element).
template <int VEC, class F, class Out, class... Ins>
__device__ __forceinline__ void map_step(const F& f, Out* out, int64_t i, const MapInputs<sizeof...(Ins)>& in) {
  constexpr int N = sizeof...(Ins);
  Pack<Out, VEC> o;
  if constexpr (N == 0) {
#pragma unroll
    for (int k = 0; k < VEC; ++k) o.v[k] = f();
  } else if constexpr (N == 1) {
    const auto x = load_pack<nth_t<0, Ins...>, VEC>(in.p[0], i, in.scalar[0]);
#pragma unroll
    for (int k = 0; k < VEC; ++k) o.v[k] = f(x.v[k]);
  } else if constexpr (N == 2) {
    const auto x = load_pack<nth_t<0, Ins...>, VEC>(in.p[0], i, in.scalar[0]);
    const auto y = load_pack<nth_t<1, Ins...>, VEC>(in.p[1], i, in.scalar[1]);
#pragma unroll
    for (int k = 0; k < VEC; ++k) o.v[k] = f(x.v[k], y.v[k]);
  } else {
    static_assert(N == 3, "launch_map handles at most three inputs");
    const auto x = load_pack<nth_t<0, Ins...>, VEC>(in.p[0], i, in.scalar[0]);
    const auto y = load_pack<nth_t<1, Ins...>, VEC>(in.p[1], i, in.scalar[1]);
    const auto z = load_pack<nth_t<2, Ins...>, VEC>(in.p[2], i, in.scalar[2]);
#pragma unroll
    for (int k = 0; k < VEC; ++k) o.v[k] = f(x.v[k], y.v[k], z.v[k]);
  }
  *reinterpret_cast<Pack<Out, VEC>*>(out + i) = o;
}

template <int VEC, class F, class Out, class... Ins>
__global__ void __launch_bounds__(kThreads) map_contiguous_kernel(int64_t n, F f, Out* out, MapInputs<sizeof...(Ins)> in) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  const int64_t tid = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t packs = n / VEC;
  for (int64_t v = tid; v < packs; v += stride) map_step<VEC, F, Out, Ins...>(f, out, v * VEC, in);
  for (int64_t i = packs * VEC + tid; i < n; i += stride) map_step<1, F, Out, Ins...>(f, out, i, in);
}

template <class F, class Out, class... Ins>
__global__ void __launch_bounds__(kThreads)
    map_strided_kernel(int64_t n, F f, Out* out, MapInputs<sizeof...(Ins)> in, OffsetCalc<1 + sizeof...(Ins)> calc) {
  constexpr int N = sizeof...(Ins);
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[1 + N];
    calc.offsets(i, off);
    if constexpr (N == 0) {
      out[off[0]] = f();
    } else if constexpr (N == 1) {
      out[off[0]] = f(load_one<nth_t<0, Ins...>>(in.p[0], off[1], false));
    } else if constexpr (N == 2) {
      out[off[0]] = f(load_one<nth_t<0, Ins...>>(in.p[0], off[1], false), load_one<nth_t<1, Ins...>>(in.p[1], off[2], false));
    } else {
      out[off[0]] = f(load_one<nth_t<0, Ins...>>(in.p[0], off[1], false), load_one<nth_t<1, Ins...>>(in.p[1], off[2], false),
                      load_one<nth_t<2, Ins...>>(in.p[2], off[3], false));
    }
  }
}

/// True when every dim of size > 1 has stride 0 (one element broadcast to the whole shape).
inline bool is_broadcast_scalar(const TensorView& v) {
  for (size_t d = 0; d < v.sizes.size(); ++d)
    if (v.sizes[d] != 1 && v.strides[d] != 0) return false;
  return true;
}

/// out = f(ins...) elementwise; every input has out.sizes (broadcast dims have stride 0).
/// `Out`/`Ins` are the device storage types of the views' dtypes.
template <class Out, class... Ins, class F, class... Views>
void launch_map(const char* op, const F& f, const TensorView& out, const Views&... ins) {
  static_assert(sizeof...(Ins) == sizeof...(Views), "one type per input view");
  constexpr int N = sizeof...(Ins);
  const int64_t n = out.numel();
  if (n == 0) return;
  const TensorView* views[N > 0 ? N : 1] = {&ins...};
  MapInputs<N> in{};
  for (int k = 0; k < N; ++k) {
    TZ_CHECK(views[k]->sizes == out.sizes, op, "input ", k, " has sizes ", shape_str(views[k]->sizes), ", expected ",
             shape_str(out.sizes));
    in.p[k] = views[k]->data;
  }
  constexpr int VEC = vec_width<Out, Ins...>();
  constexpr size_t sizes_of[N > 0 ? N : 1] = {sizeof(Ins)...};
  bool contiguous = out.is_contiguous();
  bool aligned = reinterpret_cast<uintptr_t>(out.data) % (sizeof(Out) * VEC) == 0;
  for (int k = 0; k < N && contiguous; ++k) {
    in.scalar[k] = n > 1 && is_broadcast_scalar(*views[k]);
    if (!in.scalar[k]) {
      contiguous = views[k]->is_contiguous();
      aligned = aligned && reinterpret_cast<uintptr_t>(views[k]->data) % (sizes_of[k] * VEC) == 0;
    }
  }
  cudaStream_t stream = current_stream();
  if (contiguous && (aligned || n == 1)) {
    map_contiguous_kernel<VEC, F, Out, Ins...>
        <<<grid_for((n + VEC - 1) / VEC), kThreads, 0, stream>>>(n, f, static_cast<Out*>(out.data), in);
  } else {
    for (int k = 0; k < N; ++k) in.scalar[k] = false;
    const TensorView* all[1 + N];
    all[0] = &out;
    for (int k = 0; k < N; ++k) all[1 + k] = views[k];
    const OffsetCalc<1 + N> calc = make_offset_calc<1 + N>(out.sizes, all, op);
    map_strided_kernel<F, Out, Ins...><<<grid_for(n), kThreads, 0, stream>>>(n, f, static_cast<Out*>(out.data), in, calc);
  }
  TZ_CUDA_CHECK_LAUNCH();
}

/// A floating value converted to the integer type D as the CPU backend does on x86: truncation
/// through int64, where NaN and values outside int64's range give INT64_MIN (the x86 conversion
/// result; the GPU's own conversion would saturate), then a wrapping narrow to D.
template <class D>
__device__ __forceinline__ D float_to_int(double v) {
  const int64_t i = (v >= -9223372036854775808.0 && v < 9223372036854775808.0) ? int64_t(v) : INT64_MIN;
  return static_cast<D>(i);
}

/// Unsigned integer of the same width as T (moves elements as bits).
template <size_t Bytes> struct BitsOf;
template <> struct BitsOf<1> { using type = uint8_t; };
template <> struct BitsOf<2> { using type = uint16_t; };
template <> struct BitsOf<4> { using type = uint32_t; };
template <> struct BitsOf<8> { using type = uint64_t; };

/// Calls fn.template operator()<U>() with U the unsigned integer as wide as one element of dtype.
template <class Fn>
void dispatch_by_size(DType dtype, const char* op, Fn&& fn) {
  switch (dtype_size(dtype)) {
    case 1: fn.template operator()<uint8_t>(); return;
    case 2: fn.template operator()<uint16_t>(); return;
    case 4: fn.template operator()<uint32_t>(); return;
    case 8: fn.template operator()<uint64_t>(); return;
    default: TZ_FAIL(op, "unsupported element size ", dtype_size(dtype));
  }
}

}  // namespace tz::cuda_backend
