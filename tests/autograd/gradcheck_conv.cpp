// Gradcheck cases for convolution, transposed convolution, im2col and fold (tiny f64 shapes;
// the ops are bilinear, so no kinks to avoid). The "grad" cases differentiate a first-order
// gradient taken with create_graph, which is what records the ConvBackward*Backward nodes.
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

TZ_GRADCHECK("conv1d/stride_padding_bias", [] { return TL{gc_input({2, 2, 7}, -1, 1, 1), gc_input({3, 2, 3}, -1, 1, 2), gc_input({3}, -1, 1, 3)}; },
             [](const TL& x) { return conv1d(x[0], x[1], x[2], {2}, {1}); });
TZ_GRADCHECK("conv1d/asymmetric_padding_batchless", [] { return TL{gc_input({2, 6}, -1, 1, 4), gc_input({2, 2, 2}, -1, 1, 5)}; },
             [](const TL& x) { return conv1d(x[0], x[1], {}, {1}, {2, 1}); });
TZ_GRADCHECK("conv2d/groups_dilation", [] { return TL{gc_input({1, 4, 5, 5}, -1, 1, 6), gc_input({4, 2, 2, 2}, -1, 1, 7), gc_input({4}, -1, 1, 8)}; },
             [](const TL& x) { return conv2d(x[0], x[1], x[2], {1, 2}, {1, 0}, {2, 1}, 2); });
TZ_GRADCHECK("conv2d/depthwise_asymmetric", [] { return TL{gc_input({1, 3, 4, 4}, -1, 1, 9), gc_input({3, 1, 3, 2}, -1, 1, 10)}; },
             [](const TL& x) { return conv2d(x[0], x[1], {}, {2}, {1, 0, 0, 2}, {1}, 3); });
// Non-contiguous input: a transposed view.
TZ_GRADCHECK("conv2d/transposed_view_same", [] { return TL{gc_input({1, 2, 5, 4}, -1, 1, 11), gc_input({2, 2, 2, 3}, -1, 1, 12)}; },
             [](const TL& x) { return conv2d(x[0].transpose(2, 3), x[1], {}, {1}, std::string("same")); });
TZ_GRADCHECK("conv3d/stride", [] { return TL{gc_input({1, 2, 3, 4, 3}, -1, 1, 13), gc_input({2, 2, 2, 2, 2}, -1, 1, 14), gc_input({2}, -1, 1, 15)}; },
             [](const TL& x) { return conv3d(x[0], x[1], x[2], {1, 2, 1}, {0, 1, 0}); });
TZ_GRADCHECK("conv_transpose1d/output_padding_groups",
             [] { return TL{gc_input({1, 4, 3}, -1, 1, 16), gc_input({4, 1, 3}, -1, 1, 17), gc_input({2}, -1, 1, 18)}; },
             [](const TL& x) { return conv_transpose1d(x[0], x[1], x[2], {2}, {1}, {1}, 2); });
TZ_GRADCHECK("conv_transpose1d/output_padding_below_dilation", [] { return TL{gc_input({1, 1, 3}, -1, 1, 19), gc_input({1, 2, 2}, -1, 1, 20)}; },
             [](const TL& x) { return conv_transpose1d(x[0], x[1], {}, {1}, {0}, {1}, 1, {2}); });
TZ_GRADCHECK("conv_transpose2d/stride_dilation", [] { return TL{gc_input({1, 2, 2, 3}, -1, 1, 21), gc_input({2, 2, 2, 2}, -1, 1, 22)}; },
             [](const TL& x) { return conv_transpose2d(x[0], x[1], {}, {2, 1}, {0, 1}, {1, 0}, 1, {1, 2}); });
TZ_GRADCHECK("conv_transpose3d", [] { return TL{gc_input({2, 2, 2, 2}, -1, 1, 23), gc_input({2, 1, 2, 2, 2}, -1, 1, 24)}; },
             [](const TL& x) { return conv_transpose3d(x[0], x[1], {}, {2}, {1}, {1}); });

// First-order gradients as functions (create_graph): checking them checks second derivatives,
// and their gradgrad the third. EnableGradGuard: the finite-difference passes run fn under
// NoGradGuard, and the inner grad() needs a graph either way.
TZ_GRADCHECK("conv2d/grad_input_weight", [] { return TL{gc_input({1, 2, 4, 4}, -1, 1, 25), gc_input({2, 1, 2, 3}, -1, 1, 26)}; },
             [](const TL& x) {
               EnableGradGuard eg;
               Tensor y = conv2d(x[0], x[1], {}, {2, 1}, {1, 0, 1, 1}, {1}, 2);
               TensorList g = grad({(y * y).sum()}, {x[0], x[1]}, {}, true, true);
               return g[0].sum() * 0.5 + (g[1] * g[1]).sum();
             });
TZ_GRADCHECK("conv_transpose1d/grad_input_weight", [] { return TL{gc_input({1, 2, 3}, -1, 1, 27), gc_input({2, 2, 2}, -1, 1, 28)}; },
             [](const TL& x) {
               EnableGradGuard eg;
               Tensor y = conv_transpose1d(x[0], x[1], {}, {2}, {0}, {1});
               TensorList g = grad({(y * y).sum()}, {x[0], x[1]}, {}, true, true);
               return g[0].sum() + (g[1] * x[1]).sum();
             });

TZ_GRADCHECK("im2col", [] { return TL{gc_input({1, 2, 4, 3}, -1, 1, 29)}; },
             [](const TL& x) { return im2col(x[0], {2}, {1}, {1}, {2, 1}) * 2.0; });
TZ_GRADCHECK("im2col/batchless_dilation", [] { return TL{gc_input({2, 5, 4}, -1, 1, 30)}; },
             [](const TL& x) { return im2col(x[0], {2, 2}, {2, 1}); });
TZ_GRADCHECK("fold", [] { return TL{gc_input({1, 8, 4}, -1, 1, 31)}; },
             [](const TL& x) { return fold(x[0], {3, 3}, {2}); });
TZ_GRADCHECK("fold/padding_stride", [] { return TL{gc_input({4, 4}, -1, 1, 32)}; },
             [](const TL& x) { return fold(x[0], {3, 3}, {2}, {1}, {1}, {2}); });

}  // namespace
}  // namespace tz::test
