// nn modules against torch.nn: tests/data/torch_refs_nn_layers.safetensors (written by
// tools/gen_torch_refs.py, nn_layers()) holds each PyTorch module's state_dict, inputs, output,
// input and parameter gradients and buffers after the call. Each test builds the tensorzoo module
// with the same arguments, loads the state_dict strictly, and compares all of it.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tests/support/test_support.h"

namespace tz::nn {
namespace {

const io::SafetensorsFile& fixture() {
  static const io::SafetensorsFile file = io::load_safetensors(test::data_path("torch_refs_nn_layers.safetensors"));
  return file;
}

/// Entries "<case>.<section>.<key>" as {key: tensor}.
StateDict section(const std::string& name, const std::string& what) {
  StateDict out;
  const std::string prefix = name + "." + what + ".";
  for (const auto& [k, t] : fixture().tensors)
    if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size())] = t;
  return out;
}

::testing::AssertionResult close64(const Tensor& actual, const Tensor& expected) {
  return test::tensors_close(actual, expected, 1e-8, 1e-10);
}

using Forward = std::function<Tensor(Module&, const TensorList&)>;

Tensor unary(Module& m, const TensorList& in) { return dynamic_cast<UnaryModule&>(m)(in.at(0)); }

void check_module(const std::string& name, Module& m, const Forward& fwd = unary, bool training = true) {
  const auto& file = fixture();
  ASSERT_TRUE(file.metadata.count(name)) << "no case '" << name << "': rerun tools/gen_torch_refs.py";
  SCOPED_TRACE("PyTorch: " + file.metadata.at(name));
  auto key = [&](const std::string& s) { return name + "." + s; };
  m.to(DType::F64);
  m.train(training);
  const LoadResult r = m.load_state_dict(section(name, "state"));  // strict: throws on any mismatch
  EXPECT_TRUE(r.ok());

  TensorList inputs, diff_inputs;
  std::vector<std::string> diff_keys;
  for (int i = 0; file.tensors.count(key("in" + std::to_string(i))); ++i) {
    Tensor x = file.tensors.at(key("in" + std::to_string(i))).detach().clone();
    if (x.is_floating_point()) {
      x.requires_grad_();
      diff_inputs.push_back(x);
      diff_keys.push_back(key("grad_in" + std::to_string(i)));
    }
    inputs.push_back(x);
  }
  const Tensor out = fwd(m, inputs);
  EXPECT_TRUE(close64(out, file.tensors.at(key("out")))) << "output";

  const StateDict expected_param_grads = section(name, "grad");
  TensorList wrt = diff_inputs;
  std::vector<std::string> names = diff_keys;
  for (const auto& [pname, p] : m.named_parameters()) {
    wrt.push_back(p);
    names.push_back(key("grad." + pname));
    EXPECT_TRUE(expected_param_grads.count(pname)) << "PyTorch has no parameter " << pname;
  }
  EXPECT_EQ(expected_param_grads.size(), m.named_parameters().size());
  const TensorList grads = tz::grad({out}, wrt, {file.tensors.at(key("grad_out"))});
  ASSERT_EQ(grads.size(), wrt.size());
  for (size_t i = 0; i < grads.size(); ++i) EXPECT_TRUE(close64(grads[i], file.tensors.at(names[i]))) << names[i];

  const StateDict after = section(name, "after");
  const auto buffers = m.named_buffers();
  EXPECT_EQ(after.size(), buffers.size());
  for (const auto& [bname, b] : buffers) {
    ASSERT_TRUE(after.count(bname)) << "PyTorch has no buffer " << bname;
    if (is_floating(b.dtype())) EXPECT_TRUE(close64(b, after.at(bname))) << bname;
    else EXPECT_TENSOR_EQ(b, after.at(bname)) << bname;
  }
}

TEST(TorchRefNnLayers, linear) {
  Linear m(5, 3);
  check_module("linear", m);
}

TEST(TorchRefNnLayers, linear_no_bias) {
  Linear m(4, 6, false);
  check_module("linear_no_bias", m);
}

TEST(TorchRefNnLayers, bilinear) {
  Bilinear m(3, 4, 2);
  check_module("bilinear", m, [](Module& mod, const TensorList& in) {
    return dynamic_cast<Bilinear&>(mod)(in.at(0), in.at(1));
  });
}

TEST(TorchRefNnLayers, conv2d_groups) {
  Conv2d m(4, 6, 3, {.stride = 2, .padding = 1, .groups = 2});
  check_module("conv2d_groups", m);
}

TEST(TorchRefNnLayers, conv2d_same_reflect) {
  Conv2d m(3, 4, {3, 4}, {.padding = "same", .padding_mode = "reflect"});
  check_module("conv2d_same_reflect", m);
}

TEST(TorchRefNnLayers, conv1d_circular) {
  Conv1d m(2, 4, 3, {.padding = 2, .dilation = 2, .padding_mode = "circular"});
  check_module("conv1d_circular", m);
}

TEST(TorchRefNnLayers, conv_transpose2d) {
  ConvTranspose2d m(4, 6, 3, {.stride = 2, .padding = 1, .output_padding = 1, .groups = 2});
  check_module("conv_transpose2d", m);
}

TEST(TorchRefNnLayers, batch_norm2d_train) {
  BatchNorm2d m(3);
  check_module("batch_norm2d_train", m);
}

TEST(TorchRefNnLayers, batch_norm2d_eval) {
  BatchNorm2d m(3);
  check_module("batch_norm2d_eval", m, unary, /*training=*/false);
}

TEST(TorchRefNnLayers, batch_norm1d_train) {
  BatchNorm1d m(4, 1e-5, 0.3);
  check_module("batch_norm1d_train", m);
}

TEST(TorchRefNnLayers, layer_norm) {
  LayerNorm m({3, 4});
  check_module("layer_norm", m);
}

TEST(TorchRefNnLayers, group_norm) {
  GroupNorm m(2, 6);
  check_module("group_norm", m);
}

TEST(TorchRefNnLayers, embedding_padding_idx) {
  Embedding m(7, 4, 2);
  check_module("embedding_padding_idx", m);
  // The padding row gets exactly zero gradient although index 2 occurs four times.
  const Tensor g = fixture().tensors.at("embedding_padding_idx.grad.weight");
  EXPECT_TENSOR_EQ(g.select(0, 2), zeros({4}, DType::F64));
}

TEST(TorchRefNnLayers, EveryCaseIsTested) {
  std::set<std::string> tests;
  const auto* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
  for (int j = 0; j < suite->total_test_count(); ++j) tests.insert(suite->GetTestInfo(j)->name());
  tests.erase("EveryCaseIsTested");
  std::set<std::string> cases;
  for (const auto& [name, ctor] : fixture().metadata) {
    cases.insert(name);
    EXPECT_TRUE(tests.count(name)) << "no TEST(TorchRefNnLayers, " << name << ")";
  }
  for (const auto& t : tests) EXPECT_TRUE(cases.count(t)) << "TorchRefNnLayers." << t << " has no fixture case";
}

}  // namespace
}  // namespace tz::nn
