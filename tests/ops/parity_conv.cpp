// Parity cases for the convolution family: every backend against the reference backend (whose
// lack of conv kernels exercises the composite im2col + GEMM path).
#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};

TZ_PARITY("conv2d/bias_stride_padding", kFloats,
          [](DType dt) { return TL{make_input({2, 3, 6, 5}, dt, -1, 1, 1), make_input({4, 3, 3, 3}, dt, -1, 1, 2), make_input({4}, dt, -1, 1, 3)}; },
          [](const TL& x) { return TL{conv2d(x[0], x[1], x[2], {2, 1}, {1}), conv2d(x[0], x[1], {}, {1}, {0, 2, 1, 0}, {2, 1})}; }, 4.0);
TZ_PARITY("conv2d/groups_noncontiguous", kFloats,
          [](DType dt) { return TL{make_input({1, 4, 5, 6}, dt, -1, 1, 4), make_input({6, 2, 2, 3}, dt, -1, 1, 5)}; },
          [](const TL& x) { return TL{conv2d(x[0].transpose(2, 3), x[1], {}, {1}, {1}, {1}, 2), conv2d(x[0], x[1].slice(0, 0, 4), {}, {1}, {0}, {1}, 2)}; }, 4.0);
TZ_PARITY("conv1d/depthwise_size1_batchless", kFloats,
          [](DType dt) { return TL{make_input({3, 1}, dt, -1, 1, 6), make_input({3, 1, 1}, dt, -1, 1, 7), make_input({1, 3, 9}, dt, -1, 1, 8)}; },
          [](const TL& x) { return TL{conv1d(x[0], x[1], {}, {1}, {0}, {1}, 3), conv1d(x[2], x[1], {}, {2}, {1}, {3}, 3)}; });
TZ_PARITY("conv1d/size0_batch", kFloats,
          [](DType dt) { return TL{make_input({0, 2, 5}, dt, -1, 1, 9), make_input({3, 2, 2}, dt, -1, 1, 10)}; },
          [](const TL& x) { return TL{conv1d(x[0], x[1])}; });
TZ_PARITY("conv3d", kFloats,
          [](DType dt) { return TL{make_input({1, 2, 4, 3, 4}, dt, -1, 1, 11), make_input({3, 2, 2, 2, 2}, dt, -1, 1, 12), make_input({3}, dt, -1, 1, 13)}; },
          [](const TL& x) { return TL{conv3d(x[0], x[1], x[2], {1, 2, 1}, {1, 0, 1})}; }, 4.0);
TZ_PARITY("conv_transpose/1d_2d_3d", kFloats,
          [](DType dt) {
            return TL{make_input({2, 4, 5}, dt, -1, 1, 14), make_input({4, 1, 3}, dt, -1, 1, 15), make_input({1, 2, 3, 4}, dt, -1, 1, 16),
                      make_input({2, 3, 2, 2}, dt, -1, 1, 17), make_input({1, 1, 2, 2, 2}, dt, -1, 1, 18), make_input({1, 2, 2, 2, 2}, dt, -1, 1, 19)};
          },
          [](const TL& x) {
            return TL{conv_transpose1d(x[0], x[1], {}, {2}, {1}, {1}, 2), conv_transpose2d(x[2], x[3], {}, {2, 1}, {0}, {1, 0}, 1, {1, 2}),
                      conv_transpose3d(x[4], x[5], {}, {2}, {1})};
          }, 4.0);
TZ_PARITY("im2col_fold", kFloats,
          [](DType dt) { return TL{make_input({2, 2, 4, 5}, dt, -1, 1, 20), make_input({2, 8, 6}, dt, -1, 1, 21)}; },
          [](const TL& x) { return TL{im2col(x[0], {2, 3}, {1}, {1}, {2}), fold(x[1], {3, 4}, {2}, {1}, {0}, {1})}; }, 4.0);

}  // namespace
}  // namespace tz::test
