#pragma once
/// "Longformer: The Long-Document Transformer" (Beltagy, Peters, Cohan, 2020): sliding-window
/// attention plus a few global tokens.
///
///   - Window: query i attends to keys j with -(left - 1) <= j - i <= right, where
///     right = window / 2 and left = window - right (left includes i itself): `window` keys.
///   - Global tokens G (config positions): every query also attends to the keys at G, and the
///     queries at G attend to every key (the pattern is symmetric).
///   - Separate global projections (the paper's Q_g, K_g, V_g, on by default): the outputs at G
///     come from to_q_global(x_G) attending over to_k_global(x) / to_v_global(x). The other
///     queries reach the global tokens through the ordinary to_k / to_v. With
///     separate_global_projections = false the global rows use to_q / to_k / to_v (LRA's code).
///   - Causal: the pattern AND j <= i (left part of the window; global keys only at or before i;
///     global queries see only their past).
/// Efficient form: blocks of max(left - 1, right) queries attend to their own and neighbouring
/// blocks (band mask) plus the |G| global keys (masked where already inside the window), and the
/// |G| global rows are a separate O(|G| N) attention: O(N (w + |G|)) memory.
/// Not implemented: the paper's dilated windows (dilation 1 only).
///
/// Config:
///   window                       512   keys per query in the band (LRA sliding_window_size: 512)
///   global_tokens                []    positions with global attention (e.g. [0] for a CLS
///                                      token); each must be < N of every call
///   separate_global_projections  true  the paper's Q_g, K_g, V_g (LRA's code: false)
/// Projections: to_q, to_k, to_v, to_out, and to_q_global, to_k_global, to_v_global when separate.
#include <vector>

#include "nn/attention/sparse_common.h"

namespace tz::nn {

/// The variant's own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entry and the constructor both go through this struct; the common keys live in
/// ProjectedMixer).
struct LongformerConfig {
  int64_t window = 512;
  std::vector<int64_t> global_tokens;  // sorted and made unique by the constructor
  bool separate_global_projections = true;
};

class LongformerAttention : public ProjectedMixer {
 public:
  explicit LongformerAttention(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// bool [N, N]: window OR key in G OR query in G (before causal and key padding).
  Tensor pattern(int64_t n, Device device) const;

  LongformerConfig config;
  int64_t left, right;  // the band around the query (left includes the query itself)
  std::shared_ptr<Linear> to_q_global, to_k_global, to_v_global;

 private:
  /// [B, H, |G|, hd]: the global rows' outputs (full attention under causal and padding).
  Tensor global_rows(const Tensor& x, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& g_index,
                     const MixerArgs& args, double dropout_p) const;
  /// Writes rows [B, H, |G|, hd] into out [B, H, N, hd] at the global positions.
  static Tensor put_rows(const Tensor& out, const Tensor& rows, const Tensor& g_index);
};

MixerEntry longformer_mixer_entry();

}  // namespace tz::nn
