#pragma once
/// "synthesizer-dense", "synthesizer-random", "synthesizer-factorized": synthetic attention,
/// attention weights that are generated instead of computed from query-key dot products.
/// Paper: Synthesizer: Rethinking Self-Attention in Transformer Models (Tay et al., ICML 2021);
/// defaults from its Long Range Arena implementation (lra_benchmarks synthesizer_attention.py).
///
/// Per head h, with values v = to_v(c) (c = args.context for cross-attention, else x):
///   dense:      B_i = dense_2(relu(dense_1(x_i)))           one row of max_length logits per query
///               token (dense_1: D -> D split into heads, dense_2: d_head -> max_length shared by the
///               heads, as in the LRA code), truncated to the M keys
///   random:     B = R[h, :N, :M],  R [H, max_length, max_length] learned (or fixed: trainable=false)
///   factorized: B = R1[h, :N, :] R2[h, :, :M],  R1 [H, max_length, k], R2 [H, k, max_length]
///   logits = B (+ q k^T / sqrt(d_head) when dot_product, the LRA code's default mixture with
///   ignore_dot_product = false), P = softmax(logits + mask), y = to_out(concat_h P v)
/// Masks: key padding (zero weight) and causal (query i sees keys j <= i + M - N). Causal masking
/// is valid because every synthesized logit is a function of the query position (random,
/// factorized) or of the query token alone (dense), never of later tokens.
/// Sequences (N and M) longer than max_length are rejected (capabilities().max_length).
/// Code quirk not copied: the LRA dense mode reshapes [B, N, H, L] to [B, H, N, L] (mixing tokens
/// and heads) where a transpose is meant; here it is a transpose.
///
/// Config keys (besides d_model, n_heads, dropout), LRA defaults:
///   max_length (512)   the longest sequence (the synthesized matrices' size)
///   dot_product (true) add the ordinary scaled q.k logits (false = the paper's pure Synthesizer)
///   qkv_bias (true)    bias in to_q/to_k/to_v and dense_1/dense_2
///   out_bias (true)    bias in to_out
///   k (32)             rank of R1 R2 (factorized only)
///   trainable (true)   R (or R1, R2) learned; false = fixed random buffers (random, factorized)
/// Parameters: to_q, to_k (dot_product only), to_v, to_out, and random [H, L, L] / random_1,
/// random_2 / dense_1, dense_2. R, R1, R2 are drawn N(0, 1/fan_in) with the LRA code's
/// lecun-normal fan_in (shape[-2] * H).
#include "nn/attention/mixer_base.h"

namespace tz::nn {

enum class SynthesizerMode { Dense, Random, Factorized };

/// The variants' own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entries and the constructor go through these structs; the common keys live in
/// ProjectedMixer). SynthesizerConfig holds the keys of every variant ("synthesizer-dense" has
/// only these), SynthesizerRandomConfig adds trainable, SynthesizerFactorizedConfig adds k.
struct SynthesizerConfig {
  int64_t max_length = 512;
  bool dot_product = true;
};
struct SynthesizerRandomConfig : SynthesizerConfig {
  bool trainable = true;
};
struct SynthesizerFactorizedConfig : SynthesizerRandomConfig {
  int64_t k = 32;
};

class SynthesizerMixer : public ProjectedMixer {
 public:
  SynthesizerMixer(SynthesizerMode mode, const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// P [B, H, N, M] (before dropout).
  Tensor attention_weights(const Tensor& x, const MixerArgs& args = {});
  /// The synthesized logits B, [B or 1, H, N, M] (without the dot-product term or masks).
  Tensor synthetic_logits(const Tensor& x, int64_t keys);
  std::string extra_repr() const override;

  SynthesizerMode mode;
  /// Every variant reads the widest struct; a key its variant lacks keeps the struct's default
  /// and is not read (dense is always trainable, only factorized has k).
  SynthesizerFactorizedConfig config;
  std::shared_ptr<Linear> dense_1, dense_2;  // to_q, to_k (base) only with dot_product
  Tensor random, random_1, random_2;  // per mode; parameters or (trainable = false) buffers
};

MixerEntry synthesizer_dense_mixer_entry();
MixerEntry synthesizer_random_mixer_entry();
MixerEntry synthesizer_factorized_mixer_entry();

}  // namespace tz::nn
