// MixerBlock / MixerEncoder (mixer chosen by name) and Greenformers' LowRankLinear.
#include "nn/attention/softmax_mixer.h"
#include "tests/zoo/zoo_checks.h"

namespace tz::test::zoo {
namespace {

// ---- LowRankLinear ----------------------------------------------------------------------------

TEST(LowRankLinear, FullRankFactorsOfADenseWeightEqualLinear) {
  for (auto [in, out] : {std::pair<int64_t, int64_t>{5, 3}, {3, 5}, {4, 4}}) {
    nn::Linear dense(in, out, true, TensorOptions(DType::F64));
    nn::LowRankLinear low(in, out, std::min(in, out), true, TensorOptions(DType::F64));
    // W = U V with U = I, V = W (out <= in) or U = W, V = I (in < out).
    const Tensor eye_r = eye(std::min(in, out), std::nullopt, TensorOptions(DType::F64));
    nn::StateDict s;
    s["u"] = out <= in ? eye_r : dense.weight.detach();
    s["v"] = out <= in ? dense.weight.detach() : eye_r;
    s["bias"] = dense.bias.detach();
    ASSERT_TRUE(low.load_state_dict(s).ok());
    const Tensor x = make_input({2, 3, in}, DType::F64, -1, 1, 4);
    EXPECT_TENSOR_CLOSE(low(x), dense(x), 1e-13, 1e-13);
    EXPECT_TENSOR_CLOSE(low.dense_weight(), dense.weight, 0, 0);
  }
}

TEST(LowRankLinear, ParameterCountAndNames) {
  nn::LowRankLinear low(64, 32, 8);
  EXPECT_EQ(low.num_parameters(), 8 * (64 + 32) + 32);
  nn::LowRankLinear no_bias(64, 32, 8, false);
  EXPECT_EQ(no_bias.num_parameters(), 8 * (64 + 32));
  std::vector<std::string> names;
  for (const auto& [n, t] : low.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"v", "u", "bias"}));
  EXPECT_EQ(low.u.shape(), (Shape{32, 8}));
  EXPECT_EQ(low.v.shape(), (Shape{8, 64}));
  // make_linear: rank 0 is a dense Linear, rank r a LowRankLinear.
  EXPECT_NE(std::dynamic_pointer_cast<nn::Linear>(nn::make_linear(6, 4, true, 0)), nullptr);
  EXPECT_NE(std::dynamic_pointer_cast<nn::LowRankLinear>(nn::make_linear(6, 4, true, 2)), nullptr);
  EXPECT_TZ_ERROR(nn::LowRankLinear(6, 4, 0), "[LowRankLinear] in_features, out_features and rank must be > 0");
  EXPECT_TZ_ERROR(low(zeros({2, 63})), "[LowRankLinear] expected an input [*, 64]");
}

TEST(LowRankLinear, Gradcheck) {
  manual_seed(2);
  auto low = std::make_shared<nn::LowRankLinear>(4, 3, 2, true, TensorOptions(DType::F64));
  TensorList inputs = {gc_input({2, 5, 4}), low->u, low->v, low->bias};
  EXPECT_TRUE(gradcheck([&](const TensorList& in) { return (*low)(in[0]); }, inputs));
  EXPECT_TRUE(gradgradcheck([&](const TensorList& in) { return (*low)(in[0]); }, inputs));
}

// ---- MixerBlock / MixerEncoder ----------------------------------------------------------------

nn::json tiny_block(const std::string& norm = "pre") {
  return {{"mixer", {{"name", "softmax"}, {"n_heads", 2}}}, {"d_model", 8}, {"mlp_ratio", 2.0}, {"norm", norm}};
}

TEST(MixerBlock, PreAndPostNormMatchTheFormulas) {
  for (const std::string norm : {"pre", "post"}) {
    manual_seed(5);
    nn::MixerBlock block(tiny_block(norm), TensorOptions(DType::F64));
    const Tensor x = make_input({2, 5, 8}, DType::F64, -1, 1, 6);
    nn::MixerArgs a;
    a.causal = true;
    auto& mixer = *block.mixer;
    auto mlp = [&](const Tensor& t) { return (*block.mlp->fc2)(gelu((*block.mlp->fc1)(t))); };
    Tensor expected;
    if (norm == "pre") {
      const Tensor h = x + mixer((*block.ln_1)(x), a);
      expected = h + mlp((*block.ln_2)(h));
    } else {
      const Tensor h = (*block.ln_1)(x + mixer(x, a));
      expected = (*block.ln_2)(h + mlp(h));
    }
    EXPECT_TENSOR_CLOSE(block(x, a), expected, 0, 0);
    EXPECT_EQ(block.mlp->fc1->parameter("weight").shape(), (Shape{16, 8}));
  }
}

TEST(MixerBlock, ParameterNamesAndLowRankMlp) {
  nn::json c = tiny_block();
  c["low_rank"] = 3;
  nn::MixerBlock block(c);
  std::vector<std::string> names;
  for (const auto& [n, t] : block.named_parameters()) names.push_back(n);
  const std::vector<std::string> want = {"ln_1.weight", "ln_1.bias", "mixer.to_q.weight", "mixer.to_q.bias",
                                         "mixer.to_k.weight", "mixer.to_k.bias", "mixer.to_v.weight", "mixer.to_v.bias",
                                         "mixer.to_out.weight", "mixer.to_out.bias", "ln_2.weight", "ln_2.bias",
                                         "mlp.fc1.v", "mlp.fc1.u", "mlp.fc1.bias", "mlp.fc2.v", "mlp.fc2.u", "mlp.fc2.bias"};
  EXPECT_EQ(names, want);
  EXPECT_EQ(block.mixer->kind(), "softmax");
  EXPECT_EQ(block.config["mixer"]["d_model"], 8);
}

TEST(MixerBlock, ConfigErrorsNameTheKey) {
  nn::json c = tiny_block();
  c["mlp_ratoi"] = 2.0;
  EXPECT_TZ_ERROR(nn::MixerBlock{c}, "[MixerBlock] unknown config key 'mlp_ratoi' (did you mean 'mlp_ratio'?)");
  c = tiny_block();
  c["norm"] = "middle";
  EXPECT_TZ_ERROR(nn::MixerBlock{c}, "norm must be \"pre\" or \"post\"");
  c = tiny_block();
  c["mixer"] = {{"name", "sofmax"}};
  EXPECT_TZ_ERROR(nn::MixerBlock{c}, "unknown mixer 'sofmax' (did you mean 'softmax'?)");
  c = tiny_block();
  c["mixer"]["qkv_bais"] = false;
  EXPECT_TZ_ERROR(nn::MixerBlock{c}, "[make_mixer softmax] unknown config key 'qkv_bais'");
  c = tiny_block();
  c["low_rank"] = 1.5;
  EXPECT_TZ_ERROR(nn::MixerBlock{c}, "config key 'low_rank' must have the type of its default 0");
  c = tiny_block();
  c["mixer"]["d_model"] = 16;
  EXPECT_TZ_ERROR(nn::MixerBlock{c}, "mixer.d_model 16 differs from the block's d_model 8");
}

TEST(MixerEncoder, StacksBlocksPassesArgsAndEndsWithANorm) {
  nn::json c = tiny_block();
  c["n_layers"] = 3;
  manual_seed(9);
  nn::MixerEncoder enc(c, TensorOptions(DType::F64));
  ASSERT_EQ(enc.blocks.size(), 3u);
  ASSERT_NE(enc.ln_f, nullptr);
  const Tensor x = make_input({2, 6, 8}, DType::F64, -1, 1, 6);
  nn::MixerArgs a;
  a.key_padding_mask = probe_padding_mask(2, 6);
  Tensor h = x;
  for (auto& b : enc.blocks) h = (*b)(h, a);
  EXPECT_TENSOR_CLOSE(enc(x, a), (*enc.ln_f)(h), 0, 0);
  EXPECT_TRUE(enc.state_dict().count("blocks.2.mixer.to_q.weight"));
  EXPECT_TRUE(enc.state_dict().count("ln_f.weight"));
  // The mask reaches every block: padded tokens' values do not move non-padded outputs.
  const Tensor y = enc(x, a);
  Tensor x2 = x.clone();
  {
    NoGradGuard ng;
    x2.narrow(1, 5, 1).narrow(0, 0, 1).fill_(3.0);  // sample 0 pads keys 4 and 5
  }
  EXPECT_TENSOR_CLOSE(enc(x2, a).narrow(1, 0, 4).narrow(0, 0, 1), y.narrow(1, 0, 4).narrow(0, 0, 1), 1e-12, 1e-12);
  // post-norm blocks need no final norm by default
  c["norm"] = "post";
  EXPECT_EQ(nn::MixerEncoder(c).ln_f, nullptr);
  c["final_norm"] = true;
  EXPECT_NE(nn::MixerEncoder(c).ln_f, nullptr);
  c["n_layers"] = 0;
  EXPECT_TZ_ERROR(nn::MixerEncoder{c}, "[MixerEncoder] n_layers must be > 0");
}

TEST(MixerEncoder, TrainsOnACopyTask) {
  // Two-layer encoder learns to output the previous token's vector (needs causal attention to
  // the previous position): the loss must fall well below its starting value.
  manual_seed(1);
  nn::json c = tiny_block();
  c["n_layers"] = 2;
  nn::MixerEncoder enc(c);
  nn::Embedding pos(6, 8);
  TensorList params = enc.parameters();
  for (auto& p : pos.parameters()) params.push_back(p);
  nn::optim::AdamOptions ao;
  ao.lr = 1e-2;
  nn::optim::Adam opt(params, ao);
  const Tensor x = make_input({4, 6, 8}, DType::F32, -1, 1, 3);
  const Tensor target = cat({zeros({4, 1, 8}), x.narrow(1, 0, 5)}, 1);
  nn::MixerArgs a;
  a.causal = true;
  double first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    const Tensor loss = mean(square(enc(x + pos(arange(6)), a) - target));
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  EXPECT_LT(last, 0.3 * first) << "first " << first << " last " << last;
}

}  // namespace
}  // namespace tz::test::zoo
