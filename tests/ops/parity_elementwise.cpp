// Parity cases for unary and binary elementwise ops.
#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};
const std::vector<DType> kAll{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I8, DType::U8};

#define TZ_UNARY_PARITY(name, dtypes, expr, lo, hi)                                             \
  TZ_PARITY(name, dtypes, [](DType dt) { return TL{make_input({3, 5}, dt, lo, hi)}; }, \
            [](const TL& x) { return TL{expr, [&] { const Tensor t = x[0].transpose(0, 1); return expr; }()}; })

// The second output repeats the op on a transposed (non-contiguous) view of the input.
TZ_UNARY_PARITY("neg", kAll, neg(x[0]), -5, 5);
TZ_UNARY_PARITY("abs", kAll, abs(x[0]), -5, 5);
TZ_UNARY_PARITY("exp", kFloats, exp(x[0]), -3, 3);
TZ_UNARY_PARITY("log", kFloats, log(x[0]), 0.1, 3);
TZ_UNARY_PARITY("tanh", kFloats, tanh(x[0]), -3, 3);
TZ_UNARY_PARITY("sigmoid", kFloats, sigmoid(x[0]), -3, 3);
TZ_UNARY_PARITY("gelu", kFloats, gelu(x[0]), -3, 3);
TZ_UNARY_PARITY("silu", kFloats, silu(x[0]), -3, 3);
TZ_UNARY_PARITY("softplus", kFloats, softplus(x[0]), -30, 30);
TZ_UNARY_PARITY("relu", kAll, relu(x[0]), -5, 5);
TZ_UNARY_PARITY("clamp", kAll, clamp(x[0], -2, 3), -5, 5);
TZ_UNARY_PARITY("round", kFloats, round(x[0]), -5, 5);

TZ_PARITY("add/broadcast", kAll,
          [](DType dt) { return TL{make_input({2, 3, 4}, dt, -5, 5, 1), make_input({3, 1}, dt, -5, 5, 2)}; },
          [](const TL& x) { return TL{x[0] + x[1], x[0] * x[1], x[0] - x[1]}; });
TZ_PARITY("div/size0_size1", kFloats,
          [](DType dt) { return TL{make_input({0, 3}, dt, 1, 2, 1), make_input({1, 3}, dt, 1, 2, 2)}; },
          [](const TL& x) { return TL{x[0] / x[1], maximum(x[0], x[1])}; });
TZ_PARITY("compare/transposed", kAll,
          [](DType dt) { return TL{make_input({4, 3}, dt, -3, 3, 1), make_input({3, 4}, dt, -3, 3, 2)}; },
          [](const TL& x) { return TL{lt(x[0].transpose(0, 1), x[1]), eq(x[1], x[1]), where(x[1] > 0, x[1], x[0].t())}; });

}  // namespace
}  // namespace tz::test
