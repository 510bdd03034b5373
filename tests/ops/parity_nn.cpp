// Parity cases for softmax and the normalisations: the CPU backend's fused kernels against the
// reference backend's composite path.
#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};

TZ_PARITY("softmax_family", kFloats, [](DType dt) { return TL{make_input({3, 7}, dt, -4, 4, 1)}; },
          [](const TL& x) {
            return TL{softmax(x[0], -1), softmax(x[0], 0), log_softmax(x[0], 1), softmax(x[0].t(), 1),
                      masked_softmax(x[0], x[0] > 0.0, 1), softmax(x[0].slice(1, 0, 0), 1), softmax(x[0].slice(1, 0, 1), 1)};
          }, 2.0);
TZ_PARITY("norms", kFloats,
          [](DType dt) {
            return TL{make_input({4, 3, 5}, dt, -2, 2, 1), make_input({5}, dt, 0.5, 1.5, 2), make_input({5}, dt, -1, 1, 3),
                      make_input({3}, dt, 0.5, 1.5, 4)};
          },
          [](const TL& x) {
            return TL{layer_norm(x[0], {5}, x[1], x[2]), layer_norm(x[0].transpose(0, 2), {4}), layer_norm(x[0], {3, 5}),
                      rms_norm(x[0], {5}, x[1]), group_norm(x[0], 3), batch_norm(x[0], {}, {}, x[3], {}, true),
                      layer_norm(x[0].slice(0, 0, 0), {5})};
          }, 4.0);

}  // namespace
}  // namespace tz::test
