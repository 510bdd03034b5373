#pragma once
/// "linear": Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention
/// (Katharopoulos, Vyas, Pappas, Fleuret, ICML 2020).
///
/// Softmax similarity replaced by the kernel phi(q) . phi(k) with phi(x) = elu(x) + 1 (> 0):
///   out_i = phi(q_i) S / (phi(q_i) . z + eps),  S = sum_j phi(k_j) v_j^T [hd, hd],  z = sum_j phi(k_j)
/// with j over all keys (non-causal) or j <= i (causal). As in the paper and the LRA code there is
/// no 1/sqrt(hd) scaling (elu+1 is not homogeneous, so a scale would change the model) and
/// eps = 1e-6.
/// The mixer is the feature map EluFeatureMap (child "feature_map", no parameters) over the
/// linear-attention core (nn/attention/feature_map_mixer.h, linear_attention_core.h), whose
/// three exact forms agree to rounding:
///   - non-causal: S and z contracted once, O(N hd^2);
///   - causal: chunked prefix sums (nn/attention/kernel_attention.h): masked quadratic inside
///     chunks of "chunk_size" tokens, carried state across chunks; never builds [N, N] nor a
///     per-position [N, hd, hd] prefix;
///   - recurrent: init_state()/step() update S and z one token at a time (O(hd^2) per token).
/// Key padding mask: padded keys get phi(k) = 0, so they add nothing to S or z.
/// Cross-attention (context) is supported for the non-causal form.
/// dropout: accepted for the common interface but not applied: linear attention never forms
/// attention weights to drop (the LRA linear-transformer code ignores its attention dropout too).
///
/// Config (LinearConfig, paper defaults): eps 1e-6, chunk_size 64 (an implementation knob of the
/// causal form; results do not depend on it). Parameters: to_q, to_k, to_v, to_out
/// (Linear d_model -> d_model).
#include "nn/attention/feature_map_mixer.h"

namespace tz::nn {

/// The variant's own config keys, declared once: field name = JSON key, initializer = registry
/// default (the common keys live in ProjectedMixer).
struct LinearConfig {
  double eps = 1e-6;
  int64_t chunk_size = 64;
};

/// The config is a base, so its fields are the mixer's own (`mixer.eps`, `mixer.chunk_size`),
/// read by core() at every call.
class LinearAttentionMixer : public FeatureMapMixer, public LinearConfig {
 public:
  explicit LinearAttentionMixer(const json& config, const TensorOptions& opts = {});
  /// The elu+1 map over the core; the recurrent state is "S" [B, H, hd, hd] and "z" [B, H, hd].
  LinearAttentionCore core() const override { return {*phi, eps, chunk_size}; }
  std::string extra_repr() const override;

  /// phi(x) = elu(x) + 1 (EluFeatureMap's formula, for callers without the module).
  static Tensor feature_map(const Tensor& x);

  std::shared_ptr<EluFeatureMap> phi;  // the child "feature_map"
};

MixerEntry linear_mixer_entry();

}  // namespace tz::nn
