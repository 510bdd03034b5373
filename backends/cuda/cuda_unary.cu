// Unary kernels of the CUDA backend. The formulas are backends/common/scalar_ops.h, which the CPU
// backend calls too: 16-bit floats compute in float, relu/clamp keep NaN, sign(NaN) == 0,
// integer clamp saturates its bounds, bool ops act on {0, 1}, logical_not writes Bool.
//
// Compile time: the hot activations of f32/f16/bf16 get a kernel each (the op is a template
// constant, so the switch folds away); every other (op, dtype) shares one kernel per dtype that
// switches on the op at run time (a uniform branch, cheap next to the memory traffic).
#include "backends/common/scalar_ops.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_loops.cuh"
#include "core/op_dtypes.h"

namespace tz::cuda_backend {

namespace {

/// A floating unary op chosen at run time.
template <class T>
struct FloatUnaryFn {
  UnaryOp op;
  acc_t<T> a, b;
  __device__ T operator()(T x) const { return cast_to<T>(scalar::float_unary<acc_t<T>>(op, to_acc(x), a, b)); }
};

/// A floating unary op fixed at compile time (the hot activations).
template <class T, UnaryOp OP>
struct FixedUnaryFn {
  acc_t<T> a, b;
  __device__ T operator()(T x) const { return cast_to<T>(scalar::float_unary<acc_t<T>>(OP, to_acc(x), a, b)); }
};

/// Integer unary ops (i64, i32, i8, u8) with wrapping arithmetic; lo/hi are clamp's bounds
/// already saturated to T's range.
template <class T>
struct IntUnaryFn {
  UnaryOp op;
  T lo, hi;
  __device__ T operator()(T x) const { return scalar::int_unary<T>(op, x, lo, hi); }
};

/// Bool unary ops on {0, 1} (scalar::bool_unary).
struct BoolUnaryFn {
  UnaryOp op;
  bool lo, hi;
  __device__ bool operator()(bool x) const { return scalar::bool_unary(op, x, lo, hi); }
};

template <class T>
struct LogicalNotFn {
  __device__ bool operator()(T x) const { return !(to_acc(x) != acc_t<T>(0)); }
};

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
      case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Expm1: case UnaryOp::Log: case UnaryOp::Log1p:
      case UnaryOp::Sqrt: case UnaryOp::Rsqrt: case UnaryOp::Reciprocal: case UnaryOp::Square: case UnaryOp::Sin:
      case UnaryOp::Cos: case UnaryOp::Erf: case UnaryOp::Softplus: case UnaryOp::Elu: case UnaryOp::LeakyRelu:
      case UnaryOp::Hardswish: case UnaryOp::Hardsigmoid: case UnaryOp::Floor: case UnaryOp::Ceil:
      case UnaryOp::Round: case UnaryOp::Trunc: case UnaryOp::Clamp: case UnaryOp::LogicalNot:
      case UnaryOp::BitwiseNot:
        break;  // the shared run-time kernel below
    }
  }
  launch_map<T, T>(name, FloatUnaryFn<T>{op, a, b}, out, in);
}

}  // namespace

void CudaBackend::unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  const char* name = unary_op_name(op);
  // One check up front (the CPU's): the kernels never see an (op, dtype) supports() rejects.
  TZ_CHECK(unary_op_supports(op, in.dtype), name, "not implemented on cuda for ", dtype_name(in.dtype));
  if (op == UnaryOp::LogicalNot) {
    TZ_CHECK(out.dtype == DType::Bool, name, "output must be bool, got ", dtype_name(out.dtype));
    TZ_CUDA_DISPATCH(in.dtype, name, ([&]<class T>() { launch_map<bool, T>(name, LogicalNotFn<T>{}, out, in); }));
    return;
  }
  TZ_CHECK(out.dtype == in.dtype, name, "output dtype ", dtype_name(out.dtype), " differs from input ", dtype_name(in.dtype));
  if (is_floating(in.dtype)) {
    TZ_CUDA_DISPATCH_FLOAT(in.dtype, name, [&]<class T>() { float_unary_launch<T>(op, out, in, p); });
    return;
  }
  if (in.dtype == DType::Bool) {
    launch_map<bool, bool>(name, BoolUnaryFn{op, p.a > 0, p.b >= 1}, out, in);
    return;
  }
  TZ_CUDA_DISPATCH(in.dtype, name, ([&]<class T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      T lo{}, hi{};
      if (op == UnaryOp::Clamp) scalar::int_clamp_bounds<T>(p.a, p.b, lo, hi);
      launch_map<T, T>(name, IntUnaryFn<T>{op, lo, hi}, out, in);
    }
  }));
}

}  // namespace tz::cuda_backend
