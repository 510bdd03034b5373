#pragma once
/// "sinkformer": doubly stochastic attention by Sinkhorn iterations.
/// Paper: Sinkformers: Transformers with Doubly Stochastic Attention (Sander, Ablin, Blondel,
/// Peyre; AISTATS 2022).
///
/// Per head, with the scaled scores C = q k^T / sqrt(d_head) [N, M], Sinkhorn's algorithm in the
/// log domain (temperature eps, uniform marginals mu = 1/N over queries, nu = 1/M over keys):
///   a = 0, b = 0;  for it = 0 .. iterations-1:
///     even it (row step):    a = log mu - logsumexp_j(C/eps + b)
///     odd it  (column step): b = log nu - logsumexp_i(C/eps + a)
///   pi = exp(C/eps + a + b),  P = N * pi,  y = to_out(concat_h P v)
/// (the reference code's scaled potentials u = eps a, v = eps b; updating a from scratch equals
/// its "u <- eps (log mu - lse) + u" because lse absorbs the old u). After a row step the rows of
/// P sum to 1 exactly; after a column step its columns sum to N/M (1 for self-attention); with
/// enough iterations both hold (P converges to the doubly stochastic scaling of exp(C/eps)).
/// With iterations = 1 (a single row step) P = softmax(C/eps): plain softmax attention.
///
/// Key padding: padded keys are removed from the problem (zero weight; nu = 1/M_valid over the
/// remaining keys); in self-attention the padded positions also leave it as queries (mu =
/// 1/N_valid, P = N_valid pi), so no output at a real token depends on a padding token; a padded
/// query's own row is just normalised over the real keys. Cross-attention: the rectangular problem above (rows sum to 1, columns to
/// N/M_valid). Causal masking is not supported: each column step normalises a key's weights over
/// all queries, so an earlier query's weights depend on later queries (no causal
/// doubly-stochastic form is defined).
///
/// Config keys (besides d_model, n_heads, dropout) with the reference code's defaults
/// (sinkformers' vit_pytorch Attention):
///   iterations (3)   Sinkhorn steps (max_iter; note the code's Transformer passes 1 = softmax)
///   eps (1.0)        entropic temperature of Sinkhorn
///   tolerance (0.0)  stop early once max |row sum of P - 1| < tolerance after a column step
///                    (the code's 1e-12 early stop; 0 = always run every iteration; the check
///                    reads the values, a host sync per step on an accelerator)
///   qkv_bias (false) bias in to_q/to_k/to_v (the code's to_qkv has none)
///   out_bias (true)  bias in to_out
#include "nn/attention/mixer_base.h"

namespace tz::nn {

/// Sinkhorn-normalised attention weights P from scaled scores [..., N, M]. key_padding: bool,
/// broadcastable to [..., 1, M] (true = padding key), or undefined. query_padding: bool,
/// broadcastable to [..., N, 1]: rows left out of the column steps (mu = 1/N_valid, P = N_valid
/// pi); their own rows are still row-normalised. Either may be undefined.
Tensor sinkhorn_attention_weights(const Tensor& scores, const Tensor& key_padding, int64_t iterations, double eps,
                                  double tolerance = 0.0, const Tensor& query_padding = {});

/// The variant's own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entry and the constructor both go through this struct; the other common keys
/// live in ProjectedMixer).
struct SinkformerConfig {
  int64_t iterations = 3;
  double eps = 1.0, tolerance = 0.0;
  /// The common key with this variant's own default (the registry's is true); ProjectedMixer
  /// reads it like every common key.
  bool qkv_bias = false;
};

class SinkformerMixer : public ProjectedMixer {
 public:
  explicit SinkformerMixer(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// P [B, H, N, M] for x and args (before dropout): what forward multiplies the values by.
  Tensor attention_weights(const Tensor& x, const MixerArgs& args = {});
  std::string extra_repr() const override;

  SinkformerConfig config;
};

MixerEntry sinkformer_mixer_entry();

}  // namespace tz::nn
