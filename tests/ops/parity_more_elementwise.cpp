// Parity cases for the remaining elementwise, cast, view and random ops.
#include <cmath>

#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};
const std::vector<DType> kInts{DType::I64, DType::I32, DType::I8, DType::U8};
const std::vector<DType> kAll{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I8, DType::U8};

TZ_PARITY("transcendental", kFloats, [](DType dt) { return TL{make_input({4, 6}, dt, 0.1, 2.0, 3)}; },
          [](const TL& x) {
            const Tensor t = x[0].t();
            return TL{sin(t), cos(x[0]), erf(t), expm1(x[0]), log1p(t), rsqrt(x[0]), sqrt(t), reciprocal(x[0]),
                      square(t)};
          });
TZ_PARITY("activations", kFloats, [](DType dt) { return TL{make_input({3, 7}, dt, -4, 4, 4)}; },
          [](const TL& x) {
            return TL{elu(x[0], 0.7), leaky_relu(x[0].t(), 0.1), hardswish(x[0]), hardsigmoid(x[0].t()), gelu(x[0], "tanh")};
          });
TZ_PARITY("rounding_sign", kAll, [](DType dt) { return TL{make_input({5, 3}, dt, -3, 3, 5)}; },
          [](const TL& x) { return TL{ceil(x[0]), trunc(x[0].t()), sign(x[0]), clamp_min(x[0], 1), clamp_max(x[0].t(), 0)}; });
TZ_PARITY("arith_broadcast", kAll,
          [](DType dt) { return TL{make_input({2, 4, 3}, dt, 1, 9, 6), make_input({4, 1}, dt, 1, 5, 7)}; },
          [](const TL& x) {
            return TL{floor_divide(x[0], x[1]), remainder(x[0], x[1]), minimum(x[0], x[1]), pow(x[1], 2),
                      div(x[0], x[1])};
          });
TZ_PARITY("float_binary", kFloats, [](DType dt) { return TL{make_input({3, 4}, dt, -2, 2, 8), make_input({4}, dt, 0.5, 2, 9)}; },
          [](const TL& x) { return TL{atan2(x[0], x[1]), pow(x[1], x[0]), remainder(x[0], x[1]), floor_divide(x[0], x[1])}; });
TZ_PARITY("bitwise", kInts, [](DType dt) { return TL{make_input({3, 5}, dt, 0, 100, 10), make_input({5}, dt, 0, 100, 11)}; },
          [](const TL& x) {
            return TL{bitwise_and(x[0], x[1]), bitwise_or(x[0].t().t(), x[1]), bitwise_xor(x[0], x[1]), bitwise_not(x[0])};
          });
TZ_PARITY("predicates", kAll, [](DType dt) { return TL{make_input({4, 3}, dt, -3, 3, 12), make_input({3}, dt, -3, 3, 13)}; },
          [](const TL& x) {
            return TL{ge(x[0], x[1]), gt(x[0], x[1]), le(x[0], x[1]), ne(x[0], x[1]), logical_and(x[0], x[1]),
                      logical_or(x[0], x[1]), logical_xor(x[0], x[1]), logical_not(x[0])};
          });
TZ_PARITY("nan_inf", {DType::F32, DType::F64},
          [](DType dt) { return TL{tensor({1.0f, NAN, INFINITY, -INFINITY, 0.0f, -2.0f}).to(dt)}; },
          [](const TL& x) {
            return TL{isnan(x[0]), isinf(x[0]), isfinite(x[0]), isclose(x[0], x[0], 1e-5, 1e-8, true), relu(x[0]),
                      clamp(x[0], -1, 1), sign(x[0]), maximum(x[0], flip(x[0], {0}))};
          });
TZ_PARITY("masked_fill_where", kAll, [](DType dt) { return TL{make_input({3, 4}, dt, -3, 3, 14)}; },
          [](const TL& x) { return TL{masked_fill(x[0], x[0] > 0, 7), where(x[0].t() < 1, x[0].t(), x[0].t() * 2)}; });
// Casts between every pair of dtypes (float -> int goes through int64, like PyTorch).
TZ_PARITY("casts", kAll, [](DType dt) { return TL{make_input({2, 5}, dt, -4, 100, 15)}; },
          [](const TL& x) {
            TL out;
            for (DType to : {DType::Bool, DType::U8, DType::I8, DType::I32, DType::I64, DType::F16, DType::BF16, DType::F32,
                             DType::F64})
              out.push_back(x[0].t().to(to));
            return out;
          });
TZ_PARITY("views", kAll, [](DType dt) { return TL{make_input({2, 3, 4}, dt, -5, 5, 16)}; },
          [](const TL& x) {
            const Tensor& t = x[0];
            return TL{t.view({6, 4}).clone(), t.reshape({4, 6}).clone(), t.unsqueeze(1).squeeze(1).clone(),
                      t.unflatten(2, {2, 2}).clone(), t.unfold(2, 2, 1).clone(), t.diagonal(0, 1, 2).clone(),
                      t.as_strided({3, 2}, {2, 5}, 1).clone(), movedim(t, 0, 2).contiguous(), unbind(t, 1)[2].clone(),
                      mm(t[0].to(DType::F64), t[1].to(DType::F64).t())};
          });
// Counter-based random numbers: identical on every backend for the same seed.
TZ_PARITY("random_same_seed", {DType::F32, DType::F64}, [](DType dt) { return TL{ones({64, 33}, dt)}; },
          [](const TL& x) {
            Generator g(1234);
            Tensor u = rand({5, 7}, TensorOptions(x[0].dtype(), x[0].device()), &g);
            Tensor n = randn({5, 7}, TensorOptions(x[0].dtype(), x[0].device()), &g);
            Tensor r = randint(-5, 5, {9}, TensorOptions(DType::I64, x[0].device()), &g);
            manual_seed(99);
            return TL{u, n, r, dropout(x[0], 0.3, true)};
          });

}  // namespace
}  // namespace tz::test
