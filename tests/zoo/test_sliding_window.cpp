// "sliding-window": blocked band == dense masked reference, window >= N == softmax attention,
// band locality, causality, masked keys, gradients.
#include "nn/attention/sliding_window.h"
#include "tests/zoo/sparse_test_util.h"

namespace tz {
namespace {

using namespace test::sparse;
using test::make_input;

nn::json cfg(int64_t window) { return {{"d_model", 12}, {"n_heads", 3}, {"window", window}}; }

TEST(ZooSlidingWindow, RegistryDefaults) {
  const auto& e = nn::find_mixer("sliding-window");
  EXPECT_EQ(e.defaults["window"], 256);
  EXPECT_TRUE(e.capabilities.causal);
  EXPECT_TRUE(e.capabilities.key_padding_mask);
}

TEST(ZooSlidingWindow, BlockedEqualsDenseReference) {
  for (int64_t window : {0, 1, 3, 5, 36, 50}) {
    auto m = make_as<nn::SlidingWindowAttention>("sliding-window", cfg(window));
    const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 5);
    expect_fast_equals_dense(*m, x, padding_mask(2, 37, {{1, 29, 8}, {0, 10, 3}}), "window " + std::to_string(window));
  }
}

TEST(ZooSlidingWindow, WindowCoveringSequenceIsSoftmaxAttention) {
  for (int64_t window : {22, 23, 100}) {
    auto m = make_as<nn::SlidingWindowAttention>("sliding-window", cfg(window));
    const Tensor x = make_input({2, 23, 12}, DType::F64, -1, 1, 6);
    EXPECT_TENSOR_CLOSE((*m)(x), softmax_reference(*m, x), 1e-12, 1e-12);
    nn::MixerArgs args;
    args.causal = true;
    EXPECT_TENSOR_CLOSE((*m)(x, args), softmax_reference(*m, x, {}, true), 1e-12, 1e-12);
  }
}

TEST(ZooSlidingWindow, QueryIgnoresTokensOutsideItsWindow) {
  auto m = make_as<nn::SlidingWindowAttention>("sliding-window", cfg(3));
  const Tensor x = make_input({1, 30, 12}, DType::F64, -1, 1, 7);
  const Tensor y = (*m)(x);
  Tensor x2 = x.clone();
  x2.narrow(1, 0, 10).copy_(make_input({1, 10, 12}, DType::F64, -2, 2, 8));   // tokens 0..9
  x2.narrow(1, 18, 12).copy_(make_input({1, 12, 12}, DType::F64, -2, 2, 9));  // tokens 18..29
  const Tensor y2 = (*m)(x2);
  EXPECT_TENSOR_EQ(y.narrow(1, 13, 2), y2.narrow(1, 13, 2));  // queries 13, 14 see 10..17
  EXPECT_FALSE(test::tensors_equal(y.narrow(1, 12, 1), y2.narrow(1, 12, 1)));  // 12 sees 9
  EXPECT_FALSE(test::tensors_equal(y.narrow(1, 15, 1), y2.narrow(1, 15, 1)));  // 15 sees 18
}

TEST(ZooSlidingWindow, SingleQueryByHand) {
  // Query 10 with window 2 attends exactly to keys 8..12: softmax over those computed directly.
  auto m = make_as<nn::SlidingWindowAttention>("sliding-window", {{"d_model", 4}, {"n_heads", 1}, {"window", 2}});
  const Tensor x = make_input({1, 16, 4}, DType::F64, -1, 1, 4);
  const Tensor q = (*m->to_q)(x).select(0, 0), k = (*m->to_k)(x).select(0, 0), v = (*m->to_v)(x).select(0, 0);
  const Tensor s = matmul(k.narrow(0, 8, 5), q.select(0, 10).unsqueeze(1)).squeeze(1) / 2.0;  // sqrt(4)
  const Tensor o = matmul(softmax(s, 0).unsqueeze(0), v.narrow(0, 8, 5)).squeeze(0);
  EXPECT_TENSOR_CLOSE((*m)(x).select(0, 0).select(0, 10), (*m->to_out)(o.unsqueeze(0)).squeeze(0), 1e-12, 1e-12);
}

TEST(ZooSlidingWindow, CausalNeverLooksAhead) {
  auto m = make_as<nn::SlidingWindowAttention>("sliding-window", cfg(4));
  const Tensor x = make_input({2, 21, 12}, DType::F64, -1, 1, 11);
  for (int64_t t : {0, 3, 4, 12}) test::zoo::expect_causal_from(*m, x, t + 1);
}

TEST(ZooSlidingWindow, MaskedKeysGetZeroWeight) {
  auto m = make_as<nn::SlidingWindowAttention>("sliding-window", cfg(5));
  const Tensor x = make_input({2, 19, 12}, DType::F64, -1, 1, 12);
  expect_masked_keys_ignored(*m, x, {13, 7});
  expect_masked_keys_ignored(*m, x, {13, 7}, true);
}

TEST(ZooSlidingWindow, Gradcheck) {
  auto m = make_as<nn::SlidingWindowAttention>("sliding-window", {{"d_model", 4}, {"n_heads", 2}, {"window", 2}});
  expect_gradcheck(*m, {2, 7, 4}, false);
  expect_gradcheck(*m, {1, 7, 4}, true);
}

}  // namespace
}  // namespace tz
