// What a mixer's state_dict carries and which layouts load into it: fixed randomness saved as
// buffers (Reformer's rotations, BigBird's per-head layout), state_dicts from before those
// buffers existed (nn::Module::upgrade_state_dict), and the packed MultiheadAttention layout.
#include <set>

#include "autograd/grad_mode.h"
#include "nn/attention/bigbird.h"
#include "nn/attention/multihead_attention.h"
#include "nn/attention/reformer.h"
#include "tests/zoo/sparse_test_util.h"
#include "tests/zoo/zoo_checks.h"

namespace tz {
namespace {

using namespace test::sparse;
using test::make_input;

nn::json reformer_cfg(int64_t seed) {
  return {{"d_model", 12}, {"n_heads", 3}, {"chunk_len", 4}, {"n_buckets", 4}, {"n_hashes", 2}, {"seed", seed}};
}

nn::json bigbird_cfg(int64_t seed, int64_t layout_len) {
  return {{"d_model", 12},          {"n_heads", 3}, {"block_size", 3},
          {"num_rand_blocks", 2},  {"seed", seed}, {"layout_len", layout_len}};
}

nn::StateDict without(nn::StateDict dict, const std::string& key) {
  EXPECT_EQ(dict.erase(key), 1u) << key;
  return dict;
}

TEST(MixerStateLayouts, ReformerRotationsAreABufferThatDecidesTheOutput) {
  auto a = make_as<nn::ReformerAttention>("reformer-lsh", reformer_cfg(3));
  auto b = make_as<nn::ReformerAttention>("reformer-lsh", reformer_cfg(4));
  const nn::StateDict sa = a->state_dict();
  ASSERT_TRUE(sa.count("rotations"));
  EXPECT_EQ(sa.at("rotations").shape(), Shape({2, 4, 2}));  // [n_hashes, hd, n_buckets / 2]
  const Tensor x = make_input({2, 17, 12}, DType::F64, -1, 1, 5);
  const Tensor ya = (*a)(x);
  EXPECT_FALSE(test::tensors_equal(ya, (*b)(x)));
  // b was built from another seed: after the load its rotations are a's, whatever its seed says.
  b->load_state_dict(sa);
  EXPECT_TENSOR_EQ((*b)(x), ya);
  EXPECT_TENSOR_EQ(b->rotations_for(x), a->rotations_for(x));
  // A loaded rotation tensor is used as is: scaling all rotations by -1 swaps every bucket pair.
  nn::StateDict flipped = sa;
  flipped["rotations"] = sa.at("rotations") * -1.0;
  b->load_state_dict(flipped);
  EXPECT_TENSOR_EQ(b->rotations_for(x), a->rotations_for(x) * -1.0);
}

TEST(MixerStateLayouts, ReformerStateDictWithoutRotationsLoadsWithTheSeedsDraw) {
  // The layout before the buffer: projections only; that version drew the rotations from the
  // config's seed, so the upgrade adds the module's own seed draw.
  auto a = make_as<nn::ReformerAttention>("reformer-lsh", reformer_cfg(3));
  const Tensor x = make_input({2, 17, 12}, DType::F64, -1, 1, 6);
  const Tensor ya = (*a)(x);
  const nn::StateDict old = without(a->state_dict(), "rotations");
  auto same_seed = make_as<nn::ReformerAttention>("reformer-lsh", reformer_cfg(3));
  {
    NoGradGuard no_grad;
    same_seed->to_v->weight.copy_(same_seed->to_v->weight * 0.5);  // differs until the load
  }
  same_seed->load_state_dict(old);
  EXPECT_TENSOR_EQ((*same_seed)(x), ya);
  auto other_seed = make_as<nn::ReformerAttention>("reformer-lsh", reformer_cfg(4));
  other_seed->load_state_dict(old);
  EXPECT_FALSE(test::tensors_equal((*other_seed)(x), ya));  // the seed's draw, not a's
  // The caller's dict is not changed by the upgrade.
  EXPECT_FALSE(old.count("rotations"));
}

TEST(MixerStateLayouts, SoftmaxMixerLoadsAMultiheadAttentionStateDict) {
  for (bool bias : {true, false}) {
    manual_seed(21);
    nn::MultiheadAttention mha(12, 3, 0.0, bias, false, false, {}, {}, /*batch_first=*/true, TensorOptions(DType::F64));
    if (bias) {  // PyTorch initialises the biases to zero; make them count
      NoGradGuard no_grad;
      mha.parameter("in_proj_bias").copy_(make_input({36}, DType::F64, -1, 1, 3));
      mha.out_proj->bias.copy_(make_input({12}, DType::F64, -1, 1, 4));
    }
    const nn::StateDict packed = mha.state_dict();
    ASSERT_TRUE(packed.count("in_proj_weight"));
    auto mixer = make_as<nn::ProjectedMixer>("softmax", {{"d_model", 12}, {"n_heads", 3}, {"qkv_bias", bias},
                                                         {"out_bias", bias}});
    const nn::LoadResult r = mixer->load_state_dict(packed);
    EXPECT_TRUE(r.ok());
    EXPECT_TENSOR_EQ(mixer->to_k->weight, packed.at("in_proj_weight").narrow(0, 12, 12));
    const Tensor x = make_input({2, 7, 12}, DType::F64, -1, 1, 8);
    EXPECT_TENSOR_CLOSE((*mixer)(x), mha.forward(x, x, x, {}, false).output, 1e-12, 1e-12) << "bias " << bias;
    nn::MixerArgs causal;
    causal.causal = true;
    EXPECT_TENSOR_CLOSE((*mixer)(x, causal), mha.forward(x, x, x, {}, false, {}, true, true).output, 1e-12, 1e-12);
  }
  // A packed tensor of the wrong size is not split: strict loading reports it and the missing keys.
  nn::MultiheadAttention wide(24, 3, 0.0, true, false, false, {}, {}, true, TensorOptions(DType::F64));
  auto mixer = make_f64("softmax", {{"d_model", 12}, {"n_heads", 3}});
  EXPECT_TZ_ERROR(mixer->load_state_dict(wide.state_dict()), "in_proj_weight");
}

TEST(MixerStateLayouts, BigBirdPerHeadLayoutIsSavedAndLoaded) {
  const int64_t N = 24, nb = 8;  // layout_len 24, block 3
  auto a = make_as<nn::BigBirdAttention>("bigbird", bigbird_cfg(5, N));
  ASSERT_TRUE(a->random_layout.defined());
  EXPECT_EQ(a->random_layout.shape(), Shape({2, 3, nb, 2}));
  EXPECT_TRUE(a->state_dict().count("random_layout"));
  for (bool causal : {false, true}) {
    const auto layouts = a->head_layouts(nb, causal);
    ASSERT_EQ(layouts.size(), 3u);
    EXPECT_TRUE(layouts[0] != layouts[1] || layouts[1] != layouts[2]) << "heads draw their own layouts";
    // Each head's layout is the generator's next draw: non-causal heads first, then causal.
    Generator gen(5);
    std::vector<nn::BigBirdAttention::BlockLayout> expected;
    for (int c = 0; c < 2; ++c)
      for (int h = 0; h < 3; ++h) expected.push_back(a->draw_random_blocks(nb, c == 1, gen));
    for (int h = 0; h < 3; ++h) EXPECT_EQ(layouts[h], expected[(causal ? 3 : 0) + h]) << h;
  }
  // Gathered form == dense reference with the per-head patterns.
  const Tensor x = make_input({2, N, 12}, DType::F64, -1, 1, 9);
  expect_fast_equals_dense(*a, x, padding_mask(2, N, {{1, 20, 4}}), "per-head layout");
  nn::MixerArgs causal;
  causal.causal = true;
  test::zoo::expect_causal_from(*a, x, 13);
  // Another seed gives other outputs until a's state_dict (with its layout) is loaded.
  auto b = make_as<nn::BigBirdAttention>("bigbird", bigbird_cfg(6, N));
  EXPECT_FALSE(test::tensors_equal((*b)(x), (*a)(x)));  // also decodes b's own layout once
  b->load_state_dict(a->state_dict());  // the decoded layout must follow the load
  EXPECT_TENSOR_EQ((*b)(x), (*a)(x));
  EXPECT_TENSOR_EQ((*b)(x, causal), (*a)(x, causal));
}

TEST(MixerStateLayouts, BigBirdLayoutChecksLengthAndLoadedIds) {
  auto m = make_as<nn::BigBirdAttention>("bigbird", bigbird_cfg(5, 24));
  EXPECT_TZ_ERROR((*m)(make_input({1, 30, 12}, DType::F64, -1, 1, 1)), "layout_len=24");
  // A loaded layout naming a window block of its query block is refused, not silently used,
  // also after a forward has decoded the previous layout.
  (*m)(make_input({1, 24, 12}, DType::F64, -1, 1, 1));
  nn::StateDict sd = m->state_dict();
  Tensor bad = sd.at("random_layout").clone();
  bad.select(0, 0).select(0, 1).select(0, 4).select(0, 0).fill_(5);  // head 1, block 4 -> its neighbour 5
  sd["random_layout"] = bad;
  m->load_state_dict(sd);
  EXPECT_TZ_ERROR((*m)(make_input({1, 24, 12}, DType::F64, -1, 1, 1)), "not a random-block candidate");
  // layout_len 0 keeps the shared, unsaved layout of earlier versions.
  auto shared = make_as<nn::BigBirdAttention>("bigbird", bigbird_cfg(5, 0));
  EXPECT_FALSE(shared->random_layout.defined());
  EXPECT_FALSE(shared->state_dict().count("random_layout"));
  const auto heads = shared->head_layouts(8, false);
  EXPECT_EQ(heads[0], shared->random_blocks(8, false));
  EXPECT_EQ(heads[2], heads[0]);
}

}  // namespace
}  // namespace tz
