// "longformer": blocked window + global keys + global rows == dense masked reference, w >= 2N ==
// softmax attention, global rows == full attention (with the global projections), band
// locality, causality, masked keys, gradients.
#include "nn/attention/longformer.h"
#include "tests/zoo/sparse_test_util.h"

namespace tz {
namespace {

using namespace test::sparse;
using test::make_input;

nn::json cfg(int64_t window, nn::json globals = nn::json::array(), bool separate = true) {
  return {{"d_model", 12}, {"n_heads", 3}, {"window", window}, {"global_tokens", globals},
          {"separate_global_projections", separate}};
}

TEST(ZooLongformer, RegistryDefaultsAndParameters) {
  const auto& e = nn::find_mixer("longformer");
  EXPECT_EQ(e.defaults["window"], 512);
  EXPECT_TRUE(e.defaults["global_tokens"].empty());
  auto m = make_as<nn::LongformerAttention>("longformer", {{"d_model", 8}});
  EXPECT_EQ(m->left, 256);
  EXPECT_EQ(m->right, 256);
  EXPECT_TRUE(m->to_q_global);
  EXPECT_EQ(m->named_parameters().size(), 14u);  // 7 linears with bias
  auto lra = make_as<nn::LongformerAttention>("longformer", cfg(5, {0}, false));
  EXPECT_EQ(lra->named_parameters().size(), 8u);
  EXPECT_EQ(lra->left, 3);  // 5 - 5/2, including the query itself
  EXPECT_EQ(lra->right, 2);
  EXPECT_EQ((*lra)(make_input({1, 4, 12}, DType::F64)).shape(), Shape({1, 4, 12}));
}

TEST(ZooLongformer, GlobalTokenOutsideSequenceIsAnError) {
  auto m = make_f64("longformer", cfg(4, {0, 9}));
  EXPECT_TZ_ERROR((*m)(make_input({1, 6, 12}, DType::F64)), "global token position 9 is outside the sequence of length 6");
}

TEST(ZooLongformer, BlockedEqualsDenseReference) {
  const std::vector<nn::json> globals = {nn::json::array(), {0}, {36, 0, 5}, {17, 18}};
  for (int64_t window : {1, 2, 5, 8, 80})
    for (const auto& g : globals)
      for (bool separate : {true, false}) {
        auto m = make_as<nn::LongformerAttention>("longformer", cfg(window, g, separate));
        const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 5);
        expect_fast_equals_dense(*m, x, padding_mask(2, 37, {{1, 30, 7}, {0, 4, 2}}),
                                 "w " + std::to_string(window) + " g " + g.dump() + " separate " + std::to_string(separate));
      }
}

TEST(ZooLongformer, WideWindowIsSoftmaxAttention) {
  auto m = make_as<nn::LongformerAttention>("longformer", cfg(46));  // w >= 2N
  const Tensor x = make_input({2, 23, 12}, DType::F64, -1, 1, 6);
  EXPECT_TENSOR_CLOSE((*m)(x), softmax_reference(*m, x), 1e-12, 1e-12);
  nn::MixerArgs args;
  args.causal = true;
  EXPECT_TENSOR_CLOSE((*m)(x, args), softmax_reference(*m, x, {}, true), 1e-12, 1e-12);
}

TEST(ZooLongformer, GlobalRowsAreFullAttention) {
  const Tensor x = make_input({2, 21, 12}, DType::F64, -1, 1, 7);
  for (bool separate : {false, true}) {
    auto m = make_as<nn::LongformerAttention>("longformer", cfg(3, {0, 13}, separate));
    const Tensor y = (*m)(x);
    for (int64_t g : {0, 13}) {
      Tensor expected;
      if (separate) {
        const Tensor q = m->split_heads((*m->to_q_global)(x.narrow(1, g, 1)));
        const Tensor k = m->split_heads((*m->to_k_global)(x)), v = m->split_heads((*m->to_v_global)(x));
        expected = (*m->to_out)(m->merge_heads(nn::scaled_dot_product_attention(q, k, v)));
      } else {
        expected = softmax_reference(*m, x).narrow(1, g, 1);
      }
      EXPECT_TENSOR_CLOSE(y.narrow(1, g, 1), expected, 1e-12, 1e-12) << "global " << g;
    }
    // A non-global query sees its window and the global keys (ordinary projections).
    const int64_t i = 7;
    Tensor allowed = zeros({21, 21}, DType::Bool);
    allowed.select(0, i).narrow(0, i - 1, 3).fill_(true);  // left = 2 (incl. self), right = 1
    allowed.select(0, i).select(0, 0).fill_(true);
    allowed.select(0, i).select(0, 13).fill_(true);
    EXPECT_TENSOR_CLOSE(y.narrow(1, i, 1), softmax_reference(*m, x, allowed).narrow(1, i, 1), 1e-12, 1e-12);
  }
}

TEST(ZooLongformer, BandOnlyQueryIgnoresTokensOutsideItsBand) {
  auto m = make_as<nn::LongformerAttention>("longformer", cfg(6));  // j - i in [-2, 3]
  const Tensor x = make_input({1, 30, 12}, DType::F64, -1, 1, 8);
  const Tensor y = (*m)(x);
  Tensor x2 = x.clone();
  x2.narrow(1, 0, 11).copy_(make_input({1, 11, 12}, DType::F64, -2, 2, 9));
  x2.narrow(1, 17, 13).copy_(make_input({1, 13, 12}, DType::F64, -2, 2, 10));
  const Tensor y2 = (*m)(x2);
  EXPECT_TENSOR_EQ(y.narrow(1, 13, 1), y2.narrow(1, 13, 1));  // 13 sees 11..16
  EXPECT_FALSE(test::tensors_equal(y.narrow(1, 12, 1), y2.narrow(1, 12, 1)));
  EXPECT_FALSE(test::tensors_equal(y.narrow(1, 14, 1), y2.narrow(1, 14, 1)));
}

TEST(ZooLongformer, CausalNeverLooksAhead) {
  auto m = make_f64("longformer", cfg(5, {0, 9}));
  const Tensor x = make_input({2, 21, 12}, DType::F64, -1, 1, 11);
  for (int64_t t : {0, 3, 8, 9, 15}) test::zoo::expect_causal_from(*m, x, t + 1);
}

TEST(ZooLongformer, MaskedKeysGetZeroWeight) {
  for (bool separate : {true, false}) {
    auto m = make_f64("longformer", cfg(5, {0, 3}, separate));
    const Tensor x = make_input({2, 19, 12}, DType::F64, -1, 1, 12);
    expect_masked_keys_ignored(*m, x, {13, 7});
    expect_masked_keys_ignored(*m, x, {13, 7}, true);
  }
}

TEST(ZooLongformer, Gradcheck) {
  auto m = make_f64("longformer", {{"d_model", 4}, {"n_heads", 2}, {"window", 3}, {"global_tokens", {1}}});
  expect_gradcheck(*m, {2, 7, 4}, false);
  expect_gradcheck(*m, {1, 7, 4}, true);
}

}  // namespace
}  // namespace tz
