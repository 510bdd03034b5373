// Arithmetic binary kernels of the CPU backend (add ... atan2) and CpuBackend::binary, which
// routes each op to its family (comparisons, logical and bitwise ops are in cpu_compare.cpp).
// The formulas are backends/common/scalar_ops.h (shared with CUDA); 16-bit floats compute in f32.
#include "backends/common/scalar_ops.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_elementwise.h"
#include "backends/cpu/loops.h"
#include "core/op_dtypes.h"

namespace tz::cpu {

namespace {

template <class T>
void check_int_divisor(const TensorView& b, BinaryOp op) {
  // Integer division by zero is undefined behaviour in C++; raise instead (PyTorch raises too),
  // before anything is written.
  bool zero = false;
  for_each_offset(b.sizes, b.strides, [&](int64_t off) { zero = zero || b.ptr<T>()[off] == T(0); });
  TZ_CHECK(!zero, binary_op_name(op), "integer division by zero");
}

/// Whether OP is defined for T (binary_op_supports, as a constant): the loops of the other
/// pairs are not instantiated.
template <BinaryOp OP, class T>
constexpr bool arith_defined() {
  if constexpr (std::is_same_v<T, bool>)
    return OP == BinaryOp::Add || OP == BinaryOp::Mul || OP == BinaryOp::Maximum || OP == BinaryOp::Minimum;
  else if constexpr (std::is_integral_v<T>) return OP != BinaryOp::Atan2;
  else return true;
}

/// A loop per op: the op is a constant inside it, so the formula folds to one expression and
/// the simple ones vectorise.
template <BinaryOp OP, class T>
void arith_loop(const TensorView& out, const TensorView& a, const TensorView& b) {
  using C = compute_t<T>;
  if constexpr (!arith_defined<OP, T>())
    TZ_FAIL(binary_op_name(OP), "not implemented on cpu for ", dtype_name(a.dtype));
  else if constexpr (std::is_same_v<T, bool>)
    map2<bool, bool, bool>(out, a, b, [](bool x, bool y) { return scalar::bool_binary(OP, x, y); });
  else if constexpr (std::is_floating_point_v<C>)
    map2<T, T, T>(out, a, b, [](T x, T y) { return T(scalar::float_binary<C>(OP, C(x), C(y))); });
  else
    map2<T, T, T>(out, a, b, [](T x, T y) { return scalar::int_binary<T>(OP, x, y); });
}

template <class T>
void arith_typed(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  constexpr bool is_int = std::is_integral_v<T> && !std::is_same_v<T, bool>;
  switch (op) {
    case BinaryOp::Add: return arith_loop<BinaryOp::Add, T>(out, a, b);
    case BinaryOp::Sub: return arith_loop<BinaryOp::Sub, T>(out, a, b);
    case BinaryOp::Mul: return arith_loop<BinaryOp::Mul, T>(out, a, b);
    case BinaryOp::Div:  // integers: truncating division (rounding_mode="trunc")
      if constexpr (is_int) check_int_divisor<T>(b, op);
      return arith_loop<BinaryOp::Div, T>(out, a, b);
    case BinaryOp::Pow: return arith_loop<BinaryOp::Pow, T>(out, a, b);
    case BinaryOp::Maximum: return arith_loop<BinaryOp::Maximum, T>(out, a, b);
    case BinaryOp::Minimum: return arith_loop<BinaryOp::Minimum, T>(out, a, b);
    case BinaryOp::Remainder:
      if constexpr (is_int) check_int_divisor<T>(b, op);
      return arith_loop<BinaryOp::Remainder, T>(out, a, b);
    case BinaryOp::FloorDivide:
      if constexpr (is_int) check_int_divisor<T>(b, op);
      return arith_loop<BinaryOp::FloorDivide, T>(out, a, b);
    case BinaryOp::Atan2: return arith_loop<BinaryOp::Atan2, T>(out, a, b);
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor: case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor:
      break;  // routed to cpu_compare.cpp by CpuBackend::binary
  }
  TZ_FAIL(binary_op_name(op), "is not an arithmetic op");
}

}  // namespace

void CpuBackend::binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  // One check up front, so that no (op, dtype) supports() rejects computes anything.
  TZ_CHECK(binary_op_supports(op, a.dtype), binary_op_name(op), "not implemented on cpu for ", dtype_name(a.dtype));
  switch (op) {
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
      return binary_predicate(op, out, a, b);
    case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor:
      return binary_bitwise(op, out, a, b);
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Pow:
    case BinaryOp::Maximum: case BinaryOp::Minimum: case BinaryOp::Remainder: case BinaryOp::FloorDivide:
    case BinaryOp::Atan2:
      TZ_DISPATCH(a.dtype, binary_op_name(op), [&]<class T>() { arith_typed<T>(op, out, a, b); });
      return;
  }
  TZ_FAIL(binary_op_name(op), "unknown binary op ", int(op));
}

}  // namespace tz::cpu
