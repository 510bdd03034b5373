// "sinkhorn" (Sparse Sinkhorn Attention): Sinkhorn balancing gives doubly stochastic matrices
// (causal: lower-triangular, row i independent of later rows); one block equals full softmax
// attention; causality and masked-key probes over several (padded) blocks; SortCut; Gumbel noise
// only in training; config errors; small f64 gradchecks.
#include <gtest/gtest.h>

#include "nn/attention/sinkhorn.h"
#include "tests/support/gradcheck.h"
#include "tests/zoo/kernel_zoo_helpers.h"

namespace tz {
namespace {

using test::make_input;

std::shared_ptr<nn::SinkhornMixer> make_sinkhorn(nn::json cfg, uint64_t seed = 11) {
  manual_seed(seed);
  auto m = std::dynamic_pointer_cast<nn::SinkhornMixer>(nn::make_mixer("sinkhorn", cfg, DType::F64));
  EXPECT_TRUE(m);
  return m;
}

TEST(ZooSinkhorn, BalancingMakesRowsAndColumnsSumToOne) {
  const Tensor logits = make_input({2, 3, 6, 6}, DType::F64, -2, 2, 1);
  const Tensor r = nn::sinkhorn_normalize(logits, 60, false);
  EXPECT_TENSOR_CLOSE(r.sum({-1}), ones({2, 3, 6}, DType::F64), 1e-8, 1e-8);
  EXPECT_TENSOR_CLOSE(r.sum({-2}), ones({2, 3, 6}, DType::F64), 1e-12, 1e-12);  // the last step
  EXPECT_TRUE(all(r > 0.0).item<bool>());
  // One round is not yet balanced (the check can fail): rows are off after the column step.
  const Tensor r1 = nn::sinkhorn_normalize(logits, 1, false);
  EXPECT_GT(max(abs(r1.sum({-1}) - 1.0)).item<double>(), 1e-3);
  // The LRA clip breaks the balance, as documented.
  EXPECT_GT(max(abs(nn::sinkhorn_normalize(logits, 60, false, 1.0).sum({-1}) - 1.0)).item<double>(), 1e-2);
  // Through the mixer: the sort matrix of a real input after many iterations.
  auto m = make_sinkhorn({{"d_model", 8}, {"n_heads", 2}, {"block_size", 3}, {"sinkhorn_iters", 60}});
  m->eval();
  const Tensor R = m->sort_matrix(make_input({2, 14, 8}, DType::F64, -1, 1, 2), false);  // 5 blocks
  EXPECT_EQ(R.shape(), (Shape{2, 2, 5, 5}));
  EXPECT_TENSOR_CLOSE(R.sum({-1}), ones({2, 2, 5}, DType::F64), 1e-6, 1e-6);
  EXPECT_TENSOR_CLOSE(R.sum({-2}), ones({2, 2, 5}, DType::F64), 1e-12, 1e-12);
}

TEST(ZooSinkhorn, CausalSortMatrixIsLowerTriangularRowStochasticAndCausal) {
  const Tensor logits = make_input({2, 7, 7}, DType::F64, -2, 2, 3);
  const Tensor r = nn::sinkhorn_normalize(logits, 20, true);
  EXPECT_TENSOR_EQ(triu(r, 1), zeros({2, 7, 7}, DType::F64));
  EXPECT_TENSOR_CLOSE(r.sum({-1}), ones({2, 7}, DType::F64), 1e-12, 1e-12);
  EXPECT_GT(max(tril(r, -1)).item<double>(), 0.1);  // not the identity
  // Row i does not change when later rows' logits change.
  Tensor changed = logits.clone();
  changed.narrow(-2, 4, 3).fill_(5.0);
  const Tensor r2 = nn::sinkhorn_normalize(changed, 20, true);
  EXPECT_TENSOR_CLOSE(r2.narrow(-2, 0, 4), r.narrow(-2, 0, 4), 1e-14, 1e-14);
  EXPECT_FALSE(test::tensors_close(r2.narrow(-2, 4, 3), r.narrow(-2, 4, 3), 1e-3, 1e-3));
  // Through the mixer: R of block i is unchanged by tokens of later blocks.
  auto m = make_sinkhorn({{"d_model", 8}, {"n_heads", 2}, {"block_size", 3}});
  m->eval();
  const Tensor x = make_input({1, 15, 8}, DType::F64, -1, 1, 12);
  Tensor x2 = x.clone();
  x2.narrow(1, 7, 8).fill_(0.7);  // blocks 2 (from its second token), 3, 4
  const Tensor R = m->sort_matrix(x, true), R2 = m->sort_matrix(x2, true);
  EXPECT_TENSOR_CLOSE(R2.narrow(2, 0, 3), R.narrow(2, 0, 3), 1e-14, 1e-14);
}

TEST(ZooSinkhorn, OneBlockEqualsFullSoftmaxAttention) {
  // With a single block R = [1]: keys [K; K] duplicate every key, which softmax does not notice.
  const Tensor x = make_input({2, 9, 12}, DType::F64, -1, 1, 4);
  Tensor padded = zeros({2, 9}, DType::Bool);
  padded.select(0, 1).narrow(0, 6, 3).fill_(true);
  for (const std::string act : {"sinkhorn", "softmax"}) {
    auto m = make_sinkhorn({{"d_model", 12}, {"n_heads", 3}, {"block_size", 10}, {"sort_activation", act}});
    m->eval();
    for (bool causal : {false, true}) {
      nn::MixerArgs args;
      args.causal = causal;
      args.key_padding_mask = padded;
      const Tensor expected = test::kernel_zoo::softmax_reference(*m, x,
                                                                  padded, causal);
      EXPECT_TENSOR_CLOSE((*m)(x, args), expected, 1e-12, 1e-12) << act << (causal ? " causal" : "");
    }
  }
  // SortCut with one block is full attention too.
  auto cut = make_sinkhorn({{"d_model", 12}, {"n_heads", 3}, {"block_size", 9}, {"sortcut_blocks", 1}});
  cut->eval();
  EXPECT_TENSOR_CLOSE((*cut)(x), test::kernel_zoo::softmax_reference(*cut, x),
                      1e-12, 1e-12);
}

TEST(ZooSinkhorn, UniformSortMatrixGivesOwnBlockPlusMeanBlock) {
  // sort_net = 0: every row has the same logits, Sinkhorn returns R = 1/nb, so each query block
  // attends to [its block; the mean of all blocks].
  auto m = make_sinkhorn({{"d_model", 4}, {"n_heads", 1}, {"block_size", 3}});
  m->eval();
  {
    NoGradGuard g;
    m->sort_net->weight.fill_(0.0), m->sort_net->bias.fill_(0.0);
  }
  const Tensor x = make_input({1, 6, 4}, DType::F64, -1, 1, 5);
  const Tensor q = (*m->to_q)(x).reshape({2, 3, 4}), k = (*m->to_k)(x).reshape({2, 3, 4});
  const Tensor v = (*m->to_v)(x).reshape({2, 3, 4});
  const Tensor mean_k = k.mean({0}, true).expand({2, 3, 4}), mean_v = v.mean({0}, true).expand({2, 3, 4});
  const Tensor y = nn::scaled_dot_product_attention(q, cat({k, mean_k}, 1), cat({v, mean_v}, 1));
  EXPECT_TENSOR_CLOSE((*m)(x), (*m->to_out)(y.reshape({1, 6, 4})), 1e-12, 1e-12);
}

TEST(ZooSinkhorn, CausalNeverLooksAhead) {
  for (const std::string act : {"sinkhorn", "softmax"}) {
    auto m = make_sinkhorn({{"d_model", 12}, {"n_heads", 3}, {"block_size", 4}, {"sort_activation", act}});
    m->eval();
    const Tensor x = make_input({2, 19, 12}, DType::F64, -1, 1, 6);  // 5 blocks, the last padded
    for (int64_t t : {0, 1, 4, 7, 9, 16, 18}) test::zoo::expect_causal_from(*m, x, t, 1e-12);
  }
}

TEST(ZooSinkhorn, MaskedKeysAreIgnored) {
  auto m = make_sinkhorn({{"d_model", 12}, {"n_heads", 3}, {"block_size", 4}});
  m->eval();
  const Tensor x = make_input({2, 18, 12}, DType::F64, -1, 1, 7);
  Tensor padded = zeros({2, 18}, DType::Bool);
  padded.select(0, 0).narrow(0, 13, 5).fill_(true);
  padded.select(0, 1).narrow(0, 2, 3).fill_(true);
  test::zoo::expect_padded_keys_ignored(*m, x, padded, /*causal=*/false, 1e-12);
  test::zoo::expect_padded_keys_ignored(*m, x, padded, /*causal=*/true, 1e-12);
  auto cut = make_sinkhorn({{"d_model", 12}, {"n_heads", 3}, {"block_size", 4}, {"sortcut_blocks", 2}});
  cut->eval();
  test::zoo::expect_padded_keys_ignored(*cut, x, padded, /*causal=*/false, 1e-12);
}

TEST(ZooSinkhorn, GumbelNoiseOnlyInTraining) {
  auto m = make_sinkhorn({{"d_model", 8}, {"n_heads", 2}, {"block_size", 3}});
  const Tensor x = make_input({1, 12, 8}, DType::F64, -1, 1, 8);
  m->eval();
  const Tensor y = (*m)(x);
  EXPECT_TENSOR_EQ((*m)(x), y);
  m->train();
  EXPECT_FALSE(test::tensors_close((*m)(x), y, 1e-8, 1e-8));
  // Reproducible from the seed.
  manual_seed(3);
  const Tensor a = (*m)(x);
  manual_seed(3);
  EXPECT_TENSOR_EQ((*m)(x), a);
}

TEST(ZooSinkhorn, CapabilitiesAndConfigErrors) {
  auto m = make_sinkhorn({{"d_model", 8}, {"block_size", 4}, {"max_num_blocks", 3}});
  EXPECT_EQ(m->capabilities().max_length, 12);
  EXPECT_TRUE(m->capabilities().causal);
  EXPECT_TZ_ERROR((*m)(make_input({1, 13, 8}, DType::F64)), "exceeds this mixer's maximum 12");
  auto cut = make_sinkhorn({{"d_model", 8}, {"block_size", 4}, {"sortcut_blocks", 2}});
  EXPECT_FALSE(cut->capabilities().causal);
  nn::MixerArgs causal;
  causal.causal = true;
  EXPECT_TZ_ERROR((*cut)(make_input({1, 8, 8}, DType::F64), causal), "SortCut");
  EXPECT_TZ_ERROR(make_sinkhorn({{"d_model", 8}, {"sort_activation", "argmax"}}), "sort_activation must be");
  EXPECT_TZ_ERROR(make_sinkhorn({{"d_model", 8}, {"temperature", 0.0}}), "temperature must be > 0");
  EXPECT_TZ_ERROR(make_sinkhorn({{"d_model", 8}, {"sortcut_blocks", 30}}), "sortcut_blocks must be in");
}

TEST(ZooSinkhorn, Gradcheck) {
  const Tensor x = test::gc_input({1, 7, 4}, -1, 1, 9);  // 3 blocks of 3, the last padded
  for (int64_t sortcut : {0, 2}) {
    auto m = make_sinkhorn({{"d_model", 4}, {"n_heads", 2}, {"block_size", 3}, {"sinkhorn_iters", 3},
                            {"sortcut_blocks", sortcut}});
    m->eval();
    for (bool causal : {false, true}) {
      if (causal && sortcut > 0) continue;
      EXPECT_TRUE(test::gradcheck(
          [&](const TensorList& in) {
            nn::MixerArgs a;
            a.causal = causal;
            return (*m)(in[0], a);
          },
          {x}, {1e-6, 1e-5, 1e-3, /*gradgrad=*/!causal && sortcut == 0}))
          << "sortcut " << sortcut << (causal ? " causal" : "");
    }
  }
  // The balancing itself, causal and not.
  const Tensor logits = test::gc_input({2, 4, 4}, -1, 1, 10);
  for (bool causal : {false, true})
    EXPECT_TRUE(test::gradcheck([&](const TensorList& in) { return nn::sinkhorn_normalize(in[0], 4, causal); },
                                {logits}));
}

}  // namespace
}  // namespace tz
