#pragma once
/// Which dtypes the elementwise op families are defined for. Every backend reports the same
/// coverage from its supports() (the CPU, cuda and reference backends call these), so every
/// parity case that runs on one backend runs on all of them.
#include "core/backend.h"

namespace tz {

/// Neg: all but Bool; Abs, Sign, Square, Relu, Clamp, Floor, Ceil, Round, Trunc, LogicalNot:
/// all; BitwiseNot: integer dtypes and Bool; the transcendental and activation functions:
/// floating dtypes only.
bool unary_op_supports(UnaryOp op, DType dtype);

/// BitwiseAnd/Or/Xor: integer dtypes and Bool; Sub, Div, Pow, Remainder, FloorDivide: all but
/// Bool; Atan2: floating dtypes only; the others (arithmetic, extrema, predicates): all.
bool binary_op_supports(BinaryOp op, DType dtype);

}  // namespace tz
