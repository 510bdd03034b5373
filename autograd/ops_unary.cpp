// Elementwise unary ops and their backward formulas.
#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;
using autograd::SavedTensor;

namespace {

/// Float-only functions promote integer/bool inputs to the default float, as PyTorch.
Tensor as_float(const Tensor& x) { return is_floating(x.dtype()) ? x : dispatch::cast(x, kDefaultFloat); }

/// Records a node whose gradient is g * dfn(x, y) with x the input and y the output.
template <class DFn>
Tensor with_grad(const char* node, const Tensor& x, const Tensor& y, bool saves_input, bool saves_output, DFn dfn) {
  if (!autograd::needs_grad({x})) return y;
  SavedTensor sx = saves_input ? SavedTensor::input(x) : SavedTensor();
  SavedTensor sy = saves_output ? SavedTensor::output(y, 0) : SavedTensor();
  autograd::record(node, {x}, {y}, [sx, sy, dfn](const BackwardArgs& a) {
    return TensorList{dfn(a.grads[0], sx.unpack(), sy.unpack(&a.node))};
  });
  return y;
}

Tensor run(UnaryOp op, const Tensor& x, UnaryParams p = {}) { return dispatch::unary(op, x, p); }

}  // namespace

Tensor neg(const Tensor& x) {
  TZ_CHECK(x.dtype() != DType::Bool, "neg", "negation of a bool tensor is not supported, use logical_not (",
           describe(x), ")");
  return with_grad("NegBackward", x, run(UnaryOp::Neg, x), false, false,
                   [](const Tensor& g, const Tensor&, const Tensor&) { return neg(g); });
}

Tensor abs(const Tensor& x) {
  return with_grad("AbsBackward", x, run(UnaryOp::Abs, x), true, false,
                   [](const Tensor& g, const Tensor& x, const Tensor&) { return g * sign(x); });
}

Tensor sign(const Tensor& x) { return run(UnaryOp::Sign, x); }

Tensor exp(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("ExpBackward", x, run(UnaryOp::Exp, x), false, true,
                   [](const Tensor& g, const Tensor&, const Tensor& y) { return g * y; });
}

Tensor expm1(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("Expm1Backward", x, run(UnaryOp::Expm1, x), false, true,
                   [](const Tensor& g, const Tensor&, const Tensor& y) { return g * (y + 1.0); });
}

Tensor log(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("LogBackward", x, run(UnaryOp::Log, x), true, false,
                   [](const Tensor& g, const Tensor& x, const Tensor&) { return g / x; });
}

Tensor log1p(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("Log1pBackward", x, run(UnaryOp::Log1p, x), true, false,
                   [](const Tensor& g, const Tensor& x, const Tensor&) { return g / (x + 1.0); });
}

Tensor sqrt(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("SqrtBackward", x, run(UnaryOp::Sqrt, x), false, true,
                   [](const Tensor& g, const Tensor&, const Tensor& y) { return g / (y * 2.0); });
}

Tensor rsqrt(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("RsqrtBackward", x, run(UnaryOp::Rsqrt, x), false, true,
                   [](const Tensor& g, const Tensor&, const Tensor& y) { return g * y * y * y * -0.5; });
}

Tensor reciprocal(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("ReciprocalBackward", x, run(UnaryOp::Reciprocal, x), false, true,
                   [](const Tensor& g, const Tensor&, const Tensor& y) { return -(g * y * y); });
}

Tensor square(const Tensor& x) {
  return with_grad("SquareBackward", x, run(UnaryOp::Square, x), true, false,
                   [](const Tensor& g, const Tensor& x, const Tensor&) { return g * x * 2.0; });
}

Tensor sin(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("SinBackward", x, run(UnaryOp::Sin, x), true, false,
                   [](const Tensor& g, const Tensor& x, const Tensor&) { return g * cos(x); });
}

Tensor cos(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("CosBackward", x, run(UnaryOp::Cos, x), true, false,
                   [](const Tensor& g, const Tensor& x, const Tensor&) { return -(g * sin(x)); });
}

Tensor tanh(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("TanhBackward", x, run(UnaryOp::Tanh, x), false, true,
                   [](const Tensor& g, const Tensor&, const Tensor& y) { return g * (1.0 - y * y); });
}

Tensor sigmoid(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("SigmoidBackward", x, run(UnaryOp::Sigmoid, x), false, true,
                   [](const Tensor& g, const Tensor&, const Tensor& y) { return g * y * (1.0 - y); });
}

Tensor erf(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("ErfBackward", x, run(UnaryOp::Erf, x), true, false, [](const Tensor& g, const Tensor& x, const Tensor&) {
    return g * exp(-(x * x)) * (2.0 / std::sqrt(M_PI));
  });
}

Tensor relu(const Tensor& x) {
  return with_grad("ReluBackward", x, run(UnaryOp::Relu, x), false, true,
                   [](const Tensor& g, const Tensor&, const Tensor& y) { return where(y > 0, g, 0.0); });
}

Tensor gelu(const Tensor& x0, const std::string& approximate) {
  Tensor x = as_float(x0);
  if (approximate == "none") {
    return with_grad("GeluBackward", x, run(UnaryOp::GeluErf, x), true, false, [](const Tensor& g, const Tensor& x, const Tensor&) {
      const Tensor cdf = (erf(x * M_SQRT1_2) + 1.0) * 0.5;
      const Tensor pdf = exp(x * x * -0.5) * (1.0 / std::sqrt(2.0 * M_PI));
      return g * (cdf + x * pdf);
    });
  }
  TZ_CHECK(approximate == "tanh", "gelu", "approximate must be 'none' or 'tanh', got '", approximate, "'");
  return with_grad("GeluTanhBackward", x, run(UnaryOp::GeluTanh, x), true, false, [](const Tensor& g, const Tensor& x, const Tensor&) {
    const double k = std::sqrt(2.0 / M_PI), c = 0.044715;
    const Tensor x2 = x * x;
    const Tensor t = tanh((x + x2 * x * c) * k);
    return g * ((t + 1.0) * 0.5 + x * (1.0 - t * t) * (x2 * (3.0 * c) + 1.0) * (0.5 * k));
  });
}

Tensor silu(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("SiluBackward", x, run(UnaryOp::Silu, x), true, false, [](const Tensor& g, const Tensor& x, const Tensor&) {
    const Tensor s = sigmoid(x);
    return g * s * (x * (1.0 - s) + 1.0);
  });
}

Tensor softplus(const Tensor& x0, double beta, double threshold) {
  Tensor x = as_float(x0);
  TZ_CHECK(beta != 0.0, "softplus", "beta must be nonzero");
  return with_grad("SoftplusBackward", x, run(UnaryOp::Softplus, x, {beta, threshold}), true, false,
                   [beta, threshold](const Tensor& g, const Tensor& x, const Tensor&) {
                     return where(x * beta > threshold, g, g * sigmoid(x * beta));
                   });
}

Tensor elu(const Tensor& x0, double alpha) {
  Tensor x = as_float(x0);
  return with_grad("EluBackward", x, run(UnaryOp::Elu, x, {alpha, 0}), true, false,
                   [alpha](const Tensor& g, const Tensor& x, const Tensor&) { return where(x > 0, g, g * exp(x) * alpha); });
}

Tensor leaky_relu(const Tensor& x0, double slope) {
  Tensor x = as_float(x0);
  return with_grad("LeakyReluBackward", x, run(UnaryOp::LeakyRelu, x, {slope, 0}), true, false,
                   [slope](const Tensor& g, const Tensor& x, const Tensor&) { return where(x > 0, g, g * slope); });
}

Tensor hardswish(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("HardswishBackward", x, run(UnaryOp::Hardswish, x), true, false, [](const Tensor& g, const Tensor& x, const Tensor&) {
    return where(x < -3.0, g * 0.0, where(x > 3.0, g, g * (x * 2.0 + 3.0) / 6.0));
  });
}

Tensor hardsigmoid(const Tensor& x0) {
  Tensor x = as_float(x0);
  return with_grad("HardsigmoidBackward", x, run(UnaryOp::Hardsigmoid, x), true, false,
                   [](const Tensor& g, const Tensor& x, const Tensor&) {
                     return where(logical_and(x > -3.0, x < 3.0), g / 6.0, g * 0.0);
                   });
}

Tensor floor(const Tensor& x) { return run(UnaryOp::Floor, x); }
Tensor ceil(const Tensor& x) { return run(UnaryOp::Ceil, x); }
Tensor round(const Tensor& x) { return run(UnaryOp::Round, x); }
Tensor trunc(const Tensor& x) { return run(UnaryOp::Trunc, x); }

Tensor clamp(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  TZ_CHECK(lo || hi, "clamp", "at least one of min and max must be given");
  // A float bound on an integer tensor promotes it, as PyTorch.
  Tensor xin = x;
  if ((lo && lo->is_floating() && !is_floating(x.dtype())) || (hi && hi->is_floating() && !is_floating(x.dtype())))
    xin = dispatch::cast(x, kDefaultFloat);
  const double a = lo ? lo->to_double() : -INFINITY, b = hi ? hi->to_double() : INFINITY;
  return with_grad("ClampBackward", xin, run(UnaryOp::Clamp, xin, {a, b}), true, false,
                   [a, b](const Tensor& g, const Tensor& x, const Tensor&) {
                     return where(logical_and(x >= dispatch::wrap_scalar(a, x.device()),
                                              x <= dispatch::wrap_scalar(b, x.device())),
                                  g, 0.0);
                   });
}
Tensor clamp_min(const Tensor& x, const Scalar& lo) { return clamp(x, lo, std::nullopt); }
Tensor clamp_max(const Tensor& x, const Scalar& hi) { return clamp(x, std::nullopt, hi); }

Tensor logical_not(const Tensor& x) { return run(UnaryOp::LogicalNot, x); }
Tensor bitwise_not(const Tensor& x) {
  TZ_CHECK(!is_floating(x.dtype()), "bitwise_not", "expects an integer or bool tensor, got ", describe(x));
  if (x.dtype() == DType::Bool) return run(UnaryOp::LogicalNot, x);
  return run(UnaryOp::BitwiseNot, x);
}

Tensor pow(const Tensor& x, const Scalar& e) {
  const DType dt = promote_with_scalar(x.dtype(), e);
  Tensor xin = dispatch::cast(x, dt);
  if (e.is_floating() || is_floating(dt)) {
    const double ev = e.to_double();
    if (ev == 1.0) return with_grad("PowScalarBackward", xin, tz::clone(xin), false, false,
                                    [](const Tensor& g, const Tensor&, const Tensor&) { return g; });
    Tensor y = dispatch::binary(BinaryOp::Pow, xin, dispatch::scalar_tensor(e, dt, x.device()), dt);
    return with_grad("PowScalarBackward", xin, y, true, false, [ev](const Tensor& g, const Tensor& x, const Tensor&) {
      if (ev == 0.0) return g * 0.0;
      return g * pow(x, ev - 1.0) * ev;
    });
  }
  // The kernel maps negative integer exponents to 0 (PyTorch's tensor-exponent rule); a negative
  // scalar exponent of an integer tensor is an error in PyTorch.
  TZ_CHECK(e.to_int() >= 0, "pow", "integers to negative integer powers are not allowed (", describe(x), " ** ", e, ")");
  return dispatch::binary(BinaryOp::Pow, xin, dispatch::scalar_tensor(e, dt, x.device()), dt);
}

}  // namespace tz
