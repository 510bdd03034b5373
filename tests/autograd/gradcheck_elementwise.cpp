// Gradcheck cases for the unary, binary, where/masked_fill and copy ops.
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

// Unary ops on inputs kept away from kinks and domain edges.
#define TZ_UNARY_CASE(name, expr, lo, hi)                                                       \
  TZ_GRADCHECK(name, [] { return TL{gc_input({3, 4}, lo, hi)}; }, [](const TL& x) { return expr; })

TZ_UNARY_CASE("neg", neg(x[0]), -1, 1);
TZ_UNARY_CASE("abs", abs(x[0]), 0.1, 1);
TZ_UNARY_CASE("abs/negative", abs(x[0]), -1, -0.1);
TZ_UNARY_CASE("exp", exp(x[0]), -1, 1);
TZ_UNARY_CASE("expm1", expm1(x[0]), -1, 1);
TZ_UNARY_CASE("log", log(x[0]), 0.5, 2);
TZ_UNARY_CASE("log1p", log1p(x[0]), 0, 2);
TZ_UNARY_CASE("sqrt", sqrt(x[0]), 0.5, 2);
TZ_UNARY_CASE("rsqrt", rsqrt(x[0]), 0.5, 2);
TZ_UNARY_CASE("reciprocal", reciprocal(x[0]), 0.5, 2);
TZ_UNARY_CASE("square", square(x[0]), -1, 1);
TZ_UNARY_CASE("sin", sin(x[0]), -2, 2);
TZ_UNARY_CASE("cos", cos(x[0]), -2, 2);
TZ_UNARY_CASE("tanh", tanh(x[0]), -2, 2);
TZ_UNARY_CASE("sigmoid", sigmoid(x[0]), -3, 3);
TZ_UNARY_CASE("erf", erf(x[0]), -2, 2);
TZ_UNARY_CASE("relu", relu(x[0]), 0.1, 1);
TZ_UNARY_CASE("relu/negative", relu(x[0] - 1.2), 0.1, 1);
TZ_UNARY_CASE("gelu", gelu(x[0]), -3, 3);
TZ_UNARY_CASE("gelu_tanh", gelu(x[0], "tanh"), -3, 3);
TZ_UNARY_CASE("silu", silu(x[0]), -3, 3);
TZ_UNARY_CASE("softplus", softplus(x[0], 2.0, 3.0), -3, 3);
TZ_UNARY_CASE("elu", elu(x[0], 0.7), -2, 2);
TZ_UNARY_CASE("leaky_relu", leaky_relu(x[0], 0.2), -2, 2);
TZ_UNARY_CASE("hardswish", hardswish(x[0] * 5.0), -0.9, 0.9);
TZ_UNARY_CASE("hardsigmoid", hardsigmoid(x[0] * 5.0), -0.9, 0.9);
TZ_UNARY_CASE("clamp", clamp(x[0], -0.5, 0.5), -1, 1);
TZ_UNARY_CASE("pow_scalar", pow(x[0], 2.5), 0.5, 2);
TZ_UNARY_CASE("pow_scalar/int", pow(x[0], 3), -2, 2);

// Binary ops, including broadcasting of both operands.
#define TZ_BINARY_CASE(name, expr, sa, sb, lo, hi)                                                         \
  TZ_GRADCHECK(name, [] { return TL{gc_input(sa, lo, hi, 1), gc_input(sb, lo, hi, 2)}; }, \
               [](const TL& x) { return expr; })

TZ_BINARY_CASE("add", add(x[0], x[1]), Shape({3, 4}), Shape({3, 4}), -1, 1);
TZ_BINARY_CASE("add/broadcast_alpha", add(x[0], x[1], 2.5), Shape({2, 3, 4}), Shape({3, 1}), -1, 1);
TZ_BINARY_CASE("sub/broadcast", x[0] - x[1], Shape({4}), Shape({3, 4}), -1, 1);
TZ_BINARY_CASE("mul/broadcast", x[0] * x[1], Shape({3, 1}), Shape({1, 4}), -1, 1);
TZ_BINARY_CASE("div", x[0] / x[1], Shape({3, 4}), Shape({4}), 0.5, 2);
TZ_BINARY_CASE("pow", pow(x[0], x[1]), Shape({3, 4}), Shape({3, 4}), 0.5, 2);
TZ_BINARY_CASE("maximum", maximum(x[0], x[1]), Shape({3, 4}), Shape({3, 4}), -1, 1);
TZ_BINARY_CASE("minimum/broadcast", minimum(x[0], x[1]), Shape({3, 4}), Shape({1, 4}), -1, 1);
TZ_BINARY_CASE("atan2", atan2(x[0], x[1]), Shape({3, 4}), Shape({3, 4}), 0.5, 2);
TZ_BINARY_CASE("remainder", remainder(x[0], x[1] + 2.0), Shape({3, 4}), Shape({3, 4}), 0.3, 0.7);

TZ_GRADCHECK("where", [] { return TL{gc_input({3, 4}, -1, 1, 1), gc_input({4}, -1, 1, 2)}; },
             [](const TL& x) { return where(x[0] > 0.0, x[0], x[1]); });
TZ_GRADCHECK("masked_fill", [] { return TL{gc_input({3, 4}, -1, 1, 3)}; },
             [](const TL& x) { return masked_fill(x[0] * 2.0, x[0] > 0.0, 5.0); });
// Non-contiguous input: a transposed view.
TZ_GRADCHECK("mul/transposed", [] { return TL{gc_input({4, 3}, -1, 1, 4), gc_input({3, 4}, -1, 1, 5)}; },
             [](const TL& x) { return x[0].transpose(0, 1) * x[1]; });

TZ_GRADCHECK("to_dtype", [] { return TL{gc_input({3, 4})}; },
             [](const TL& x) { return x[0].to(DType::F32).to(DType::F64) * x[0]; },
             GradcheckOptions{1e-3, 1e-3, 1e-2, true});
TZ_GRADCHECK("clone", [] { return TL{gc_input({3, 4})}; }, [](const TL& x) { return x[0].clone() * x[0]; });
TZ_GRADCHECK("contiguous", [] { return TL{gc_input({4, 3})}; },
             [](const TL& x) { return x[0].transpose(0, 1).contiguous() * 2.0; });
// Through the reference device (ext0, registered in every test binary) and back, so both
// moves record a ToDeviceBackward node and the multiply runs on ext0.
TZ_GRADCHECK("to_device", [] { return TL{gc_input({3, 4})}; },
             [](const TL& x) { return (x[0].to(Device(DeviceType::Ext0)) * 3.0).to(kCPU) * x[0]; });

}  // namespace
}  // namespace tz::test
