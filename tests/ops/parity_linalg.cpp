// Parity cases for the matrix products (BLAS/blocked CPU kernel vs the reference backend).
#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};
const std::vector<DType> kNumeric{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32};

TZ_PARITY("matmul/ranks", kNumeric,
          [](DType dt) {
            return TL{make_input({3, 4}, dt, -3, 3, 1), make_input({4, 5}, dt, -3, 3, 2), make_input({4}, dt, -3, 3, 3),
                      make_input({2, 1, 3, 4}, dt, -3, 3, 4), make_input({3, 4, 5}, dt, -3, 3, 5)};
          },
          [](const TL& x) {
            return TL{matmul(x[0], x[1]), matmul(x[2], x[1]), matmul(x[0], x[2]), matmul(x[2], x[2]),
                      matmul(x[3], x[4]), matmul(x[3], x[1]), matmul(x[2], x[4])};
          }, 4.0);
TZ_PARITY("matmul/noncontiguous", kFloats,
          [](DType dt) { return TL{make_input({6, 3}, dt, -1, 1, 1), make_input({5, 12}, dt, -1, 1, 2)}; },
          [](const TL& x) {
            return TL{matmul(x[0].t(), x[1].slice(1, 0, 12, 2).t()), bmm(x[0].expand({2, 6, 3}).transpose(1, 2),
                                                                              x[0].expand({2, 6, 3}))};
          }, 4.0);
TZ_PARITY("matmul/size0_size1", kFloats,
          [](DType dt) { return TL{make_input({0, 3}, dt, -1, 1, 1), make_input({3, 1}, dt, -1, 1, 2), make_input({1, 3}, dt)}; },
          [](const TL& x) { return TL{matmul(x[0], x[1]), matmul(x[1], x[2]), matmul(x[2], x[1]), matmul(x[1].slice(0, 0, 0), x[2].slice(1, 0, 0))}; });
TZ_PARITY("linear_einsum", kFloats,
          [](DType dt) { return TL{make_input({2, 3, 4}, dt, -1, 1, 1), make_input({5, 4}, dt, -1, 1, 2), make_input({5}, dt)}; },
          [](const TL& x) {
            return TL{linear(x[0], x[1], x[2]), einsum("bij,kj->bik", {x[0], x[1]}), einsum("bii->bi", {x[0].slice(2, 0, 3)}),
                      outer(x[2], x[2]), dot(x[2], x[2])};
          }, 4.0);

}  // namespace
}  // namespace tz::test
