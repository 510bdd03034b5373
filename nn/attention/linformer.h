#pragma once
/// "linformer": Linformer: Self-Attention with Linear Complexity (Wang, Li, Khabsa, Fang, Ma, 2020).
///
/// Keys and values are projected along the sequence axis to k rows before softmax attention:
///   K' = E K,  V' = F V   (E, F in R^{k x M}),   out = softmax(Q K'^T / sqrt(hd)) V'
/// so the weights are [N, k] instead of [N, M]: O(N k D) time and memory.
/// E and F are learned parameters of shape [k, max_length]; a sequence of M <= max_length keys
/// uses their first M columns (as the LRA code slices its kernel to the input length). Sequences
/// longer than max_length are rejected (capabilities().max_length), so max_length must be set
/// to the task's sequence length.
/// Sharing (paper section 4): "none" = separate E_h, F_h per head; "headwise" = one E and one F
/// shared by all heads; "kv" = key-value sharing, one matrix E = F shared by heads, keys and
/// values (the LRA code's single lr_kernel). The paper's "layerwise" sharing (one E for all
/// layers) ties parameters across blocks and is outside a single mixer.
/// Causal masking is impossible: E mixes all M positions into each of its k rows.
/// Key padding mask: the projected keys and values of padded positions are zeroed before E and F,
/// so padding contributes nothing to K' and V' (the k compressed keys themselves stay visible).
/// Cross-attention: keys/values from the context (M <= max_length).
/// Dropout applies to the [N, k] attention weights in training mode.
///
/// Config (defaults): k 256 (paper; the LRA configs use 16), max_length 512 (the paper's
/// pre-training length; LRA: 1000), sharing "headwise". E and F start U(-1/sqrt(k), 1/sqrt(k)).
/// Parameters: to_q, to_k, to_v, to_out (Linear), proj_k (E) and, unless sharing = "kv", proj_v
/// (F): [k, max_length], or [n_heads, k, max_length] with sharing "none".
#include "nn/attention/mixer_base.h"

namespace tz::nn {

/// The variant's own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entry and the constructor both go through this struct; the common keys live in
/// ProjectedMixer).
struct LinformerConfig {
  int64_t k = 256, max_length = 512;
  std::string sharing = "headwise";
};

class LinformerMixer : public ProjectedMixer {
 public:
  explicit LinformerMixer(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  std::string extra_repr() const override;

  LinformerConfig config;
  Tensor proj_k, proj_v;  // E and F (proj_v aliases proj_k when sharing = "kv")
};

MixerEntry linformer_mixer_entry();

}  // namespace tz::nn
