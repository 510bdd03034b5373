// Attention building blocks: SDPA values and edge cases, GQA, dropout, RoPE and ALiBi
// properties, KV-cache decoding == full recomputation, parameter names and error messages.
// (PyTorch parity lives in test_attention_torch_refs.cpp, gradients in test_attention_gradcheck.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using test::make_input;

// ---- scaled_dot_product_attention ---------------------------------------------------------------

TEST(Sdpa, HandComputedValues) {
  // One query [1, 0] over keys [1, 0] and [0, 1]: scores [1, 0] / sqrt(2).
  const Tensor q = tensor({{1.f, 0.f}}), k = tensor({{1.f, 0.f}, {0.f, 1.f}}), v = tensor({{1.f, 2.f}, {3.f, 4.f}});
  const double a = std::exp(1.0 / std::sqrt(2.0)), w0 = a / (a + 1.0), w1 = 1.0 / (a + 1.0);
  const Tensor expected = tensor({{float(w0 * 1 + w1 * 3), float(w0 * 2 + w1 * 4)}});
  EXPECT_TENSOR_CLOSE(nn::scaled_dot_product_attention(q, k, v), expected);
  // scale = 0 gives the plain mean of the values.
  EXPECT_TENSOR_CLOSE(nn::scaled_dot_product_attention(q, k, v, {}, 0.0, false, 0.0), tensor({{2.f, 3.f}}));
}

TEST(Sdpa, CausalMatchesExplicitBoolAndFloatMasks) {
  const Tensor q = make_input({2, 3, 4, 5}, DType::F64, -1, 1, 1), k = make_input({2, 3, 6, 5}, DType::F64, -1, 1, 2);
  const Tensor v = make_input({2, 3, 6, 2}, DType::F64, -1, 1, 3);
  // top-left aligned: query i sees keys 0..i
  const Tensor keep = arange(4).unsqueeze(1) >= arange(6).unsqueeze(0);
  const Tensor bias = masked_fill(zeros({4, 6}, DType::F64), logical_not(keep), -INFINITY);
  const Tensor causal = nn::scaled_dot_product_attention(q, k, v, {}, 0.0, true);
  EXPECT_TENSOR_CLOSE(causal, nn::scaled_dot_product_attention(q, k, v, keep));
  EXPECT_TENSOR_CLOSE(causal, nn::scaled_dot_product_attention(q, k, v, bias));
  // Query 0 sees key 0 only: its output is v[..., 0, :].
  EXPECT_TENSOR_CLOSE(causal.select(2, 0), v.select(2, 0));
}

TEST(Sdpa, FullyMaskedRowsGiveZeros) {
  const Tensor q = make_input({2, 3, 4}), k = make_input({2, 5, 4}, DType::F32, -1, 1, 1);
  const Tensor v = make_input({2, 5, 3}, DType::F32, -1, 1, 2);
  Tensor keep = ones({3, 5}, DType::Bool);
  keep.select(0, 1).fill_(false);
  const Tensor out = nn::scaled_dot_product_attention(q, k, v, keep);
  EXPECT_TENSOR_EQ(out.select(1, 1), zeros({2, 3}));
  EXPECT_TRUE(all(isfinite(out)).item<bool>());
  // Same through an additive mask of -inf.
  const Tensor bias = masked_fill(zeros({3, 5}), logical_not(keep), -INFINITY);
  const auto r = nn::scaled_dot_product_attention_with_weights(q, k, v, bias);
  EXPECT_TENSOR_CLOSE(r.output, out);
  EXPECT_TENSOR_EQ(r.weights.select(1, 1), zeros({2, 5}));
  EXPECT_TENSOR_CLOSE(r.weights.select(1, 0).sum({-1}), ones({2}));
}

TEST(Sdpa, EmptyKeysAndQueries) {
  const Tensor out = nn::scaled_dot_product_attention(zeros({2, 3, 4}), zeros({2, 0, 4}), zeros({2, 0, 5}));
  EXPECT_EQ(out.shape(), (Shape{2, 3, 5}));
  EXPECT_TENSOR_EQ(out, zeros({2, 3, 5}));
  EXPECT_EQ(nn::scaled_dot_product_attention(zeros({2, 0, 4}), zeros({2, 3, 4}), zeros({2, 3, 5})).shape(),
            (Shape{2, 0, 5}));
}

TEST(Sdpa, GqaEqualsRepeatedHeads) {
  const Tensor q = make_input({2, 6, 3, 4}, DType::F64, -1, 1, 4), k = make_input({2, 2, 5, 4}, DType::F64, -1, 1, 5);
  const Tensor v = make_input({2, 2, 5, 3}, DType::F64, -1, 1, 6);
  const Tensor expected = nn::scaled_dot_product_attention(q, repeat_interleave(k, 3, 1), repeat_interleave(v, 3, 1));
  EXPECT_TENSOR_CLOSE(nn::scaled_dot_product_attention(q, k, v, {}, 0.0, false, {}, true), expected);
  // Different key and value head counts (both dividing Hq) as PyTorch allows.
  const Tensor v1 = make_input({2, 1, 5, 3}, DType::F64, -1, 1, 7);
  EXPECT_TENSOR_CLOSE(nn::scaled_dot_product_attention(q, k, v1, {}, 0.0, true, {}, true),
                      nn::scaled_dot_product_attention(q, repeat_interleave(k, 3, 1), repeat_interleave(v1, 6, 1), {},
                                                       0.0, true));
}

TEST(Sdpa, NonContiguousInputsAndBroadcastBatch) {
  const Tensor q = make_input({3, 2, 4}, DType::F64, -1, 1, 8).transpose(0, 1);  // [2, 3, 4] strided
  const Tensor k = make_input({5, 4}, DType::F64, -1, 1, 9);                     // broadcast over the batch
  const Tensor v = make_input({5, 2}, DType::F64, -1, 1, 10);
  const Tensor out = nn::scaled_dot_product_attention(q, k, v);
  EXPECT_EQ(out.shape(), (Shape{2, 3, 2}));
  EXPECT_TENSOR_CLOSE(out.select(0, 1), nn::scaled_dot_product_attention(q.select(0, 1).contiguous(), k, v));
}

TEST(Sdpa, DropoutScalesSurvivingWeights) {
  manual_seed(3);
  const Tensor q = make_input({1, 4, 8}), k = make_input({1, 6, 8}, DType::F32, -1, 1, 1);
  const Tensor v = make_input({1, 6, 2}, DType::F32, -1, 1, 2);
  const auto plain = nn::scaled_dot_product_attention_with_weights(q, k, v);
  const auto dropped = nn::scaled_dot_product_attention_with_weights(q, k, v, {}, 0.5);
  const auto w = dropped.weights.to_vector<float>(), p = plain.weights.to_vector<float>();
  int zeros_seen = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0.f) ++zeros_seen;
    else EXPECT_NEAR(w[i], 2.f * p[i], 1e-6);
  }
  EXPECT_GT(zeros_seen, 0);
  EXPECT_LT(zeros_seen, int(w.size()));
  EXPECT_TENSOR_CLOSE(dropped.output, matmul(dropped.weights, v));
}

TEST(Sdpa, Errors) {
  const Tensor q = zeros({2, 4, 3, 8}), k = zeros({2, 4, 5, 8}), v = zeros({2, 4, 5, 8});
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(q, k, v, ones({3, 4}, DType::Bool)),
                  "[scaled_dot_product_attention] attn_mask [3, 4] bool cpu does not broadcast to the attention scores");
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(q, k, v, ones({3, 5}, DType::Bool), 0.0, true),
                  "cannot be combined with is_causal");
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(q, zeros({2, 4, 5, 6}), v), "same embedding size E");
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(q, k, zeros({2, 4, 6, 8})), "same sequence length S");
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(q, zeros({2, 3, 5, 8}), zeros({2, 3, 5, 8}), {}, 0.0, false, {}, true),
                  "must be a multiple of the key heads (3)");
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(q, zeros({2, 2, 5, 8}), zeros({2, 2, 5, 8})),
                  "pass enable_gqa=true");
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(q, k, zeros({2, 4, 5, 8}, DType::F64)), "one floating dtype");
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(q, k, v, ones({3, 5}, DType::I64)), "bool or floating");
}

// ---- positions ----------------------------------------------------------------------------------

TEST(Rotary, ScoresDependOnlyOnRelativePosition) {
  const Tensor q = make_input({1, 8}, DType::F64, -1, 1, 11), k = make_input({1, 8}, DType::F64, -1, 1, 12);
  auto score = [&](int64_t p, int64_t s) {
    return (nn::apply_rotary(q, p) * nn::apply_rotary(k, s)).sum().item<double>();
  };
  for (int64_t offset : {0, 1, 5}) {
    const double ref = score(offset + 2, 2);
    for (int64_t base : {0, 7, 100, 4096}) EXPECT_NEAR(score(base + offset, base), ref, 1e-9) << offset << " " << base;
  }
  EXPECT_GT(std::abs(score(3, 0) - score(0, 0)), 1e-3);  // and it does depend on the distance
}

TEST(Rotary, RotateHalfConvention) {
  // Position 0 is the identity; at position 1, pair (x[i], x[i + D/2]) rotates by theta^(-2i/D).
  const Tensor x = tensor({1.0, 2.0, 3.0, 4.0}, DType::F64).reshape({1, 4});
  EXPECT_TENSOR_CLOSE(nn::apply_rotary(x, 0), x);
  const double w0 = 1.0, w1 = std::pow(10000.0, -0.5);
  const Tensor expected = tensor({1 * std::cos(w0) - 3 * std::sin(w0), 2 * std::cos(w1) - 4 * std::sin(w1),
                                  3 * std::cos(w0) + 1 * std::sin(w0), 4 * std::cos(w1) + 2 * std::sin(w1)},
                                 DType::F64)
                               .reshape({1, 4});
  EXPECT_TENSOR_CLOSE(nn::apply_rotary(x, 1), expected);
  // Rows are consecutive positions: row t of a call at start_pos equals a call at start_pos + t.
  const Tensor rows = make_input({3, 6, 4}, DType::F64, -1, 1, 13).transpose(0, 1);  // [6, 3, 4] strided
  const Tensor all_rows = nn::apply_rotary(rows, 10);
  EXPECT_TENSOR_CLOSE(all_rows.narrow(1, 2, 1), nn::apply_rotary(rows.narrow(1, 2, 1), 12));
  EXPECT_TZ_ERROR(nn::apply_rotary(zeros({2, 3}), 0), "[apply_rotary] the head dim must be even");
}

TEST(Alibi, SlopesFollowThePaper) {
  const std::vector<double> eight{0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625};
  EXPECT_EQ(nn::alibi_slopes(8), eight);
  // Non-powers of two: the slopes of 4 heads, then every other slope of 8 heads.
  EXPECT_EQ(nn::alibi_slopes(6), (std::vector<double>{0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125}));
  EXPECT_EQ(nn::alibi_slopes(3), (std::vector<double>{0.0625, 0.00390625, 0.25}));
  EXPECT_EQ(nn::alibi_slopes(1), (std::vector<double>{0.00390625}));
  const Tensor bias = nn::alibi_bias(2, 3, 2, 1, 4, false, DType::F64);  // queries at 3, 4; keys at 1..4
  EXPECT_TENSOR_CLOSE(bias.select(0, 0), tensor({{-2.f, -1.f, 0.f, 1.f}, {-3.f, -2.f, -1.f, 0.f}}).to(DType::F64) * 0.0625);
  EXPECT_TENSOR_CLOSE(bias.select(0, 1), bias.select(0, 0) * 0.0625);
  EXPECT_TENSOR_CLOSE(nn::alibi_bias(1, 0, 2, 0, 3, true, DType::F64).select(0, 0),
                      tensor({{0.f, -1.f, -2.f}, {-1.f, 0.f, -1.f}}).to(DType::F64) * 0.00390625);
}

// ---- KV cache -----------------------------------------------------------------------------------

nn::SelfAttentionConfig config(int64_t d, int64_t h, int64_t hkv, nn::PositionEncoding p) {
  nn::SelfAttentionConfig c;
  c.d_model = d, c.n_heads = h, c.n_kv_heads = hkv, c.position = p;
  return c;
}

class KVCacheDecoding : public ::testing::TestWithParam<nn::PositionEncoding> {};

TEST_P(KVCacheDecoding, TokenByTokenEqualsFullRecomputation) {
  manual_seed(21);
  nn::SelfAttention attn(config(16, 4, 2, GetParam()), DType::F64);  // GQA: 2 query heads per kv head
  const Tensor x = make_input({2, 7, 16}, DType::F64, -1, 1, 14);
  const Tensor full = attn(x);
  nn::KVCache cache;
  TensorList steps;
  for (int64_t t = 0; t < 7; ++t) steps.push_back(attn(x.narrow(1, t, 1), &cache, t));
  EXPECT_EQ(cache.length(), 7);
  EXPECT_EQ(cache.k.shape(), (Shape{2, 2, 7, 4}));
  EXPECT_TENSOR_CLOSE(cat(steps, 1), full, 1e-10, 1e-12);

  // Prefill 4 tokens, then 3 more in one chunk.
  nn::KVCache chunked;
  const Tensor a = attn(x.narrow(1, 0, 4), &chunked, 0), b = attn(x.narrow(1, 4, 3), &chunked, 4);
  EXPECT_TENSOR_CLOSE(cat({a, b}, 1), full, 1e-10, 1e-12);

  // Rewind to position 5 and decode a different token there: as if the prefix were recomputed.
  const Tensor other = make_input({2, 1, 16}, DType::F64, -1, 1, 15);
  const Tensor rewound = attn(other, &chunked, 5);
  EXPECT_EQ(chunked.length(), 6);
  const Tensor recomputed = attn(cat({x.narrow(1, 0, 5), other}, 1)).narrow(1, 5, 1);
  EXPECT_TENSOR_CLOSE(rewound, recomputed, 1e-10, 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Positions, KVCacheDecoding,
                         ::testing::Values(nn::PositionEncoding::None, nn::PositionEncoding::Rotary,
                                           nn::PositionEncoding::ALiBi),
                         [](const auto& info) { return std::string(nn::position_encoding_name(info.param)); });

TEST(KVCache, GptBlockMultiQueryDecoding) {
  manual_seed(22);
  nn::GPTBlockConfig c;
  c.d_model = 12, c.n_heads = 3, c.n_kv_heads = 1, c.position = nn::PositionEncoding::ALiBi;
  nn::GPTBlock block(c, DType::F64);
  const Tensor x = make_input({1, 5, 12}, DType::F64, -1, 1, 16);
  nn::KVCache cache;
  TensorList steps;
  for (int64_t t = 0; t < 5; ++t) steps.push_back(block(x.narrow(1, t, 1), &cache, t));
  EXPECT_TENSOR_CLOSE(cat(steps, 1), block(x), 1e-10, 1e-12);
}

TEST(KVCache, Errors) {
  nn::SelfAttention attn(config(8, 2, 2, nn::PositionEncoding::Rotary));
  nn::KVCache cache;
  EXPECT_TZ_ERROR(attn(zeros({1, 2, 8}), &cache, 1), "[SelfAttention] start_pos 1 is past the end of the KV cache (length 0)");
  attn(zeros({1, 2, 8}), &cache, 0);
  EXPECT_TZ_ERROR(attn(zeros({3, 1, 8}), &cache, 2), "KV cache keys [1, 2, 2, 4]");
  nn::SelfAttentionConfig c = config(8, 2, 2, nn::PositionEncoding::None);
  c.causal = false;
  nn::SelfAttention bidirectional(c);
  EXPECT_TZ_ERROR(bidirectional(zeros({1, 2, 8}), &cache, 0), "a KV cache needs causal attention");
}

// ---- modules: names, modes, errors --------------------------------------------------------------

std::set<std::string> keys_of(const nn::Module& m) {
  std::set<std::string> keys;
  for (const auto& [k, v] : m.state_dict()) keys.insert(k);
  return keys;
}

TEST(MultiheadAttention, ParameterNamesAndShapes) {
  nn::MultiheadAttention m(8, 2);
  EXPECT_EQ(keys_of(m), (std::set<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(m.in_proj_weight.shape(), (Shape{24, 8}));
  EXPECT_TENSOR_EQ(m.in_proj_bias, zeros({24}));
  EXPECT_TENSOR_EQ(m.out_proj->bias, zeros({8}));
  nn::MultiheadAttention kv(8, 2, 0.0, true, true, false, 3, 5);
  EXPECT_EQ(keys_of(kv), (std::set<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                                                "bias_k", "bias_v", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(kv.k_proj_weight.shape(), (Shape{8, 3}));
  EXPECT_EQ(kv.bias_v.shape(), (Shape{1, 1, 8}));
}

TEST(MultiheadAttention, CausalHintWithoutMaskAndDropoutModes) {
  manual_seed(23);
  nn::MultiheadAttention m(8, 2, 0.5, true, false, false, {}, {}, true, DType::F64);
  m.eval();
  const Tensor x = make_input({2, 4, 8}, DType::F64, -1, 1, 17);
  const Tensor future = arange(4).unsqueeze(0) > arange(4).unsqueeze(1);
  const auto causal = m(x, x, x, {}, true, {}, true, /*is_causal=*/true);
  EXPECT_TENSOR_CLOSE(causal.output, m(x, x, x, {}, true, future).output);
  EXPECT_TENSOR_EQ(causal.weights.select(1, 0).narrow(1, 1, 3), zeros({2, 3}, DType::F64));
  EXPECT_TENSOR_CLOSE(causal.weights.sum({-1}), ones({2, 4}, DType::F64));
  // Training mode: dropout on the attention probabilities changes the output.
  m.train();
  EXPECT_FALSE(allclose(m(x, x, x).output, causal.output));
}

TEST(MultiheadAttention, Errors) {
  EXPECT_TZ_ERROR(nn::MultiheadAttention(10, 3), "[MultiheadAttention] embed_dim 10 must be divisible by num_heads 3");
  nn::MultiheadAttention m(8, 2);
  const Tensor q = zeros({3, 2, 8}), k = zeros({4, 2, 8});
  EXPECT_TZ_ERROR(m(q, k, k, {}, true, ones({3, 5}, DType::Bool)),
                  "attn_mask [3, 5] bool cpu must be [L, S] = [3, 4] or [N*num_heads, L, S] = [4, 3, 4]");
  EXPECT_TZ_ERROR(m(q, k, k, ones({4, 2}, DType::Bool)), "key_padding_mask [4, 2] bool cpu must be [N, S] = [2, 4]");
  EXPECT_TZ_ERROR(m(zeros({3, 2, 6}), k, k), "must have embed_dim 8");
  EXPECT_TZ_ERROR(m(q, zeros({4, 8}), k), "must all be batched");
}

TEST(SelfAttention, ParameterNamesAndErrors) {
  nn::SelfAttentionConfig c = config(16, 4, 2, nn::PositionEncoding::Rotary);
  c.qkv_bias = false;
  nn::SelfAttention attn(c);
  EXPECT_EQ(keys_of(attn), (std::set<std::string>{"q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight",
                                                  "o_proj.bias"}));
  EXPECT_EQ(attn.k_proj->weight.shape(), (Shape{8, 16}));
  EXPECT_TZ_ERROR(nn::SelfAttention(10, 4), "[SelfAttention] d_model 10 must be divisible by n_heads 4");
  EXPECT_TZ_ERROR(nn::SelfAttention(config(12, 4, 3, nn::PositionEncoding::None)),
                  "n_heads 4 must be a multiple of n_kv_heads 3");
  EXPECT_TZ_ERROR(nn::SelfAttention(config(12, 4, 4, nn::PositionEncoding::Rotary)), "rotary positions need an even head dim");
  EXPECT_TZ_ERROR(attn(zeros({2, 3, 8})), "expects x [B, T, d_model=16]");
  EXPECT_TZ_ERROR(nn::parse_position_encoding("learned"), "unknown position encoding 'learned'");
  EXPECT_EQ(nn::parse_position_encoding("rope"), nn::PositionEncoding::Rotary);
}

TEST(TransformerLayers, ParameterNames) {
  nn::TransformerLayerOptions o;
  o.dim_feedforward = 16;
  nn::TransformerEncoderLayer enc(8, 2, o);
  EXPECT_EQ(keys_of(enc), (std::set<std::string>{"self_attn.in_proj_weight", "self_attn.in_proj_bias",
                                                 "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                                                 "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
                                                 "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}));
  nn::TransformerDecoderLayer dec(8, 2, o);
  const auto dk = keys_of(dec);
  EXPECT_EQ(dk.size(), 18u);
  EXPECT_TRUE(dk.count("multihead_attn.in_proj_weight") && dk.count("norm3.bias"));
  nn::GPTBlockConfig g;
  g.d_model = 8, g.n_heads = 2;
  nn::GPTBlock block(g);
  const auto gk = keys_of(block);
  EXPECT_TRUE(gk.count("ln_1.weight") && gk.count("attn.q_proj.weight") && gk.count("mlp.c_fc.weight") &&
              gk.count("mlp.c_proj.bias") && gk.count("ln_2.bias"));
}

TEST(TransformerLayers, TrainingModeDropoutAndErrors) {
  manual_seed(24);
  nn::TransformerLayerOptions o;
  o.dim_feedforward = 16, o.batch_first = true;
  nn::TransformerEncoderLayer enc(8, 2, o);
  const Tensor x = make_input({2, 3, 8}, DType::F32, -1, 1, 18);
  enc.eval();
  const Tensor a = enc(x), b = enc(x);
  EXPECT_TENSOR_EQ(a, b);
  enc.train();
  EXPECT_FALSE(allclose(enc(x), a));
  o.activation = "tanh";
  EXPECT_TZ_ERROR(nn::TransformerEncoderLayer(8, 2, o), "activation must be \"relu\" or \"gelu\", got \"tanh\"");
  o.activation = "gelu";
  EXPECT_TZ_ERROR(nn::TransformerDecoderLayer(8, 3, o), "d_model 8 must be divisible by nhead 3");
}

}  // namespace
}  // namespace tz
