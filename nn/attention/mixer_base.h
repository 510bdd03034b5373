#pragma once
/// The one base of the zoo's attention mixers: everything a variant would otherwise write again.
///
/// ProjectedMixer owns
///   - the projections to_q, to_k, to_v, to_out (nn::Linear d_model -> d_model), each optional
///     (MixerProjections), with one bias switch per group: qkv_bias for the input projections,
///     out_bias for to_out. Both default to true for every mixer (the registry's common config
///     keys "qkv_bias" and "out_bias"); a variant whose reference has another default says so
///     in its entry's defaults (Sinkformer: qkv_bias false, as its authors' code);
///   - the head split/merge [B, N, H*hd] <-> [B, H, N, hd] (the only one in the zoo);
///   - the masks of the common contract (causal, key padding) as one bool "allowed" tensor;
///   - the weighted sum of values under given attention weights (dropout, merge, to_out), shared
///     by every mixer that forms its weights explicitly (Sinkformer, Synthesizer, ...);
///   - the capabilities, fixed at construction (the variant computes them once from its config).
/// Parameter names are those of the variant's reference layout: "to_q.weight", "to_q.bias", ...
/// registered in the order q, k, v, out, before anything the variant adds (the order fixes the
/// random initialisation, so it must not change). A state_dict in the packed layout of
/// torch.nn.MultiheadAttention and nn::MultiheadAttention ("in_proj_weight" [3D, D],
/// "in_proj_bias" [3D], "out_proj.weight", "out_proj.bias") loads too: upgrade_state_dict splits
/// it into to_q, to_k, to_v and renames out_proj to to_out (mixers with separate q, k, v).
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "nn/attention/mixer.h"
#include "nn/layers/linear.h"

namespace tz::nn {

using json = nlohmann::json;
/// A variant's registry entry (nn/attention/registry.h); each variant header declares its
/// `MixerEntry <variant>_mixer_entry();` without pulling in the registry (and the full JSON).
struct MixerEntry;

/// Which of the base's projections a mixer has (their biases follow the config's qkv_bias and
/// out_bias).
struct MixerProjections {
  bool query = true;  // to_q
  bool key = true;    // to_k
  bool value = true;  // to_v
  bool out = true;    // to_out
  /// One projection "to_qk" in place of to_q and to_k, which both point at it (shared-QK
  /// attention, as Reformer's).
  bool shared_query_key = false;
};

/// The capabilities most of the zoo declares: causal masking and a key padding mask, with the
/// given complexity; cross-attention and the recurrent form only when asked.
MixerCapabilities causal_capabilities(std::string complexity, bool cross_attention = false, bool recurrent = false);

class ProjectedMixer : public Mixer {
 public:
  /// config: the resolved registry config (nn::resolve_mixer_config), from which the base reads
  /// the common keys d_model, n_heads, dropout, qkv_bias and out_bias. Checks d_model and n_heads
  /// ("[mixer <kind>] n_heads must be > 0 and divide d_model ...").
  ProjectedMixer(const std::string& kind, const json& config, MixerCapabilities capabilities, const TensorOptions& opts,
                 const MixerProjections& projections = {});

  MixerCapabilities capabilities() const final { return capabilities_; }

  /// [B, N, D] -> [B, H, N, hd] (throws when the width is not d_model).
  Tensor split_heads(const Tensor& x) const;
  /// [B, H, N, hd] -> [B, N, D].
  Tensor merge_heads(const Tensor& y) const;
  /// The attention-weight dropout probability for this call (0 in eval mode).
  double attention_dropout() const { return is_training() ? dropout : 0.0; }
  /// The keys' and values' source: args.context for cross-attention, else x.
  static const Tensor& source(const Tensor& x, const MixerArgs& args) {
    return args.context.defined() ? args.context : x;
  }
  /// bool "may attend" mask for n queries over m keys, or undefined when nothing is masked:
  /// causal (bottom-right aligned, key j <= i + m - n) as [n, m], AND the keys not marked in
  /// key_padding_mask (bool [B, m], true = padding) as [B, 1, 1, m].
  static Tensor allowed_keys(int64_t n, int64_t m, bool causal, const Tensor& key_padding_mask, Device device);
  /// to_out(merge_heads(dropout(weights) @ v)): weights [B, H, N, M], v [B, H, M, hd].
  Tensor attend_with_weights(Tensor weights, const Tensor& v) const;
  /// Maps the MultiheadAttention layout onto the base's projections (see above); keys already in
  /// the base's layout are left alone. A variant that overrides this calls it first.
  void upgrade_state_dict(const std::string& prefix, StateDict& dict) const override;

  int64_t d_model, n_heads, head_dim;
  double dropout;
  bool qkv_bias, out_bias;
  std::shared_ptr<Linear> to_q, to_k, to_v, to_out;  // null when MixerProjections leaves one out
  /// Run the O(N^2) dense masked reference instead of the efficient form (tests only; the
  /// variants with two paths document what it selects).
  bool use_dense_reference = false;

 protected:
  /// Registers a d_model -> d_model projection (for variants with extra ones).
  std::shared_ptr<Linear> add_projection(const std::string& name, bool bias, const TensorOptions& opts);

 private:
  MixerCapabilities capabilities_;
};

}  // namespace tz::nn
