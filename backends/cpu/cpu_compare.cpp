// Comparison, logical and bitwise binary kernels and where (the ternary select) of the CPU
// backend. The formulas are backends/common/scalar_ops.h (shared with CUDA).
#include "backends/common/scalar_ops.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_elementwise.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

/// A loop per op: the op is a constant inside it, so the formula folds to one expression.
template <BinaryOp OP, class T>
void predicate_loop(const TensorView& out, const TensorView& a, const TensorView& b) {
  using C = compute_t<T>;
  map2<bool, T, T>(out, a, b, [](T x, T y) { return scalar::predicate<C>(OP, C(x), C(y)); });
}

template <class T>
void predicate_typed(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  switch (op) {
    case BinaryOp::Eq: return predicate_loop<BinaryOp::Eq, T>(out, a, b);
    case BinaryOp::Ne: return predicate_loop<BinaryOp::Ne, T>(out, a, b);
    case BinaryOp::Lt: return predicate_loop<BinaryOp::Lt, T>(out, a, b);
    case BinaryOp::Le: return predicate_loop<BinaryOp::Le, T>(out, a, b);
    case BinaryOp::Gt: return predicate_loop<BinaryOp::Gt, T>(out, a, b);
    case BinaryOp::Ge: return predicate_loop<BinaryOp::Ge, T>(out, a, b);
    case BinaryOp::LogicalAnd: return predicate_loop<BinaryOp::LogicalAnd, T>(out, a, b);
    case BinaryOp::LogicalOr: return predicate_loop<BinaryOp::LogicalOr, T>(out, a, b);
    case BinaryOp::LogicalXor: return predicate_loop<BinaryOp::LogicalXor, T>(out, a, b);
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Pow:
    case BinaryOp::Maximum: case BinaryOp::Minimum: case BinaryOp::Remainder: case BinaryOp::FloorDivide:
    case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor: case BinaryOp::Atan2:
      break;
  }
  TZ_FAIL(binary_op_name(op), "is not a comparison or logical op");
}

template <BinaryOp OP, class T>
void bitwise_loop(const TensorView& out, const TensorView& a, const TensorView& b) {
  if constexpr (std::is_same_v<T, bool>)
    map2<bool, bool, bool>(out, a, b, [](bool x, bool y) { return scalar::bool_binary(OP, x, y); });
  else
    map2<T, T, T>(out, a, b, [](T x, T y) { return scalar::int_binary<T>(OP, x, y); });
}

template <class T>
void bitwise_typed(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  if constexpr (std::is_integral_v<T>) {
    switch (op) {
      case BinaryOp::BitwiseAnd: return bitwise_loop<BinaryOp::BitwiseAnd, T>(out, a, b);
      case BinaryOp::BitwiseOr: return bitwise_loop<BinaryOp::BitwiseOr, T>(out, a, b);
      case BinaryOp::BitwiseXor: return bitwise_loop<BinaryOp::BitwiseXor, T>(out, a, b);
      case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Pow:
      case BinaryOp::Maximum: case BinaryOp::Minimum: case BinaryOp::Remainder: case BinaryOp::FloorDivide:
      case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt:
      case BinaryOp::Ge: case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
      case BinaryOp::Atan2:
        break;
    }
  }
  TZ_FAIL(binary_op_name(op), "not implemented on cpu for ", dtype_name(a.dtype));
}

}  // namespace

void binary_predicate(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  TZ_DISPATCH(a.dtype, binary_op_name(op), [&]<class T>() { predicate_typed<T>(op, out, a, b); });
}

void binary_bitwise(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  TZ_DISPATCH(a.dtype, binary_op_name(op), [&]<class T>() { bitwise_typed<T>(op, out, a, b); });
}

void CpuBackend::where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  TZ_DISPATCH(out.dtype, "where", [&]<class T>() {
    map3<T, bool, T, T>(out, cond, a, b, [](bool c, T x, T y) { return c ? x : y; });
  });
}

}  // namespace tz::cpu
