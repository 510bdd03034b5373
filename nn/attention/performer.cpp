// Performer (FAVOR+): the FAVOR+ softmax or relu feature map over the linear-attention core,
// with the random features' redraw schedule.
#include "nn/attention/performer.h"

#include "core/error.h"
#include "nn/attention/registry.h"

namespace tz::nn {

// The JSON keys of PerformerConfig are its field names; the registry defaults are a
// default-constructed PerformerConfig, so each default is declared once (in performer.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PerformerConfig, nb_features, orthogonal, ortho_scaling,
                                                redraw_interval, kernel, feature_eps, eps, chunk_size)

namespace {

MixerCapabilities performer_capabilities() {
  return causal_capabilities("O(N m D)", /*cross_attention=*/true, /*recurrent=*/true);
}

}  // namespace

PerformerMixer::PerformerMixer(const json& json_config, const TensorOptions& opts)
    : FeatureMapMixer("performer", json_config, performer_capabilities(), opts),
      config(json_config.get<PerformerConfig>()) {
  const PerformerConfig& c = config;
  if (c.nb_features <= 0) fail("nb_features must be > 0, got " + std::to_string(c.nb_features));
  if (c.ortho_scaling != 0.0 && c.ortho_scaling != 1.0)
    fail("ortho_scaling must be 0 (chi-distributed row norms) or 1 (norm sqrt(hd)), got " +
         std::to_string(c.ortho_scaling));
  if (c.redraw_interval < 0) fail("redraw_interval must be >= 0, got " + std::to_string(c.redraw_interval));
  if (c.kernel != "softmax" && c.kernel != "relu") fail("kernel must be softmax or relu, got '" + c.kernel + "'");
  if (c.chunk_size <= 0) fail("chunk_size must be > 0, got " + std::to_string(c.chunk_size));
  if (!(c.eps > 0.0) || c.feature_eps < 0.0) fail("eps must be > 0 and feature_eps >= 0");
  // The map draws W now, after the base's projections (the order of the random stream); it
  // does not save W itself: the mixer saves it under its long-standing key "projection".
  const RandomProjectionSpec spec{c.nb_features, c.orthogonal, c.ortho_scaling};
  if (c.kernel == "softmax")
    phi = std::make_shared<FavorSoftmaxFeatureMap>(head_dim, spec, c.feature_eps, opts, /*persistent=*/false);
  else
    phi = std::make_shared<FavorReluFeatureMap>(head_dim, spec, opts, /*persistent=*/false);
  register_module("feature_map", phi);
  projection = register_buffer("projection", phi->projection);
}

Tensor PerformerMixer::draw_projection(int64_t m, int64_t d, bool orthogonal, double ortho_scaling) {
  return RandomFeatureMap::draw(m, d, orthogonal, ortho_scaling);
}

void PerformerMixer::redraw_features() { phi->redraw(); }

Tensor PerformerMixer::forward(const Tensor& x, const MixerArgs& args) {
  if (is_training() && config.redraw_interval > 0) {
    if (training_forwards > 0 && training_forwards % config.redraw_interval == 0) redraw_features();
    ++training_forwards;
  }
  return FeatureMapMixer::forward(x, args);
}

std::string PerformerMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", nb_features=", config.nb_features,
                 ", kernel=", config.kernel, ", redraw_interval=", config.redraw_interval);
}

MixerEntry performer_mixer_entry() {
  return mixer_entry(
      "performer",
      "FAVOR+ positive orthogonal random features estimating softmax attention (or relu kernel)",
      "Rethinking Attention with Performers", performer_capabilities(), PerformerConfig(),
      {{"nb_features", "random features m (LRA: 256)"},
       {"orthogonal", "orthogonal blocks of random features (paper/LRA: true) or i.i.d. Gaussian"},
       {"ortho_scaling", "0: chi-distributed row norms (paper/LRA default), 1: norm sqrt(head_dim)"},
       {"redraw_interval", "draw new features before every r-th training forward (LRA: every call, 1; 0 = never)"},
       {"kernel", "softmax (FAVOR+) or relu (generalized attention)"},
       {"feature_eps", "added to each positive softmax feature (reference: 1e-4)"},
       {"eps", "numerical stabiliser of the normaliser (reference: 1e-6)"},
       {"chunk_size", "tokens per chunk of the exact causal form (speed/memory only; default 64)"}},
      construct_mixer<PerformerMixer>());
}

}  // namespace tz::nn
