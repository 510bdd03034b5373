// Linformer: softmax attention over k learned sequence projections of the keys and values.
#include "nn/attention/linformer.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_shape.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/functional.h"
#include "nn/attention/heads.h"
#include "nn/init.h"

namespace tz::nn {
namespace {
constexpr const char* kNoCausal =
    "the learned projection E mixes all N positions into k rows, so earlier outputs would see later tokens";
}  // namespace

LinformerMixer::LinformerMixer(int64_t d_model_, int64_t n_heads_, int64_t k_, int64_t max_length_,
                               const std::string& sharing_, double dropout_, const TensorOptions& opts)
    : Mixer("linformer"), d_model(d_model_), n_heads(n_heads_), head_dim(d_model_ / n_heads_), k(k_),
      max_length(max_length_), sharing(sharing_), dropout(dropout_) {
  if (k <= 0) fail("k must be > 0, got " + std::to_string(k));
  if (max_length <= 0) fail("max_length must be > 0, got " + std::to_string(max_length));
  if (sharing != "none" && sharing != "headwise" && sharing != "kv")
    fail("sharing must be none, headwise or kv, got '" + sharing + "'");
  to_q = register_module("to_q", std::make_shared<Linear>(d_model, d_model, true, opts));
  to_k = register_module("to_k", std::make_shared<Linear>(d_model, d_model, true, opts));
  to_v = register_module("to_v", std::make_shared<Linear>(d_model, d_model, true, opts));
  to_out = register_module("to_out", std::make_shared<Linear>(d_model, d_model, true, opts));
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

MixerCapabilities LinformerMixer::capabilities() const {
  MixerCapabilities c = linformer_mixer_entry().capabilities;
  c.max_length = max_length;
  return c;
}

Tensor LinformerMixer::forward(const Tensor& x, const MixerArgs& args) {
  if (x.size(2) != d_model) fail("expects x [B, N, d_model=" + std::to_string(d_model) + "], got " + describe(x));
  const Tensor& source = args.context.defined() ? args.context : x;
  const int64_t M = source.size(1);
  const Tensor q = split_heads((*to_q)(x), n_heads);
  Tensor key = split_heads((*to_k)(source), n_heads), value = split_heads((*to_v)(source), n_heads);
  if (args.key_padding_mask.defined()) {  // zero padded keys/values before they are mixed by E, F
    const Tensor pad_mask = args.key_padding_mask.unsqueeze(1).unsqueeze(-1);  // [B, 1, M, 1]
    key = masked_fill(key, pad_mask, 0.0);
    value = masked_fill(value, pad_mask, 0.0);
  }
  // E[:, :M] K: [k, M] (or [H, k, M], broadcast over the batch) @ [B, H, M, hd] -> [B, H, k, hd].
  const Tensor e = proj_k.narrow(-1, 0, M), f = proj_v.narrow(-1, 0, M);
  const Tensor key_low = matmul(e, key), value_low = matmul(f, value);
  const double p = is_training() ? dropout : 0.0;
  return (*to_out)(merge_heads(scaled_dot_product_attention(q, key_low, value_low, {}, p)));
}

std::string LinformerMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", k=", k, ", max_length=", max_length,
                 ", sharing=", sharing);
}

MixerEntry linformer_mixer_entry() {
  MixerEntry e;
  e.name = "linformer";
  e.description = "softmax attention over k learned projections of the keys/values along the sequence";
  e.paper = "Linformer: Self-Attention with Linear Complexity";
  e.capabilities.causal = false;
  e.capabilities.no_causal_reason = kNoCausal;
  e.capabilities.key_padding_mask = true;
  e.capabilities.cross_attention = true;
  e.capabilities.max_length = 512;
  e.capabilities.complexity = "O(N k D)";
  e.defaults = {{"k", 256}, {"max_length", 512}, {"sharing", "headwise"}};
  e.doc = {{"k", "projected length of keys/values (paper: 256; LRA configs: 16)"},
           {"max_length", "longest sequence; E and F are [k, max_length] (paper: 512; LRA: 1000)"},
           {"sharing", "none | headwise | kv (E = F, LRA's single kernel); paper section 4"}};
  e.make = [](const json& c, const TensorOptions& opts) -> std::shared_ptr<Mixer> {
    return std::make_shared<LinformerMixer>(c["d_model"].get<int64_t>(), c["n_heads"].get<int64_t>(),
                                            c["k"].get<int64_t>(), c["max_length"].get<int64_t>(),
                                            c["sharing"].get<std::string>(), c["dropout"].get<double>(), opts);
  };
  return e;
}

}  // namespace tz::nn
