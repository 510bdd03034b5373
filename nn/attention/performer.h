#pragma once
/// "performer": Rethinking Attention with Performers (Choromanski et al., ICLR 2021), FAVOR+.
///
/// Softmax attention exp(q.k / sqrt(hd)) is estimated with positive orthogonal random features:
/// with x^ = x hd^(-1/4) and a random projection W [m, hd],
///   phi(x^) = m^(-1/2) (exp(W x^ - |x^|^2 / 2 - c) + feature_eps)
/// so E[phi(q^).phi(k^)] ~ exp(q^.k^) (exactly, up to the exp(-c) scale and feature_eps), and
///   out_i = sum_j (phi(q_i).phi(k_j)) v_j / (sum_j phi(q_i).phi(k_j) + eps)
/// computed in O(N m hd) without the [N, N] matrix (nn/attention/kernel_attention.h).
/// Random features (drawn from the project generator, tz::manual_seed makes them reproducible):
///   - orthogonal (default): W stacks ceil(m / hd) blocks, each the rows of a random orthogonal
///     [hd, hd] matrix (Gram-Schmidt of a Gaussian sample, nn::init::orthogonal_), the last block
///     truncated; rows then rescaled by ortho_scaling: 0 = norms drawn from the chi(hd)
///     distribution (norms of fresh Gaussian rows, the paper's unbiased choice), 1 = sqrt(hd);
///   - orthogonal = false: i.i.d. Gaussian rows.
///   W is the buffer "projection" [m, hd], shared by all heads (saved in the state_dict).
/// Redraw: with redraw_interval = r > 0 a fresh W is drawn before every r-th training forward
/// (forwards r, 2r, ... counted from 0; the LRA code redraws every call: r = 1); eval forwards
/// and r = 0 never redraw; redraw_features() draws on demand.
/// Stabiliser c: per query the max of W x^ over the features; for keys the max over features
/// and (unpadded) positions; it cancels in the normalisation up to feature_eps. The reference
/// code stops its gradient; here it stays in the graph, so the gradient is the exact derivative
/// of the computed output (the two differ by O(feature_eps) and finite differences agree only
/// with this one). Causal form: key j's shift for query i is the prefix max c_i
/// over keys <= i (so no future token enters, not even through feature_eps); it is evaluated with
/// one global shift and an exact rescale exp(c_global - c_i) of the prefix sums.
/// Kernels: "softmax" (FAVOR+, above) or "relu" (the paper's generalized attention:
/// phi(x) = relu(W x) + 1e-3, no normalisation of x).
/// Causal form: chunked prefix sums (exact); recurrent form: init_state()/step() carry the
/// prefix sums and the running max c (online rescaling), equal to the causal forward.
/// Key padding mask: padded keys get phi(k) = 0 and are left out of c. Cross-attention: keys and
/// values from the context (non-causal).
/// dropout: accepted for the common interface but not applied (no attention weights are formed;
/// the LRA performer ignores attention dropout too).
///
/// Config (defaults = LRA performer): nb_features m = 256, orthogonal true, ortho_scaling 0,
/// redraw_interval 1, kernel "softmax", feature_eps 1e-4, eps 1e-6 (numerical stabiliser of the
/// normaliser), chunk_size 64 (causal form only). Parameters: to_q, to_k, to_v, to_out.
#include "nn/attention/mixer_base.h"

namespace tz::nn {

/// The variant's own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entry and the constructor both go through this struct; the common keys live in
/// ProjectedMixer).
struct PerformerConfig {
  int64_t nb_features = 256;
  bool orthogonal = true;
  double ortho_scaling = 0.0;
  int64_t redraw_interval = 1;
  std::string kernel = "softmax";
  double feature_eps = 1e-4, eps = 1e-6;
  int64_t chunk_size = 64;
};

class PerformerMixer : public ProjectedMixer {
 public:
  explicit PerformerMixer(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// Softmax kernel: "S" [B, H, m, hd], "z" [B, H, m], "sum_v" [B, H, hd], "count" [B, 1],
  /// "c" [B, H, 1] (running max, starts at -inf). Relu kernel: "S" and "z".
  MixerState init_state(int64_t batch) override;
  Tensor step(const Tensor& x_t, MixerState& state) override;
  std::string extra_repr() const override;

  /// Draws a new W into the "projection" buffer.
  void redraw_features();
  /// A random feature matrix [m, d] (f64, CPU) as described above.
  static Tensor draw_projection(int64_t m, int64_t d, bool orthogonal, double ortho_scaling);
  /// Feature map of x [..., N, hd] (queries: per-row stabiliser; keys: global stabiliser over
  /// the unpadded positions, key_padding [..., N, 1] bool or undefined). For tests and analysis.
  Tensor features(const Tensor& x, bool is_query, const Tensor& key_padding = {}) const;

  PerformerConfig config;
  Tensor projection;  // W [m, hd]
  int64_t training_forwards = 0;

 private:
  Tensor softmax_causal(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding) const;
};

MixerEntry performer_mixer_entry();

}  // namespace tz::nn
