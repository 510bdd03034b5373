// "sinkformer": Sinkhorn-normalised attention (catalogue F1 tests).
#include "nn/attention/sinkformer.h"
#include "tests/zoo/zoo_checks.h"

namespace tz::test::zoo {
namespace {

std::shared_ptr<nn::SinkformerMixer> make_sink(int64_t iterations, int64_t D = 8, int64_t H = 2) {
  manual_seed(4);
  auto m = nn::make_mixer("sinkformer", {{"d_model", D}, {"n_heads", H}, {"iterations", iterations}},
                          TensorOptions(DType::F64));
  m->eval();
  return std::dynamic_pointer_cast<nn::SinkformerMixer>(m);
}

TEST(Sinkformer, ManyIterationsGiveDoublyStochasticWeights) {
  auto m = make_sink(200);
  const Tensor x = make_input({2, 7, 8}, DType::F64, -1, 1, 3);
  const Tensor p = m->attention_weights(x);
  ASSERT_EQ(p.shape(), (Shape{2, 2, 7, 7}));
  EXPECT_TENSOR_CLOSE(sum(p, {-1}), ones({2, 2, 7}, DType::F64), 0, 1e-8);
  EXPECT_TENSOR_CLOSE(sum(p, {-2}), ones({2, 2, 7}, DType::F64), 0, 1e-8);
  EXPECT_GE(min(p).item<double>(), 0.0);
  // An odd count ends on a row step: rows are exact, columns only approximately 1.
  const Tensor p3 = make_sink(3)->attention_weights(x);
  EXPECT_TENSOR_CLOSE(sum(p3, {-1}), ones({2, 2, 7}, DType::F64), 0, 1e-13);
  EXPECT_GT(max(abs(sum(p3, {-2}) - 1.0)).item<double>(), 1e-6);
}

TEST(Sinkformer, OneIterationEqualsSoftmaxAttention) {
  auto sink = make_sink(1);
  manual_seed(4);
  auto soft = nn::make_mixer("softmax", {{"d_model", 8}, {"n_heads", 2}, {"qkv_bias", false}}, TensorOptions(DType::F64));
  ASSERT_TRUE(soft->load_state_dict(sink->state_dict()).ok());  // same parameter names
  const Tensor x = make_input({2, 7, 8}, DType::F64, -1, 1, 3), c = make_input({2, 4, 8}, DType::F64, -1, 1, 5);
  EXPECT_TENSOR_CLOSE((*sink)(x), (*soft)(x), 1e-12, 1e-12);
  nn::MixerArgs a;
  a.key_padding_mask = probe_padding_mask(2, 7);
  EXPECT_TENSOR_CLOSE((*sink)(x, a), (*soft)(x, a), 1e-12, 1e-12);
  nn::MixerArgs cross;
  cross.context = c, cross.key_padding_mask = probe_padding_mask(2, 4);
  EXPECT_TENSOR_CLOSE((*sink)(x, cross), (*soft)(x, cross), 1e-12, 1e-12);
  // ... and more iterations change the result.
  EXPECT_GT(max(abs((*make_sink(3))(x) - (*soft)(x))).item<double>(), 1e-4);
}

TEST(Sinkformer, ConvergedWeightsIgnoreRowAndColumnOffsets) {
  // Sinkhorn scaling is invariant to C + a 1^T + 1 b^T once converged.
  const Tensor c = make_input({3, 6, 6}, DType::F64, -2, 2, 7);
  const Tensor shifted = c + make_input({3, 6, 1}, DType::F64, -3, 3, 8) + make_input({3, 1, 6}, DType::F64, -3, 3, 9);
  EXPECT_TENSOR_CLOSE(nn::sinkhorn_attention_weights(shifted, {}, 400, 1.0),
                      nn::sinkhorn_attention_weights(c, {}, 400, 1.0), 1e-8, 1e-9);
}

TEST(Sinkformer, PaddedAndRectangularMarginals) {
  // Padded keys get zero weight; the valid columns sum to N / M_valid, rows to 1.
  const Tensor c = make_input({2, 5, 6}, DType::F64, -1, 1, 7);
  const Tensor pad = probe_padding_mask(2, 6).reshape({2, 1, 6});  // sample 0: 2 padded keys, sample 1: 1
  const Tensor p = nn::sinkhorn_attention_weights(c, pad, 300, 0.5);
  EXPECT_TENSOR_CLOSE(sum(p, {-1}), ones({2, 5}, DType::F64), 0, 1e-8);
  const std::vector<double> cols = sum(p, {-2}).to_vector<double>();
  const std::vector<bool> padv = pad.to_vector<bool>();
  for (int64_t b = 0; b < 2; ++b) {
    const double m_valid = b == 0 ? 4.0 : 5.0;
    for (int64_t j = 0; j < 6; ++j)
      EXPECT_NEAR(cols[size_t(b * 6 + j)], padv[size_t(b * 6 + j)] ? 0.0 : 5.0 / m_valid, 1e-8) << b << "," << j;
  }
}

TEST(Sinkformer, SelfAttentionPaddingLeavesTheProblemAsQueriesToo) {
  // Real tokens form a doubly stochastic block among themselves.
  auto m = make_sink(301);
  const Tensor x = make_input({2, 7, 8}, DType::F64, -1, 1, 3);
  nn::MixerArgs a;
  a.key_padding_mask = probe_padding_mask(2, 7);  // sample 0: tokens 5, 6 padded
  const Tensor p0 = m->attention_weights(x, a).select(0, 0);  // [H, 7, 7]
  const Tensor real = p0.narrow(-2, 0, 5).narrow(-1, 0, 5);
  EXPECT_TENSOR_CLOSE(sum(real, {-1}), ones({2, 5}, DType::F64), 0, 1e-8);
  EXPECT_TENSOR_CLOSE(sum(real, {-2}), ones({2, 5}, DType::F64), 0, 1e-8);
  EXPECT_TENSOR_EQ(p0.narrow(-1, 5, 2), zeros({2, 7, 2}, DType::F64));
  // The padded queries' rows are normalised over the real keys.
  EXPECT_TENSOR_CLOSE(sum(p0.narrow(-2, 5, 2), {-1}), ones({2, 2}, DType::F64), 0, 1e-12);
}

TEST(Sinkformer, ToleranceStopsEarly) {
  const Tensor c = make_input({2, 6, 6}, DType::F64, -1, 1, 7);
  const Tensor full_run = nn::sinkhorn_attention_weights(c, {}, 1000, 1.0);
  const Tensor early = nn::sinkhorn_attention_weights(c, {}, 1000, 1.0, 1e-6);
  EXPECT_LT(max(abs(sum(early, {-1}) - 1.0)).item<double>(), 1e-6);
  EXPECT_TENSOR_CLOSE(early, full_run, 0, 1e-5);
  EXPECT_GT(max(abs(early - full_run)).item<double>(), 0.0);  // it did stop before the end
}

TEST(Sinkformer, CausalIsRejectedWithTheReason) {
  auto m = make_sink(3);
  nn::MixerArgs a;
  a.causal = true;
  EXPECT_TZ_ERROR((*m)(make_input({1, 4, 8}, DType::F64), a), "[mixer sinkformer] causal masking is not supported: Sinkhorn");
  EXPECT_TZ_ERROR(nn::make_mixer("sinkformer", {{"d_model", 8}, {"iterations", 0}}), "[mixer sinkformer] iterations must be >= 1");
}

TEST(Sinkformer, GradcheckThroughManyIterationsAndPadding) {
  MixerProbe p;
  p.name = "sinkformer";
  p.config = {{"iterations", 6}, {"eps", 0.7}};
  p.length = 5;
  EXPECT_TRUE(check_mixer_gradcheck(p));
}

}  // namespace
}  // namespace tz::test::zoo
