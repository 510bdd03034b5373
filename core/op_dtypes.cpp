#include "core/op_dtypes.h"

namespace tz {

// Both switches name every op (no default), so that -Werror=switch asks for a decision when an
// op is added.

bool unary_op_supports(UnaryOp op, DType dtype) {
  const bool floating = is_floating(dtype);
  switch (op) {
    case UnaryOp::Neg: return dtype != DType::Bool;
    case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Square: case UnaryOp::Relu: case UnaryOp::Clamp:
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc: case UnaryOp::LogicalNot:
      return true;
    case UnaryOp::BitwiseNot: return !floating;
    case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Log: case UnaryOp::Log1p: case UnaryOp::Sqrt:
    case UnaryOp::Rsqrt: case UnaryOp::Reciprocal: case UnaryOp::Sin: case UnaryOp::Cos: case UnaryOp::Tanh:
    case UnaryOp::Sigmoid: case UnaryOp::Erf: case UnaryOp::GeluErf: case UnaryOp::GeluTanh: case UnaryOp::Silu:
    case UnaryOp::Softplus: case UnaryOp::Elu: case UnaryOp::LeakyRelu: case UnaryOp::Hardswish:
    case UnaryOp::Hardsigmoid:
      return floating;
  }
  return false;
}

bool binary_op_supports(BinaryOp op, DType dtype) {
  const bool floating = is_floating(dtype);
  switch (op) {
    case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor: return !floating;
    case BinaryOp::Sub: case BinaryOp::Div: case BinaryOp::Pow: case BinaryOp::Remainder: case BinaryOp::FloorDivide:
      return dtype != DType::Bool;
    case BinaryOp::Atan2: return floating;
    case BinaryOp::Add: case BinaryOp::Mul: case BinaryOp::Maximum: case BinaryOp::Minimum: case BinaryOp::Eq:
    case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
      return true;
  }
  return false;
}

}  // namespace tz
