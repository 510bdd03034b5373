// "local" (LRA block-local attention): blocked form == dense masked reference, block >= N ==
// softmax attention, block isolation, the LRA strided-group flag, causality, masked keys, gradients.
#include "nn/attention/local_attention.h"
#include "tests/zoo/sparse_test_util.h"

namespace tz {
namespace {

using namespace test::sparse;
using test::make_input;

nn::json cfg(int64_t block, bool strided = false) {
  return {{"d_model", 12}, {"n_heads", 3}, {"block_size", block}, {"lra_strided_groups", strided}};
}

TEST(ZooLocal, RegistryDefaultsAndCapabilities) {
  const auto& e = nn::find_mixer("local");
  EXPECT_EQ(e.defaults["block_size"], 20);
  EXPECT_TRUE(e.capabilities.causal);
  EXPECT_TRUE(e.capabilities.key_padding_mask);
  EXPECT_FALSE(e.capabilities.cross_attention);
  auto m = make_as<nn::LocalAttention>("local", {{"d_model", 8}});
  EXPECT_EQ(m->config.block_size, 20);
  EXPECT_EQ(m->to_q->weight.size(0), 8);
}

TEST(ZooLocal, BlockedEqualsDenseReference) {
  for (bool strided : {false, true})
    for (int64_t block : {1, 4, 5, 37}) {
      auto m = make_as<nn::LocalAttention>("local", cfg(block, strided));
      const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 5);
      expect_fast_equals_dense(*m, x, padding_mask(2, 37, {{1, 30, 7}, {0, 3, 2}}),
                               "block " + std::to_string(block) + " strided " + std::to_string(strided));
    }
}

TEST(ZooLocal, BlockCoveringSequenceIsSoftmaxAttention) {
  for (int64_t block : {37, 40, 100}) {
    auto m = make_as<nn::LocalAttention>("local", cfg(block));
    const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 6);
    EXPECT_TENSOR_CLOSE((*m)(x), softmax_reference(*m, x), 1e-12, 1e-12);
    nn::MixerArgs args;
    args.causal = true;
    EXPECT_TENSOR_CLOSE((*m)(x, args), softmax_reference(*m, x, {}, true), 1e-12, 1e-12);
  }
}

TEST(ZooLocal, BlockOutputsIgnoreTokensOutsideTheBlock) {
  auto m = make_as<nn::LocalAttention>("local", cfg(5));
  const Tensor x = make_input({2, 23, 12}, DType::F64, -1, 1, 7);
  const Tensor y = (*m)(x);
  Tensor x2 = x.clone();
  x2.narrow(1, 0, 10).copy_(make_input({2, 10, 12}, DType::F64, -2, 2, 8));   // blocks 0, 1
  x2.narrow(1, 15, 8).copy_(make_input({2, 8, 12}, DType::F64, -2, 2, 9));    // blocks 3, 4 (partial)
  const Tensor y2 = (*m)(x2);
  EXPECT_TENSOR_EQ(y.narrow(1, 10, 5), y2.narrow(1, 10, 5));                   // block 2
  EXPECT_FALSE(test::tensors_equal(y.narrow(1, 0, 10), y2.narrow(1, 0, 10)));
}

TEST(ZooLocal, StridedGroupsAreSoftmaxOverStridedSubsequences) {
  // N = 24, block 4: G = 6 groups {g, g+6, g+12, g+18}; each is full attention over its subsequence.
  auto m = make_as<nn::LocalAttention>("local", cfg(4, true));
  const Tensor x = make_input({2, 24, 12}, DType::F64, -1, 1, 10);
  const Tensor y = (*m)(x);
  for (int64_t g = 0; g < 6; ++g) {
    const Tensor idx = arange(g, 24, 6, TensorOptions(DType::I64));
    const Tensor sub = index_select(x, 1, idx);
    EXPECT_TENSOR_CLOSE(index_select(y, 1, idx), softmax_reference(*m, sub), 1e-12, 1e-12) << "group " << g;
  }
}

TEST(ZooLocal, CausalNeverLooksAhead) {
  auto m = make_as<nn::LocalAttention>("local", cfg(6));
  const Tensor x = make_input({2, 20, 12}, DType::F64, -1, 1, 11);
  for (int64_t t : {0, 3, 5, 13}) test::zoo::expect_causal_from(*m, x, t + 1);
}

TEST(ZooLocal, MaskedKeysGetZeroWeight) {
  auto m = make_as<nn::LocalAttention>("local", cfg(8));
  const Tensor x = make_input({2, 19, 12}, DType::F64, -1, 1, 12);
  expect_masked_keys_ignored(*m, x, {13, 7});
  expect_masked_keys_ignored(*m, x, {13, 7}, true);
}

TEST(ZooLocal, Gradcheck) {
  for (bool strided : {false, true}) {
    auto m = make_as<nn::LocalAttention>("local", {{"d_model", 4}, {"n_heads", 2}, {"block_size", 3},
                                                   {"lra_strided_groups", strided}});
    expect_gradcheck(*m, {2, 7, 4}, false);
    expect_gradcheck(*m, {1, 7, 4}, true);
  }
}

TEST(ZooLocal, F32RunsAndDropoutOnlyInTraining) {
  auto m = nn::make_mixer("local", {{"d_model", 8}, {"n_heads", 2}, {"block_size", 4}, {"dropout", 0.5}});
  const Tensor x = make_input({2, 9, 8});
  m->eval();
  EXPECT_TENSOR_EQ((*m)(x), (*m)(x));
  m->train();
  const Tensor a = (*m)(x), b = (*m)(x);
  EXPECT_EQ(a.dtype(), DType::F32);
  EXPECT_FALSE(test::tensors_equal(a, b));
}

}  // namespace
}  // namespace tz
