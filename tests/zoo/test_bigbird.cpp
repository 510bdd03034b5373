// "bigbird" (ITC): gathered block table == dense masked reference, enough random blocks == full
// attention, layout reproducible from the seed and obeying the formula, block isolation, the
// redraw rule, causality, masked keys, gradients.
#include <algorithm>
#include <set>

#include "nn/attention/bigbird.h"
#include "tests/zoo/sparse_test_util.h"

namespace tz {
namespace {

using namespace test::sparse;
using test::make_input;

nn::json cfg(int64_t block, int64_t r, int64_t seed = 0) {
  return {{"d_model", 12}, {"n_heads", 3}, {"block_size", block}, {"num_rand_blocks", r}, {"seed", seed}};
}

TEST(ZooBigBird, RegistryDefaults) {
  const auto& e = nn::find_mixer("bigbird");
  EXPECT_EQ(e.defaults["block_size"], 64);
  EXPECT_EQ(e.defaults["num_rand_blocks"], 3);
  EXPECT_TRUE(e.capabilities.causal);
  EXPECT_TZ_ERROR(make_f64("bigbird", {{"d_model", 4}, {"seed", -1}}), "seed");
}

TEST(ZooBigBird, BlockTableEqualsDenseReference) {
  for (int64_t block : {1, 4, 5, 8, 40})
    for (int64_t r : {0, 1, 3}) {
      auto m = make_as<nn::BigBirdAttention>("bigbird", cfg(block, r, 7));
      const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 5);
      expect_fast_equals_dense(*m, x, padding_mask(2, 37, {{1, 31, 6}, {0, 12, 3}}),
                               "block " + std::to_string(block) + " r " + std::to_string(r));
    }
}

TEST(ZooBigBird, EnoughRandomBlocksIsFullAttention) {
  // N = 37, b = 5: 8 blocks; with r = 5 every block reaches every other one.
  auto m = make_as<nn::BigBirdAttention>("bigbird", cfg(5, 5));
  const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 6);
  EXPECT_TENSOR_CLOSE((*m)(x), softmax_reference(*m, x), 1e-12, 1e-12);
  nn::MixerArgs args;
  args.causal = true;
  EXPECT_TENSOR_CLOSE((*m)(x, args), softmax_reference(*m, x, {}, true), 1e-12, 1e-12);
}

TEST(ZooBigBird, LayoutIsReproducibleAndFollowsTheFormula) {
  auto a = make_as<nn::BigBirdAttention>("bigbird", cfg(4, 3, 11));
  auto b = make_as<nn::BigBirdAttention>("bigbird", cfg(4, 3, 11));
  auto c = make_as<nn::BigBirdAttention>("bigbird", cfg(4, 3, 12));
  const int64_t nb = 20;
  for (bool causal : {false, true}) {
    const auto la = a->random_blocks(nb, causal);
    EXPECT_EQ(la, b->random_blocks(nb, causal));
    EXPECT_NE(la, c->random_blocks(nb, causal));
    Generator gen(11);
    EXPECT_EQ(la, a->draw_random_blocks(nb, causal, gen));
    for (int64_t k = 0; k < nb; ++k) {
      const auto& r = la[k];
      if (k == 0 || k == nb - 1) {
        EXPECT_TRUE(r.empty());
        continue;
      }
      // Candidates: not in the window, not global, and (causal) in the past.
      int64_t candidates = 0;
      for (int64_t j = 0; j < nb; ++j)
        candidates += std::abs(j - k) > 1 && j != 0 && j != nb - 1 && (!causal || j < k);
      EXPECT_EQ(int64_t(r.size()), std::min<int64_t>(3, candidates)) << "block " << k;
      EXPECT_EQ(std::set<int64_t>(r.begin(), r.end()).size(), r.size());
      for (int64_t j : r) {
        EXPECT_GT(std::abs(j - k), 1);
        EXPECT_NE(j, 0);
        EXPECT_NE(j, nb - 1);
        if (causal) EXPECT_LT(j, k);
      }
    }
  }
}

TEST(ZooBigBird, QueryBlockIgnoresBlocksOutsideItsSet) {
  auto m = make_as<nn::BigBirdAttention>("bigbird", cfg(3, 1, 5));
  const int64_t N = 30, nb = 10, k = 5;
  const auto layout = m->random_blocks(nb, false);
  std::set<int64_t> reach = {0, nb - 1, k - 1, k, k + 1};
  reach.insert(layout[k].begin(), layout[k].end());
  const Tensor x = make_input({1, N, 12}, DType::F64, -1, 1, 8);
  Tensor x2 = x.clone();
  int64_t changed = 0;
  for (int64_t j = 0; j < nb; ++j)
    if (!reach.count(j)) x2.narrow(1, j * 3, 3).copy_(make_input({1, 3, 12}, DType::F64, -2, 2, 20 + j)), ++changed;
  ASSERT_GT(changed, 0);
  const Tensor y = (*m)(x), y2 = (*m)(x2);
  EXPECT_TENSOR_EQ(y.narrow(1, k * 3, 3), y2.narrow(1, k * 3, 3));
  EXPECT_FALSE(test::tensors_equal(y.narrow(1, 0, 3), y2.narrow(1, 0, 3)));  // global block 0 sees all
}

TEST(ZooBigBird, RandomBlocksRedrawnOnlyWhenAsked) {
  const Tensor x = make_input({1, 60, 12}, DType::F64, -1, 1, 9);
  auto fixed = make_f64("bigbird", cfg(3, 2));
  fixed->train();
  EXPECT_TENSOR_EQ((*fixed)(x), (*fixed)(x));
  nn::json c = cfg(3, 2);
  c["redraw_random_blocks"] = true;
  auto redraw = make_f64("bigbird", c);
  redraw->train();
  const Tensor a = (*redraw)(x), b = (*redraw)(x);
  EXPECT_FALSE(test::tensors_equal(a, b));
  redraw->eval();
  EXPECT_TENSOR_EQ((*redraw)(x), (*redraw)(x));
  // A second module with the same seed (and weights) repeats the same sequence of layouts.
  auto again = make_f64("bigbird", c);
  again->load_state_dict(redraw->state_dict());
  again->train();
  EXPECT_TENSOR_EQ((*again)(x), a);
  EXPECT_TENSOR_EQ((*again)(x), b);
}

TEST(ZooBigBird, CausalNeverLooksAhead) {
  auto m = make_f64("bigbird", cfg(3, 2, 4));
  const Tensor x = make_input({2, 25, 12}, DType::F64, -1, 1, 11);
  for (int64_t t : {0, 2, 3, 11, 22}) test::zoo::expect_causal_from(*m, x, t + 1);
}

TEST(ZooBigBird, MaskedKeysGetZeroWeight) {
  auto m = make_f64("bigbird", cfg(3, 1));
  const Tensor x = make_input({2, 19, 12}, DType::F64, -1, 1, 12);
  expect_masked_keys_ignored(*m, x, {13, 7});
  expect_masked_keys_ignored(*m, x, {13, 7}, true);
}

TEST(ZooBigBird, Gradcheck) {
  auto m = make_f64("bigbird", {{"d_model", 4}, {"n_heads", 2}, {"block_size", 2}, {"num_rand_blocks", 1}});
  expect_gradcheck(*m, {2, 9, 4}, false);
  expect_gradcheck(*m, {1, 9, 4}, true);
}

}  // namespace
}  // namespace tz
