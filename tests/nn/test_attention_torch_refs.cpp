// Attention modules against PyTorch: tests/data/torch_refs_attention.safetensors is written by
// tools/gen_torch_refs_attention.py (run through tools/gen_torch_refs.py). Each module case
// stores the module's state_dict ("<case>.param.*"), inputs, outputs, input gradients and
// parameter gradients ("<case>.grad.*") for a fixed upstream gradient; the test builds the
// tensorzoo module with the same configuration, loads the state_dict strictly, and compares all
// of them. The PyTorch call is printed on failure.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <utility>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using Outputs = std::vector<std::pair<std::string, Tensor>>;
using RunFn = std::function<Outputs(const TensorList&)>;

const io::SafetensorsFile& fixture() {
  static const io::SafetensorsFile file = io::load_safetensors(test::data_path("torch_refs_attention.safetensors"));
  return file;
}

::testing::AssertionResult matches(const Tensor& actual, const Tensor& expected) {
  if (!actual.defined()) return ::testing::AssertionFailure() << "undefined result";
  return test::tensors_close(actual, expected, 1e-8, 1e-10);
}

/// Runs one case; `module` (may be null for functional cases) gets the stored state_dict.
void check_case(const std::string& name, nn::Module* module, const RunFn& run) {
  const auto& t = fixture().tensors;
  ASSERT_TRUE(fixture().metadata.count(name)) << "no case '" << name << "': rerun tools/gen_torch_refs.py";
  SCOPED_TRACE("PyTorch: " + fixture().metadata.at(name));
  auto key = [&](const std::string& suffix) { return name + "." + suffix; };

  std::vector<std::pair<std::string, Tensor>> params;  // (fixture grad key, parameter)
  if (module) {
    module->to(DType::F64);
    module->eval();
    nn::StateDict dict;
    const std::string prefix = key("param.");
    for (const auto& [k, v] : t)
      if (k.rfind(prefix, 0) == 0) dict[k.substr(prefix.size())] = v;
    ASSERT_FALSE(dict.empty());
    module->load_state_dict(dict, /*strict=*/true);
    for (const auto& [pname, p] : module->named_parameters()) params.emplace_back(key("grad." + pname), p);
  }

  TensorList inputs, wrt;
  std::vector<std::string> grad_keys;
  for (int i = 0; t.count(key("in" + std::to_string(i))); ++i) {
    Tensor x = t.at(key("in" + std::to_string(i))).detach();
    if (t.count(key("grad_in" + std::to_string(i)))) {
      x.requires_grad_();
      wrt.push_back(x);
      grad_keys.push_back(key("grad_in" + std::to_string(i)));
    }
    inputs.push_back(x);
  }
  for (const auto& [gkey, p] : params) {
    ASSERT_TRUE(t.count(gkey)) << "fixture lacks " << gkey;
    wrt.push_back(p);
    grad_keys.push_back(gkey);
  }

  const Outputs outputs = run(inputs);
  for (const auto& [out_name, value] : outputs) {
    ASSERT_TRUE(t.count(key(out_name))) << "fixture lacks " << key(out_name);
    EXPECT_TRUE(matches(value, t.at(key(out_name)))) << key(out_name);
  }
  const TensorList grads = tz::grad({outputs.front().second}, wrt, {t.at(key("grad_out"))});
  ASSERT_EQ(grads.size(), wrt.size());
  for (size_t i = 0; i < grads.size(); ++i) EXPECT_TRUE(matches(grads[i], t.at(grad_keys[i]))) << grad_keys[i];
}

Outputs out(const Tensor& t) { return {{"out", t}}; }
Outputs out_weights(const nn::MultiheadAttentionOutput& r) { return {{"out", r.output}, {"weights", r.weights}}; }

#define ATTN_REF(case_name, module, ...) \
  TEST(TorchRefAttention, case_name) { check_case(#case_name, module, __VA_ARGS__); }

// ---- scaled_dot_product_attention --------------------------------------------------------------
ATTN_REF(sdpa_basic, nullptr, [](const TensorList& x) { return out(nn::scaled_dot_product_attention(x[0], x[1], x[2])); })
ATTN_REF(sdpa_causal, nullptr,
         [](const TensorList& x) { return out(nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true)); })
ATTN_REF(sdpa_causal_rect, nullptr,
         [](const TensorList& x) { return out(nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true)); })
ATTN_REF(sdpa_gqa_scale, nullptr, [](const TensorList& x) {
  return out(nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, false, 0.3, true));
})
ATTN_REF(sdpa_mqa_causal, nullptr, [](const TensorList& x) {
  return out(nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true, {}, true));
})
ATTN_REF(sdpa_bool_mask, nullptr,
         [](const TensorList& x) { return out(nn::scaled_dot_product_attention(x[0], x[1], x[2], x[3])); })
ATTN_REF(sdpa_float_mask, nullptr,
         [](const TensorList& x) { return out(nn::scaled_dot_product_attention(x[0], x[1], x[2], x[3])); })

// ---- MultiheadAttention -------------------------------------------------------------------------
TEST(TorchRefAttention, mha_basic) {
  nn::MultiheadAttention m(8, 2);
  check_case("mha_basic", &m, [&](const TensorList& x) { return out_weights(m(x[0], x[1], x[2])); });
}
TEST(TorchRefAttention, mha_self_batch_first_bool_masks) {
  nn::MultiheadAttention m(8, 2, 0.0, true, false, false, {}, {}, /*batch_first=*/true);
  check_case("mha_self_batch_first_bool_masks", &m,
             [&](const TensorList& x) { return out_weights(m(x[0], x[0], x[0], x[1], true, x[2], false)); });
}
TEST(TorchRefAttention, mha_float_masks) {
  nn::MultiheadAttention m(8, 2);
  check_case("mha_float_masks", &m,
             [&](const TensorList& x) { return out_weights(m(x[0], x[1], x[2], x[3], true, x[4])); });
}
TEST(TorchRefAttention, mha_kdim_vdim_mixed_masks) {
  nn::MultiheadAttention m(8, 2, 0.0, true, false, false, 5, 6);
  EXPECT_FALSE(m.in_proj_weight.defined());
  check_case("mha_kdim_vdim_mixed_masks", &m, [&](const TensorList& x) {
    auto r = m(x[0], x[1], x[2], x[3], /*need_weights=*/false, x[4]);
    EXPECT_FALSE(r.weights.defined());
    return out(r.output);
  });
}
TEST(TorchRefAttention, mha_bias_kv_zero_attn) {
  nn::MultiheadAttention m(8, 2, 0.0, true, /*add_bias_kv=*/true, /*add_zero_attn=*/true, {}, {}, true);
  check_case("mha_bias_kv_zero_attn", &m,
             [&](const TensorList& x) { return out_weights(m(x[0], x[1], x[2], x[3], true, x[4], false)); });
}
TEST(TorchRefAttention, mha_unbatched_no_bias) {
  nn::MultiheadAttention m(8, 2, 0.0, /*bias=*/false);
  check_case("mha_unbatched_no_bias", &m,
             [&](const TensorList& x) { return out_weights(m(x[0], x[1], x[2], x[3], true, x[4])); });
}

// ---- Transformer layers -------------------------------------------------------------------------
nn::TransformerLayerOptions layer_options(const std::string& activation, bool batch_first, bool norm_first) {
  nn::TransformerLayerOptions o;
  o.dim_feedforward = 16;
  o.activation = activation;
  o.batch_first = batch_first;
  o.norm_first = norm_first;
  return o;
}
TEST(TorchRefAttention, encoder_post_norm_relu) {
  nn::TransformerEncoderLayer m(8, 2, layer_options("relu", false, false));
  check_case("encoder_post_norm_relu", &m, [&](const TensorList& x) { return out(m(x[0], {}, x[1])); });
}
TEST(TorchRefAttention, encoder_pre_norm_gelu_batch_first) {
  nn::TransformerEncoderLayer m(8, 2, layer_options("gelu", true, true));
  check_case("encoder_pre_norm_gelu_batch_first", &m, [&](const TensorList& x) { return out(m(x[0], x[1])); });
}
TEST(TorchRefAttention, decoder_post_norm) {
  nn::TransformerDecoderLayer m(8, 2, layer_options("relu", false, false));
  check_case("decoder_post_norm", &m,
             [&](const TensorList& x) { return out(m(x[0], x[1], x[2], {}, {}, x[3])); });
}
TEST(TorchRefAttention, decoder_pre_norm_gelu_batch_first) {
  nn::TransformerDecoderLayer m(8, 2, layer_options("gelu", true, true));
  check_case("decoder_pre_norm_gelu_batch_first", &m,
             [&](const TensorList& x) { return out(m(x[0], x[1], {}, x[2], x[3])); });
}

// ---- GPT block and SelfAttention (hand-written PyTorch twins) -----------------------------------
nn::GPTBlockConfig gpt(int64_t d, int64_t h, int64_t hkv, nn::PositionEncoding p) {
  nn::GPTBlockConfig c;
  c.d_model = d, c.n_heads = h, c.n_kv_heads = hkv, c.position = p;
  return c;
}
TEST(TorchRefAttention, gpt_block) {
  nn::GPTBlock m(gpt(8, 2, 2, nn::PositionEncoding::None));
  check_case("gpt_block", &m, [&](const TensorList& x) { return out(m(x[0])); });
}
TEST(TorchRefAttention, gpt_block_rotary_gqa) {
  nn::GPTBlock m(gpt(8, 4, 2, nn::PositionEncoding::Rotary));
  check_case("gpt_block_rotary_gqa", &m, [&](const TensorList& x) { return out(m(x[0])); });
}
TEST(TorchRefAttention, gpt_block_alibi_mqa) {
  nn::GPTBlock m(gpt(6, 3, 1, nn::PositionEncoding::ALiBi));
  check_case("gpt_block_alibi_mqa", &m, [&](const TensorList& x) { return out(m(x[0])); });
}
TEST(TorchRefAttention, self_attention_bidirectional_alibi) {
  nn::SelfAttentionConfig c;
  c.d_model = 12, c.n_heads = 6, c.n_kv_heads = 3, c.causal = false, c.position = nn::PositionEncoding::ALiBi;
  c.qkv_bias = false;
  nn::SelfAttention m(c);
  check_case("self_attention_bidirectional_alibi", &m, [&](const TensorList& x) { return out(m(x[0])); });
}
TEST(TorchRefAttention, self_attention_bidirectional_rotary) {
  nn::SelfAttentionConfig c;
  c.d_model = 8, c.n_heads = 2, c.causal = false, c.position = nn::PositionEncoding::Rotary, c.out_bias = false;
  nn::SelfAttention m(c);
  check_case("self_attention_bidirectional_rotary", &m, [&](const TensorList& x) { return out(m(x[0])); });
}

TEST(TorchRefAttention, EveryCaseIsTested) {
  std::set<std::string> tests;
  const auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    if (std::string(suite->name()) != "TorchRefAttention") continue;
    for (int j = 0; j < suite->total_test_count(); ++j) tests.insert(suite->GetTestInfo(j)->name());
  }
  std::set<std::string> cases;
  for (const auto& [case_name, call] : fixture().metadata) {
    cases.insert(case_name);
    EXPECT_TRUE(tests.count(case_name)) << "no TEST(TorchRefAttention, " << case_name << ")";
  }
  for (const std::string& name : tests)
    EXPECT_TRUE(name == "EveryCaseIsTested" || cases.count(name)) << name << " has no fixture case";
}

}  // namespace
}  // namespace tz
