#pragma once
/// Device math for the elementwise kernels: one name per function for float and double
/// (dmath::exp(x) calls expf or exp), plus the C++ std::min/std::max semantics the CPU kernels
/// rely on for NaN (min/max return the first argument when a comparison is false).
#include <cuda_runtime.h>

namespace tz::cuda_backend::dmath {

#define TZ_DMATH_UNARY(name)                                                   \
  __device__ __forceinline__ float name(float x) { return ::name##f(x); }    \
  __device__ __forceinline__ double name(double x) { return ::name(x); }
TZ_DMATH_UNARY(exp)
TZ_DMATH_UNARY(expm1)
TZ_DMATH_UNARY(log)
TZ_DMATH_UNARY(log1p)
TZ_DMATH_UNARY(sqrt)
TZ_DMATH_UNARY(sin)
TZ_DMATH_UNARY(cos)
TZ_DMATH_UNARY(tanh)
TZ_DMATH_UNARY(erf)
TZ_DMATH_UNARY(floor)
TZ_DMATH_UNARY(ceil)
TZ_DMATH_UNARY(rint)
TZ_DMATH_UNARY(trunc)
TZ_DMATH_UNARY(fabs)
#undef TZ_DMATH_UNARY

#define TZ_DMATH_BINARY(name)                                                             \
  __device__ __forceinline__ float name(float x, float y) { return ::name##f(x, y); }    \
  __device__ __forceinline__ double name(double x, double y) { return ::name(x, y); }
TZ_DMATH_BINARY(fmod)
TZ_DMATH_BINARY(pow)
TZ_DMATH_BINARY(atan2)
TZ_DMATH_BINARY(copysign)
#undef TZ_DMATH_BINARY

template <class C> __device__ __forceinline__ bool isnan(C x) { return x != x; }
/// std::max(a, b): (a < b) ? b : a — so max(NaN, y) is NaN and max(x, NaN) is x.
template <class C> __device__ __forceinline__ C std_max(C a, C b) { return (a < b) ? b : a; }
/// std::min(a, b): (b < a) ? b : a — so min(NaN, y) is NaN and min(x, NaN) is x.
template <class C> __device__ __forceinline__ C std_min(C a, C b) { return (b < a) ? b : a; }

}  // namespace tz::cuda_backend::dmath
