// Layers of conv.h, pooling.h, activation.h, glu.h and container.h: shapes, defaults, values
// against the functional ops, error messages, initialisation bounds.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/test_support.h"

namespace tz::nn {
namespace {

double max_abs(const Tensor& t) { return amax(abs(t)).item<double>(); }

// ---- Conv -----------------------------------------------------------------------------------

TEST(NnConv, WeightShapesAndInitBounds) {
  manual_seed(1);
  Conv2d c(16, 32, 3, {.groups = 2});
  EXPECT_EQ(c.weight.shape(), (Shape{32, 8, 3, 3}));
  EXPECT_EQ(c.bias.shape(), (Shape{32}));
  const double bound = 1.0 / std::sqrt(8.0 * 9.0);  // fan_in = in / groups * kernel area
  EXPECT_LE(max_abs(c.weight), bound);
  EXPECT_GT(max_abs(c.weight), 0.98 * bound);
  EXPECT_LE(max_abs(c.bias), bound);
  EXPECT_EQ(Conv1d(4, 6, 5).weight.shape(), (Shape{6, 4, 5}));
  EXPECT_EQ(Conv3d(2, 4, {1, 2, 3}).weight.shape(), (Shape{4, 2, 1, 2, 3}));
  ConvTranspose2d t(6, 4, {2, 3}, {.groups = 2});
  EXPECT_EQ(t.weight.shape(), (Shape{6, 2, 2, 3}));
  const double tbound = 1.0 / std::sqrt(2.0 * 6.0);  // PyTorch's fan_in of [in, out/groups, k]: size(1) * k
  EXPECT_LE(max_abs(t.weight), tbound);
  EXPECT_GT(max_abs(t.weight), 0.9 * tbound);
  EXPECT_LE(max_abs(t.bias), tbound);
  EXPECT_EQ(ConvTranspose1d(3, 5, 4).weight.shape(), (Shape{3, 5, 4}));
  EXPECT_EQ(ConvTranspose3d(3, 5, 2).weight.shape(), (Shape{3, 5, 2, 2, 2}));
  EXPECT_FALSE(Conv2d(3, 4, 3, {.bias = false}).bias.defined());
  EXPECT_EQ(Conv2d(3, 4, 3, {.tensor = DType::F64}).weight.dtype(), DType::F64);
}

TEST(NnConv, ForwardMatchesTheFunctionalOp) {
  Conv2d c(4, 6, {3, 2}, {.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}, .groups = 2});
  const Tensor x = test::make_input({2, 4, 7, 6});
  const Tensor y = c(x);
  EXPECT_EQ(y.shape(), (Shape{2, 6, 4, 4}));
  EXPECT_TENSOR_CLOSE(y, conv2d(x, c.weight, c.bias, {2, 1}, IntList{1, 0}, {1, 2}, 2));
  // Unbatched input.
  EXPECT_TENSOR_CLOSE(c(x.select(0, 1)), y.select(0, 1));
  Conv1d c1(2, 3, 3, {.stride = 2});
  const Tensor x1 = test::make_input({1, 2, 9});
  EXPECT_TENSOR_CLOSE(c1(x1), conv1d(x1, c1.weight, c1.bias, {2}));
  Conv3d c3(2, 2, 2, {.padding = 1});
  EXPECT_EQ(c3(test::make_input({1, 2, 3, 3, 3})).shape(), (Shape{1, 2, 4, 4, 4}));
}

TEST(NnConv, SamePaddingKeepsTheSizeIncludingEvenKernels) {
  Conv2d c(2, 3, {3, 4}, {.padding = "same", .dilation = {2, 1}});
  const Tensor x = test::make_input({1, 2, 5, 7});
  const Tensor y = c(x);
  EXPECT_EQ(y.shape(), (Shape{1, 3, 5, 7}));
  // Total padding (4, 3): (2, 2) rows; (1, 2) columns, the extra one at the end as PyTorch.
  EXPECT_TENSOR_CLOSE(y, conv2d(x, c.weight, c.bias, {1}, {2, 2, 1, 2}, {2, 1}));
  EXPECT_EQ(c.extra_repr(), "2, 3, kernel_size=(3, 4), stride=(1, 1), padding=same, dilation=(2, 1)");
  Conv1d valid(2, 2, 3, {.padding = "valid"});
  EXPECT_EQ(valid(test::make_input({1, 2, 6})).shape(), (Shape{1, 2, 4}));
  EXPECT_TZ_ERROR(Conv2d(2, 3, 3, {.stride = 2, .padding = "same"}),
                  "[Conv2d] padding='same' is not supported for strided convolutions");
  EXPECT_TZ_ERROR(Conv2d(2, 3, 3, {.padding = "full"}), "[Conv2d] invalid padding string 'full'");
}

TEST(NnConv, PaddingModesPadExplicitly) {
  for (const char* mode : {"reflect", "replicate", "circular"}) {
    Conv2d c(2, 3, 3, {.padding = {1, 2}, .padding_mode = mode});
    const Tensor x = test::make_input({2, 2, 4, 5});
    const Tensor y = c(x);
    EXPECT_EQ(y.shape(), (Shape{2, 3, 4, 7})) << mode;
    EXPECT_TENSOR_CLOSE(y, conv2d(pad(x, {2, 2, 1, 1}, mode), c.weight, c.bias)) << mode;
  }
  Conv1d same(2, 2, 4, {.padding = "same", .padding_mode = "circular"});
  const Tensor x = test::make_input({1, 2, 6});
  EXPECT_TENSOR_CLOSE(same(x), conv1d(pad(x, {1, 2}, "circular"), same.weight, same.bias));
  EXPECT_TZ_ERROR(Conv2d(2, 3, 3, {.padding_mode = "mirror"}),
                  "[Conv2d] padding_mode must be one of zeros, reflect, replicate, circular, but got 'mirror'");
  EXPECT_EQ(Conv2d(2, 3, 3, {.padding = 1, .padding_mode = "reflect"}).extra_repr(),
            "2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect");
}

TEST(NnConv, TransposedForwardAndOutputSize) {
  ConvTranspose2d t(4, 6, 3, {.stride = 2, .padding = 1, .output_padding = 1, .groups = 2});
  const Tensor x = test::make_input({2, 4, 4, 3});
  const Tensor y = t(x);
  EXPECT_EQ(y.shape(), (Shape{2, 6, 8, 6}));
  EXPECT_TENSOR_CLOSE(y, conv_transpose2d(x, t.weight, t.bias, {2}, {1}, {1}, 2));
  ConvTranspose2d up(4, 2, 3, {.stride = 2, .padding = 1});
  EXPECT_EQ(up(x).shape(), (Shape{2, 2, 7, 5}));
  EXPECT_EQ(up.forward(x, {8, 6}).shape(), (Shape{2, 2, 8, 6}));
  EXPECT_EQ(up.forward(x, {2, 2, 7, 6}).shape(), (Shape{2, 2, 7, 6}));
  EXPECT_TENSOR_CLOSE(up.forward(x, {8, 6}), conv_transpose2d(x, up.weight, up.bias, {2}, {1}, {1, 1}));
  EXPECT_TZ_ERROR(up.forward(x, {9, 6}), "valid sizes for dim 0 range from 7 to 8");
  EXPECT_TZ_ERROR(ConvTranspose2d(4, 2, 3, {.padding_mode = "reflect"}), "only \"zeros\" padding mode is supported");
  EXPECT_TZ_ERROR(ConvTranspose2d(4, 2, 3, {.padding = "same"}), "string padding ('same') is not supported");
  Conv2d c(4, 2, 3);
  EXPECT_TZ_ERROR(c.forward(x, {4, 4}), "output_size is only accepted by transposed convolutions");
  EXPECT_TZ_ERROR(Conv2d(4, 2, 3, {.output_padding = 1}), "output_padding is only valid for transposed");
}

TEST(NnConv, ArgumentAndInputErrors) {
  EXPECT_TZ_ERROR(Conv2d(3, 4, 3, {.groups = 2}), "[Conv2d] in_channels must be divisible by groups");
  EXPECT_TZ_ERROR(Conv2d(4, 3, 3, {.groups = 2}), "[Conv2d] out_channels must be divisible by groups");
  EXPECT_TZ_ERROR(Conv2d(4, 4, {3, 3, 3}), "[Conv2d] kernel_size expects 1 or 2 values, got 3");
  EXPECT_TZ_ERROR(Conv2d(4, 4, 0), "kernel_size, stride and dilation must be positive");
  Conv2d c(3, 4, 3);
  EXPECT_TZ_ERROR(c(test::make_input({1, 2, 5, 5})), "[Conv2d] expected input with 3 channels");
  EXPECT_TZ_ERROR(c(test::make_input({5, 5})), "[Conv2d] expected a 3-d (unbatched) or 4-d (batched) input");
}

// ---- Pooling --------------------------------------------------------------------------------

TEST(NnPooling, DefaultsAndValues) {
  const Tensor x = test::make_input({2, 3, 7, 6});
  MaxPool2d mp(3, {.stride = 2, .padding = 1});
  EXPECT_TENSOR_EQ(mp(x), max_pool2d(x, {3}, {2}, {1}));
  MaxPool2d mp_default(2);
  EXPECT_EQ(mp_default.stride, (std::vector<int64_t>{2, 2}));  // stride defaults to kernel_size
  EXPECT_EQ(mp_default(x).shape(), (Shape{2, 3, 3, 3}));
  MaxPool2d mp_ceil(2, {.ceil_mode = true});
  EXPECT_EQ(mp_ceil(x).shape(), (Shape{2, 3, 4, 3}));
  AvgPool2d ap(3, {.stride = 2, .padding = 1, .count_include_pad = false, .divisor_override = {}});
  EXPECT_TENSOR_CLOSE(ap(x), avg_pool2d(x, {3}, {2}, {1}, false, false));
  AvgPool2d ap_div(2, {.divisor_override = 3});
  EXPECT_TENSOR_CLOSE(ap_div(x), avg_pool2d(x, {2}, {}, {0}, false, true, 3));
  const Tensor x1 = test::make_input({2, 3, 9});
  EXPECT_TENSOR_EQ(MaxPool1d(3, {.dilation = 2})(x1), max_pool1d(x1, {3}, {3}, {0}, {2}));
  EXPECT_TENSOR_CLOSE(AvgPool1d(2)(x1), avg_pool1d(x1, {2}));
  const Tensor x3 = test::make_input({1, 2, 4, 4, 4});
  EXPECT_EQ(MaxPool3d(2)(x3).shape(), (Shape{1, 2, 2, 2, 2}));
  EXPECT_TENSOR_CLOSE(AvgPool3d({2, 1, 2})(x3), avg_pool3d(x3, {2, 1, 2}));
  EXPECT_EQ(mp.extra_repr(), "kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(1, 1), ceil_mode=false");
}

TEST(NnPooling, AdaptiveAndErrors) {
  const Tensor x = test::make_input({2, 3, 7, 6});
  EXPECT_TENSOR_CLOSE(AdaptiveAvgPool2d({3, 4})(x), adaptive_avg_pool2d(x, {3, 4}));
  EXPECT_TENSOR_CLOSE(AdaptiveAvgPool2d(1)(x), x.mean({2, 3}, true));
  EXPECT_TENSOR_EQ(AdaptiveMaxPool2d(1)(x), x.amax({2, 3}, true));
  EXPECT_EQ(AdaptiveAvgPool1d(4)(test::make_input({2, 9})).shape(), (Shape{2, 4}));
  EXPECT_EQ(AdaptiveMaxPool1d(4)(test::make_input({2, 3, 9})).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(AdaptiveAvgPool3d({1, 2, 3})(test::make_input({1, 2, 4, 4, 4})).shape(), (Shape{1, 2, 1, 2, 3}));
  EXPECT_EQ(AdaptiveMaxPool3d(2)(test::make_input({1, 2, 4, 4, 4})).shape(), (Shape{1, 2, 2, 2, 2}));
  EXPECT_TZ_ERROR(MaxPool2d(2, {.padding = 2}), "[MaxPool2d] pad should be non-negative and at most half");
  EXPECT_TZ_ERROR(AvgPool1d(2, {.divisor_override = 2}), "[AvgPool1d] divisor_override is not supported");
  EXPECT_TZ_ERROR(MaxPool2d({2, 2, 2}), "[MaxPool2d] kernel_size expects 1 or 2 values, got 3");
  EXPECT_TZ_ERROR(AdaptiveAvgPool2d(-1), "[AdaptiveAvgPool2d] output_size must be non-negative");
}

// ---- Activations ----------------------------------------------------------------------------

TEST(NnActivation, EveryModuleMatchesItsFunction) {
  const Tensor x = test::make_input({3, 4}, DType::F64, -3, 3);
  EXPECT_TENSOR_EQ(ReLU()(x), relu(x));
  EXPECT_TENSOR_EQ(GELU()(x), gelu(x));
  EXPECT_TENSOR_EQ(GELU("tanh")(x), gelu(x, "tanh"));
  EXPECT_TENSOR_EQ(SiLU()(x), silu(x));
  EXPECT_TENSOR_EQ(Tanh()(x), tanh(x));
  EXPECT_TENSOR_EQ(Sigmoid()(x), sigmoid(x));
  EXPECT_TENSOR_EQ(Softplus(2.0, 5.0)(x), softplus(x, 2.0, 5.0));
  EXPECT_TENSOR_EQ(ELU(0.5)(x), elu(x, 0.5));
  EXPECT_TENSOR_EQ(LeakyReLU(0.2)(x), leaky_relu(x, 0.2));
  EXPECT_TENSOR_EQ(Hardswish()(x), hardswish(x));
  EXPECT_TENSOR_EQ(Hardsigmoid()(x), hardsigmoid(x));
  EXPECT_TENSOR_EQ(Softmax(0)(x), softmax(x, 0));
  EXPECT_TENSOR_EQ(LogSoftmax(-1)(x), log_softmax(x, -1));
  EXPECT_EQ(LeakyReLU().negative_slope, 0.01);
  EXPECT_EQ(GELU().approximate, "none");
  EXPECT_EQ(Softplus().extra_repr(), "beta=1, threshold=20");
  EXPECT_TZ_ERROR(GELU("fast"), "[GELU] approximate must be 'none' or 'tanh'");
  EXPECT_TZ_ERROR(Softplus(0.0), "[Softplus] beta must be non-zero");
  EXPECT_TRUE(ReLU().named_parameters().empty());
}

TEST(NnActivation, FlattenAndUnflatten) {
  const Tensor x = test::make_input({2, 3, 4, 5});
  EXPECT_EQ(Flatten()(x).shape(), (Shape{2, 60}));
  EXPECT_EQ(Flatten(0, 1)(x).shape(), (Shape{6, 4, 5}));
  EXPECT_EQ(Unflatten(1, {3, 1})(x).shape(), (Shape{2, 3, 1, 4, 5}));
  EXPECT_EQ(Unflatten(-1, {-1, 5})(Flatten()(x)).shape(), (Shape{2, 12, 5}));
  EXPECT_TENSOR_EQ(Unflatten(1, {3, 4, 5})(Flatten()(x)), x);
  EXPECT_EQ(Unflatten(1, {3, 4}).extra_repr(), "dim=1, unflattened_size=[3, 4]");
}

// ---- GLU family -----------------------------------------------------------------------------

TEST(NnGlu, GluHalvesAlongDim) {
  const Tensor x = test::make_input({2, 6, 3}, DType::F64);
  EXPECT_TENSOR_CLOSE(GLU(1)(x), x.narrow(1, 0, 3) * sigmoid(x.narrow(1, 3, 3)));
  EXPECT_TENSOR_CLOSE(GLU()(x.transpose(1, 2)), x.transpose(1, 2).narrow(2, 0, 3) * sigmoid(x.transpose(1, 2).narrow(2, 3, 3)));
  EXPECT_TZ_ERROR(GLU()(x), "[GLU] halving dimension must be even, but dimension 2 is size 3");
  EXPECT_TZ_ERROR(GLU(3)(x), "[GLU]");
}

TEST(NnGlu, SwiGluAndGegluFeedForward) {
  SwiGLU ffn(4, 6);
  std::vector<std::string> names;
  for (const auto& [n, p] : ffn.named_parameters()) names.push_back(n + shape_str(p.shape()));
  EXPECT_EQ(names, (std::vector<std::string>{"w1.weight[6, 4]", "w2.weight[4, 6]", "w3.weight[6, 4]"}));
  const Tensor x = test::make_input({2, 3, 4});
  const Tensor expected = matmul(silu(matmul(x, ffn.w1->weight.t())) * matmul(x, ffn.w3->weight.t()), ffn.w2->weight.t());
  EXPECT_TENSOR_CLOSE(ffn(x), expected, 1e-5, 1e-6);
  GEGLU geglu(4, 5, true, "tanh");
  EXPECT_EQ(geglu.named_parameters().size(), 6u);
  const Tensor g = gelu((*geglu.w1)(x), "tanh") * (*geglu.w3)(x);
  EXPECT_TENSOR_CLOSE(geglu(x), (*geglu.w2)(g), 1e-5, 1e-6);
  EXPECT_EQ(geglu.extra_repr(), "dim=4, hidden_dim=5, approximate='tanh'");
  EXPECT_TZ_ERROR(SwiGLU(4, 0), "[SwiGLU] dim and hidden_dim must be positive");
  EXPECT_TZ_ERROR(GEGLU(4, 4, false, "x"), "[GEGLU] approximate must be 'none' or 'tanh'");
}

// ---- Containers -----------------------------------------------------------------------------

TEST(NnContainer, SequentialIndexingAndNames) {
  Sequential seq;
  auto lin = seq.push_back(std::make_shared<Linear>(3, 4));
  seq.push_back(std::make_shared<Tanh>());
  seq.push_back("out", std::make_shared<Linear>(4, 2));
  EXPECT_EQ(seq.size(), 3u);
  EXPECT_TRUE(seq[0].get() == lin.get());
  EXPECT_EQ(seq[-1]->type_name(), "Linear");
  EXPECT_EQ(seq.at<Linear>(2)->out_features, 2);
  EXPECT_TZ_ERROR(seq[3], "[Sequential] index 3 is out of range for a container of 3 modules");
  EXPECT_TZ_ERROR(seq.at<Linear>(1), "[Sequential] element 1 is a Tanh, not the requested type");
  EXPECT_TZ_ERROR(seq.push_back("out", std::make_shared<ReLU>()), "a module named 'out' is already present");
  std::vector<std::string> names;
  for (const auto& [n, p] : seq.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "out.weight", "out.bias"}));
  const Tensor x = test::make_input({5, 3});
  EXPECT_TENSOR_CLOSE(seq(x), (*seq.at<Linear>(2))(tanh((*lin)(x))));
  int count = 0;
  for (const auto& m : seq) count += m != nullptr;
  EXPECT_EQ(count, 3);
  Sequential named({{"a", std::make_shared<ReLU>()}, {"b", std::make_shared<Linear>(2, 2)}});
  EXPECT_EQ(named.state_dict().count("b.weight"), 1u);
  EXPECT_TENSOR_EQ(Sequential()(x), x);  // an empty Sequential is the identity
}

TEST(NnContainer, ModuleListAndModuleDict) {
  ModuleList list{std::make_shared<Linear>(2, 3), std::make_shared<Linear>(3, 3)};
  list.push_back(std::make_shared<LayerNorm>(Shape{3}));
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list[-1]->type_name(), "LayerNorm");
  EXPECT_EQ(list.at<Linear>(1)->in_features, 3);
  EXPECT_TZ_ERROR(list[-4], "[ModuleList] index -4 is out of range");
  EXPECT_EQ(list.state_dict().size(), 6u);
  EXPECT_EQ(list.state_dict().count("2.weight"), 1u);

  ModuleDict dict({{"q", std::make_shared<Linear>(4, 4)}, {"k", std::make_shared<Linear>(4, 4, false)}});
  dict.insert("v", std::make_shared<Linear>(4, 2));
  dict.insert("q", std::make_shared<Linear>(4, 8));  // replaced in place
  EXPECT_EQ(dict.keys(), (std::vector<std::string>{"q", "k", "v"}));
  EXPECT_EQ(dict.at<Linear>("q")->out_features, 8);
  EXPECT_TRUE(dict.contains("k"));
  EXPECT_FALSE(dict.contains("o"));
  EXPECT_EQ(dict.size(), 3u);
  EXPECT_TZ_ERROR(dict["o"], "no submodule 'o' (has: q, k, v)");
  std::vector<std::string> names;
  for (const auto& [n, p] : dict.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"q.weight", "q.bias", "k.weight", "v.weight", "v.bias"}));
}

}  // namespace
}  // namespace tz::nn
