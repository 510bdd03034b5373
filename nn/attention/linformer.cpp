// Linformer: softmax attention over k learned sequence projections of the keys and values.
#include "nn/attention/linformer.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_shape.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/functional.h"
#include "nn/attention/registry.h"
#include "nn/init.h"

namespace tz::nn {

// The JSON keys of LinformerConfig are its field names; the registry defaults are a
// default-constructed LinformerConfig, so each default is declared once (in linformer.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LinformerConfig, k, max_length, sharing)

namespace {

MixerCapabilities linformer_capabilities(const LinformerConfig& config) {
  MixerCapabilities c;
  c.no_causal_reason =
      "the learned projection E mixes all N positions into k rows, so earlier outputs would see later tokens";
  c.key_padding_mask = c.cross_attention = true;
  c.max_length = config.max_length;
  c.complexity = "O(N k D)";
  return c;
}

}  // namespace

LinformerMixer::LinformerMixer(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("linformer", json_config, linformer_capabilities(json_config.get<LinformerConfig>()), opts),
      config(json_config.get<LinformerConfig>()) {
  const int64_t k = config.k, max_length = config.max_length;
  const std::string& sharing = config.sharing;
  if (k <= 0) fail("k must be > 0, got " + std::to_string(k));
  if (max_length <= 0) fail("max_length must be > 0, got " + std::to_string(max_length));
  if (sharing != "none" && sharing != "headwise" && sharing != "kv")
    fail("sharing must be none, headwise or kv, got '" + sharing + "'");
  const Shape shape = sharing == "none" ? Shape{n_heads, k, max_length} : Shape{k, max_length};
  const double bound = 1.0 / std::sqrt(double(k));
  const TensorOptions o = opts.with_requires_grad(false);
  proj_k = register_parameter("proj_k", empty(shape, o));
  init::uniform_(proj_k, -bound, bound);
  if (sharing == "kv") {
    proj_v = proj_k;
  } else {
    proj_v = register_parameter("proj_v", empty(shape, o));
    init::uniform_(proj_v, -bound, bound);
  }
}

Tensor LinformerMixer::forward(const Tensor& x, const MixerArgs& args) {
  const Tensor& src = source(x, args);
  const int64_t M = src.size(1);
  const Tensor q = split_heads((*to_q)(x));
  Tensor key = split_heads((*to_k)(src)), value = split_heads((*to_v)(src));
  if (args.key_padding_mask.defined()) {  // zero padded keys/values before they are mixed by E, F
    const Tensor pad_mask = args.key_padding_mask.unsqueeze(1).unsqueeze(-1);  // [B, 1, M, 1]
    key = masked_fill(key, pad_mask, 0.0);
    value = masked_fill(value, pad_mask, 0.0);
  }
  // E[:, :M] K: [k, M] (or [H, k, M], broadcast over the batch) @ [B, H, M, hd] -> [B, H, k, hd].
  const Tensor e = proj_k.narrow(-1, 0, M), f = proj_v.narrow(-1, 0, M);
  const Tensor key_low = matmul(e, key), value_low = matmul(f, value);
  return (*to_out)(merge_heads(scaled_dot_product_attention(q, key_low, value_low, {}, attention_dropout())));
}

std::string LinformerMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", k=", config.k, ", max_length=", config.max_length,
                 ", sharing=", config.sharing);
}

MixerEntry linformer_mixer_entry() {
  return mixer_entry(
      "linformer",
      "softmax attention over k learned projections of the keys/values along the sequence",
      "Linformer: Self-Attention with Linear Complexity",
      linformer_capabilities(LinformerConfig()), LinformerConfig(),
      {{"k", "projected length of keys/values (paper: 256; LRA configs: 16)"},
       {"max_length", "longest sequence; E and F are [k, max_length] (paper: 512; LRA: 1000)"},
       {"sharing", "none | headwise | kv (E = F, LRA's single kernel); paper section 4"}},
      construct_mixer<LinformerMixer>());
}

}  // namespace tz::nn
