// Unary, binary and where kernels. 16-bit floats compute in f32 (compute_t).
#include <cmath>
#include <limits>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"
#include "backends/cpu/vec_dispatch.h"

namespace tz::cpu {

#define TZ_VEC_DECLS                                                \
  bool unary_f32(UnaryOp, float*, const float*, int64_t);           \
  void softmax_row_f32(float*, const float*, int64_t);
namespace vec_default { TZ_VEC_DECLS }
namespace vec_avx2 { TZ_VEC_DECLS }
namespace vec_avx512 { TZ_VEC_DECLS }
#undef TZ_VEC_DECLS

namespace {
enum class Isa { Default, Avx2, Avx512 };
Isa best_isa() {
#if defined(__x86_64__)
  static const Isa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
      return Isa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
    return Isa::Default;
  }();
  return isa;
#else
  return Isa::Default;
#endif
}
}  // namespace

UnaryF32 best_unary_f32() {
  switch (best_isa()) {
    case Isa::Avx512: return &vec_avx512::unary_f32;
    case Isa::Avx2: return &vec_avx2::unary_f32;
    case Isa::Default: break;
  }
  return &vec_default::unary_f32;
}

SoftmaxRowF32 best_softmax_row_f32() {
  switch (best_isa()) {
    case Isa::Avx512: return &vec_avx512::softmax_row_f32;
    case Isa::Avx2: return &vec_avx2::softmax_row_f32;
    case Isa::Default: break;
  }
  return &vec_default::softmax_row_f32;
}

namespace {

/// Contiguous float32 fast path, split across threads; false when the op has none.
bool unary_f32_contiguous(UnaryOp op, const TensorView& out, const TensorView& in) {
  if (in.dtype != DType::F32 || !in.is_contiguous() || !out.is_contiguous()) return false;
  const UnaryF32 fn = best_unary_f32();
  float* o = out.ptr<float>();
  const float* x = in.ptr<float>();
  const int64_t n = in.numel();
  if (!fn(op, o, x, 0)) return false;
  const int64_t chunks = n >= 2 * kParallelGrain ? std::min<int64_t>(omp_get_max_threads() * 4, n / kParallelGrain) : 1;
  parallel_for_if(chunks > 1, chunks, [&](int64_t c) {
    const int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
    fn(op, o + lo, x + lo, hi - lo);
  });
  return true;
}

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;

template <class C>
C sign_of(C x) {
  if constexpr (std::is_same_v<C, bool>) return x;
  else if constexpr (std::is_unsigned_v<C>) return C(x > 0);
  else return C((C(0) < x) - (x < C(0)));
}

template <class C>
C float_unary(UnaryOp op, C x, C a, C b) {
  switch (op) {
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Expm1: return std::expm1(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Log1p: return std::log1p(x);
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Rsqrt: return C(1) / std::sqrt(x);
    case UnaryOp::Reciprocal: return C(1) / x;
    case UnaryOp::Sin: return std::sin(x);
    case UnaryOp::Cos: return std::cos(x);
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Sigmoid: return C(1) / (C(1) + std::exp(-x));
    case UnaryOp::Erf: return std::erf(x);
    case UnaryOp::GeluErf: return C(0.5) * x * (C(1) + std::erf(x * C(kSqrt1_2)));
    case UnaryOp::GeluTanh: return C(0.5) * x * (C(1) + std::tanh(C(kSqrt2OverPi) * (x + C(0.044715) * x * x * x)));
    case UnaryOp::Silu: return x / (C(1) + std::exp(-x));
    case UnaryOp::Softplus: return x * a > b ? x : std::log1p(std::exp(x * a)) / a;
    case UnaryOp::Elu: return x > C(0) ? x : a * std::expm1(x);
    case UnaryOp::LeakyRelu: return x > C(0) ? x : x * a;
    case UnaryOp::Hardswish: return x * std::min(std::max(x + C(3), C(0)), C(6)) / C(6);
    case UnaryOp::Hardsigmoid: return std::min(std::max(x + C(3), C(0)), C(6)) / C(6);
    case UnaryOp::Floor: return std::floor(x);
    case UnaryOp::Ceil: return std::ceil(x);
    case UnaryOp::Round: return std::nearbyint(x);  // half to even, like torch.round
    case UnaryOp::Trunc: return std::trunc(x);
    default: return x;
  }
}

template <class T>
void unary_typed(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  using C = compute_t<T>;
  if (op == UnaryOp::LogicalNot) {
    map1<bool, T>(out, in, [](T x) { return !(static_cast<C>(x) != C(0)); });
    return;
  }
  if constexpr (std::is_same_v<T, bool>) {
    // bool supports abs/sign/square/relu/clamp/floor/... which are all the identity on {0,1}
    // except clamp, handled by converting the bounds.
    if (op == UnaryOp::Clamp) {
      const bool lo = p.a > 0, hi = p.b >= 1;
      map1<bool, bool>(out, in, [=](bool x) { return x ? hi : lo; });
    } else if (op == UnaryOp::BitwiseNot) {
      map1<bool, bool>(out, in, [](bool x) { return !x; });
    } else {
      map1<bool, bool>(out, in, [](bool x) { return x; });
    }
  } else if constexpr (std::is_floating_point_v<C>) {
    const C a = C(p.a), b = C(p.b);
    switch (op) {
      // The hot simple ops get their own loops so the compiler vectorises them.
      case UnaryOp::Neg: map1<T, T>(out, in, [](T x) { return T(-C(x)); }); return;
      case UnaryOp::Abs: map1<T, T>(out, in, [](T x) { return T(std::abs(C(x))); }); return;
      case UnaryOp::Square: map1<T, T>(out, in, [](T x) { return T(C(x) * C(x)); }); return;
      case UnaryOp::Relu: map1<T, T>(out, in, [](T x) { return T(C(x) > C(0) || std::isnan(C(x)) ? C(x) : C(0)); }); return;
      case UnaryOp::Sign: map1<T, T>(out, in, [](T x) { return T(sign_of(C(x))); }); return;  // sign(NaN) == 0, as torch
      case UnaryOp::Clamp:
        map1<T, T>(out, in, [a, b](T xv) {
          const C x = C(xv);
          return T(std::isnan(x) ? x : std::min(std::max(x, a), b));
        });
        return;
      case UnaryOp::Exp: map1<T, T>(out, in, [](T x) { return T(std::exp(C(x))); }); return;
      case UnaryOp::Tanh: map1<T, T>(out, in, [](T x) { return T(std::tanh(C(x))); }); return;
      default: map1<T, T>(out, in, [op, a, b](T x) { return T(float_unary<C>(op, C(x), a, b)); }); return;
    }
  } else {
    // Integer dtypes.
    switch (op) {
      case UnaryOp::Neg: map1<T, T>(out, in, [](T x) { return T(-x); }); return;
      case UnaryOp::Abs: map1<T, T>(out, in, [](T x) { return T(x < 0 ? -x : x); }); return;
      case UnaryOp::Sign: map1<T, T>(out, in, [](T x) { return sign_of(x); }); return;
      case UnaryOp::Square: map1<T, T>(out, in, [](T x) { return T(x * x); }); return;
      case UnaryOp::Relu: map1<T, T>(out, in, [](T x) { return T(x > 0 ? x : 0); }); return;
      case UnaryOp::BitwiseNot: map1<T, T>(out, in, [](T x) { return T(~x); }); return;
      case UnaryOp::Clamp: {
        // Bounds beyond T's range (an absent bound is +-inf) saturate; comparing in double and
        // converting only in-range values avoids the overflow of double(INT64_MAX) -> int64.
        constexpr T lowest = std::numeric_limits<T>::lowest(), highest = std::numeric_limits<T>::max();
        auto saturate = [&](double v) { return v <= double(lowest) ? lowest : v >= double(highest) ? highest : T(v); };
        const T l = saturate(std::ceil(p.a)), h = saturate(std::floor(p.b));
        map1<T, T>(out, in, [l, h](T x) { return std::min(std::max(x, l), h); });
        return;
      }
      case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
        map1<T, T>(out, in, [](T x) { return x; });
        return;
      default:
        TZ_FAIL(unary_op_name(op), "not implemented on cpu for ", dtype_name(in.dtype));
    }
  }
}

/// PyTorch's floor division of floats: derived from fmod so that it agrees with the remainder
/// (1 // 0.1 == 9, while floor(1 / 0.1) == 10).
template <class C>
C float_floor_divide(C a, C b) {
  if (b == C(0)) return a / b;
  const C mod = std::fmod(a, b);
  C div = (a - mod) / b;
  if (mod != C(0) && (b < C(0)) != (mod < C(0))) div -= C(1);
  if (div == C(0)) return std::copysign(C(0), a / b);
  C fl = std::floor(div);
  if (div - fl > C(0.5)) fl += C(1);
  return fl;
}

/// Integer +, -, * that wrap modulo 2^bits like PyTorch (and the hardware) instead of being
/// undefined behaviour on signed overflow: the arithmetic is done in an unsigned type at least as
/// wide as unsigned int (narrower ones would promote back to signed int, where 65535 * 65535
/// overflows), and the conversion back is modular (C++20).
template <class C>
using WrapUnsigned = std::conditional_t<(sizeof(C) < sizeof(unsigned)), unsigned, std::make_unsigned_t<C>>;
template <class C>
C wrapped_add(C x, C y) { return C(WrapUnsigned<C>(x) + WrapUnsigned<C>(y)); }
template <class C>
C wrapped_sub(C x, C y) { return C(WrapUnsigned<C>(x) - WrapUnsigned<C>(y)); }
template <class C>
C wrapped_mul(C x, C y) { return C(WrapUnsigned<C>(x) * WrapUnsigned<C>(y)); }

template <class T>
T int_pow(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exp & 1) ? -1 : 1;
      return 0;  // PyTorch's tensor-exponent kernel; a negative *scalar* exponent is rejected by pow()
    }
  }
  T r = 1;
  while (exp) {
    if (exp & 1) r = wrapped_mul(r, base);
    base = wrapped_mul(base, base);
    exp = T(exp >> 1);
  }
  return r;
}

/// x / -1 for a signed integer: the wrapped negation. T_MIN / -1 (and T_MIN % -1) overflow, which
/// x86 traps as SIGFPE for int32/int64 (int8 promotes to int and would wrap, but takes the same
/// path). PyTorch, the reference backend and CUDA give T_MIN for the quotient and 0 for the
/// remainder; negating through the unsigned type wraps without undefined behaviour.
template <class C>
bool divides_by_minus_one(C y) {
  if constexpr (std::is_signed_v<C>) return y == C(-1);
  else return false;
}
template <class C>
C wrapped_neg(C x) {
  using U = std::make_unsigned_t<C>;
  return C(U(U(0) - U(x)));
}

template <class T>
void check_int_divisor(const TensorView& b, BinaryOp op) {
  // Integer division by zero is undefined behaviour in C++; raise instead (PyTorch raises too).
  bool zero = false;
  for_each_offset(b.sizes, b.strides, [&](int64_t off) { zero = zero || b.ptr<T>()[off] == T(0); });
  TZ_CHECK(!zero, binary_op_name(op), "integer division by zero");
}

template <class T>
void binary_typed(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  using C = compute_t<T>;
  auto pred = [&](auto f) { map2<bool, T, T>(out, a, b, [f](T x, T y) { return f(C(x), C(y)); }); };
  auto arith = [&](auto f) { map2<T, T, T>(out, a, b, [f](T x, T y) { return T(f(C(x), C(y))); }); };
  switch (op) {
    case BinaryOp::Eq: pred([](C x, C y) { return x == y; }); return;
    case BinaryOp::Ne: pred([](C x, C y) { return x != y; }); return;
    case BinaryOp::Lt: pred([](C x, C y) { return x < y; }); return;
    case BinaryOp::Le: pred([](C x, C y) { return x <= y; }); return;
    case BinaryOp::Gt: pred([](C x, C y) { return x > y; }); return;
    case BinaryOp::Ge: pred([](C x, C y) { return x >= y; }); return;
    case BinaryOp::LogicalAnd: pred([](C x, C y) { return x != C(0) && y != C(0); }); return;
    case BinaryOp::LogicalOr: pred([](C x, C y) { return x != C(0) || y != C(0); }); return;
    case BinaryOp::LogicalXor: pred([](C x, C y) { return (x != C(0)) != (y != C(0)); }); return;
    default: break;
  }
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case BinaryOp::Add: case BinaryOp::Maximum: case BinaryOp::BitwiseOr: arith([](C x, C y) { return x || y; }); return;
      case BinaryOp::Mul: case BinaryOp::Minimum: case BinaryOp::BitwiseAnd: arith([](C x, C y) { return x && y; }); return;
      case BinaryOp::BitwiseXor: arith([](C x, C y) { return x != y; }); return;
      default: TZ_FAIL(binary_op_name(op), "not implemented on cpu for bool");
    }
  } else if constexpr (std::is_floating_point_v<C>) {
    switch (op) {
      case BinaryOp::Add: arith([](C x, C y) { return x + y; }); return;
      case BinaryOp::Sub: arith([](C x, C y) { return x - y; }); return;
      case BinaryOp::Mul: arith([](C x, C y) { return x * y; }); return;
      case BinaryOp::Div: arith([](C x, C y) { return x / y; }); return;
      case BinaryOp::Pow: arith([](C x, C y) { return y == C(2) ? x * x : std::pow(x, y); }); return;
      case BinaryOp::Maximum: arith([](C x, C y) { return std::isnan(x) || std::isnan(y) ? x + y : std::max(x, y); }); return;
      case BinaryOp::Minimum: arith([](C x, C y) { return std::isnan(x) || std::isnan(y) ? x + y : std::min(x, y); }); return;
      case BinaryOp::Remainder:
        arith([](C x, C y) {
          C r = std::fmod(x, y);
          return (r != C(0) && ((r < C(0)) != (y < C(0)))) ? r + y : r;
        });
        return;
      case BinaryOp::FloorDivide: arith([](C x, C y) { return float_floor_divide(x, y); }); return;
      case BinaryOp::Atan2: arith([](C x, C y) { return std::atan2(x, y); }); return;
      default: TZ_FAIL(binary_op_name(op), "not implemented on cpu for ", dtype_name(a.dtype));
    }
  } else {
    switch (op) {
      case BinaryOp::Add: arith([](C x, C y) { return wrapped_add(x, y); }); return;
      case BinaryOp::Sub: arith([](C x, C y) { return wrapped_sub(x, y); }); return;
      case BinaryOp::Mul: arith([](C x, C y) { return wrapped_mul(x, y); }); return;
      case BinaryOp::Maximum: arith([](C x, C y) { return std::max(x, y); }); return;
      case BinaryOp::Minimum: arith([](C x, C y) { return std::min(x, y); }); return;
      case BinaryOp::BitwiseAnd: arith([](C x, C y) { return C(x & y); }); return;
      case BinaryOp::BitwiseOr: arith([](C x, C y) { return C(x | y); }); return;
      case BinaryOp::BitwiseXor: arith([](C x, C y) { return C(x ^ y); }); return;
      case BinaryOp::Pow: arith([](C x, C y) { return int_pow<C>(x, y); }); return;
      case BinaryOp::Div:  // truncating integer division (rounding_mode="trunc")
        check_int_divisor<T>(b, op);
        arith([](C x, C y) { return divides_by_minus_one(y) ? wrapped_neg(x) : C(x / y); });
        return;
      case BinaryOp::FloorDivide:
        check_int_divisor<T>(b, op);
        arith([](C x, C y) {
          if (divides_by_minus_one(y)) return wrapped_neg(x);
          C q = C(x / y);
          if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
          return q;
        });
        return;
      case BinaryOp::Remainder:
        check_int_divisor<T>(b, op);
        arith([](C x, C y) {
          if (divides_by_minus_one(y)) return C(0);
          C r = C(x % y);
          if (r != 0 && ((r < 0) != (y < 0))) r = wrapped_add(r, y);
          return r;
        });
        return;
      default: TZ_FAIL(binary_op_name(op), "not implemented on cpu for ", dtype_name(a.dtype));
    }
  }
}

}  // namespace

void CpuBackend::unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  if (unary_f32_contiguous(op, out, in)) return;
  TZ_DISPATCH(in.dtype, unary_op_name(op), [&]<class T>() { unary_typed<T>(op, out, in, p); });
}

void CpuBackend::binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  TZ_DISPATCH(a.dtype, binary_op_name(op), [&]<class T>() { binary_typed<T>(op, out, a, b); });
}

void CpuBackend::where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  TZ_DISPATCH(out.dtype, "where", [&]<class T>() {
    map3<T, bool, T, T>(out, cond, a, b, [](bool c, T x, T y) { return c ? x : y; });
  });
}

}  // namespace tz::cpu
