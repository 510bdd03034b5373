// Op entries of the unary elementwise ops: a parity sample on a contiguous input and its
// transposed (non-contiguous) view, and a gradcheck sample on inputs kept away from kinks and
// domain edges.
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

/// The parity sample of a unary op: f on the input and on its transposed view.
void transposed_sample(OpInfo& op, std::function<TensorList(DType)> make, std::function<Tensor(const Tensor&)> f) {
  op.sample("transposed", std::move(make), [f](const TL& x) { return TL{f(x[0]), f(x[0].t())}; });
}

// EXPR is written in terms of `t`, the input tensor.
#define TZ_UNARY(id, DTYPES, PIN, GIN, EXPR)                                   \
  TZ_OPINFO(id) {                                                              \
    op.dtypes = DTYPES;                                                        \
    transposed_sample(op, PIN, [](const Tensor& t) { return EXPR; });          \
    op.grad("", GIN, [](const TL& x) { const Tensor& t = x[0]; return EXPR; }); \
  }
#define TZ_UNARY_NOGRAD(id, DTYPES, PIN, EXPR) \
  TZ_OPINFO(id) {                              \
    op.dtypes = DTYPES;                        \
    transposed_sample(op, PIN, [](const Tensor& t) { return EXPR; }); \
  }

// Sign-agnostic ops on all numeric dtypes.
TZ_OPINFO(neg) {
  op.dtypes = kNumeric;
  transposed_sample(op, in({3, 5}, -5, 5), [](const Tensor& t) { return neg(t); });
  op.grad("", gc({3, 4}), [](const TL& x) { return neg(x[0]); });
}
TZ_OPINFO(abs) {
  op.dtypes = kAll;
  transposed_sample(op, in({3, 5}, -5, 5), [](const Tensor& t) { return abs(t); });
  op.grad("", gc({3, 4}, 0.1, 1), [](const TL& x) { return abs(x[0]); });
  op.grad("negative", gc({3, 4}, -1, -0.1), [](const TL& x) { return abs(x[0]); });
}
TZ_OPINFO(relu) {
  op.dtypes = kAll;
  transposed_sample(op, in({3, 5}, -5, 5), [](const Tensor& t) { return relu(t); });
  op.grad("", gc({3, 4}, 0.1, 1), [](const TL& x) { return relu(x[0]); });
  op.grad("negative", gc({3, 4}, 0.1, 1), [](const TL& x) { return relu(x[0] - 1.2); });
}
TZ_UNARY(clamp, kAll, in({3, 5}, -5, 5), gc({3, 4}), clamp(t, -0.5, 0.5));
TZ_OPINFO(clamp_wide) {  // the parity sample's bounds (clamp's grad sample uses narrower ones)
  op.dtypes = kAll;
  op.raises_as = "clamp";
  transposed_sample(op, in({3, 5}, -5, 5), [](const Tensor& t) { return clamp(t, -2, 3); });
}

// Floating-only maths.
TZ_UNARY(exp, kAll, in({3, 5}, -3, 3), gc({3, 4}), exp(t));
TZ_UNARY(log, kAll, in({3, 5}, 0.1, 3), gc({3, 4}, 0.5, 2), log(t));
TZ_UNARY(tanh, kAll, in({3, 5}, -3, 3), gc({3, 4}, -2, 2), tanh(t));
TZ_UNARY(sigmoid, kAll, in({3, 5}, -3, 3), gc({3, 4}, -3, 3), sigmoid(t));
TZ_UNARY(gelu, kAll, in({3, 5}, -3, 3), gc({3, 4}, -3, 3), gelu(t));
TZ_UNARY(silu, kAll, in({3, 5}, -3, 3), gc({3, 4}, -3, 3), silu(t));
TZ_OPINFO(softplus) {
  op.dtypes = kAll;
  transposed_sample(op, in({3, 5}, -30, 30), [](const Tensor& t) { return softplus(t); });
  op.grad("", gc({3, 4}, -3, 3), [](const TL& x) { return softplus(x[0], 2.0, 3.0); });
}
TZ_UNARY_NOGRAD(round, kAll, in({3, 5}, -5, 5), round(t));
// The transcendental functions on (0.1, 2): inside every domain.
TZ_UNARY(sin, kAll, in({4, 6}, 0.1, 2.0, 3), gc({3, 4}, -2, 2), sin(t));
TZ_UNARY(cos, kAll, in({4, 6}, 0.1, 2.0, 3), gc({3, 4}, -2, 2), cos(t));
TZ_UNARY(erf, kAll, in({4, 6}, 0.1, 2.0, 3), gc({3, 4}, -2, 2), erf(t));
TZ_UNARY(expm1, kAll, in({4, 6}, 0.1, 2.0, 3), gc({3, 4}), expm1(t));
TZ_UNARY(log1p, kAll, in({4, 6}, 0.1, 2.0, 3), gc({3, 4}, 0, 2), log1p(t));
TZ_UNARY(rsqrt, kAll, in({4, 6}, 0.1, 2.0, 3), gc({3, 4}, 0.5, 2), rsqrt(t));
TZ_UNARY(sqrt, kAll, in({4, 6}, 0.1, 2.0, 3), gc({3, 4}, 0.5, 2), sqrt(t));
TZ_UNARY(reciprocal, kAll, in({4, 6}, 0.1, 2.0, 3), gc({3, 4}, 0.5, 2), reciprocal(t));
TZ_OPINFO(square) {
  op.dtypes = kAll;
  transposed_sample(op, in({4, 6}, 0.1, 2.0, 3), [](const Tensor& t) { return square(t); });
  op.grad("", gc({3, 4}), [](const TL& x) { return square(x[0]); });
}
// Activations.
TZ_UNARY(elu, kAll, in({3, 7}, -4, 4, 4), gc({3, 4}, -2, 2), elu(t, 0.7));
TZ_OPINFO(leaky_relu) {
  op.dtypes = kAll;
  transposed_sample(op, in({3, 7}, -4, 4, 4), [](const Tensor& t) { return leaky_relu(t, 0.1); });
  op.grad("", gc({3, 4}, -2, 2), [](const TL& x) { return leaky_relu(x[0], 0.2); });
}
TZ_OPINFO(hardswish) {
  op.dtypes = kAll;
  transposed_sample(op, in({3, 7}, -4, 4, 4), [](const Tensor& t) { return hardswish(t); });
  op.grad("", gc({3, 4}, -0.9, 0.9), [](const TL& x) { return hardswish(x[0] * 5.0); });
}
TZ_OPINFO(hardsigmoid) {
  op.dtypes = kAll;
  transposed_sample(op, in({3, 7}, -4, 4, 4), [](const Tensor& t) { return hardsigmoid(t); });
  op.grad("", gc({3, 4}, -0.9, 0.9), [](const TL& x) { return hardsigmoid(x[0] * 5.0); });
}
TZ_OPINFO(gelu_tanh) {
  op.dtypes = kAll;
  op.raises_as = "gelu";
  transposed_sample(op, in({3, 7}, -4, 4, 4), [](const Tensor& t) { return gelu(t, "tanh"); });
  op.grad("", gc({3, 4}, -3, 3), [](const TL& x) { return gelu(x[0], "tanh"); });
}
TZ_OPINFO(pow_scalar) {
  op.dtypes = kAll;
  op.raises_as = "pow";
  transposed_sample(op, in({4, 3}, 1, 5, 7), [](const Tensor& t) { return pow(t, 2); });
  op.grad("", gc({3, 4}, 0.5, 2), [](const TL& x) { return pow(x[0], 2.5); });
  op.grad("int", gc({3, 4}, -2, 2), [](const TL& x) { return pow(x[0], 3); });
}

// Rounding and sign: every numeric dtype.
TZ_UNARY_NOGRAD(ceil, kAll, in({5, 3}, -3, 3, 5), ceil(t));
TZ_UNARY_NOGRAD(floor, kAll, in({5, 3}, -3, 3, 5), floor(t));
TZ_UNARY_NOGRAD(trunc, kAll, in({5, 3}, -3, 3, 5), trunc(t));
TZ_UNARY_NOGRAD(sign, kAll, in({5, 3}, -3, 3, 5), sign(t));
TZ_UNARY_NOGRAD(clamp_min, kAll, in({5, 3}, -3, 3, 5), clamp_min(t, 1));
TZ_UNARY_NOGRAD(clamp_max, kAll, in({5, 3}, -3, 3, 5), clamp_max(t, 0));

}  // namespace
}  // namespace tz::test
