// Finite-difference gradient checks (f64, tiny shapes) for scaled_dot_product_attention and
// nn::SelfAttention. SDPA is a composite of differentiable ops, so grad-of-grad is checked too.
// Module parameters are perturbed in place by gradcheck, so passing them in the input list
// checks their gradients as well.
#include <gtest/gtest.h>

#include "tests/support/gradcheck.h"

namespace tz {
namespace {

using test::gc_input;
using test::gradcheck;
using test::gradgradcheck;

TEST(AttentionGradcheck, SdpaPlain) {
  const TensorList in{gc_input({2, 3, 4}, -1, 1, 1), gc_input({2, 5, 4}, -1, 1, 2), gc_input({2, 5, 3}, -1, 1, 3)};
  auto fn = [](const TensorList& x) { return nn::scaled_dot_product_attention(x[0], x[1], x[2]); };
  EXPECT_TRUE(gradcheck(fn, in));
  EXPECT_TRUE(gradgradcheck(fn, in));
}

TEST(AttentionGradcheck, SdpaCausalGqaWithLearnedFloatMask) {
  // q has 4 heads sharing 2 key/value heads; the additive mask (broadcast over the batch) is
  // differentiated too, as a learned relative-position bias would be.
  const TensorList in{gc_input({2, 4, 3, 2}, -1, 1, 4), gc_input({2, 2, 3, 2}, -1, 1, 5),
                      gc_input({2, 2, 3, 2}, -1, 1, 6), gc_input({4, 3, 3}, -0.5, 0.5, 7)};
  auto fn = [](const TensorList& x) {
    return nn::scaled_dot_product_attention(x[0], x[1], x[2], x[3], 0.0, false, 0.7, true);
  };
  EXPECT_TRUE(gradcheck(fn, in));
  EXPECT_TRUE(gradgradcheck(fn, in));
  auto causal = [](const TensorList& x) {
    return nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true, {}, true);
  };
  EXPECT_TRUE(gradcheck(causal, in));
}

TEST(AttentionGradcheck, SdpaFullyMaskedRowHasZeroGradient) {
  // Row 1 of the bool mask attends to nothing: its output is 0 and gradients stay finite.
  const Tensor mask = tensor({true, true, false, false, false, false, true, false, true}, DType::Bool).reshape({3, 3});
  const TensorList in{gc_input({1, 3, 2}, -1, 1, 8), gc_input({1, 3, 2}, -1, 1, 9), gc_input({1, 3, 2}, -1, 1, 10)};
  auto fn = [&](const TensorList& x) { return nn::scaled_dot_product_attention(x[0], x[1], x[2], mask); };
  EXPECT_TRUE(gradcheck(fn, in));
  EXPECT_TRUE(gradgradcheck(fn, in));
}

TensorList with_parameters(TensorList inputs, nn::Module& m) {
  for (const Tensor& p : m.parameters()) inputs.push_back(p);
  return inputs;
}

TEST(AttentionGradcheck, SelfAttentionRotaryGqaCausal) {
  nn::SelfAttentionConfig c;
  c.d_model = 4, c.n_heads = 2, c.n_kv_heads = 1, c.position = nn::PositionEncoding::Rotary;
  nn::SelfAttention m(c, DType::F64);
  const TensorList in = with_parameters({gc_input({1, 3, 4}, -1, 1, 11)}, m);
  auto fn = [&](const TensorList& x) { return m(x[0]); };
  EXPECT_TRUE(gradcheck(fn, in));
  EXPECT_TRUE(gradgradcheck(fn, {in[0]}));
}

TEST(AttentionGradcheck, SelfAttentionAlibiWithCache) {
  // Two calls through a KV cache: gradients flow into the first chunk's keys/values too.
  nn::SelfAttentionConfig c;
  c.d_model = 6, c.n_heads = 3, c.n_kv_heads = 3, c.position = nn::PositionEncoding::ALiBi, c.qkv_bias = false;
  nn::SelfAttention m(c, DType::F64);
  const TensorList in{gc_input({1, 3, 6}, -1, 1, 12)};
  auto fn = [&](const TensorList& x) {
    nn::KVCache cache;
    const Tensor a = m(x[0].narrow(1, 0, 2), &cache, 0);
    const Tensor b = m(x[0].narrow(1, 2, 1), &cache, 2);
    return cat({a, b}, 1);
  };
  EXPECT_TRUE(gradcheck(fn, in));
  EXPECT_TRUE(gradgradcheck(fn, in));
}

TEST(AttentionGradcheck, MultiheadAttentionMasks) {
  nn::MultiheadAttention m(4, 2, 0.0, true, false, false, 3, 2, /*batch_first=*/true, DType::F64);
  const Tensor kpm = tensor({false, false, true, false, false, false}, DType::Bool).reshape({2, 3});
  const TensorList in = with_parameters({gc_input({2, 2, 4}, -1, 1, 13), gc_input({2, 3, 3}, -1, 1, 14),
                                         gc_input({2, 3, 2}, -1, 1, 15)},
                                        m);
  auto fn = [&](const TensorList& x) { return m(x[0], x[1], x[2], kpm, false, {}, true, true).output; };
  EXPECT_TRUE(gradcheck(fn, in));
}

}  // namespace
}  // namespace tz
