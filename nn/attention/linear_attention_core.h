#pragma once
/// The one core of the linear-attention family: given a feature map phi
/// (nn/attention/feature_maps.h) and per-head q [B, H, N, hd], k [B, H, M, hd], v [B, H, M, Dv],
///     out_i = sum_j (phi(q_i) . phi(k_j)) v_j / (sum_j phi(q_i) . phi(k_j) + eps)
/// over all keys j (global form; M may differ from N: cross-attention) or over j <= i (causal
/// form, N == M), in three exact forms that agree to rounding:
///   - global: phi(k)^T v contracted once (kernel_attention_global), O(N F Dv);
///   - causal: chunked prefix sums (kernel_attention_causal, chunk_size tokens a chunk), never
///     the [N, N] weights nor a per-position [N, F, Dv] prefix;
///   - recurrent: init_state()/step() carry S = sum_j phi(k_j) v_j^T and z = sum_j phi(k_j), one
///     token at a time (O(F Dv) per token); the map sees each token as a one-row sequence at
///     position state.position.
/// Key padding (bool [B, M], true = padding): the features of padded keys are zeroed after the
/// map, so they add nothing to S or z (and the map is told, to leave them out of statistics).
///
/// Stabilised maps (FeatureMap::stabilised(), FAVOR+): the core supplies the stabiliser from the
/// map's log form (ExpKeyFeatures: phi_c(k_j) = mult (exp(e_j - c) + offset)). In the causal
/// form, query i may only use a shift c_i made of keys <= i (else a future token would reach it
/// through offset and eps), so c_i is the prefix max of the unpadded keys' shifts; the sums are
/// taken once with the global shift c_g = c_{N-1} and rescaled exactly per query:
///     num_i = mult (exp(c_g - c_i) sum_{j<=i} (phi(q_i) . exp(e_j - c_g)) v_j
///                   + offset sum_f phi(q_i)_f sum_{j<=i} v_j)
///     den_i = mult (exp(c_g - c_i) sum_{j<=i} phi(q_i) . exp(e_j - c_g)
///                   + offset sum_f phi(q_i)_f #{real j <= i})
/// (Limit, kept because the performer's outputs must not change: exp(c_g - c_i) overflows when
/// the shifts of one sequence span more than the dtype's exp range, ~88 in f32, ~709 in f64.)
/// The recurrent form keeps S and z relative to the running max c (online rescaling: when c
/// grows to c', S and z are multiplied by exp(c - c')), plus sum_v and count for the offset
/// terms, so it equals the causal form step by step. The global form uses forward(), in which
/// the map shifts all keys by one shift of its own choice.
///
/// The core holds a reference to the map and its two knobs, so a mixer builds one per call
/// (reading its current eps and chunk_size) and a test builds one around any map.
#include <cstdint>

#include "nn/attention/feature_maps.h"
#include "nn/attention/mixer.h"

namespace tz::nn {

class LinearAttentionCore {
 public:
  /// eps > 0: added to the normaliser. chunk_size > 0: tokens a chunk of the causal form (speed
  /// and memory only; results do not depend on it).
  LinearAttentionCore(FeatureMap& map, double eps, int64_t chunk_size);

  /// q [B, H, N, hd], k [B, H, M, hd], v [B, H, M, Dv] -> [B, H, N, Dv]. causal needs N == M.
  /// key_padding_mask: bool [B, M], true = padding, or undefined.
  Tensor forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal = false,
                 const Tensor& key_padding_mask = {}) const;
  /// The O(N M F) reference of forward (tests and tiny inputs only): builds every weight
  /// phi(q_i) . phi(k_j) explicitly, masked to the allowed keys; for a stabilised map with the
  /// shift of query i taken directly as the max over the keys it may see (no prefix scan, no
  /// rescale).
  Tensor reference(const Tensor& q, const Tensor& k, const Tensor& v, bool causal = false,
                   const Tensor& key_padding_mask = {}) const;

  /// Zero state for `batch` sequences: "S" [B, H, F, Dv], "z" [B, H, F]; for a stabilised map
  /// also "sum_v" [B, H, Dv], "count" [B, 1] and "c" [B, H, 1] (the running max, -inf at first).
  MixerState init_state(int64_t batch, int64_t heads, int64_t head_dim, int64_t value_dim,
                        const TensorOptions& opts) const;
  /// One causal step: q_t, k_t [B, H, hd], v_t [B, H, Dv] -> [B, H, Dv]; advances
  /// state.position. Stepping through a sequence equals forward(causal = true) row by row.
  Tensor step(const Tensor& q_t, const Tensor& k_t, const Tensor& v_t, MixerState& state) const;

 private:
  Tensor stabilised_causal(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding) const;

  FeatureMap& map_;
  double eps_;
  int64_t chunk_size_;
};

}  // namespace tz::nn
