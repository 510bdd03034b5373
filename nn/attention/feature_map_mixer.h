#pragma once
/// The base of the linear-attention mixers ("linear", "performer", and every later feature-map
/// variant): ProjectedMixer's projections and head split, a feature-map module
/// (nn/attention/feature_maps.h) and the one LinearAttentionCore
/// (nn/attention/linear_attention_core.h). forward, init_state and step are written once here:
///   forward:  to_out(merge_heads(core.forward(q, k, v, causal, key_padding_mask)))
///             with q from x and k, v from the context when there is one (cross-attention,
///             non-causal only: queries and keys differ);
///   recurrent: core.init_state / core.step over the per-head rows of x_t.
/// A variant supplies core(): the core over its map with its current eps and chunk_size (read
/// at every call, so changing them on a built mixer takes effect). It registers its map as the
/// child "feature_map" after the base's projections (registration order fixes the random
/// initialisation; a learned map's parameters then save as "feature_map.<name>"), and declares
/// its config keys as usual (see docs/zoo.md, "Adding a feature map").
/// dropout: accepted for the common interface but not applied: no attention weights are ever
/// formed to drop (the reference linear-transformer and performer code ignore it too).
#include "nn/attention/linear_attention_core.h"
#include "nn/attention/mixer_base.h"

namespace tz::nn {

class FeatureMapMixer : public ProjectedMixer {
 public:
  using ProjectedMixer::ProjectedMixer;
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// The core's state (LinearAttentionCore::init_state) with value width head_dim.
  MixerState init_state(int64_t batch) override;
  /// One causal step: x_t [B, d_model] -> [B, d_model]; equals the causal forward row by row.
  Tensor step(const Tensor& x_t, MixerState& state) override;
  /// The core over this mixer's map with its current eps and chunk_size.
  virtual LinearAttentionCore core() const = 0;
};

}  // namespace tz::nn
