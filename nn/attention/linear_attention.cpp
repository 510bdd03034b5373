// Linear attention: the elu+1 feature map over the linear-attention core.
#include "nn/attention/linear_attention.h"

#include "core/error.h"
#include "nn/attention/registry.h"

namespace tz::nn {

// The JSON keys of LinearConfig are its field names; the registry defaults are a
// default-constructed LinearConfig, so each default is declared once (in linear_attention.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LinearConfig, eps, chunk_size)

namespace {

MixerCapabilities linear_capabilities() {
  return causal_capabilities("O(N D^2 / H)", /*cross_attention=*/true, /*recurrent=*/true);
}

}  // namespace

LinearAttentionMixer::LinearAttentionMixer(const json& c, const TensorOptions& opts)
    : FeatureMapMixer("linear", c, linear_capabilities(), opts), LinearConfig(c.get<LinearConfig>()) {
  if (chunk_size <= 0) fail("chunk_size must be > 0, got " + std::to_string(chunk_size));
  if (!(eps > 0.0)) fail("eps must be > 0, got " + std::to_string(eps));
  phi = register_module("feature_map", std::make_shared<EluFeatureMap>());
}

Tensor LinearAttentionMixer::feature_map(const Tensor& x) { return EluFeatureMap::elu_plus_one(x); }

std::string LinearAttentionMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", eps=", eps, ", chunk_size=", chunk_size);
}

MixerEntry linear_mixer_entry() {
  return mixer_entry(
      "linear",
      "linear attention with elu(x)+1 features; causal by chunked prefix sums; recurrent decoding",
      "Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention",
      linear_capabilities(), LinearConfig(),
      {{"eps", "added to the normaliser phi(q).z (paper/LRA: 1e-6)"},
       {"chunk_size", "tokens per chunk of the exact causal form (speed/memory only; default 64)"}},
      construct_mixer<LinearAttentionMixer>());
}

}  // namespace tz::nn
