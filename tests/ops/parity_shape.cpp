// Parity cases for the shape ops that copy: every dtype family, size-0 and size-1 dims, and
// non-contiguous (transposed or sliced) inputs.
#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kAll{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I8, DType::U8};
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};

TZ_PARITY("cat_stack/noncontiguous", kAll,
          [](DType dt) { return TL{make_input({3, 4}, dt, -5, 5, 1), make_input({4, 2}, dt, -5, 5, 2)}; },
          [](const TL& x) {
            return TL{cat({x[0], x[1].t(), x[0].slice(0, 0, 1)}, 0), cat({x[0].t(), x[1]}, 1),
                      stack({x[0], x[0].t().t()}, 2)};
          });
TZ_PARITY("cat/size0_promote", kAll,
          [](DType dt) { return TL{make_input({0, 3}, dt, -5, 5, 1), make_input({2, 3}, dt, -5, 5, 2)}; },
          [](const TL& x) {
            return TL{cat({x[0], x[1]}, 0), cat({zeros({0}, TensorOptions(DType::I8, x[1].device())), x[1]}, 0), cat({x[1], x[1].to(DType::F64)}, 1)};
          });
TZ_PARITY("split_chunk", kAll, [](DType dt) { return TL{make_input({5, 6}, dt, -5, 5)}; },
          [](const TL& x) {
            TL a = split(x[0].t(), 4, 0), b = chunk(x[0], 4, 1);
            return TL{a[0].contiguous(), a[1].contiguous(), b[0].contiguous(), b[2].contiguous()};
          });
TZ_PARITY("pad/modes", kAll, [](DType dt) { return TL{make_input({2, 3, 5, 4}, dt, -5, 5)}; },
          [](const TL& x) {
            const Tensor t = x[0].transpose(2, 3);
            return TL{pad(x[0], {1, 2, -1, 0, 1, 1}, "constant", 3.0), pad(t, {2, 1, 1, 3}, "reflect"),
                      pad(t, {2, 1, 0, 3}, "replicate"), pad(x[0], {-1, 3, 2, 1}, "circular")};
          });
TZ_PARITY("pad/size1", kFloats, [](DType dt) { return TL{make_input({1, 1, 4}, dt, -5, 5)}; },
          [](const TL& x) { return TL{pad(x[0], {3, 3}, "replicate"), pad(x[0], {1, 1, 1, 1}, "constant", -1.0)}; });
TZ_PARITY("roll_flip", kAll, [](DType dt) { return TL{make_input({3, 50, 2}, dt, -5, 5)}; },
          [](const TL& x) {
            const Tensor t = x[0].transpose(0, 1);
            return TL{roll(x[0], {7, -1}, {1, 0}), roll(t, {3}), flip(x[0], {1}), flip(t, {0, 1, 2}),
                      flip(x[0].slice(1, 0, 0), {1})};
          });
TZ_PARITY("repeat_family", kAll, [](DType dt) { return TL{make_input({2, 3}, dt, -5, 5)}; },
          [](const TL& x) {
            return TL{repeat(x[0].t(), {2, 1, 2}), repeat_interleave(x[0], 3, 0), repeat_interleave(x[0].t(), 2),
                      repeat_interleave(x[0], tensor({1, 0, 2}), 1), repeat(x[0], {0, 2})};
          });
TZ_PARITY("tril_triu_meshgrid", kAll, [](DType dt) { return TL{make_input({2, 4, 3}, dt, -5, 5)}; },
          [](const TL& x) {
            const Tensor t = x[0].transpose(1, 2);
            TL g = meshgrid({x[0].select(0, 0).select(1, 0), x[0].select(0, 1).select(0, 2)}, "xy");
            return TL{tril(x[0], -1), triu(t, 1), tril(x[0].slice(1, 0, 0)), g[0].contiguous(), g[1].contiguous()};
          });

}  // namespace
}  // namespace tz::test
