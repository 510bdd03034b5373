// Layers of linear.h, norm.h, embedding.h, dropout.h and the init library: shapes, defaults,
// error messages, initialisation statistics.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/test_support.h"

namespace tz::nn {
namespace {

struct Stats {
  double mean, var, min, max;
};
Stats stats_of(const Tensor& t) {
  const std::vector<double> v = t.to(DType::F64).to_vector<double>();
  Stats s{0, 0, v.at(0), v.at(0)};
  for (double x : v) s.mean += x, s.min = std::min(s.min, x), s.max = std::max(s.max, x);
  s.mean /= double(v.size());
  for (double x : v) s.var += (x - s.mean) * (x - s.mean);
  s.var /= double(v.size());
  return s;
}

std::vector<std::string> names_of_buffers(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, b] : m.named_buffers()) out.push_back(name);
  return out;
}

// ---- init ----------------------------------------------------------------------------------

TEST(NnInit, FansAndGains) {
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(empty({5, 3})), std::make_pair(int64_t(3), int64_t(5)));
  EXPECT_EQ(init::calculate_fan_in_and_fan_out(empty({8, 4, 3, 2})), std::make_pair(int64_t(24), int64_t(48)));
  EXPECT_TZ_ERROR(init::calculate_fan_in_and_fan_out(empty({5})), "fewer than 2 dimensions");
  EXPECT_DOUBLE_EQ(init::calculate_gain("linear"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("conv2d"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1.0 + 1e-4)));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("selu"), 0.75);
  EXPECT_TZ_ERROR(init::calculate_gain("swish"), "unsupported nonlinearity swish");
}

TEST(NnInit, UniformFamiliesRespectTheirBounds) {
  manual_seed(3);
  const Tensor w = empty({256, 128});
  const double ku = std::sqrt(2.0) * std::sqrt(3.0 / 128);  // relu gain, fan_in
  init::kaiming_uniform_(w, 0.0, "fan_in", "relu");
  Stats s = stats_of(w);
  EXPECT_LE(s.max, ku);
  EXPECT_GE(s.min, -ku);
  EXPECT_GT(s.max, 0.99 * ku);
  EXPECT_NEAR(s.var, ku * ku / 3, 0.03 * ku * ku / 3);
  const double xb = 0.5 * std::sqrt(6.0 / (256 + 128));
  init::xavier_uniform_(w, 0.5);
  s = stats_of(w);
  EXPECT_LE(s.max, xb);
  EXPECT_GT(s.max, 0.99 * xb);
  EXPECT_NEAR(s.var, xb * xb / 3, 0.03 * xb * xb / 3);
  init::uniform_(w, 2.0, 3.0);
  s = stats_of(w);
  EXPECT_GE(s.min, 2.0);
  EXPECT_LT(s.max, 3.0);
  EXPECT_NEAR(s.mean, 2.5, 0.01);
}

TEST(NnInit, NormalFamiliesHaveTheirStd) {
  manual_seed(4);
  const Tensor w = empty({200, 50, 3});  // fan_in 150, fan_out 600
  init::kaiming_normal_(w, 0.0, "fan_out", "relu");
  Stats s = stats_of(w);
  EXPECT_NEAR(s.mean, 0.0, 0.01 * std::sqrt(2.0 / 600));
  EXPECT_NEAR(std::sqrt(s.var), std::sqrt(2.0 / 600), 0.02 * std::sqrt(2.0 / 600));
  init::xavier_normal_(w);
  EXPECT_NEAR(std::sqrt(stats_of(w).var), std::sqrt(2.0 / 750), 0.02 * std::sqrt(2.0 / 750));
  init::normal_(w, 1.0, 0.5);
  s = stats_of(w);
  EXPECT_NEAR(s.mean, 1.0, 0.01);
  EXPECT_NEAR(std::sqrt(s.var), 0.5, 0.01);
  EXPECT_TZ_ERROR(init::kaiming_normal_(w, 0.0, "fan_avg"), "mode fan_avg not supported");
}

TEST(NnInit, TruncNormalStaysInsideAndHasTheTruncatedStd) {
  manual_seed(5);
  const Tensor w = empty({30000}, DType::F64);
  init::trunc_normal_(w, 0.0, 1.0, -2.0, 2.0);
  Stats s = stats_of(w);
  EXPECT_GE(s.min, -2.0);
  EXPECT_LE(s.max, 2.0);
  EXPECT_LT(s.min, -1.95);
  EXPECT_NEAR(s.mean, 0.0, 0.02);
  EXPECT_NEAR(std::sqrt(s.var), 0.87962566, 0.01);  // std of N(0,1) truncated to [-2, 2]
  // ViT-style: std 0.02, bounds at +-2 (100 std away, so effectively untruncated).
  init::trunc_normal_(w, 0.0, 0.02);
  EXPECT_NEAR(std::sqrt(stats_of(w).var), 0.02, 0.0005);
  init::trunc_normal_(w, 1.0, 1.0, 0.5, 0.75);
  s = stats_of(w);
  EXPECT_GE(s.min, 0.5);
  EXPECT_LE(s.max, 0.75);
}

TEST(NnInit, OrthogonalGivesOrthonormalRowsOrColumns) {
  manual_seed(6);
  for (Shape shape : {Shape{4, 9}, Shape{9, 4}, Shape{3, 2, 2}}) {
    const Tensor w = empty(shape, DType::F64);
    init::orthogonal_(w, 2.0);
    const Tensor m = w.reshape({shape[0], -1});
    const Tensor gram = m.size(0) <= m.size(1) ? matmul(m, m.t()) : matmul(m.t(), m);
    EXPECT_TENSOR_CLOSE(gram, eye(gram.size(0), {}, DType::F64) * 4.0, 1e-10, 1e-10) << shape_str(shape);
  }
  EXPECT_TZ_ERROR(init::orthogonal_(empty({3})), "2 or more dimensions");
}

TEST(NnInit, ConstantsAndSeededReproducibility) {
  Tensor w = empty({2, 3}).requires_grad_();
  init::constant_(w, 0.25);
  EXPECT_TENSOR_EQ(w, full({2, 3}, 0.25));
  EXPECT_TRUE(w.requires_grad() && w.is_leaf());
  init::ones_(w);
  EXPECT_TENSOR_EQ(w, ones({2, 3}));
  init::zeros_(w);
  EXPECT_TENSOR_EQ(w, zeros({2, 3}));
  EXPECT_TZ_ERROR(init::uniform_(empty({2}, DType::I64)), "expects a floating tensor");
  manual_seed(11);
  Linear a(7, 5);
  manual_seed(11);
  Linear b(7, 5);
  EXPECT_TENSOR_EQ(a.weight, b.weight);
  EXPECT_TENSOR_EQ(a.bias, b.bias);
  init::uniform_(empty({0, 3}));  // empty tensors are left alone
}

// ---- Linear, Bilinear, Identity -------------------------------------------------------------

TEST(NnLinear, ShapesDefaultsAndInitBound) {
  manual_seed(7);
  Linear lin(400, 300);
  EXPECT_EQ(lin.weight.shape(), (Shape{300, 400}));
  EXPECT_EQ(lin.bias.shape(), (Shape{300}));
  EXPECT_EQ(lin.weight.dtype(), DType::F32);
  EXPECT_TRUE(lin.weight.requires_grad() && lin.weight.is_leaf());
  const double bound = 1.0 / std::sqrt(400.0);  // kaiming_uniform(a=sqrt5) == U(+-1/sqrt(in))
  Stats s = stats_of(lin.weight);
  EXPECT_LE(s.max, bound);
  EXPECT_GE(s.min, -bound);
  EXPECT_GT(s.max, 0.99 * bound);
  EXPECT_NEAR(s.var, bound * bound / 3, 0.02 * bound * bound / 3);
  s = stats_of(lin.bias);
  EXPECT_LE(s.max, bound);
  EXPECT_GE(s.min, -bound);
  EXPECT_GT(s.max, 0.9 * bound);
  const Tensor x = test::make_input({2, 5, 400});
  const Tensor y = lin(x);
  EXPECT_EQ(y.shape(), (Shape{2, 5, 300}));
  EXPECT_TENSOR_CLOSE(y, matmul(x, lin.weight.t()) + lin.bias, 1e-5, 1e-5);
  EXPECT_TZ_ERROR(lin(test::make_input({2, 399})), "[Linear] expected an input [*, 400], got [2, 399] float32");
  EXPECT_EQ(lin.extra_repr(), "in_features=400, out_features=300, bias=true");
  Linear nob(3, 2, false, DType::F64);
  EXPECT_FALSE(nob.bias.defined());
  EXPECT_EQ(nob.weight.dtype(), DType::F64);
  EXPECT_EQ(nob.named_parameters().size(), 1u);
  EXPECT_EQ(nob.extra_repr(), "in_features=3, out_features=2, bias=false");
}

TEST(NnLinear, BilinearMatchesItsFormula) {
  manual_seed(8);
  Bilinear bil(3, 4, 2, true, DType::F64);
  EXPECT_EQ(bil.weight.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(bil.bias.shape(), (Shape{2}));
  const double bound = 1.0 / std::sqrt(3.0);
  EXPECT_LE(stats_of(bil.weight).max, bound);
  EXPECT_GE(stats_of(bil.weight).min, -bound);
  const Tensor x1 = test::make_input({2, 5, 3}, DType::F64), x2 = test::make_input({2, 5, 4}, DType::F64, -1, 1, 1);
  const Tensor y = bil(x1, x2);
  EXPECT_EQ(y.shape(), (Shape{2, 5, 2}));
  const Tensor expected = einsum("bni,oij,bnj->bno", {x1, bil.weight, x2}) + bil.bias;
  EXPECT_TENSOR_CLOSE(y, expected, 1e-12, 1e-12);
  EXPECT_TZ_ERROR(bil(x1, test::make_input({2, 4, 4}, DType::F64)), "[Bilinear] input batch dims must match");
  EXPECT_TZ_ERROR(bil(x2, x2), "[Bilinear] expected inputs [*, 3] and [*, 4]");
  Identity id;
  EXPECT_TRUE(id(x1).is_same(x1));
}

// ---- Norms ------------------------------------------------------------------------------------

TEST(NnNorm, LayerNormAndRmsNormDefaults) {
  LayerNorm ln({3, 4});
  EXPECT_TENSOR_EQ(ln.weight, ones({3, 4}));
  EXPECT_TENSOR_EQ(ln.bias, zeros({3, 4}));
  EXPECT_EQ(ln.eps, 1e-5);
  EXPECT_EQ(ln.extra_repr(), "(3, 4), eps=1e-05, elementwise_affine=true, bias=true");
  const Tensor x = test::make_input({2, 3, 4}, DType::F32, -3, 5);
  const Tensor y = ln(x);
  EXPECT_TENSOR_CLOSE(y.mean({1, 2}), zeros({2}), 1e-5, 1e-5);
  EXPECT_TENSOR_CLOSE(y.var({1, 2}, 0), ones({2}), 1e-3, 1e-3);
  EXPECT_TZ_ERROR(ln(test::make_input({2, 4, 3})), "[layer_norm]");
  LayerNorm nob(Shape{4}, 1e-6, true, false);
  EXPECT_FALSE(nob.bias.defined());
  EXPECT_EQ(nob.named_parameters().size(), 1u);
  LayerNorm plain(Shape{4}, 1e-5, false);
  EXPECT_TRUE(plain.named_parameters().empty());
  EXPECT_TZ_ERROR(LayerNorm(Shape{}), "[LayerNorm] normalized_shape must name at least one dim");

  RMSNorm rms(Shape{4});
  EXPECT_TENSOR_EQ(rms.weight, ones({4}));
  EXPECT_FALSE(rms.eps.has_value());
  const Tensor r = rms(test::make_input({3, 4}));
  EXPECT_TENSOR_CLOSE(r.square().mean({-1}), ones({3}), 1e-4, 1e-4);
  EXPECT_TZ_ERROR(rms(test::make_input({3, 4}, DType::F64)), "[rms_norm] expected weight");
  EXPECT_EQ(rms.extra_repr(), "(4,), eps=None, elementwise_affine=true");
}

TEST(NnNorm, BatchNormTracksRunningStatsWithMomentum) {
  BatchNorm2d bn(3, 1e-5, 0.25);
  EXPECT_EQ(names_of_buffers(bn), (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(bn.num_batches_tracked.dtype(), DType::I64);
  EXPECT_EQ(bn.num_batches_tracked.dim(), 0);
  EXPECT_TENSOR_EQ(bn.running_var, ones({3}));
  const Tensor x1 = test::make_input({4, 3, 2, 2}, DType::F32, 0, 4, 1), x2 = test::make_input({4, 3, 2, 2}, DType::F32, -2, 0, 2);
  Tensor expected_mean = zeros({3}), expected_var = ones({3});
  for (const Tensor& x : {x1, x2}) {
    const Tensor y = bn(x);
    EXPECT_TENSOR_CLOSE(y.mean({0, 2, 3}), zeros({3}), 1e-5, 1e-5);
    expected_mean = expected_mean * 0.75 + x.mean({0, 2, 3}) * 0.25;
    expected_var = expected_var * 0.75 + x.var({0, 2, 3}) * 0.25;  // unbiased, as PyTorch
  }
  EXPECT_TENSOR_CLOSE(bn.running_mean, expected_mean);
  EXPECT_TENSOR_CLOSE(bn.running_var, expected_var);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);
  bn.eval();
  const Tensor y = bn(x1);
  const Tensor expected = (x1 - expected_mean.reshape({1, 3, 1, 1})) / (expected_var.reshape({1, 3, 1, 1}) + 1e-5).sqrt();
  EXPECT_TENSOR_CLOSE(y, expected, 1e-5, 1e-5);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);  // eval leaves the buffers alone
  EXPECT_TZ_ERROR(bn(test::make_input({4, 3, 2})), "[BatchNorm2d] expected 4D input, got [4, 3, 2]");
  EXPECT_TZ_ERROR(bn(test::make_input({4, 2, 2, 2})), "[BatchNorm2d] expected 3 channels in dim 1");
}

TEST(NnNorm, BatchNormVariants) {
  BatchNorm1d bn1(4);
  EXPECT_EQ(bn1(test::make_input({5, 4})).shape(), (Shape{5, 4}));
  EXPECT_EQ(bn1(test::make_input({5, 4, 3})).shape(), (Shape{5, 4, 3}));
  EXPECT_TZ_ERROR(bn1(test::make_input({5, 4, 3, 2})), "[BatchNorm1d] expected 2D or 3D input");
  EXPECT_TZ_ERROR(bn1(test::make_input({1, 4})), "more than 1 value per channel");
  BatchNorm3d bn3(2, 1e-5, 0.1, false, false);  // no affine, no running stats
  EXPECT_TRUE(bn3.named_parameters().empty());
  EXPECT_TRUE(bn3.named_buffers().empty());
  EXPECT_TRUE(bn3.state_dict().empty());
  bn3.eval();  // without running stats, eval still normalises with batch statistics
  const Tensor y = bn3(test::make_input({2, 2, 2, 2, 2}, DType::F32, 3, 5));
  EXPECT_TENSOR_CLOSE(y.mean({0, 2, 3, 4}), zeros({2}), 1e-5, 1e-5);
  EXPECT_EQ(bn3.extra_repr(), "2, eps=1e-05, momentum=0.1, affine=false, track_running_stats=false");
  EXPECT_TZ_ERROR(BatchNorm2d(0), "num_features must be positive");
}

TEST(NnNorm, GroupNorm) {
  GroupNorm gn(2, 6);
  EXPECT_TENSOR_EQ(gn.weight, ones({6}));
  EXPECT_TENSOR_EQ(gn.bias, zeros({6}));
  const Tensor x = test::make_input({2, 6, 3}, DType::F64, 1, 3);
  const Tensor y = gn(x);
  EXPECT_TENSOR_CLOSE(y.reshape({2, 2, 9}).mean({-1}), zeros({2, 2}, DType::F64), 1e-9, 1e-9);
  EXPECT_TZ_ERROR(GroupNorm(4, 6), "[GroupNorm] num_channels must be divisible by num_groups");
  EXPECT_TZ_ERROR(gn(test::make_input({2, 4, 3})), "[GroupNorm] expected an input [N, 6, *]");
  EXPECT_EQ(gn.extra_repr(), "2, 6, eps=1e-05, affine=true");
}

// ---- Embedding, Dropout -----------------------------------------------------------------------

TEST(NnEmbedding, InitPaddingAndShapes) {
  manual_seed(9);
  Embedding big(1000, 64);
  const Stats s = stats_of(big.weight);
  EXPECT_NEAR(s.mean, 0.0, 0.02);
  EXPECT_NEAR(std::sqrt(s.var), 1.0, 0.02);
  Embedding emb(6, 3, -2);
  EXPECT_EQ(emb.padding_idx, std::optional<int64_t>(4));  // stored non-negative
  EXPECT_TENSOR_EQ(emb.weight.select(0, 4), zeros({3}));
  const Tensor ids = tensor({{0, 4, 5}, {4, 1, 1}});
  const Tensor y = emb(ids);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 3}));
  EXPECT_TENSOR_EQ(y.select(0, 1).select(0, 0), zeros({3}));
  y.sum().backward();
  EXPECT_TENSOR_EQ(emb.weight.grad().select(0, 4), zeros({3}));
  EXPECT_TENSOR_EQ(emb.weight.grad().select(0, 1), full({3}, 2.0));
  EXPECT_TZ_ERROR(Embedding(6, 3, 6), "[Embedding] padding_idx 6 must be within num_embeddings");
  EXPECT_TZ_ERROR(emb(tensor({0.5f})), "[Embedding] expected int64 or int32 indices");
  EXPECT_TZ_ERROR(emb(tensor({7})), "out of");
  EXPECT_EQ(emb.extra_repr(), "6, 3, padding_idx=4");
}

TEST(NnEmbedding, FromPretrained) {
  const Tensor table = test::make_input({5, 3}, DType::F64);
  manual_seed(12);
  const Tensor first = randn({4});
  manual_seed(12);
  auto frozen = Embedding::from_pretrained(table, true, 1);
  EXPECT_TENSOR_EQ(randn({4}), first);  // no random draw was consumed
  EXPECT_TENSOR_EQ(frozen->weight, table);  // the padding row is kept, as PyTorch
  EXPECT_FALSE(table.is_same(frozen->weight));
  EXPECT_FALSE(frozen->weight.requires_grad());
  EXPECT_EQ(frozen->padding_idx, std::optional<int64_t>(1));
  EXPECT_TENSOR_EQ((*frozen)(tensor({4, 0})), index_select(table, 0, tensor({4, 0})));
  auto trainable = Embedding::from_pretrained(table, false);
  EXPECT_TRUE(trainable->weight.requires_grad());
  EXPECT_EQ(trainable->weight.dtype(), DType::F64);
  EXPECT_TZ_ERROR(Embedding::from_pretrained(zeros({3})), "from_pretrained expects a floating 2-d tensor");
}

TEST(NnDropout, TrainingAndEval) {
  manual_seed(10);
  Dropout drop(0.25);
  EXPECT_EQ(Dropout().p, 0.5);
  const Tensor x = ones({20000});
  const Tensor y = drop(x);
  const std::vector<float> v = y.to_vector<float>();
  int64_t zero_count = 0;
  for (float e : v) {
    if (e == 0.f) ++zero_count;
    else EXPECT_FLOAT_EQ(e, 1.f / 0.75f);
  }
  EXPECT_NEAR(double(zero_count) / 20000, 0.25, 0.02);
  drop.eval();
  EXPECT_TENSOR_EQ(drop(x), x);
  EXPECT_TZ_ERROR(Dropout(1.5), "[Dropout] dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_EQ(drop.extra_repr(), "p=0.25");
}

}  // namespace
}  // namespace tz::nn
