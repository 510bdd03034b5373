// "softmax" mixer: equals nn::MultiheadAttention (torch.nn's MHA) with the same weights for self-
// and cross-attention, with and without a key padding mask; causal equals MHA with a causal mask
// (bottom-right aligned with a longer context); parameter names; dropout only in training.
#include "nn/attention/softmax_mixer.h"
#include "tests/zoo/zoo_checks.h"

namespace tz::test::zoo {
namespace {

struct Pair {
  std::shared_ptr<nn::Mixer> mixer;
  std::shared_ptr<nn::MultiheadAttention> mha;
};

/// A softmax mixer and a batch-first MHA holding the same (random, non-zero bias) weights.
Pair make_pair(int64_t D, int64_t H) {
  Pair p;
  manual_seed(3);
  p.mixer = nn::make_mixer("softmax", {{"d_model", D}, {"n_heads", H}}, TensorOptions(DType::F64));
  p.mha = std::make_shared<nn::MultiheadAttention>(D, H, 0.0, true, false, false, std::nullopt, std::nullopt, true,
                                                   TensorOptions(DType::F64));
  p.mixer->eval(), p.mha->eval();
  const nn::StateDict s = p.mixer->state_dict();
  // Biases are zero-initialised in MHA: give both non-zero ones so they are compared too.
  const Tensor bias = make_input({3 * D}, DType::F64, -0.5, 0.5, 11);
  nn::StateDict m;
  m["in_proj_weight"] = cat({s.at("to_q.weight"), s.at("to_k.weight"), s.at("to_v.weight")}, 0);
  m["in_proj_bias"] = bias;
  m["out_proj.weight"] = s.at("to_out.weight");
  m["out_proj.bias"] = s.at("to_out.bias");
  EXPECT_TRUE(p.mha->load_state_dict(m).ok());
  nn::StateDict s2 = s;
  s2["to_q.bias"] = bias.narrow(0, 0, D).clone();
  s2["to_k.bias"] = bias.narrow(0, D, D).clone();
  s2["to_v.bias"] = bias.narrow(0, 2 * D, D).clone();
  EXPECT_TRUE(p.mixer->load_state_dict(s2).ok());
  return p;
}

TEST(SoftmaxMixer, ParameterNames) {
  auto m = nn::make_mixer("softmax", {{"d_model", 8}, {"n_heads", 2}, {"qkv_bias", false}});
  std::vector<std::string> names;
  for (const auto& [n, t] : m->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"to_q.weight", "to_k.weight", "to_v.weight", "to_out.weight", "to_out.bias"}));
  EXPECT_EQ(m->num_parameters(), 4 * 64 + 8);
}

TEST(SoftmaxMixer, SelfAttentionEqualsMultiheadAttention) {
  auto p = make_pair(12, 3);
  const Tensor x = make_input({2, 9, 12}, DType::F64, -1, 1, 5);
  EXPECT_TENSOR_CLOSE((*p.mixer)(x), p.mha->forward(x, x, x).output, 1e-12, 1e-12);
  nn::MixerArgs a;
  a.key_padding_mask = probe_padding_mask(2, 9);
  EXPECT_TENSOR_CLOSE((*p.mixer)(x, a), p.mha->forward(x, x, x, a.key_padding_mask).output, 1e-12, 1e-12);
}

TEST(SoftmaxMixer, CrossAttentionEqualsMultiheadAttention) {
  auto p = make_pair(12, 3);
  const Tensor x = make_input({2, 4, 12}, DType::F64, -1, 1, 5), c = make_input({2, 7, 12}, DType::F64, -1, 1, 6);
  nn::MixerArgs a;
  a.context = c;
  EXPECT_TENSOR_CLOSE((*p.mixer)(x, a), p.mha->forward(x, c, c).output, 1e-12, 1e-12);
  a.key_padding_mask = probe_padding_mask(2, 7);
  EXPECT_TENSOR_CLOSE((*p.mixer)(x, a), p.mha->forward(x, c, c, a.key_padding_mask).output, 1e-12, 1e-12);
}

TEST(SoftmaxMixer, CausalEqualsMultiheadAttentionWithMask) {
  auto p = make_pair(8, 2);
  const Tensor x = make_input({2, 6, 8}, DType::F64, -1, 1, 5);
  nn::MixerArgs a;
  a.causal = true;
  const Tensor future = arange(6).unsqueeze(0) > arange(6).unsqueeze(1);  // MHA: true = ignore
  EXPECT_TENSOR_CLOSE((*p.mixer)(x, a), p.mha->forward(x, x, x, {}, false, future).output, 1e-12, 1e-12);
  a.key_padding_mask = probe_padding_mask(2, 6);
  EXPECT_TENSOR_CLOSE((*p.mixer)(x, a), p.mha->forward(x, x, x, a.key_padding_mask, false, future).output, 1e-12, 1e-12);
  // With a context of M = 7 > N = 4 keys, query i sees keys j <= i + 3 (bottom-right aligned).
  const Tensor q = make_input({2, 4, 8}, DType::F64, -1, 1, 7), c = make_input({2, 7, 8}, DType::F64, -1, 1, 8);
  nn::MixerArgs cross;
  cross.context = c, cross.causal = true;
  const Tensor late = arange(7).unsqueeze(0) > arange(4).unsqueeze(1) + 3;
  EXPECT_TENSOR_CLOSE((*p.mixer)(q, cross), p.mha->forward(q, c, c, {}, false, late).output, 1e-12, 1e-12);
}

TEST(SoftmaxMixer, DropoutOnlyInTraining) {
  manual_seed(1);
  auto m = nn::make_mixer("softmax", {{"d_model", 8}, {"n_heads", 2}, {"dropout", 0.5}}, TensorOptions(DType::F64));
  const Tensor x = make_input({2, 6, 8}, DType::F64, -1, 1, 5);
  m->eval();
  const Tensor e1 = (*m)(x), e2 = (*m)(x);
  EXPECT_TENSOR_EQ(e1, e2);
  m->train();
  const Tensor t1 = (*m)(x);
  EXPECT_GT(max(abs(t1 - e1)).item<double>(), 1e-3);
}

}  // namespace
}  // namespace tz::test::zoo
