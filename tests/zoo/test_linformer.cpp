// "linformer": k = N with identity projections is softmax attention; E sliced to the input
// length; invariance to a key permutation applied to E and F; sharing modes; no causal form;
// masked keys; max_length; a small f64 gradcheck through x and E.
#include <gtest/gtest.h>

#include "nn/attention/linformer.h"
#include "nn/optim/sgd.h"
#include "tests/support/gradcheck.h"
#include "tests/zoo/kernel_zoo_helpers.h"

namespace tz {
namespace {

using test::make_input;

std::shared_ptr<nn::LinformerMixer> make_linformer(int64_t d, int64_t h, int64_t k, int64_t max_len,
                                                   const std::string& sharing, uint64_t seed = 3) {
  manual_seed(seed);
  auto m = std::dynamic_pointer_cast<nn::LinformerMixer>(nn::make_mixer(
      "linformer", {{"d_model", d}, {"n_heads", h}, {"k", k}, {"max_length", max_len}, {"sharing", sharing}},
      DType::F64));
  EXPECT_TRUE(m);
  return m;
}

TEST(ZooLinformer, IdentityProjectionsWithKEqualNIsSoftmaxAttention) {
  const Tensor x = make_input({2, 11, 12}, DType::F64, -1, 1, 1);
  for (const std::string sharing : {"none", "headwise", "kv"}) {
    auto m = make_linformer(12, 3, 11, 11, sharing);
    {
      NoGradGuard g;
      const Tensor id = eye(11, {}, DType::F64);
      m->proj_k.copy_(id.expand(m->proj_k.shape()));
      m->proj_v.copy_(id.expand(m->proj_v.shape()));
    }
    const Tensor expected = test::kernel_zoo::softmax_reference(*m, x);
    EXPECT_TENSOR_CLOSE((*m)(x), expected, 1e-12, 1e-12) << sharing;
  }
  // Random projections are not attention over the original keys (the check can fail).
  auto r = make_linformer(12, 3, 11, 11, "headwise");
  EXPECT_FALSE(test::tensors_close((*r)(x), test::kernel_zoo::softmax_reference(*r, x), 1e-3, 1e-3));
}

TEST(ZooLinformer, ShorterInputsUseTheFirstColumnsOfE) {
  auto long_m = make_linformer(8, 2, 5, 16, "none", 4);
  auto short_m = make_linformer(8, 2, 5, 7, "none", 5);
  test::kernel_zoo::copy_parameters(*short_m, *long_m);  // proj_* differ in shape: copied by hand
  {
    NoGradGuard g;
    short_m->proj_k.copy_(long_m->proj_k.narrow(-1, 0, 7));
    short_m->proj_v.copy_(long_m->proj_v.narrow(-1, 0, 7));
  }
  const Tensor x = make_input({2, 7, 8}, DType::F64, -1, 1, 2);
  EXPECT_TENSOR_CLOSE((*long_m)(x), (*short_m)(x), 1e-12, 1e-12);
}

TEST(ZooLinformer, KeyPermutationAppliedToEAndFLeavesOutputUnchanged) {
  auto m = make_linformer(8, 2, 4, 9, "headwise");
  const Tensor x = make_input({2, 5, 8}, DType::F64, -1, 1, 3), ctx = make_input({2, 9, 8}, DType::F64, -1, 1, 4);
  nn::MixerArgs args;
  args.context = ctx;
  const Tensor before = (*m)(x, args);
  const Tensor perm = tensor({3, 0, 8, 5, 1, 7, 2, 6, 4});
  args.context = index_select(ctx, 1, perm);
  {
    NoGradGuard g;
    m->proj_k.copy_(index_select(m->proj_k.clone(), 1, perm));
    m->proj_v.copy_(index_select(m->proj_v.clone(), 1, perm));
  }
  EXPECT_TENSOR_CLOSE((*m)(x, args), before, 1e-12, 1e-12);
}

TEST(ZooLinformer, SharingModesOwnTheRightParameters) {
  auto count = [](nn::Mixer& m) {
    std::map<std::string, Shape> shapes;
    for (const auto& [n, p] : m.named_parameters())
      if (n.rfind("proj_", 0) == 0) shapes[n] = p.shape();
    return shapes;
  };
  EXPECT_EQ(count(*make_linformer(8, 2, 4, 10, "none")),
            (std::map<std::string, Shape>{{"proj_k", {2, 4, 10}}, {"proj_v", {2, 4, 10}}}));
  EXPECT_EQ(count(*make_linformer(8, 2, 4, 10, "headwise")),
            (std::map<std::string, Shape>{{"proj_k", {4, 10}}, {"proj_v", {4, 10}}}));
  auto kv = make_linformer(8, 2, 4, 10, "kv");
  EXPECT_EQ(count(*kv), (std::map<std::string, Shape>{{"proj_k", {4, 10}}}));
  EXPECT_TRUE(kv->proj_k.is_same(kv->proj_v));
  EXPECT_TZ_ERROR(make_linformer(8, 2, 4, 10, "layers"), "sharing must be none, headwise or kv");
}

// sharing "kv": E = F is one tensor, in the state dict once, and stays one tensor through a
// load and an optimizer step (a copy would untie them: the step would move only one).
TEST(ZooLinformer, SharedKvProjectionStaysTiedThroughLoadAndTraining) {
  auto src = make_linformer(8, 2, 4, 10, "kv", 5);
  auto m = make_linformer(8, 2, 4, 10, "kv", 6);
  const nn::StateDict dict = src->state_dict();
  EXPECT_EQ(dict.count("proj_k"), 1u);
  EXPECT_EQ(dict.count("proj_v"), 0u);
  m->load_state_dict(dict);
  ASSERT_TRUE(m->proj_k.is_same(m->proj_v));
  EXPECT_TENSOR_EQ(m->proj_v, src->proj_k);
  const Tensor before = m->proj_k.clone();
  nn::optim::SGDOptions so;
  so.lr = 0.1;
  nn::optim::SGD opt(m->parameters(), so);
  const Tensor x = make_input({2, 10, 8}, DType::F64, -1, 1, 9);
  opt.zero_grad();
  sum(square((*m)(x))).backward();
  opt.step();
  EXPECT_TRUE(m->proj_k.is_same(m->proj_v));
  EXPECT_EQ(m->proj_k.data_ptr(), m->proj_v.data_ptr());
  EXPECT_FALSE(test::tensors_close(m->proj_k, before, 1e-9, 1e-9)) << "the step must move E";
  EXPECT_TENSOR_EQ(m->proj_v, m->proj_k);
}

TEST(ZooLinformer, RejectsCausalAndOverlongInputsWithReasons) {
  auto m = make_linformer(8, 2, 4, 10, "kv");
  EXPECT_EQ(m->capabilities().max_length, 10);
  EXPECT_FALSE(m->capabilities().causal);
  nn::MixerArgs causal;
  causal.causal = true;
  EXPECT_TZ_ERROR((*m)(make_input({1, 6, 8}, DType::F64), causal), "mixes all N positions");
  EXPECT_TZ_ERROR((*m)(make_input({1, 11, 8}, DType::F64)), "exceeds this mixer's maximum 10");
}

TEST(ZooLinformer, MaskedKeysAreIgnored) {
  auto m = make_linformer(12, 3, 6, 16, "none");
  const Tensor x = make_input({2, 13, 12}, DType::F64, -1, 1, 6);
  Tensor padded = zeros({2, 13}, DType::Bool);
  padded.select(0, 0).narrow(0, 9, 4).fill_(true);
  padded.select(0, 1).narrow(0, 0, 2).fill_(true);
  test::zoo::expect_padded_keys_ignored(*m, x, padded, /*causal=*/false, 1e-12);
}

TEST(ZooLinformer, DropoutOnlyInTraining) {
  manual_seed(1);
  auto m = nn::make_mixer("linformer", {{"d_model", 8}, {"k", 4}, {"max_length", 8}, {"dropout", 0.5}}, DType::F64);
  const Tensor x = make_input({2, 8, 8}, DType::F64, -1, 1, 7);
  m->eval();
  const Tensor y = (*m)(x);
  EXPECT_TENSOR_EQ((*m)(x), y);
  m->train();
  EXPECT_FALSE(test::tensors_close((*m)(x), y, 1e-6, 1e-6));
}

TEST(ZooLinformer, Gradcheck) {
  auto m = make_linformer(4, 2, 3, 6, "none");
  const Tensor x = test::gc_input({1, 5, 4}, -1, 1, 8);
  const Tensor e = m->proj_k.detach().clone().requires_grad_(true);
  Tensor padded = zeros({1, 5}, DType::Bool);
  padded.select(1, 4).fill_(true);
  EXPECT_TRUE(test::gradcheck(
      [&](const TensorList& in) {
        m->proj_k = in[1];
        nn::MixerArgs a;
        a.key_padding_mask = padded;
        return (*m)(in[0], a);
      },
      {x, e}));
}

}  // namespace
}  // namespace tz
