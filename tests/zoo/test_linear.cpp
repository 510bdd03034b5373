// "linear" (Transformers are RNNs): the parallel masked, chunked causal and recurrent forms
// agree; elu+1 features at zero give mean pooling; causality, masked keys, cross-attention,
// registry config and a small f64 gradcheck.
#include <gtest/gtest.h>

#include "nn/attention/kernel_attention.h"
#include "nn/attention/linear_attention.h"
#include "tests/support/gradcheck.h"
#include "tests/zoo/kernel_zoo_helpers.h"

namespace tz {
namespace {

using test::make_input;

std::shared_ptr<nn::LinearAttentionMixer> make_linear(int64_t d, int64_t h, int64_t chunk = 64) {
  manual_seed(7);
  auto m = std::dynamic_pointer_cast<nn::LinearAttentionMixer>(
      nn::make_mixer("linear", {{"d_model", d}, {"n_heads", h}, {"chunk_size", chunk}}, DType::F64));
  EXPECT_TRUE(m);
  return m;
}

// The O(N^2) masked form computed from the mixer's own projections.
Tensor quadratic_reference(nn::LinearAttentionMixer& m, const Tensor& x, bool causal) {
  const Tensor phi_q = m.feature_map(m.split_heads((*m.to_q)(x)));
  const Tensor phi_k = m.feature_map(m.split_heads((*m.to_k)(x)));
  const auto sums = nn::kernel_attention_quadratic(phi_q, phi_k, m.split_heads((*m.to_v)(x)), causal);
  return (*m.to_out)(m.merge_heads(sums.numerator / (sums.denominator.unsqueeze(-1) + m.eps)));
}

TEST(ZooLinear, ParallelChunkedAndRecurrentFormsAgree) {
  auto m = make_linear(12, 3);
  const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 1);
  const Tensor expected = quadratic_reference(*m, x, true);
  for (int64_t chunk : {1, 4, 7, 37, 64}) {
    m->chunk_size = chunk;
    nn::MixerArgs args;
    args.causal = true;
    EXPECT_TENSOR_CLOSE((*m)(x, args), expected, 1e-10, 1e-12) << "chunk " << chunk;
  }
  nn::MixerState state = m->init_state(2);
  std::vector<Tensor> steps;
  for (int64_t t = 0; t < 37; ++t) steps.push_back(m->step(x.select(1, t), state));
  EXPECT_EQ(state.position, 37);
  EXPECT_TENSOR_CLOSE(stack(steps, 1), expected, 1e-10, 1e-12);
  // Non-causal: the contracted form equals the unmasked quadratic form.
  EXPECT_TENSOR_CLOSE((*m)(x), quadratic_reference(*m, x, false), 1e-10, 1e-12);
}

TEST(ZooLinear, ZeroQueryKeyProjectionsGiveMeanPooling) {
  // phi(0) = elu(0) + 1 = 1 for every query and key: the weights are uniform, so the output is
  // the mean of the values (prefix mean when causal), with eps in the normaliser.
  auto m = make_linear(8, 2);
  {
    NoGradGuard g;
    for (auto* lin : {m->to_q.get(), m->to_k.get()}) lin->weight.fill_(0.0), lin->bias.fill_(0.0);
  }
  const Tensor x = make_input({2, 9, 8}, DType::F64, -1, 1, 2);
  const Tensor v = (*m->to_v)(x);
  const double hd = double(m->head_dim);  // phi(q).phi(k) = hd for every pair
  EXPECT_TENSOR_CLOSE((*m)(x), (*m->to_out)((hd * v.sum({1}, true) / (hd * 9.0 + m->eps)).expand(v.shape())), 1e-12, 1e-12);
  nn::MixerArgs causal;
  causal.causal = true;
  const Tensor counts = arange(1, 10, 1, DType::F64).reshape({1, 9, 1});
  EXPECT_TENSOR_CLOSE((*m)(x, causal), (*m->to_out)(hd * cumsum(v, 1) / (hd * counts + m->eps)), 1e-12, 1e-12);
}

TEST(ZooLinear, ImpliedAttentionRowsSumToOne) {
  // With v = 1 every output row is sum_j w_ij = den / (den + eps) ~ 1.
  const Tensor phi_q = nn::LinearAttentionMixer::feature_map(make_input({2, 3, 11, 4}, DType::F64, -1, 1, 3));
  const Tensor phi_k = nn::LinearAttentionMixer::feature_map(make_input({2, 3, 11, 4}, DType::F64, -1, 1, 4));
  const Tensor ones_v = ones({2, 3, 11, 1}, DType::F64);
  for (bool causal : {false, true}) {
    const auto s = causal ? nn::kernel_attention_causal(phi_q, phi_k, ones_v, 3)
                          : nn::kernel_attention_global(phi_q, phi_k, ones_v);
    EXPECT_TENSOR_CLOSE(s.numerator.squeeze(-1) / s.denominator, ones({2, 3, 11}, DType::F64), 1e-12, 1e-12);
  }
}

TEST(ZooLinear, CausalNeverLooksAhead) {
  auto m = make_linear(12, 3, 5);
  const Tensor x = make_input({2, 23, 12}, DType::F64, -1, 1, 5);
  for (int64_t t : {0, 4, 5, 13, 22}) test::zoo::expect_causal_from(*m, x, t, 1e-12);
}

TEST(ZooLinear, MaskedKeysAreIgnored) {
  auto m = make_linear(12, 3, 4);
  const Tensor x = make_input({2, 13, 12}, DType::F64, -1, 1, 6);
  Tensor padded = zeros({2, 13}, DType::Bool);
  padded.narrow(1, 10, 3).select(0, 0).fill_(true);  // sample 0: last 3 are padding
  padded.narrow(1, 2, 2).select(0, 1).fill_(true);   // sample 1: tokens 2, 3
  test::zoo::expect_padded_keys_ignored(*m, x, padded, /*causal=*/false, 1e-12);
  test::zoo::expect_padded_keys_ignored(*m, x, padded, /*causal=*/true, 1e-12);
  // Trailing padding equals running on the unpadded prefix.
  nn::MixerArgs args;
  args.key_padding_mask = padded.narrow(0, 0, 1);
  EXPECT_TENSOR_CLOSE((*m)(x.narrow(0, 0, 1), args).narrow(1, 0, 10), (*m)(x.narrow(0, 0, 1).narrow(1, 0, 10)),
                      1e-12, 1e-12);
}

TEST(ZooLinear, CrossAttentionUsesContextKeys) {
  auto m = make_linear(8, 2);
  const Tensor x = make_input({2, 5, 8}, DType::F64, -1, 1, 7), ctx = make_input({2, 9, 8}, DType::F64, -1, 1, 8);
  nn::MixerArgs args;
  args.context = ctx;
  const Tensor phi_q = m->feature_map(m->split_heads((*m->to_q)(x)));
  const Tensor phi_k = m->feature_map(m->split_heads((*m->to_k)(ctx)));
  const auto s = nn::kernel_attention_quadratic(phi_q, phi_k, m->split_heads((*m->to_v)(ctx)), false);
  EXPECT_TENSOR_CLOSE((*m)(x, args), (*m->to_out)(m->merge_heads(s.numerator / (s.denominator.unsqueeze(-1) + m->eps))),
                      1e-10, 1e-12);
  args.causal = true;
  EXPECT_TZ_ERROR((*m)(x, args), "causal cross-attention");
}

TEST(ZooLinear, RegistryEntryAndConfig) {
  const auto& e = nn::find_mixer("linear");
  EXPECT_TRUE(e.capabilities.causal && e.capabilities.recurrent && e.capabilities.key_padding_mask);
  for (const auto& [key, value] : e.defaults.items()) EXPECT_TRUE(e.doc.count(key)) << key;
  auto m = nn::make_mixer("linear", {{"d_model", 8}, {"n_heads", 2}});
  EXPECT_EQ((*m)(make_input({1, 3, 8})).shape(), (Shape{1, 3, 8}));
  std::set<std::string> names;
  for (const auto& [n, p] : m->named_parameters()) names.insert(n);
  EXPECT_EQ(names, (std::set<std::string>{"to_q.weight", "to_q.bias", "to_k.weight", "to_k.bias", "to_v.weight",
                                          "to_v.bias", "to_out.weight", "to_out.bias"}));
  EXPECT_TZ_ERROR(nn::make_mixer("linear", {{"d_model", 8}, {"chunk_size", 0}}), "chunk_size must be > 0");
  EXPECT_TZ_ERROR(nn::make_mixer("linear", {{"d_model", 8}, {"chunksize", 4}}), "did you mean 'chunk_size'");
}

TEST(ZooLinear, Gradcheck) {
  auto m = make_linear(4, 2, 2);
  const Tensor x = test::gc_input({1, 5, 4}, -1, 1, 11);
  for (bool causal : {false, true}) {
    EXPECT_TRUE(test::gradcheck(
        [&](const TensorList& in) {
          nn::MixerArgs a;
          a.causal = causal;
          return (*m)(in[0], a);
        },
        {x}));
  }
  // The chunked causal sums themselves (chunk 2 over 5 tokens: a padded last chunk).
  const Tensor fq = test::gc_input({1, 2, 5, 3}, 0.1, 1, 12), fk = test::gc_input({1, 2, 5, 3}, 0.1, 1, 13);
  const Tensor v = test::gc_input({1, 2, 5, 2}, -1, 1, 14);
  EXPECT_TRUE(test::gradcheck(
      [](const TensorList& in) {
        const auto s = nn::kernel_attention_causal(in[0], in[1], in[2], 2);
        return s.numerator / s.denominator.unsqueeze(-1);
      },
      {fq, fk, v}));
}

}  // namespace
}  // namespace tz
