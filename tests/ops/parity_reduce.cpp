// Parity cases for reductions and scans: every dtype the op accepts, size-0/size-1 dims,
// broadcast (expanded, stride-0) and non-contiguous inputs.
#include <cmath>

#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};
const std::vector<DType> kAll{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I8, DType::U8};

TL one(DType dt, const Shape& s, double lo = -3, double hi = 3, uint64_t seed = 1) { return TL{make_input(s, dt, lo, hi, seed)}; }

TZ_PARITY("sum/dims", kAll, [](DType dt) { return one(dt, {3, 4, 5}); },
          [](const TL& x) { return TL{sum(x[0]), sum(x[0], {1}), sum(x[0], {0, 2}, true), sum(x[0].transpose(0, 2), {-1})}; },
          10.0);
TZ_PARITY("sum/size0_size1_broadcast", kAll, [](DType dt) { return one(dt, {1, 4}); },
          [](const TL& x) {
            const Tensor e = x[0].expand({6, 4});  // stride-0 dim
            return TL{sum(e, {0}), sum(e, {1}), sum(x[0].narrow(1, 0, 0), {1}), sum(x[0], {0})};
          });
TZ_PARITY("mean_prod/dims", kFloats, [](DType dt) { return one(dt, {3, 4, 5}, 0.5, 1.5); },
          [](const TL& x) { return TL{mean(x[0], {1}), prod(x[0], {2}), prod(x[0].transpose(0, 1), {0, 2}, true)}; }, 10.0);
TZ_PARITY("prod/ints", {DType::I64, DType::I32, DType::I8, DType::U8}, [](DType dt) { return one(dt, {3, 4}, 1, 3); },
          [](const TL& x) { return TL{prod(x[0], {1}), prod(x[0].t(), {1})}; });
TZ_PARITY("amax_amin/dims", kAll, [](DType dt) { return one(dt, {3, 4, 5}, -50, 50); },
          [](const TL& x) {
            return TL{amax(x[0], {1}), amin(x[0], {0, 2}, true), amax(x[0].permute({2, 0, 1}), {0}), max(x[0]), min(x[0])};
          });
TZ_PARITY("max_min_dim/indices", kAll, [](DType dt) { return one(dt, {4, 6}, -50, 50); },
          [](const TL& x) {
            auto a = max(x[0], 1);
            auto b = min(x[0].t(), 1, true);
            return TL{a.values, a.indices, b.values, b.indices, argmax(x[0]), argmin(x[0], 0), argmax(x[0].expand({3, 4, 6}), 0)};
          });
TZ_PARITY("var_std_logsumexp", kFloats, [](DType dt) { return one(dt, {3, 4, 5}); },
          [](const TL& x) {
            return TL{var(x[0], {1}), std(x[0], {0, 2}, 0, true), var(x[0].transpose(1, 2)), logsumexp(x[0], {2}),
                      logsumexp(x[0].narrow(2, 0, 1), {0, 2}, true)};
          }, 10.0);
TZ_PARITY("norm/orders", kFloats, [](DType dt) { return one(dt, {3, 4}); },
          [](const TL& x) {
            return TL{norm(x[0]), norm(x[0], 1.0, {1}), norm(x[0].t(), 3.0, {0}, true), norm(x[0], INFINITY, {0}),
                      norm(x[0], -INFINITY), norm(x[0], 0.0, {1})};
          }, 10.0);
TZ_PARITY("any_all_count", kAll, [](DType dt) { return one(dt, {3, 5}, -1, 1.5); },
          [](const TL& x) {
            const Tensor r = x[0].to(DType::I64);  // round toward zero: some zeros, some not
            return TL{any(r, {1}), all(r, {0}), any(r.t(), {0}, true), count_nonzero(r, {1}), count_nonzero(x[0])};
          });
TZ_PARITY("cumsum_cumprod", kAll, [](DType dt) { return one(dt, {3, 12}, 0.5, 1.5); },
          [](const TL& x) {
            return TL{cumsum(x[0], 1), cumsum(x[0], 0, true), cumprod(x[0].t(), 1), cumprod(x[0], -1, true),
                      cumsum(x[0].narrow(0, 0, 0), 1)};
          }, 10.0);

}  // namespace
}  // namespace tz::test
