// The fused attention path of scaled_dot_product_attention on the CPU, whose reference fused
// kernels (backends/cpu/cpu_attention.cpp) take f64: which calls take the fused node, which
// fall back to the composite, and that both give the same values and gradients (first and
// second order).
#include <algorithm>

#include "tests/support/gradcheck.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

constexpr const char* kNode = "ScaledDotProductAttentionBackward";

bool has_node(const Tensor& out, const char* name) {
  const auto names = graph_node_names(out);
  return std::find(names.begin(), names.end(), name) != names.end();
}

struct Inputs {
  Tensor q, k, v;
};

Inputs make_qkv(const Shape& q, const Shape& kv, DType dt = DType::F64, uint64_t seed = 1) {
  Inputs in{make_input(q, dt, -1, 1, seed), make_input(kv, dt, -1, 1, seed + 1), make_input(kv, dt, -1, 1, seed + 2)};
  in.q.requires_grad_(), in.k.requires_grad_(), in.v.requires_grad_();
  return in;
}

/// Fused output and gradients equal the composite's (scaled_dot_product_attention_with_weights
/// never fuses) for the given options.
void expect_fused_matches_composite(const Inputs& in, const Tensor& mask, bool causal, bool gqa) {
  const Tensor fused = nn::scaled_dot_product_attention(in.q, in.k, in.v, mask, 0.0, causal, {}, gqa);
  ASSERT_TRUE(has_node(fused, kNode));
  const Tensor composite = nn::scaled_dot_product_attention_with_weights(in.q, in.k, in.v, mask, 0.0, causal, {}, gqa).output;
  ASSERT_FALSE(has_node(composite, kNode));
  EXPECT_TENSOR_CLOSE(fused, composite, 1e-12, 1e-12);
  const Tensor w = make_input(fused.shape(), DType::F64, -1, 1, 99);
  const TensorList gf = grad({fused}, {in.q, in.k, in.v}, {w});
  const TensorList gc = grad({composite}, {in.q, in.k, in.v}, {w});
  for (size_t i = 0; i < 3; ++i) EXPECT_TENSOR_CLOSE(gf[i], gc[i], 1e-10, 1e-12) << "input " << i;
}

TEST(AttentionFused, F64TakesTheFusedNodeAndMatchesComposite) {
  expect_fused_matches_composite(make_qkv({2, 3, 5, 4}, {2, 3, 7, 4}), {}, false, false);
}

TEST(AttentionFused, CausalWithMoreOrFewerQueriesThanKeys) {
  expect_fused_matches_composite(make_qkv({1, 2, 6, 3}, {1, 2, 4, 3}, DType::F64, 3), {}, true, false);
  expect_fused_matches_composite(make_qkv({1, 2, 3, 3}, {1, 2, 6, 3}, DType::F64, 5), {}, true, false);
}

TEST(AttentionFused, GroupedQueryHeads) {
  expect_fused_matches_composite(make_qkv({2, 6, 4, 5}, {2, 2, 5, 5}, DType::F64, 7), {}, true, true);
  expect_fused_matches_composite(make_qkv({1, 4, 4, 5}, {1, 1, 3, 5}, DType::F64, 9), {}, false, true);  // MQA
}

TEST(AttentionFused, KeyPaddingBoolMaskAndFullyMaskedBatch) {
  // Batch 1 has no visible key at all: zero output and zero gradients, as the composite gives.
  const Tensor keep = tensor({true, false, true, true, false, false, false, false}, DType::Bool).reshape({2, 1, 1, 4});
  expect_fused_matches_composite(make_qkv({2, 2, 3, 4}, {2, 2, 4, 4}, DType::F64, 11), keep, false, false);
  const Tensor out = nn::scaled_dot_product_attention(make_input({2, 2, 3, 4}, DType::F64), make_input({2, 2, 4, 4}, DType::F64),
                                                      make_input({2, 2, 4, 4}, DType::F64), keep);
  EXPECT_EQ(out.narrow(0, 1, 1).abs().sum().item<double>(), 0.0);
}

TEST(AttentionFused, GeneralBoolMaskAndFloatBias) {
  const Tensor keep = gt(make_input({3, 5}, DType::F64, -1, 1, 13), Scalar(-0.3));
  expect_fused_matches_composite(make_qkv({2, 2, 3, 4}, {2, 2, 5, 4}, DType::F64, 15), keep, false, false);
  Tensor bias = make_input({2, 1, 3, 5}, DType::F64, -1, 1, 17);
  bias = masked_fill(bias, lt(bias, Scalar(-0.7)), -INFINITY);  // -inf entries exclude keys
  expect_fused_matches_composite(make_qkv({2, 2, 3, 4}, {2, 2, 5, 4}, DType::F64, 19), bias, false, false);
}

TEST(AttentionFused, ExtraBatchDimsAndStridedInputs) {
  // [2, 3, H, L, E] inputs built by transposing [.., L, H, E]: the kernel sees strided views.
  Inputs in = make_qkv({2, 3, 4, 2, 6}, {2, 3, 5, 2, 6}, DType::F64, 21);
  Inputs t{in.q.transpose(-2, -3), in.k.transpose(-2, -3), in.v.transpose(-2, -3)};
  expect_fused_matches_composite(t, {}, true, false);
}

TEST(AttentionFused, SecondDerivativesFallBackToTheComposite) {
  const Inputs in = make_qkv({1, 2, 3, 4}, {1, 2, 4, 4}, DType::F64, 23);
  auto second = [&](bool fused) {
    const Tensor out = fused ? nn::scaled_dot_product_attention(in.q, in.k, in.v, {}, 0.0, true)
                             : nn::scaled_dot_product_attention_with_weights(in.q, in.k, in.v, {}, 0.0, true).output;
    const TensorList g = grad({(out * out).sum()}, {in.q, in.k, in.v}, {}, true, true);
    return grad({(g[0] * g[0]).sum() + (g[1] * g[2]).sum()}, {in.q, in.k, in.v});
  };
  const TensorList f = second(true), c = second(false);
  for (size_t i = 0; i < 3; ++i) EXPECT_TENSOR_CLOSE(f[i], c[i], 1e-10, 1e-12) << "input " << i;
}

TEST(AttentionFused, CasesTheKernelDoesNotTakeUseTheComposite) {
  const Inputs in = make_qkv({2, 2, 3, 4}, {2, 2, 5, 4});
  // f32 on the CPU: the composite (BLAS) is faster than the reference loops.
  const Inputs f32 = make_qkv({2, 2, 3, 4}, {2, 2, 5, 4}, DType::F32);
  EXPECT_FALSE(has_node(nn::scaled_dot_product_attention(f32.q, f32.k, f32.v), kNode));
  // Dropout.
  EXPECT_FALSE(has_node(nn::scaled_dot_product_attention(in.q, in.k, in.v, {}, 0.5), kNode));
  // A mask that needs its own gradient.
  const Tensor bias = make_input({3, 5}, DType::F64).requires_grad_();
  EXPECT_FALSE(has_node(nn::scaled_dot_product_attention(in.q, in.k, in.v, bias), kNode));
  // Broadcast batch dims and a value head dim that differs from the query's.
  EXPECT_FALSE(has_node(nn::scaled_dot_product_attention(in.q, in.k.narrow(0, 0, 1), in.v.narrow(0, 0, 1)), kNode));
  const Tensor v3 = make_input({2, 2, 5, 3}, DType::F64).requires_grad_();
  EXPECT_FALSE(has_node(nn::scaled_dot_product_attention(in.q, in.k, v3), kNode));
  // 2-d inputs have no head dim.
  EXPECT_FALSE(has_node(nn::scaled_dot_product_attention(in.q[0][0], in.k[0][0], in.v[0][0]), kNode));
}

TEST(AttentionFused, NoGradCallsRecordNothingAndErrorsStillComeFirst) {
  const Inputs in = make_qkv({1, 2, 3, 4}, {1, 2, 5, 4});
  {
    NoGradGuard ng;
    const Tensor out = nn::scaled_dot_product_attention(in.q, in.k, in.v, {}, 0.0, true);
    EXPECT_FALSE(out.requires_grad());
    EXPECT_TENSOR_CLOSE(out, nn::scaled_dot_product_attention_with_weights(in.q, in.k, in.v, {}, 0.0, true).output,
                        1e-12, 1e-12);
  }
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(in.q, in.k, in.v, ones({3, 5}, DType::F64), 0.0, true),
                  "cannot be combined with is_causal");
  EXPECT_TZ_ERROR(nn::scaled_dot_product_attention(make_input({1, 4, 3, 4}, DType::F64), in.k, in.v),
                  "enable_gqa");
}

}  // namespace
}  // namespace tz::test
