// Synthesizer (dense / random / factorized), catalogue C3 tests.
#include "nn/attention/synthesizer.h"
#include "tests/zoo/zoo_checks.h"

namespace tz::test::zoo {
namespace {

std::shared_ptr<nn::SynthesizerMixer> make_synth(const std::string& name, nn::json config) {
  manual_seed(8);
  config["d_model"] = 8;
  config["n_heads"] = 2;
  auto m = nn::make_mixer(name, config, TensorOptions(DType::F64));
  m->eval();
  return std::dynamic_pointer_cast<nn::SynthesizerMixer>(m);
}

void set_tensor(nn::Module& m, const std::string& name, const Tensor& value) {
  nn::StateDict s = m.state_dict();
  ASSERT_TRUE(s.count(name)) << name;
  s[name] = value;
  ASSERT_TRUE(m.load_state_dict(s).ok());
}

TEST(Synthesizer, RandomWeightsDoNotDependOnTheInput) {
  auto m = make_synth("synthesizer-random", {{"max_length", 10}, {"dot_product", false}});
  const Tensor x1 = make_input({2, 6, 8}, DType::F64, -1, 1, 1), x2 = make_input({2, 6, 8}, DType::F64, -1, 1, 2);
  const Tensor p = m->attention_weights(x1);
  EXPECT_TENSOR_EQ(p, m->attention_weights(x2));
  // P = softmax(R[h, :N, :N]) for every sample.
  const Tensor expected = softmax(m->random.narrow(1, 0, 6).narrow(2, 0, 6), -1).unsqueeze(0).expand({2, 2, 6, 6});
  EXPECT_TENSOR_CLOSE(p, expected, 1e-14, 1e-14);
  // So the output depends on x only through the values: y = to_out(P to_v(x)).
  const Tensor v = (*m->to_v)(x1).reshape({2, 6, 2, 4}).transpose(1, 2);
  EXPECT_TENSOR_CLOSE((*m)(x1), (*m->to_out)(matmul(expected, v).transpose(1, 2).reshape({2, 6, 8})), 1e-13, 1e-13);
  // Fixed random R is a buffer, not a parameter.
  auto fixed = make_synth("synthesizer-random", {{"max_length", 10}, {"trainable", false}});
  EXPECT_TRUE(fixed->state_dict().count("random"));
  for (const auto& [n, t] : fixed->named_parameters()) EXPECT_NE(n, "random");
}

TEST(Synthesizer, ZeroLogitsAverageTheVisibleValues) {
  auto m = make_synth("synthesizer-random", {{"max_length", 10}, {"dot_product", false}});
  set_tensor(*m, "random", zeros({2, 10, 10}, DType::F64));
  const Tensor x = make_input({2, 6, 8}, DType::F64, -1, 1, 1);
  const Tensor v = (*m->to_v)(x);  // [B, N, D]: heads are a split of D, so the mean is per feature
  // Unmasked: every row is mean(V).
  EXPECT_TENSOR_CLOSE((*m)(x), (*m->to_out)(mean(v, {1}, true).expand({2, 6, 8})), 1e-13, 1e-13);
  // Causal: row i is the mean of v_0..v_i.
  nn::MixerArgs a;
  a.causal = true;
  const Tensor prefix_mean = cumsum(v, 1) / arange(1, 7, 1, TensorOptions(DType::F64)).reshape({1, 6, 1});
  EXPECT_TENSOR_CLOSE((*m)(x, a), (*m->to_out)(prefix_mean), 1e-13, 1e-13);
  // Key padding: the mean over the real keys (sample 0: keys 0..3, sample 1: keys 1..5).
  nn::MixerArgs k;
  k.key_padding_mask = probe_padding_mask(2, 6);
  const Tensor m0 = mean(v.select(0, 0).narrow(0, 0, 4), {0}), m1 = mean(v.select(0, 1).narrow(0, 1, 5), {0});
  const Tensor expected = stack({m0.unsqueeze(0).expand({6, 8}), m1.unsqueeze(0).expand({6, 8})}, 0);
  EXPECT_TENSOR_CLOSE((*m)(x, k), (*m->to_out)(expected), 1e-13, 1e-13);
}

TEST(Synthesizer, DotProductMixingWithZeroLogitsEqualsSoftmaxAttention) {
  auto m = make_synth("synthesizer-factorized", {{"max_length", 10}, {"k", 3}});
  set_tensor(*m, "random_1", zeros({2, 10, 3}, DType::F64));
  auto soft = nn::make_mixer("softmax", {{"d_model", 8}, {"n_heads", 2}}, TensorOptions(DType::F64));
  nn::StateDict s = m->state_dict();
  s.erase("random_1"), s.erase("random_2");
  ASSERT_TRUE(soft->load_state_dict(s).ok());
  const Tensor x = make_input({2, 6, 8}, DType::F64, -1, 1, 1), c = make_input({2, 4, 8}, DType::F64, -1, 1, 3);
  nn::MixerArgs a;
  a.causal = true, a.key_padding_mask = probe_padding_mask(2, 6);
  EXPECT_TENSOR_CLOSE((*m)(x, a), (*soft)(x, a), 1e-13, 1e-13);
  nn::MixerArgs cross;
  cross.context = c;
  EXPECT_TENSOR_CLOSE((*m)(x, cross), (*soft)(x, cross), 1e-13, 1e-13);
  // Non-zero synthetic logits change the result.
  auto fresh = make_synth("synthesizer-factorized", {{"max_length", 10}, {"k", 3}});
  EXPECT_GT(max(abs((*fresh)(x) - (*soft)(x))).item<double>(), 1e-6);
}

TEST(Synthesizer, FactorizedWithFullRankEqualsRandom) {
  // R1 = R (k = L), R2 = I: the factorized logits are R itself.
  auto f = make_synth("synthesizer-factorized", {{"max_length", 7}, {"k", 7}});
  auto r = make_synth("synthesizer-random", {{"max_length", 7}});
  const Tensor R = make_input({2, 7, 7}, DType::F64, -2, 2, 5);
  set_tensor(*r, "random", R);
  nn::StateDict s = r->state_dict();
  s.erase("random");
  s["random_1"] = R;
  s["random_2"] = eye(7, std::nullopt, TensorOptions(DType::F64)).unsqueeze(0).expand({2, 7, 7}).contiguous();
  ASSERT_TRUE(f->load_state_dict(s).ok());
  const Tensor x = make_input({2, 5, 8}, DType::F64, -1, 1, 1);
  nn::MixerArgs a;
  a.causal = true;
  EXPECT_TENSOR_CLOSE((*f)(x, a), (*r)(x, a), 1e-13, 1e-13);
  EXPECT_EQ(f->random_1.shape(), (Shape{2, 7, 7}));
}

TEST(Synthesizer, DenseRowsDependOnlyOnTheirOwnToken) {
  auto m = make_synth("synthesizer-dense", {{"max_length", 9}, {"dot_product", false}});
  const Tensor x = make_input({2, 6, 8}, DType::F64, -1, 1, 1);
  // Logits = dense_2(relu(dense_1 x)) per head, truncated to N keys.
  const Tensor h = relu((*m->dense_1)(x).reshape({2, 6, 2, 4}));
  const Tensor logits = (*m->dense_2)(h).transpose(1, 2).narrow(3, 0, 6);
  EXPECT_TENSOR_CLOSE(m->attention_weights(x), softmax(logits, -1), 1e-13, 1e-13);
  // Changing token 4 changes only row 4 of the weights.
  Tensor x2 = x.clone();
  {
    NoGradGuard ng;
    x2.narrow(1, 4, 1).fill_(0.7);
  }
  const Tensor diff = abs(m->attention_weights(x2) - m->attention_weights(x));
  EXPECT_EQ(max(diff.narrow(2, 0, 4)).item<double>(), 0.0);
  EXPECT_EQ(max(diff.narrow(2, 5, 1)).item<double>(), 0.0);
  EXPECT_GT(max(diff.narrow(2, 4, 1)).item<double>(), 1e-6);
}

TEST(Synthesizer, MaxLengthIsEnforcedAndConfigured) {
  auto m = make_synth("synthesizer-random", {{"max_length", 6}});
  EXPECT_EQ(m->capabilities().max_length, 6);
  EXPECT_EQ(nn::find_mixer("synthesizer-random").capabilities.max_length, 512);  // the LRA default
  EXPECT_EQ(m->random.shape(), (Shape{2, 6, 6}));
  EXPECT_TZ_ERROR((*m)(make_input({1, 7, 8}, DType::F64)), "[mixer synthesizer-random] sequence length 7 exceeds");
  nn::MixerArgs a;
  a.context = make_input({1, 7, 8}, DType::F64);
  EXPECT_TZ_ERROR((*m)(make_input({1, 3, 8}, DType::F64), a), "exceeds this mixer's maximum 6");
  EXPECT_TZ_ERROR(make_synth("synthesizer-factorized", {{"k", 0}}), "[mixer synthesizer-factorized] k must be > 0");
  EXPECT_TZ_ERROR(make_synth("synthesizer-dense", {{"k", 3}}), "unknown config key 'k'");
}

}  // namespace
}  // namespace tz::test::zoo
