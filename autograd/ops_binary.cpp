// Elementwise binary ops, where and masked_fill, with their backward formulas.
#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_unary.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::grad_like;
using autograd::SavedTensor;

namespace {
Tensor wrap(const Scalar& s, const Tensor& like) { return dispatch::wrap_scalar_like(s, like); }
/// "[op] use of an undefined tensor" before dispatch sees the operands (its type promotion
/// would dereference the missing TensorImpl). Two null tests: nothing on the hot path.
void check_operands(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(a, op);
  check_defined(b, op);
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_operands("add", a, b);
  const bool scaled = alpha.to_double() != 1.0;
  Tensor y = scaled ? dispatch::binary(BinaryOp::Add, a, dispatch::binary(BinaryOp::Mul, b, dispatch::wrap_scalar(alpha, b.device()),
                                                                          dispatch::result_type(a, b)))
                    : dispatch::binary(BinaryOp::Add, a, b);
  if (autograd::needs_grad({a, b})) {
    autograd::record("AddBackward", {a, b}, {y}, [sa = a.shape(), da = a.dtype(), sb = b.shape(), db = b.dtype(), alpha,
                                                  scaled](const BackwardArgs& ar) {
      const Tensor& g = ar.grads[0];
      return TensorList{ar.needs_input_grad[0] ? grad_like(g, sa, da) : Tensor(),
                        ar.needs_input_grad[1] ? grad_like(scaled ? g * alpha : g, sb, db) : Tensor()};
    });
  }
  return y;
}

Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_operands("sub", a, b);
  TZ_CHECK(a.dtype() != DType::Bool || b.dtype() != DType::Bool, "sub", "subtraction of bool tensors is not supported (",
           describe(a), ", ", describe(b), "); use logical_xor");
  (void)broadcast_shapes(a.shape(), b.shape(), "sub");  // named as sub, not as the add below
  return add(a, neg(b), alpha);
}

Tensor mul(const Tensor& a, const Tensor& b) {
  check_operands("mul", a, b);
  Tensor y = dispatch::binary(BinaryOp::Mul, a, b);
  if (autograd::needs_grad({a, b})) {
    autograd::record("MulBackward", {a, b}, {y}, [sa = SavedTensor::input(a), sb = SavedTensor::input(b)](const BackwardArgs& ar) {
      const Tensor& g = ar.grads[0];
      Tensor A = sa.unpack(), B = sb.unpack();
      return TensorList{ar.needs_input_grad[0] ? grad_like(g * B, A) : Tensor(),
                        ar.needs_input_grad[1] ? grad_like(g * A, B) : Tensor()};
    });
  }
  return y;
}

Tensor div(const Tensor& a, const Tensor& b, const std::string& mode) {
  check_operands("div", a, b);
  if (mode == "trunc" || mode == "floor") {
    const DType rt = dispatch::result_type(a, b);
    Tensor y = mode == "floor" ? dispatch::binary(BinaryOp::FloorDivide, a, b)
               : is_floating(rt) ? trunc(dispatch::binary(BinaryOp::Div, a, b))
                                 : dispatch::binary(BinaryOp::Div, a, b);
    return y;  // piecewise constant: no gradient
  }
  TZ_CHECK(mode.empty(), "div", "rounding_mode must be '', 'trunc' or 'floor', got '", mode, "'");
  DType rt = dispatch::result_type(a, b);
  if (!is_floating(rt)) rt = kDefaultFloat;  // true division of integers gives float
  Tensor y = dispatch::binary(BinaryOp::Div, a, b, rt);
  if (autograd::needs_grad({a, b})) {
    autograd::record("DivBackward", {a, b}, {y}, [sa = SavedTensor::input(a), sb = SavedTensor::input(b)](const BackwardArgs& ar) {
      const Tensor& g = ar.grads[0];
      Tensor A = sa.unpack(), B = sb.unpack();
      return TensorList{ar.needs_input_grad[0] ? grad_like(g / B, A) : Tensor(),
                        ar.needs_input_grad[1] ? grad_like(-(g * A) / (B * B), B) : Tensor()};
    });
  }
  return y;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  check_operands("pow", a, b);
  Tensor y = dispatch::binary(BinaryOp::Pow, a, b);
  if (autograd::needs_grad({a, b})) {
    autograd::record("PowBackward", {a, b}, {y}, [sa = SavedTensor::input(a), sb = SavedTensor::input(b)](const BackwardArgs& ar) {
      const Tensor& g = ar.grads[0];
      Tensor A = sa.unpack(), B = sb.unpack();
      Tensor ga, gb;
      if (ar.needs_input_grad[0]) ga = grad_like(where(B == wrap(0, B), g * 0.0, g * B * pow(A, B - 1.0)), A);
      if (ar.needs_input_grad[1]) {
        // d/db a^b = a^b log a; defined as 0 where a == 0 and b >= 0 (PyTorch's convention).
        Tensor y2 = pow(A, B);
        gb = grad_like(where(logical_and(A == wrap(0, A), B >= wrap(0, B)), g * 0.0, g * y2 * log(A)), B);
      }
      return TensorList{ga, gb};
    });
  }
  return y;
}

// The base keeps double precision: the backward takes log(a) of it.
Tensor pow(const Scalar& a, const Tensor& b) {
  check_defined(b, "pow");
  return pow(dispatch::wrap_scalar(a, b.device()), b); }

namespace {
/// maximum/minimum: the gradient goes to the larger (smaller) input, split evenly on ties.
Tensor extremum(const Tensor& a, const Tensor& b, bool is_max) {
  check_operands(is_max ? "maximum" : "minimum", a, b);
  Tensor y = dispatch::binary(is_max ? BinaryOp::Maximum : BinaryOp::Minimum, a, b);
  if (autograd::needs_grad({a, b})) {
    autograd::record(is_max ? "MaximumBackward" : "MinimumBackward", {a, b}, {y},
                     [sa = SavedTensor::input(a), sb = SavedTensor::input(b), is_max](const BackwardArgs& ar) {
                       const Tensor& g = ar.grads[0];
                       Tensor A = sa.unpack(), B = sb.unpack();
                       Tensor wins = is_max ? gt(A, B) : lt(A, B);
                       Tensor share = wins.to(g.dtype()) + eq(A, B).to(g.dtype()) * 0.5;
                       return TensorList{ar.needs_input_grad[0] ? grad_like(g * share, A) : Tensor(),
                                         ar.needs_input_grad[1] ? grad_like(g * (1.0 - share), B) : Tensor()};
                     });
  }
  return y;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(a, b, false); }

Tensor remainder(const Tensor& a, const Tensor& b) {
  check_operands("remainder", a, b);
  Tensor y = dispatch::binary(BinaryOp::Remainder, a, b);
  if (autograd::needs_grad({a, b})) {
    autograd::record("RemainderBackward", {a, b}, {y}, [sa = SavedTensor::input(a), sb = SavedTensor::input(b)](const BackwardArgs& ar) {
      const Tensor& g = ar.grads[0];
      Tensor A = sa.unpack(), B = sb.unpack();
      return TensorList{ar.needs_input_grad[0] ? grad_like(g, A) : Tensor(),
                        ar.needs_input_grad[1] ? grad_like(-(g * floor_divide(A, B)), B) : Tensor()};
    });
  }
  return y;
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  check_operands("floor_divide", a, b);
  return dispatch::binary(BinaryOp::FloorDivide, a, b); }

Tensor atan2(const Tensor& a, const Tensor& b) {
  check_operands("atan2", a, b);
  DType rt = dispatch::result_type(a, b);
  if (!is_floating(rt)) rt = kDefaultFloat;
  Tensor y = dispatch::binary(BinaryOp::Atan2, a, b, rt);
  if (autograd::needs_grad({a, b})) {
    autograd::record("Atan2Backward", {a, b}, {y}, [sa = SavedTensor::input(a), sb = SavedTensor::input(b)](const BackwardArgs& ar) {
      const Tensor& g = ar.grads[0];
      Tensor A = sa.unpack(), B = sb.unpack();
      Tensor r2 = A * A + B * B;
      return TensorList{ar.needs_input_grad[0] ? grad_like(g * B / r2, A) : Tensor(),
                        ar.needs_input_grad[1] ? grad_like(-(g * A) / r2, B) : Tensor()};
    });
  }
  return y;
}

#define TZ_PREDICATE(fn, OP)                                   \
  Tensor fn(const Tensor& a, const Tensor& b) {                \
    check_operands(#fn, a, b);                                 \
    return dispatch::binary(BinaryOp::OP, a, b);               \
  }                                                            \
  Tensor fn(const Tensor& a, const Scalar& b) {                \
    check_defined(a, #fn);                                     \
    return dispatch::binary(BinaryOp::OP, a, wrap(b, a));      \
  }
TZ_PREDICATE(eq, Eq)
TZ_PREDICATE(ne, Ne)
TZ_PREDICATE(lt, Lt)
TZ_PREDICATE(le, Le)
TZ_PREDICATE(gt, Gt)
TZ_PREDICATE(ge, Ge)
#undef TZ_PREDICATE

namespace {
Tensor logical(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_operands(binary_op_name(op), a, b);
  return dispatch::binary(op, a, b);
}
}  // namespace
Tensor logical_and(const Tensor& a, const Tensor& b) { return logical(BinaryOp::LogicalAnd, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical(BinaryOp::LogicalOr, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return logical(BinaryOp::LogicalXor, a, b); }

namespace {
Tensor bitwise(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_operands(binary_op_name(op), a, b);
  TZ_CHECK(!is_floating(a.dtype()) && !is_floating(b.dtype()), binary_op_name(op),
           "expects integer or bool tensors, got ", describe(a), " and ", describe(b));
  return dispatch::binary(op, a, b);
}
}  // namespace
Tensor bitwise_and(const Tensor& a, const Tensor& b) { return bitwise(BinaryOp::BitwiseAnd, a, b); }
Tensor bitwise_or(const Tensor& a, const Tensor& b) { return bitwise(BinaryOp::BitwiseOr, a, b); }
Tensor bitwise_xor(const Tensor& a, const Tensor& b) { return bitwise(BinaryOp::BitwiseXor, a, b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_defined(cond, "where");
  check_operands("where", a, b);
  Tensor y = dispatch::where(cond, a, b);
  if (autograd::needs_grad({a, b})) {
    autograd::record("WhereBackward", {a, b}, {y}, [sc = SavedTensor::input(cond), sa = a.shape(), da = a.dtype(),
                                                    sb = b.shape(), db = b.dtype()](const BackwardArgs& ar) {
      const Tensor& g = ar.grads[0];
      Tensor c = sc.unpack();
      return TensorList{ar.needs_input_grad[0] ? grad_like(where(c, g, 0.0), sa, da) : Tensor(),
                        ar.needs_input_grad[1] ? grad_like(where(c, 0.0, g), sb, db) : Tensor()};
    });
  }
  return y;
}
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) {
  check_defined(a, "where");
  return where(cond, a, wrap(b, a));
}
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) {
  check_defined(b, "where");
  return where(cond, wrap(a, b), b);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value) {
  check_operands("masked_fill", x, mask);
  TZ_CHECK(mask.dtype() == DType::Bool, "masked_fill", "mask must be bool, got ", describe(mask));
  broadcast_shapes(x.shape(), mask.shape(), "masked_fill");
  Tensor v = dispatch::scalar_tensor(value, x.dtype(), x.device());
  Tensor y = dispatch::where(mask, v, x);
  if (y.shape() != x.shape()) {
    TZ_FAIL("masked_fill", "mask ", describe(mask), " must broadcast to the input ", describe(x));
  }
  if (autograd::needs_grad({x})) {
    autograd::record("MaskedFillBackward", {x}, {y}, [sm = SavedTensor::input(mask)](const BackwardArgs& ar) {
      return TensorList{where(sm.unpack(), 0.0, ar.grads[0])};
    });
  }
  return y;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  check_operands("masked_fill", x, mask);
  check_defined(value, "masked_fill");
  TZ_CHECK(value.dim() == 0, "masked_fill", "value must be a 0-d tensor, got ", describe(value));
  TZ_CHECK(mask.dtype() == DType::Bool, "masked_fill", "mask must be bool, got ", describe(mask));
  Tensor y = where(mask, value.to(x.dtype()), x);
  TZ_CHECK(y.shape() == x.shape(), "masked_fill", "mask ", describe(mask), " must broadcast to the input ", describe(x));
  return y;
}

Tensor isnan(const Tensor& x) { return ne(x, x); }
Tensor isinf(const Tensor& x) {
  if (!is_floating(x.dtype())) return ne(x, x);
  return eq(abs(x), wrap(INFINITY, x));
}
Tensor isfinite(const Tensor& x) {
  if (!is_floating(x.dtype())) return eq(x, x);
  return logical_and(eq(x, x), ne(abs(x), wrap(INFINITY, x)));
}

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  check_operands("isclose", a, b);
  const DType rt = dispatch::result_type(a, b);
  Tensor af = dispatch::cast(a, is_floating(rt) ? rt : DType::F64), bf = dispatch::cast(b, is_floating(rt) ? rt : DType::F64);
  Tensor d = dispatch::unary(UnaryOp::Abs, dispatch::binary(BinaryOp::Sub, af, bf));
  Tensor tol = dispatch::binary(BinaryOp::Add, wrap(atol, bf),
                                dispatch::binary(BinaryOp::Mul, wrap(rtol, bf), dispatch::unary(UnaryOp::Abs, bf)));
  Tensor close = logical_or(dispatch::binary(BinaryOp::Le, d, tol), eq(af, bf));  // eq covers equal infinities
  if (equal_nan) close = logical_or(close, logical_and(isnan(af), isnan(bf)));
  return close;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return all(isclose(a, b, rtol, atol, equal_nan)).item<bool>();
}

bool equal(const Tensor& a, const Tensor& b) {
  check_operands("equal", a, b);
  if (a.shape() != b.shape()) return false;
  if (a.numel() == 0) return true;
  return all(eq(a, b)).item<bool>();
}

}  // namespace tz
