// nn::Module behaviour through real layers: names, tied weights, modes, dtype moves, state_dict
// round trips and strict loading, hooks, apply, parameter counts and summary().
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "tests/support/test_support.h"

namespace tz::nn {
namespace {

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& v) {
  std::vector<std::string> out;
  for (const auto& p : v) out.push_back(p.first);
  return out;
}

/// embed -> blocks (Sequential of Linear, ReLU, LayerNorm) -> head, with head tied to embed.
class TinyLm : public UnaryModule {
 public:
  explicit TinyLm(bool tie) : UnaryModule("TinyLm") {
    embed = register_module("embed", std::make_shared<Embedding>(10, 4));
    blocks = register_module("blocks", std::make_shared<Sequential>());
    blocks->push_back(std::make_shared<Linear>(4, 4));
    blocks->push_back(std::make_shared<ReLU>());
    blocks->push_back(std::make_shared<LayerNorm>(Shape{4}));
    head = register_module("head", std::make_shared<Linear>(4, 10, false));
    if (tie) head->weight = head->register_parameter("weight", embed->weight);
  }
  Tensor forward(const Tensor& ids) override { return (*head)((*blocks)((*embed)(ids))); }
  std::shared_ptr<Embedding> embed;
  std::shared_ptr<Sequential> blocks;
  std::shared_ptr<Linear> head;
};

TEST(NnModule, NamedParametersUseDottedPathsThroughSequential) {
  TinyLm m(false);
  EXPECT_EQ(names_of(m.named_parameters()),
            (std::vector<std::string>{"embed.weight", "blocks.0.weight", "blocks.0.bias", "blocks.2.weight",
                                      "blocks.2.bias", "head.weight"}));
  EXPECT_EQ(names_of(m.named_parameters(false)), std::vector<std::string>{});
  EXPECT_EQ(names_of(m.blocks->named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  for (const auto& [name, p] : m.named_parameters()) EXPECT_TRUE(p.requires_grad()) << name;
  // named_modules: depth-first, dotted.
  std::vector<std::string> modules;
  for (const auto& [name, mod] : m.named_modules()) modules.push_back(name + ":" + mod->type_name());
  EXPECT_EQ(modules, (std::vector<std::string>{":TinyLm", "embed:Embedding", "blocks:Sequential", "blocks.0:Linear",
                                               "blocks.1:ReLU", "blocks.2:LayerNorm", "head:Linear"}));
  // Owned by a shared_ptr, the root entry shares its ownership.
  auto owned = std::make_shared<TinyLm>(false);
  const auto entries = owned->named_modules();
  EXPECT_EQ(entries.front().second, owned);
  EXPECT_EQ(owned.use_count(), 2);
}

TEST(NnModule, TiedWeightsListedOnceButSavedUnderBothNames) {
  TinyLm m(true);
  EXPECT_TRUE(m.head->weight.is_same(m.embed->weight));
  const auto named = m.named_parameters();
  EXPECT_EQ(names_of(named), (std::vector<std::string>{"embed.weight", "blocks.0.weight", "blocks.0.bias",
                                                       "blocks.2.weight", "blocks.2.bias"}));
  EXPECT_EQ(m.parameters().size(), 5u);
  EXPECT_EQ(m.num_parameters(), 40 + 16 + 4 + 4 + 4);
  const StateDict sd = m.state_dict();
  ASSERT_TRUE(sd.count("embed.weight") && sd.count("head.weight"));
  EXPECT_EQ(sd.at("embed.weight").data_ptr(), sd.at("head.weight").data_ptr());
  EXPECT_FALSE(sd.at("head.weight").requires_grad());  // state_dict entries are detached
  // A gradient through the head lands on the one shared tensor.
  Tensor logits = m(tensor({1, 3}));
  logits.sum().backward();
  EXPECT_TRUE(m.embed->weight.grad().defined());
  EXPECT_TRUE(m.head->weight.grad().is_same(m.embed->weight.grad()));
}

TEST(NnModule, TrainEvalPropagatesToEveryDescendant) {
  auto seq = std::make_shared<Sequential>();
  auto drop = seq->push_back(std::make_shared<Dropout>(0.5));
  auto inner = seq->push_back(std::make_shared<Sequential>());
  auto bn = inner->push_back(std::make_shared<BatchNorm1d>(3));
  EXPECT_TRUE(seq->is_training() && drop->is_training() && bn->is_training());
  seq->eval();
  EXPECT_FALSE(seq->is_training() || drop->is_training() || inner->is_training() || bn->is_training());
  // In eval, dropout is the identity and batch norm uses (fresh: 0 / 1) running statistics.
  const Tensor x = test::make_input({4, 3});
  EXPECT_TENSOR_CLOSE((*seq)(x), x / std::sqrt(1.0 + 1e-5));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 0);
  seq->train();
  EXPECT_TRUE(drop->is_training() && bn->is_training());
}

TEST(NnModule, ToF64UpdatesTheLayersOwnHandles) {
  auto seq = std::make_shared<Sequential>();
  auto lin = seq->push_back(std::make_shared<Linear>(3, 2));
  auto bn = seq->push_back(std::make_shared<BatchNorm1d>(2));
  const Tensor held_weight = lin->weight;  // another copy of the handle
  const std::vector<double> before = lin->weight.to(DType::F64).to_vector<double>();
  seq->to(DType::F64);
  EXPECT_EQ(lin->weight.dtype(), DType::F64);
  EXPECT_EQ(lin->bias.dtype(), DType::F64);
  EXPECT_EQ(held_weight.dtype(), DType::F64);  // every copy of the handle follows
  EXPECT_EQ(bn->running_mean.dtype(), DType::F64);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), DType::I64);  // integer buffers keep their dtype
  EXPECT_TRUE(lin->weight.requires_grad());
  EXPECT_TRUE(lin->weight.is_same(seq->named_parameters()[0].second));
  EXPECT_EQ(lin->weight.to_vector<double>(), before);
  const Tensor y = (*seq)(test::make_input({4, 3}, DType::F64));
  EXPECT_EQ(y.dtype(), DType::F64);
  EXPECT_TZ_ERROR(seq->to(DType::I32), "floating");
}

TEST(NnModule, StateDictRoundTripsThroughSafetensors) {
  manual_seed(1);
  TinyLm a(false);
  auto bn = std::make_shared<BatchNorm1d>(4);
  a.blocks->push_back(bn);
  (*bn)(test::make_input({5, 4}));  // running stats and num_batches_tracked move off their defaults
  const std::string path = (std::filesystem::temp_directory_path() / "tz_nn_module_roundtrip.safetensors").string();
  io::save_safetensors(path, a.state_dict());
  manual_seed(2);
  TinyLm b(false);
  b.blocks->push_back(std::make_shared<BatchNorm1d>(4));
  EXPECT_FALSE(equal(a.embed->weight, b.embed->weight));
  const LoadResult r = b.load_state_dict(io::load_safetensors(path).tensors);
  std::remove(path.c_str());
  EXPECT_TRUE(r.ok());
  const StateDict sa = a.state_dict(), sb = b.state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (const auto& [k, v] : sa) EXPECT_TENSOR_EQ(sb.at(k), v) << k;
  EXPECT_EQ(sb.at("blocks.3.num_batches_tracked").dtype(), DType::I64);
  EXPECT_EQ(sb.at("blocks.3.num_batches_tracked").item<int64_t>(), 1);
  // The loaded values are in the layers' own handles, which keep requiring grad.
  EXPECT_TENSOR_EQ(b.embed->weight, a.embed->weight);
  EXPECT_TRUE(b.embed->weight.requires_grad());
  a.eval();
  b.eval();  // batch norm on its loaded running statistics
  const Tensor ids = tensor({1, 2, 9});
  EXPECT_TENSOR_EQ(b(ids), a(ids));
}

TEST(NnModule, StrictLoadReportsEverythingInOneMessage) {
  Sequential m{std::make_shared<Linear>(3, 2), std::make_shared<Linear>(2, 1)};
  StateDict sd = m.state_dict();
  sd.erase("1.bias");                   // missing
  sd["extra.weight"] = zeros({1});      // unexpected
  sd["0.weight"] = zeros({3, 2});       // mis-shaped (transposed)
  const Tensor before = m[0]->parameter("weight").clone();
  try {
    m.load_state_dict(sd);
    ADD_FAILURE() << "strict load should throw";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[load_state_dict]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing keys (1.bias)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected keys (extra.weight)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("0.weight: expected [2, 3], got [3, 2]"), std::string::npos) << msg;
  }
  EXPECT_TENSOR_EQ(m[0]->parameter("weight"), before);  // nothing was copied
  // Non-strict: the same findings are returned and the matching entries load.
  sd["1.weight"] = full({1, 2}, 0.5);
  const LoadResult r = m.load_state_dict(sd, false);
  EXPECT_EQ(r.missing, std::vector<std::string>{"1.bias"});
  EXPECT_EQ(r.unexpected, std::vector<std::string>{"extra.weight"});
  EXPECT_EQ(r.mismatched, std::vector<std::string>{"0.weight: expected [2, 3], got [3, 2]"});
  EXPECT_FALSE(r.ok());
  EXPECT_TENSOR_EQ(m[1]->parameter("weight"), full({1, 2}, 0.5));
  EXPECT_TENSOR_EQ(m[0]->parameter("weight"), before);
}

TEST(NnModule, ForwardHooksCaptureAndReplaceOutputs) {
  auto seq = std::make_shared<Sequential>();
  auto lin = seq->push_back(std::make_shared<Linear>(3, 3));
  seq->push_back(std::make_shared<ReLU>());
  Tensor captured_in, captured_out;
  const int capture = lin->register_forward_hook([&](Module& m, const TensorList& in, const Tensor& out) {
    EXPECT_EQ(m.type_name(), "Linear");
    captured_in = in.at(0);
    captured_out = out;
    return Tensor();  // keep the output
  });
  const Tensor x = test::make_input({2, 3});
  const Tensor y = (*seq)(x);
  ASSERT_TRUE(captured_out.defined());
  EXPECT_TRUE(captured_in.is_same(x));
  EXPECT_TENSOR_CLOSE(y, relu(captured_out));
  // Patch: the replacement flows into the rest of the Sequential.
  const int patch = lin->register_forward_hook(
      [](Module&, const TensorList&, const Tensor& out) { return full(out.shape(), -2.0) + 0.0 * out; });
  EXPECT_TENSOR_EQ((*seq)(x), zeros({2, 3}));
  EXPECT_TENSOR_CLOSE(captured_out, lin->forward(x));  // the capture hook ran first, on the real output
  lin->remove_forward_hook(patch);
  lin->remove_forward_hook(capture);
  captured_out = Tensor();
  EXPECT_TENSOR_CLOSE((*seq)(x), y);
  EXPECT_FALSE(captured_out.defined());
}

TEST(NnModule, ApplyVisitsEveryModule) {
  TinyLm m(false);
  std::vector<std::string> seen;
  m.apply([&](Module& mod) {
    seen.push_back(mod.type_name());
    if (auto* lin = dynamic_cast<Linear*>(&mod)) {
      init::zeros_(lin->weight);
      if (lin->bias.defined()) init::ones_(lin->bias);
    }
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"TinyLm", "Embedding", "Sequential", "Linear", "ReLU", "LayerNorm", "Linear"}));
  auto lin0 = m.blocks->at<Linear>(0);
  EXPECT_TENSOR_EQ(lin0->weight, zeros({4, 4}));
  EXPECT_TENSOR_EQ(lin0->bias, ones({4}));
  EXPECT_TENSOR_EQ(m.head->weight, zeros({10, 4}));
}

TEST(NnModule, NumParametersCountsTrainableSeparately) {
  Sequential m{std::make_shared<Linear>(3, 4), std::make_shared<BatchNorm1d>(4)};
  EXPECT_EQ(m.num_parameters(), 12 + 4 + 4 + 4);  // buffers do not count
  m[1]->parameter("weight").requires_grad_(false);
  EXPECT_EQ(m.num_parameters(), 24);
  EXPECT_EQ(m.num_parameters(true), 20);
}

TEST(NnModule, SummaryPrintsTheTreeAndCounts) {
  Sequential m{std::make_shared<Conv2d>(3, 8, 3, ConvOptions{.padding = 1}), std::make_shared<BatchNorm2d>(8),
               std::make_shared<ReLU>(), std::make_shared<AdaptiveAvgPool2d>(1), std::make_shared<Flatten>(),
               std::make_shared<Linear>(8, 2)};
  EXPECT_EQ(m.summary(),
            "Sequential(\n"
            "  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)\n"
            "  (2): ReLU()\n"
            "  (3): AdaptiveAvgPool2d(output_size=(1, 1))\n"
            "  (4): Flatten(start_dim=1, end_dim=-1)\n"
            "  (5): Linear(in_features=8, out_features=2, bias=true)\n"
            ")\n"
            "parameters: 258 (258 trainable)\n");
  EXPECT_EQ((*m[0]).type_name(), "Conv2d");
}

TEST(NnModule, ZeroGradAndDeviceMove) {
  Linear lin(3, 2);
  lin(test::make_input({1, 3})).sum().backward();
  EXPECT_TRUE(lin.weight.grad().defined());
  lin.zero_grad(false);
  EXPECT_TENSOR_EQ(lin.weight.grad(), zeros({2, 3}));
  lin.zero_grad();
  EXPECT_FALSE(lin.weight.grad().defined());
  lin.to(kCPU);  // a no-op move keeps the handles valid
  EXPECT_TRUE(lin.weight.is_same(lin.parameter("weight")));
}

TEST(NnModule, ToDeviceMovesParametersBuffersAndGrads) {
  // The reference backend ext0 is registered in the test binaries (tests/support).
  if (!has_backend(DeviceType::Ext0)) GTEST_SKIP() << "no ext0 backend in this build";
  const Device ext0(DeviceType::Ext0, 0);
  Sequential m{std::make_shared<Linear>(3, 4), std::make_shared<ReLU>(), std::make_shared<Linear>(4, 2)};
  auto first = m.at<Linear>(0);
  const Tensor held = first->weight;
  const Tensor x = test::make_input({5, 3});
  const Tensor y_cpu = m(x);
  y_cpu.sum().backward();
  const Tensor grad_cpu = first->weight.grad();
  m.to(ext0);
  EXPECT_EQ(first->weight.device(), ext0);
  EXPECT_EQ(held.device(), ext0);
  EXPECT_EQ(first->weight.grad().device(), ext0);
  EXPECT_TENSOR_CLOSE(first->weight.grad().cpu(), grad_cpu);
  const Tensor y = m(x.to(ext0));
  EXPECT_EQ(y.device(), ext0);
  EXPECT_TENSOR_CLOSE(y.cpu(), y_cpu, 1e-5, 1e-6);
  m.to(kCPU);
  EXPECT_EQ(held.device(), kCPU);
  EXPECT_TENSOR_CLOSE(m(x), y_cpu);
}

}  // namespace
}  // namespace tz::nn
