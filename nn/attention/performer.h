#pragma once
/// "performer": Rethinking Attention with Performers (Choromanski et al., ICLR 2021), FAVOR+.
///
/// Softmax attention exp(q.k / sqrt(hd)) is estimated with positive orthogonal random features:
/// with x^ = x hd^(-1/4) and a random projection W [m, hd],
///   phi(x^) = m^(-1/2) (exp(W x^ - |x^|^2 / 2 - c) + feature_eps)
/// so E[phi(q^).phi(k^)] ~ exp(q^.k^) (exactly, up to the exp(-c) scale and feature_eps), and
///   out_i = sum_j (phi(q_i).phi(k_j)) v_j / (sum_j phi(q_i).phi(k_j) + eps)
/// computed in O(N m hd) without the [N, N] matrix (nn/attention/kernel_attention.h).
/// The mixer is a feature map (child "feature_map": FavorSoftmaxFeatureMap, or
/// FavorReluFeatureMap for kernel "relu"; nn/attention/feature_maps.h) over the linear-attention
/// core (nn/attention/feature_map_mixer.h, linear_attention_core.h).
/// Random features (drawn from the project generator, tz::manual_seed makes them reproducible):
///   - orthogonal (default): W stacks ceil(m / hd) blocks, each the rows of a random orthogonal
///     [hd, hd] matrix (Gram-Schmidt of a Gaussian sample, nn::init::orthogonal_), the last block
///     truncated; rows then rescaled by ortho_scaling: 0 = norms drawn from the chi(hd)
///     distribution (norms of fresh Gaussian rows, the paper's unbiased choice), 1 = sqrt(hd);
///   - orthogonal = false: i.i.d. Gaussian rows.
///   The map owns W, its draw and redraw; the mixer registers the same tensor as its buffer
///   "projection" [m, hd], shared by all heads and saved in the state_dict under that key, where
///   this mixer's checkpoints (and the reference's projection_matrix, docs/zoo.md) have it (the
///   map's own registration is not persistent, so W is saved once).
/// Redraw: with redraw_interval = r > 0 a fresh W is drawn before every r-th training forward
/// (forwards r, 2r, ... counted from 0; the LRA code redraws every call: r = 1); eval forwards
/// and r = 0 never redraw; redraw_features() draws on demand.
/// Stabiliser c: per query the max of W x^ over the features; for keys the max over features
/// and (unpadded) positions; it cancels in the normalisation up to feature_eps. The reference
/// code stops its gradient; here it stays in the graph, so the gradient is the exact derivative
/// of the computed output (the two differ by O(feature_eps) and finite differences agree only
/// with this one). Causal form: key j's shift for query i is the prefix max c_i
/// over keys <= i (so no future token enters, not even through feature_eps); the core evaluates
/// it with one global shift and an exact rescale exp(c_global - c_i) of the prefix sums, from
/// the map's log-form key features (the stabiliser hook, FeatureMap::exp_key_features).
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
#include "nn/attention/feature_map_mixer.h"

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

class PerformerMixer : public FeatureMapMixer {
 public:
  explicit PerformerMixer(const json& config, const TensorOptions& opts = {});
  /// The redraw schedule (above), then the shared forward.
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// The map over the core. Recurrent state: softmax kernel "S" [B, H, m, hd], "z" [B, H, m],
  /// "sum_v" [B, H, hd], "count" [B, 1], "c" [B, H, 1] (running max, starts at -inf); relu
  /// kernel "S" and "z".
  LinearAttentionCore core() const override { return {*phi, config.eps, config.chunk_size}; }
  std::string extra_repr() const override;

  /// Draws a new W into the "projection" buffer.
  void redraw_features();
  /// A random feature matrix [m, d] (f64, CPU) as described above (RandomFeatureMap::draw).
  static Tensor draw_projection(int64_t m, int64_t d, bool orthogonal, double ortho_scaling);

  PerformerConfig config;
  std::shared_ptr<RandomFeatureMap> phi;  // the child "feature_map"
  Tensor projection;                      // W [m, hd]: phi->projection, the buffer "projection"
  int64_t training_forwards = 0;
};

MixerEntry performer_mixer_entry();

}  // namespace tz::nn
