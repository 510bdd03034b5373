// Parity cases for the pooling family: the reference backend has no pool/resample kernels, so
// these compare the CPU kernels (oneDNN and loops) with the composites.
#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};

TZ_PARITY("max_pool2d/ceil_dilation_transposed", kFloats,
          [](DType dt) { return TL{make_input({2, 3, 7, 6}, dt, -2, 2, 1)}; },
          [](const TL& x) {
            const ValuesIndices r = max_pool2d_with_indices(x[0].transpose(2, 3), {3}, {2}, {1}, {1, 2}, true);
            return TL{r.values, r.indices, max_pool2d(x[0], {2}, {1}, {1})};
          });
TZ_PARITY("max_pool1d_3d/size1_batchless", kFloats,
          [](DType dt) { return TL{make_input({1, 1, 5}, dt, -2, 2, 2), make_input({2, 3, 4, 1}, dt, -2, 2, 3)}; },
          [](const TL& x) {
            return TL{max_pool1d(x[0], {2}, {1}, {1}, {1}, true), max_pool3d(x[1], {2, 2, 1}, {1, 2, 1}, {1, 0, 0})};
          });
TZ_PARITY("avg_pool/ceil_pad_divisor", kFloats,
          [](DType dt) { return TL{make_input({2, 2, 6, 7}, dt, -2, 2, 4), make_input({1, 2, 3, 4, 5}, dt, -2, 2, 5)}; },
          [](const TL& x) {
            return TL{avg_pool2d(x[0], {3}, {2}, {1}, true, true), avg_pool2d(x[0], {3}, {2}, {1}, true, false),
                      avg_pool2d(x[0].transpose(2, 3), {2}, {1}, {1}, false, true, 3),
                      avg_pool3d(x[1], {2}, {2}, {1}, true, false), avg_pool1d(x[0].flatten(2), {4}, {3}, {2}, true)};
          });
TZ_PARITY("pool/empty_batch_and_broadcast", kFloats,
          [](DType dt) { return TL{make_input({0, 2, 4, 4}, dt, -2, 2, 6), make_input({1, 1, 4, 5}, dt, -2, 2, 7)}; },
          [](const TL& x) {
            const Tensor expanded = x[1].expand({2, 3, 4, 5});  // stride-0 batch and channel dims
            return TL{max_pool2d(x[0], {2}), avg_pool2d(x[0], {2}), max_pool2d(expanded, {2}, {1}),
                      avg_pool2d(expanded, {3}, {2}, {1}, true)};
          });
TZ_PARITY("adaptive_pool", kFloats,
          [](DType dt) { return TL{make_input({2, 3, 5, 7}, dt, -2, 2, 8), make_input({1, 2, 3, 4, 5}, dt, -2, 2, 9)}; },
          [](const TL& x) {
            return TL{adaptive_avg_pool2d(x[0], {3, 4}), adaptive_max_pool2d(x[0].transpose(2, 3), {4, 2}),
                      adaptive_avg_pool1d(x[0].flatten(2), {6}), adaptive_max_pool1d(x[0].flatten(2), {1}),
                      adaptive_avg_pool3d(x[1], {2, 5, 2}), adaptive_max_pool3d(x[1], {1, 3, 4}),
                      adaptive_avg_pool2d(x[0].narrow(0, 0, 0), {2})};
          });
TZ_PARITY("interpolate/modes", kFloats,
          [](DType dt) { return TL{make_input({2, 2, 4, 5}, dt, -2, 2, 10), make_input({1, 2, 2, 3, 3}, dt, -2, 2, 11)}; },
          [](const TL& x) {
            return TL{interpolate(x[0], {7, 3}),
                      interpolate(x[0].transpose(2, 3), {}, {1.5}, "bilinear", false),
                      interpolate(x[0], {3, 8}, {}, "bilinear", true),
                      interpolate(x[0], {6, 6}, {}, "bicubic", false),
                      interpolate(x[0], {3, 2}, {}, "bicubic", true),
                      interpolate(x[0].flatten(2), {9}, {}, "linear", false),
                      interpolate(x[1], {3, 5, 2}, {}, "trilinear", true),
                      interpolate(x[1], {}, {2.0}, "nearest"),
                      interpolate(x[0], {2, 3}, {}, "area")};
          });
TZ_PARITY("pixel_shuffle", kFloats,
          [](DType dt) { return TL{make_input({2, 8, 4, 2}, dt, -2, 2, 12)}; },
          [](const TL& x) { return TL{pixel_shuffle(x[0], 2), pixel_unshuffle(x[0].transpose(2, 3), 2)}; });

}  // namespace
}  // namespace tz::test
