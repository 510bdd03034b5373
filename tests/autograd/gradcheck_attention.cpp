// Gradcheck cases for the fused attention node (ScaledDotProductAttentionBackward). In f64 the
// CPU backend runs its reference fused kernels, so these check the fused backward by finite
// differences, and the second derivatives check the node's composite fallback under create_graph.
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

TZ_GRADCHECK("sdpa_fused/causal_gqa_l_ne_s",
             [] { return TL{gc_input({1, 4, 3, 2}, -1, 1, 1), gc_input({1, 2, 2, 2}, -1, 1, 2), gc_input({1, 2, 2, 2}, -1, 1, 3)}; },
             [](const TL& x) { return nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true, 0.8, true); });
TZ_GRADCHECK("sdpa_fused/key_padding_and_bias",
             [] { return TL{gc_input({2, 2, 3, 4}, -1, 1, 4), gc_input({2, 2, 5, 4}, -1, 1, 5), gc_input({2, 2, 5, 4}, -1, 1, 6)}; },
             [](const TL& x) {
               // Key 4 of batch 0 and keys 0-1 of batch 1 are padding; then a general float bias.
               const Tensor keep = tensor({true, true, true, true, false, false, false, true, true, true}, DType::Bool)
                                       .reshape({2, 1, 1, 5});
               const Tensor bias = make_input({2, 3, 5}, DType::F64, -0.5, 0.5, 7);
               return nn::scaled_dot_product_attention(x[0], x[1], x[2], keep) +
                      nn::scaled_dot_product_attention(x[0], x[1], x[2], bias);
             });

}  // namespace
}  // namespace tz::test
