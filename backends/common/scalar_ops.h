#pragma once
/// The scalar formulas of the elementwise, scan and optimizer kernels, written once and called
/// by both the CPU backend (backends/cpu, compiled by the host compiler) and the CUDA backend
/// (backends/cuda, compiled by nvcc and, for tests, by the host compiler through the kernel
/// emulator). A formula changed here changes on both backends, so they cannot drift apart.
///
/// Every function is TZ_HOST_DEVICE (`__host__ __device__` under nvcc, nothing otherwise) and
/// uses only the math wrappers below, which call the C library on the host and CUDA's device
/// math on the GPU. C is the compute type: float or double (16-bit floats are loaded to float by
/// the caller and rounded back after); integer formulas take the storage type itself.
///
/// The switches (float_unary, int_unary, bool_unary, float_binary, int_binary, bool_binary,
/// predicate, scan_combine) name every enumerator and have no default, so a new op fails to
/// compile (-Werror=switch) until it is given a formula here. Cases for an op a dtype family does
/// not support (unary_op_supports / binary_op_supports in core/op_dtypes.h say which) are never
/// reached: the backends reject them before launching a kernel. The SIMD loops of the CPU
/// backend (cpu_vec_kernels.inc) keep their own vectorised forms of a few of these formulas.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/backend.h"

#ifndef TZ_HOST_DEVICE
#if defined(__CUDACC__)
#define TZ_HOST_DEVICE __host__ __device__
#else
#define TZ_HOST_DEVICE
#endif
#endif

/// The op switches below are always inlined: a caller that passes a constant op (the CPU's loop
/// per op, CUDA's kernels for the hot ops) gets the one formula, folded and vectorisable.
#if defined(__CUDACC__)
#define TZ_OP_SWITCH __host__ __device__ __forceinline__
#else
#define TZ_OP_SWITCH inline __attribute__((always_inline))
#endif

namespace tz::scalar {

// ---- math wrappers: one name for float and double on host and device ----------------------------
#if defined(__CUDACC__)
#define TZ_SCALAR_MATH1(name)                                                  \
  TZ_HOST_DEVICE inline float name(float x) { return ::name##f(x); }         \
  TZ_HOST_DEVICE inline double name(double x) { return ::name(x); }
#define TZ_SCALAR_MATH2(name)                                                            \
  TZ_HOST_DEVICE inline float name(float x, float y) { return ::name##f(x, y); }       \
  TZ_HOST_DEVICE inline double name(double x, double y) { return ::name(x, y); }
#else
#define TZ_SCALAR_MATH1(name)                                   \
  inline float name(float x) { return std::name(x); }          \
  inline double name(double x) { return std::name(x); }
#define TZ_SCALAR_MATH2(name)                                                    \
  inline float name(float x, float y) { return std::name(x, y); }               \
  inline double name(double x, double y) { return std::name(x, y); }
#endif
TZ_SCALAR_MATH1(exp)
TZ_SCALAR_MATH1(expm1)
TZ_SCALAR_MATH1(log)
TZ_SCALAR_MATH1(log1p)
TZ_SCALAR_MATH1(sqrt)
TZ_SCALAR_MATH1(sin)
TZ_SCALAR_MATH1(cos)
TZ_SCALAR_MATH1(tanh)
TZ_SCALAR_MATH1(erf)
TZ_SCALAR_MATH1(floor)
TZ_SCALAR_MATH1(ceil)
TZ_SCALAR_MATH1(rint)
TZ_SCALAR_MATH1(trunc)
TZ_SCALAR_MATH1(fabs)
TZ_SCALAR_MATH2(fmod)
TZ_SCALAR_MATH2(pow)
TZ_SCALAR_MATH2(atan2)
TZ_SCALAR_MATH2(copysign)
#undef TZ_SCALAR_MATH1
#undef TZ_SCALAR_MATH2

template <class C> TZ_HOST_DEVICE inline bool is_nan(C x) {
#if defined(__CUDACC__)
  return x != x;
#else
  return std::isnan(x);
#endif
}
/// std::max(a, b): (a < b) ? b : a, so max(NaN, y) is NaN and max(x, NaN) is x.
template <class C> TZ_HOST_DEVICE inline C std_max(C a, C b) { return (a < b) ? b : a; }
/// std::min(a, b): (b < a) ? b : a, so min(NaN, y) is NaN and min(x, NaN) is x.
template <class C> TZ_HOST_DEVICE inline C std_min(C a, C b) { return (b < a) ? b : a; }

// ---- floating unary formulas (C = float or double) ----------------------------------------------
inline constexpr double kSqrt1_2 = 0.70710678118654752440;
inline constexpr double kSqrt2OverPi = 0.79788456080286535588;

/// sign(NaN) == 0, as torch.
template <class C> TZ_HOST_DEVICE inline C sign(C x) { return C((C(0) < x) - (x < C(0))); }
/// relu keeps NaN (torch).
template <class C> TZ_HOST_DEVICE inline C relu(C x) { return x > C(0) || is_nan(x) ? x : C(0); }
template <class C> TZ_HOST_DEVICE inline C sigmoid(C x) { return C(1) / (C(1) + exp(-x)); }
template <class C> TZ_HOST_DEVICE inline C gelu_erf(C x) { return C(0.5) * x * (C(1) + erf(x * C(kSqrt1_2))); }
template <class C> TZ_HOST_DEVICE inline C gelu_tanh(C x) {
  return C(0.5) * x * (C(1) + tanh(C(kSqrt2OverPi) * (x + C(0.044715) * x * x * x)));
}
template <class C> TZ_HOST_DEVICE inline C silu(C x) { return x / (C(1) + exp(-x)); }
/// softplus(x) = log(1 + exp(beta x)) / beta, linear above the threshold.
template <class C> TZ_HOST_DEVICE inline C softplus(C x, C beta, C threshold) {
  return x * beta > threshold ? x : log1p(exp(x * beta)) / beta;
}
template <class C> TZ_HOST_DEVICE inline C elu(C x, C alpha) { return x > C(0) ? x : alpha * expm1(x); }
template <class C> TZ_HOST_DEVICE inline C leaky_relu(C x, C slope) { return x > C(0) ? x : x * slope; }
template <class C> TZ_HOST_DEVICE inline C hardsigmoid(C x) { return std_min(std_max(x + C(3), C(0)), C(6)) / C(6); }
template <class C> TZ_HOST_DEVICE inline C hardswish(C x) { return x * std_min(std_max(x + C(3), C(0)), C(6)) / C(6); }
/// clamp keeps NaN (torch); an absent bound is -inf / +inf.
template <class C> TZ_HOST_DEVICE inline C clamp(C x, C lo, C hi) { return is_nan(x) ? x : std_min(std_max(x, lo), hi); }

/// op(x) for a floating compute type; a and b are the UnaryParams (core/backend.h).
template <class C>
TZ_OP_SWITCH C float_unary(UnaryOp op, C x, C a, C b) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Abs: return fabs(x);
    case UnaryOp::Sign: return sign(x);
    case UnaryOp::Exp: return exp(x);
    case UnaryOp::Expm1: return expm1(x);
    case UnaryOp::Log: return log(x);
    case UnaryOp::Log1p: return log1p(x);
    case UnaryOp::Sqrt: return sqrt(x);
    case UnaryOp::Rsqrt: return C(1) / sqrt(x);
    case UnaryOp::Reciprocal: return C(1) / x;
    case UnaryOp::Square: return x * x;
    case UnaryOp::Sin: return sin(x);
    case UnaryOp::Cos: return cos(x);
    case UnaryOp::Tanh: return tanh(x);
    case UnaryOp::Sigmoid: return sigmoid(x);
    case UnaryOp::Erf: return erf(x);
    case UnaryOp::Relu: return relu(x);
    case UnaryOp::GeluErf: return gelu_erf(x);
    case UnaryOp::GeluTanh: return gelu_tanh(x);
    case UnaryOp::Silu: return silu(x);
    case UnaryOp::Softplus: return softplus(x, a, b);
    case UnaryOp::Elu: return elu(x, a);
    case UnaryOp::LeakyRelu: return leaky_relu(x, a);
    case UnaryOp::Hardswish: return hardswish(x);
    case UnaryOp::Hardsigmoid: return hardsigmoid(x);
    case UnaryOp::Floor: return floor(x);
    case UnaryOp::Ceil: return ceil(x);
    case UnaryOp::Round: return rint(x);  // half to even (default rounding mode), like torch.round
    case UnaryOp::Trunc: return trunc(x);
    case UnaryOp::Clamp: return clamp(x, a, b);
    case UnaryOp::LogicalNot: return x == C(0) ? C(1) : C(0);  // the Bool output as 0/1
    case UnaryOp::BitwiseNot: return x;                          // not defined for floats: never reached
  }
  return x;
}

// ---- integer wrapping and saturation ------------------------------------------------------------
/// Integer +, -, *, negation that wrap modulo 2^bits like PyTorch (and the hardware) instead of
/// being undefined behaviour on signed overflow: the arithmetic is done in an unsigned type at
/// least as wide as unsigned int (narrower ones would promote back to signed int, where
/// 65535 * 65535 overflows), and the conversion back is modular (C++20).
template <class T>
using WrapUnsigned = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
template <class T> TZ_HOST_DEVICE inline T wrapped_add(T x, T y) { return T(WrapUnsigned<T>(x) + WrapUnsigned<T>(y)); }
template <class T> TZ_HOST_DEVICE inline T wrapped_sub(T x, T y) { return T(WrapUnsigned<T>(x) - WrapUnsigned<T>(y)); }
template <class T> TZ_HOST_DEVICE inline T wrapped_mul(T x, T y) { return T(WrapUnsigned<T>(x) * WrapUnsigned<T>(y)); }
template <class T> TZ_HOST_DEVICE inline T wrapped_neg(T x) { return T(WrapUnsigned<T>(0) - WrapUnsigned<T>(x)); }

template <class T> TZ_HOST_DEVICE inline bool is_negative(T v) {
  if constexpr (std::is_signed_v<T>) return v < T(0);
  else return false;
}

/// Integer power by squaring, wrapping. A negative exponent follows PyTorch's tensor-exponent
/// kernel: 1 and -1 have exact results, every other base gives 0 (a negative integer *scalar*
/// exponent is rejected by the op layer).
template <class T>
TZ_HOST_DEVICE inline T int_pow(T base, T exp) {
  if (is_negative(exp)) {
    if (base == T(1)) return T(1);
    if constexpr (std::is_signed_v<T>) {
      if (base == T(-1)) return (exp & 1) ? T(-1) : T(1);
    }
    return T(0);
  }
  T r = 1;
  while (exp) {
    if (exp & 1) r = wrapped_mul(r, base);
    base = wrapped_mul(base, base);
    exp = T(exp >> 1);
  }
  return r;
}

/// Integer division (PyTorch's rounding_mode="trunc"), floor division and Python's remainder
/// (the result takes the divisor's sign). y == 0 must be rejected by the caller before (it is
/// undefined behaviour in C++; PyTorch raises); here it gives 0 so a device kernel cannot trap.
/// T_MIN / -1 overflows (x86 traps it as SIGFPE): the wrapped quotient is -x, the remainder 0.
template <class T>
TZ_HOST_DEVICE inline T int_div_trunc(T x, T y) {
  if (y == T(0)) return T(0);
  if constexpr (std::is_signed_v<T>) {
    if (y == T(-1)) return wrapped_neg(x);
  }
  return T(x / y);
}
template <class T>
TZ_HOST_DEVICE inline T int_floor_divide(T x, T y) {
  if (y == T(0)) return T(0);
  if constexpr (std::is_signed_v<T>) {
    if (y == T(-1)) return wrapped_neg(x);
  }
  const T q = T(x / y), r = T(x % y);
  return r != T(0) && is_negative(r) != is_negative(y) ? T(q - 1) : q;
}
template <class T>
TZ_HOST_DEVICE inline T int_remainder(T x, T y) {
  if (y == T(0)) return T(0);
  if constexpr (std::is_signed_v<T>) {
    if (y == T(-1)) return T(0);
  }
  const T r = T(x % y);
  return r != T(0) && is_negative(r) != is_negative(y) ? wrapped_add(r, y) : r;
}

/// v (a double, possibly +-inf) as T, saturated to T's range. Compared in double so that
/// INT64_MAX's bound does not overflow the conversion.
template <class T>
TZ_HOST_DEVICE inline T saturate_to(double v) {
  constexpr T lowest = std::numeric_limits<T>::lowest(), highest = std::numeric_limits<T>::max();
  return v <= double(lowest) ? lowest : v >= double(highest) ? highest : T(v);
}
/// clamp's bounds for an integer T: ceil(min) and floor(max), saturated (an absent bound is
/// -inf / +inf).
template <class T>
TZ_HOST_DEVICE inline void int_clamp_bounds(double min, double max, T& lo, T& hi) {
  lo = saturate_to<T>(ceil(min));
  hi = saturate_to<T>(floor(max));
}

/// Integer unary ops (not bool); lo and hi are clamp's bounds from int_clamp_bounds.
template <class T>
TZ_OP_SWITCH T int_unary(UnaryOp op, T x, T lo, T hi) {
  switch (op) {
    case UnaryOp::Neg: return wrapped_neg(x);
    case UnaryOp::Abs: return is_negative(x) ? wrapped_neg(x) : x;
    case UnaryOp::Sign: return T(T(T(0) < x) - T(is_negative(x)));
    case UnaryOp::Square: return wrapped_mul(x, x);
    case UnaryOp::Relu: return is_negative(x) ? T(0) : x;
    case UnaryOp::BitwiseNot: return T(~x);
    case UnaryOp::Clamp: return std_min(std_max(x, lo), hi);
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
      return x;  // the identity on integers
    case UnaryOp::LogicalNot: return T(x == T(0));
    // Floating-only ops: rejected before any kernel runs (unary_op_supports).
    case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Log: case UnaryOp::Log1p: case UnaryOp::Sqrt:
    case UnaryOp::Rsqrt: case UnaryOp::Reciprocal: case UnaryOp::Sin: case UnaryOp::Cos: case UnaryOp::Tanh:
    case UnaryOp::Sigmoid: case UnaryOp::Erf: case UnaryOp::GeluErf: case UnaryOp::GeluTanh: case UnaryOp::Silu:
    case UnaryOp::Softplus: case UnaryOp::Elu: case UnaryOp::LeakyRelu: case UnaryOp::Hardswish:
    case UnaryOp::Hardsigmoid:
      return x;
  }
  return x;
}

/// Bool unary ops on {0, 1}: clamp maps through its converted bounds (lo = min > 0,
/// hi = max >= 1), the nots negate, abs/sign/square/relu/floor/... are the identity.
TZ_OP_SWITCH bool bool_unary(UnaryOp op, bool x, bool lo, bool hi) {
  switch (op) {
    case UnaryOp::Clamp: return x ? hi : lo;
    case UnaryOp::BitwiseNot: case UnaryOp::LogicalNot: return !x;
    case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Square: case UnaryOp::Relu: case UnaryOp::Floor:
    case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
      return x;
    // Not defined for bool: rejected before any kernel runs (unary_op_supports).
    case UnaryOp::Neg: case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Log: case UnaryOp::Log1p:
    case UnaryOp::Sqrt: case UnaryOp::Rsqrt: case UnaryOp::Reciprocal: case UnaryOp::Sin: case UnaryOp::Cos:
    case UnaryOp::Tanh: case UnaryOp::Sigmoid: case UnaryOp::Erf: case UnaryOp::GeluErf: case UnaryOp::GeluTanh:
    case UnaryOp::Silu: case UnaryOp::Softplus: case UnaryOp::Elu: case UnaryOp::LeakyRelu: case UnaryOp::Hardswish:
    case UnaryOp::Hardsigmoid:
      return x;
  }
  return x;
}

// ---- binary formulas ----------------------------------------------------------------------------
/// Comparisons and logical ops in the compute type C (any dtype's); false for the other ops,
/// which callers route elsewhere (binary_op_is_predicate).
template <class C>
TZ_OP_SWITCH bool predicate(BinaryOp op, C x, C y) {
  switch (op) {
    case BinaryOp::Eq: return x == y;
    case BinaryOp::Ne: return x != y;
    case BinaryOp::Lt: return x < y;
    case BinaryOp::Le: return x <= y;
    case BinaryOp::Gt: return x > y;
    case BinaryOp::Ge: return x >= y;
    case BinaryOp::LogicalAnd: return x != C(0) && y != C(0);
    case BinaryOp::LogicalOr: return x != C(0) || y != C(0);
    case BinaryOp::LogicalXor: return (x != C(0)) != (y != C(0));
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Pow:
    case BinaryOp::Maximum: case BinaryOp::Minimum: case BinaryOp::Remainder: case BinaryOp::FloorDivide:
    case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor: case BinaryOp::Atan2:
      return false;
  }
  return false;
}

/// x ** y, with the common square exact and fast.
template <class C> TZ_HOST_DEVICE inline C float_pow(C x, C y) { return y == C(2) ? x * x : pow(x, y); }
/// maximum / minimum propagate NaN (torch).
template <class C> TZ_HOST_DEVICE inline C maximum(C x, C y) { return is_nan(x) || is_nan(y) ? x + y : std_max(x, y); }
template <class C> TZ_HOST_DEVICE inline C minimum(C x, C y) { return is_nan(x) || is_nan(y) ? x + y : std_min(x, y); }
/// Python's %: the result takes the divisor's sign.
template <class C> TZ_HOST_DEVICE inline C float_remainder(C x, C y) {
  const C r = fmod(x, y);
  return (r != C(0) && ((r < C(0)) != (y < C(0)))) ? r + y : r;
}
/// PyTorch's floor division of floats: derived from fmod so that it agrees with the remainder
/// (1 // 0.1 == 9, while floor(1 / 0.1) == 10).
template <class C>
TZ_HOST_DEVICE inline C float_floor_divide(C a, C b) {
  if (b == C(0)) return a / b;
  const C mod = fmod(a, b);
  C div = (a - mod) / b;
  if (mod != C(0) && (b < C(0)) != (mod < C(0))) div -= C(1);
  if (div == C(0)) return copysign(C(0), a / b);
  C fl = floor(div);
  if (div - fl > C(0.5)) fl += C(1);
  return fl;
}

/// Floating binary ops (the predicates give their Bool result as 0/1; bitwise ops are not
/// defined for floats and never reached).
template <class C>
TZ_OP_SWITCH C float_binary(BinaryOp op, C x, C y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    case BinaryOp::Pow: return float_pow(x, y);
    case BinaryOp::Maximum: return maximum(x, y);
    case BinaryOp::Minimum: return minimum(x, y);
    case BinaryOp::Remainder: return float_remainder(x, y);
    case BinaryOp::FloorDivide: return float_floor_divide(x, y);
    case BinaryOp::Atan2: return atan2(x, y);
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
      return C(predicate(op, x, y));
    case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor:
      return C(0);
  }
  return C(0);
}

/// Integer binary ops (not bool), wrapping; divisors were checked for zero by the caller.
template <class T>
TZ_OP_SWITCH T int_binary(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Add: return wrapped_add(x, y);
    case BinaryOp::Sub: return wrapped_sub(x, y);
    case BinaryOp::Mul: return wrapped_mul(x, y);
    case BinaryOp::Maximum: return std_max(x, y);
    case BinaryOp::Minimum: return std_min(x, y);
    case BinaryOp::BitwiseAnd: return T(x & y);
    case BinaryOp::BitwiseOr: return T(x | y);
    case BinaryOp::BitwiseXor: return T(x ^ y);
    case BinaryOp::Pow: return int_pow(x, y);
    case BinaryOp::Div: return int_div_trunc(x, y);
    case BinaryOp::FloorDivide: return int_floor_divide(x, y);
    case BinaryOp::Remainder: return int_remainder(x, y);
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
      return T(predicate(op, x, y));
    case BinaryOp::Atan2: return T(0);  // floating only: never reached
  }
  return T(0);
}

/// Bool binary ops: add/maximum/or are "or", mul/minimum/and are "and", xor is "!="; sub, div,
/// pow, remainder, floor_divide and atan2 are not defined for bool (never reached).
TZ_OP_SWITCH bool bool_binary(BinaryOp op, bool x, bool y) {
  switch (op) {
    case BinaryOp::Add: case BinaryOp::Maximum: case BinaryOp::BitwiseOr: return x || y;
    case BinaryOp::Mul: case BinaryOp::Minimum: case BinaryOp::BitwiseAnd: return x && y;
    case BinaryOp::BitwiseXor: return x != y;
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
      return predicate(op, x, y);
    case BinaryOp::Sub: case BinaryOp::Div: case BinaryOp::Pow: case BinaryOp::Remainder: case BinaryOp::FloorDivide:
    case BinaryOp::Atan2:
      return false;
  }
  return false;
}

// ---- scans --------------------------------------------------------------------------------------
/// The identity and the combining step of an inclusive scan, in the accumulator type A.
template <class A>
TZ_OP_SWITCH A scan_identity(ScanOp op) {
  switch (op) {
    case ScanOp::CumSum: return A(0);
    case ScanOp::CumProd: return A(1);
  }
  return A(0);
}
template <class A>
TZ_OP_SWITCH A scan_combine(ScanOp op, A acc, A v) {
  switch (op) {
    case ScanOp::CumSum: return A(acc + v);
    case ScanOp::CumProd: return A(acc * v);
  }
  return acc;
}

}  // namespace tz::scalar
