// Unary kernels of the CUDA backend, with the CPU backend's semantics (backends/cpu/
// cpu_elementwise.cpp): 16-bit floats compute in float, relu/clamp keep NaN, sign(NaN) == 0,
// integer clamp saturates its bounds, bool ops act on {0, 1}, logical_not writes Bool.
//
// Compile time: the hot activations of f32/f16/bf16 get a kernel each (the op is a template
// constant, so the switch folds away); every other (op, dtype) shares one kernel per dtype that
// switches on the op at run time (a uniform branch, cheap next to the memory traffic).
#include <cmath>
#include <limits>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_loops.cuh"
#include "backends/cuda/cuda_math.cuh"

namespace tz::cuda_backend {

namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;

/// op(x) for a floating compute type C (float or double); a, b are the UnaryParams.
template <class C>
__device__ __forceinline__ C float_unary(UnaryOp op, C x, C a, C b) {
  using namespace dmath;
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Abs: return fabs(x);
    case UnaryOp::Sign: return C((C(0) < x) - (x < C(0)));  // sign(NaN) == 0, as torch
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
    case UnaryOp::Sigmoid: return C(1) / (C(1) + exp(-x));
    case UnaryOp::Erf: return erf(x);
    case UnaryOp::Relu: return x > C(0) || isnan(x) ? x : C(0);
    case UnaryOp::GeluErf: return C(0.5) * x * (C(1) + erf(x * C(kSqrt1_2)));
    case UnaryOp::GeluTanh: return C(0.5) * x * (C(1) + tanh(C(kSqrt2OverPi) * (x + C(0.044715) * x * x * x)));
    case UnaryOp::Silu: return x / (C(1) + exp(-x));
    case UnaryOp::Softplus: return x * a > b ? x : log1p(exp(x * a)) / a;  // beta = a, threshold = b
    case UnaryOp::Elu: return x > C(0) ? x : a * expm1(x);
    case UnaryOp::LeakyRelu: return x > C(0) ? x : x * a;
    case UnaryOp::Hardswish: return x * std_min(std_max(x + C(3), C(0)), C(6)) / C(6);
    case UnaryOp::Hardsigmoid: return std_min(std_max(x + C(3), C(0)), C(6)) / C(6);
    case UnaryOp::Floor: return floor(x);
    case UnaryOp::Ceil: return ceil(x);
    case UnaryOp::Round: return rint(x);  // half to even, like torch.round
    case UnaryOp::Trunc: return trunc(x);
    case UnaryOp::Clamp: return isnan(x) ? x : std_min(std_max(x, a), b);
    case UnaryOp::LogicalNot:  // handled by LogicalNotFn
    case UnaryOp::BitwiseNot:  // rejected on the host
      return x;
  }
  return x;
}

/// A floating unary op chosen at run time.
template <class T>
struct FloatUnaryFn {
  UnaryOp op;
  acc_t<T> a, b;
  __device__ T operator()(T x) const { return cast_to<T>(float_unary<acc_t<T>>(op, to_acc(x), a, b)); }
};

/// A floating unary op fixed at compile time (the hot activations).
template <class T, UnaryOp OP>
struct FixedUnaryFn {
  acc_t<T> a, b;
  __device__ T operator()(T x) const { return cast_to<T>(float_unary<acc_t<T>>(OP, to_acc(x), a, b)); }
};

/// Integer unary ops (i64, i32, i8, u8) with wrapping arithmetic; lo/hi are clamp's bounds
/// already saturated to T's range.
template <class T>
struct IntUnaryFn {
  UnaryOp op;
  T lo, hi;
  __device__ T operator()(T x) const {
    switch (op) {
      case UnaryOp::Neg: return T(-x);
      case UnaryOp::Abs:
        if constexpr (std::is_unsigned_v<T>) return x;
        else return T(x < T(0) ? -x : x);
      case UnaryOp::Sign:
        if constexpr (std::is_unsigned_v<T>) return T(x > 0);
        else return T((T(0) < x) - (x < T(0)));
      case UnaryOp::Square: return T(x * x);
      case UnaryOp::Relu: return T(x > T(0) ? x : T(0));
      case UnaryOp::BitwiseNot: return T(~x);
      case UnaryOp::Clamp: return dmath::std_min(dmath::std_max(x, lo), hi);
      default: return x;  // floor/ceil/round/trunc are the identity on integers
    }
  }
};

/// Bool unary ops: clamp maps {0, 1} through its converted bounds, bitwise_not negates, and
/// every other supported op (abs, sign, square, relu, floor, ...) is the identity on {0, 1}.
struct BoolUnaryFn {
  UnaryOp op;
  bool lo, hi;
  __device__ bool operator()(bool x) const {
    if (op == UnaryOp::Clamp) return x ? hi : lo;
    if (op == UnaryOp::BitwiseNot) return !x;
    return x;
  }
};

template <class T>
struct LogicalNotFn {
  __device__ bool operator()(T x) const { return !(to_acc(x) != acc_t<T>(0)); }
};

bool int_unary_supported(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Square: case UnaryOp::Relu:
    case UnaryOp::BitwiseNot: case UnaryOp::Clamp: case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round:
    case UnaryOp::Trunc: case UnaryOp::LogicalNot:
      return true;
    default:
      return false;
  }
}

/// Floating unary: a dedicated kernel for the hot ops of the 32/16-bit floats.
template <class T>
void float_unary_launch(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  using C = acc_t<T>;
  const C a = C(p.a), b = C(p.b);
  const char* name = unary_op_name(op);
  if constexpr (!std::is_same_v<T, double>) {
    switch (op) {
#define TZ_HOT_UNARY(OP) \
  case UnaryOp::OP: launch_map<T, T>(name, FixedUnaryFn<T, UnaryOp::OP>{a, b}, out, in); return;
      TZ_HOT_UNARY(Neg)
      TZ_HOT_UNARY(Exp)
      TZ_HOT_UNARY(Relu)
      TZ_HOT_UNARY(GeluErf)
      TZ_HOT_UNARY(GeluTanh)
      TZ_HOT_UNARY(Silu)
      TZ_HOT_UNARY(Sigmoid)
      TZ_HOT_UNARY(Tanh)
#undef TZ_HOT_UNARY
      default: break;
    }
  }
  launch_map<T, T>(name, FloatUnaryFn<T>{op, a, b}, out, in);
}

/// Clamp's bounds for an integer T: ceil(min) and floor(max), saturated to T's range (an
/// absent bound is -inf/+inf). Compared in double so INT64_MAX's bound does not overflow.
template <class T>
void int_clamp_bounds(const UnaryParams& p, T& lo, T& hi) {
  constexpr T lowest = std::numeric_limits<T>::lowest(), highest = std::numeric_limits<T>::max();
  auto saturate = [&](double v) { return v <= double(lowest) ? lowest : v >= double(highest) ? highest : T(v); };
  lo = saturate(std::ceil(p.a));
  hi = saturate(std::floor(p.b));
}

}  // namespace

void CudaBackend::unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  const char* name = unary_op_name(op);
  if (op == UnaryOp::LogicalNot) {
    TZ_CHECK(out.dtype == DType::Bool, name, "output must be bool, got ", dtype_name(out.dtype));
    TZ_CUDA_DISPATCH(in.dtype, name, ([&]<class T>() { launch_map<bool, T>(name, LogicalNotFn<T>{}, out, in); }));
    return;
  }
  TZ_CHECK(out.dtype == in.dtype, name, "output dtype ", dtype_name(out.dtype), " differs from input ", dtype_name(in.dtype));
  if (is_floating(in.dtype)) {
    TZ_CHECK(op != UnaryOp::BitwiseNot, name, "not implemented on cuda for ", dtype_name(in.dtype));
    TZ_CUDA_DISPATCH_FLOAT(in.dtype, name, [&]<class T>() { float_unary_launch<T>(op, out, in, p); });
    return;
  }
  TZ_CHECK(int_unary_supported(op) && !(in.dtype == DType::Bool && op == UnaryOp::Neg), name, "not implemented on cuda for ",
           dtype_name(in.dtype));
  if (in.dtype == DType::Bool) {
    launch_map<bool, bool>(name, BoolUnaryFn{op, p.a > 0, p.b >= 1}, out, in);
    return;
  }
  TZ_CUDA_DISPATCH(in.dtype, name, ([&]<class T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      T lo{}, hi{};
      if (op == UnaryOp::Clamp) int_clamp_bounds<T>(p, lo, hi);
      launch_map<T, T>(name, IntUnaryFn<T>{op, lo, hi}, out, in);
    }
  }));
}

}  // namespace tz::cuda_backend
