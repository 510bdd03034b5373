#pragma once
/// "sinkhorn": Sparse Sinkhorn Attention (Tay, Bahri, Yang, Metzler, Juan, ICML 2020).
///
/// The sequence is cut into nb blocks of block_size tokens (the last block padded and masked).
/// A meta sorting network scores, for each block i, every block j:
///   logits[i, j] = SortNet(summary_i)[j],   SortNet = Linear(head_dim -> max_num_blocks), the
///   first nb outputs used, shared by the heads (as the LRA code); summary_i = sum of block i's
///   keys (causal: block i's first key only, so every query of block i may see it).
/// The logits become a soft permutation R [nb, nb] (per batch and head):
///   sort_activation "sinkhorn" (default): Gumbel-Sinkhorn: (logits + Gumbel noise in training
///   when gumbel_noise) / temperature, then sinkhorn_iters rounds of log-domain row and column
///   normalisation, R = exp(.);  "softmax": row softmax of the logits (the LRA code's default).
/// Sorted blocks K^_i = sum_j R[i, j] K_j (V^ alike); block i's queries attend with softmax over
/// the concatenation [K_i ; K^_i] (their own block and their sorted block), scale 1/sqrt(hd).
/// Causal form: R is masked to j <= i and only row-normalised (see sinkhorn_normalize below), and
/// both the own and the sorted block are masked to positions t' <= t inside the block. Sorted position t' of block i mixes positions t' of blocks j <= i only, so output t
/// never sees a later token.
/// SortCut (sortcut_blocks = n > 0, non-causal; the paper's encoder variant): every query
/// attends to the first n sorted blocks only (n * block_size keys), no local block.
/// Key padding mask: padded keys and values are zeroed before the summaries and the sorting and
/// masked in the own block; a sorted position is masked when no real key contributes to it.
/// Dropout applies to the attention weights in training mode.
/// Cost: O(N block_size D + nb^2) (SortCut: O(N n block_size D)).
///
/// Config (defaults): block_size 50 and max_num_blocks 25 (LRA code; max_length = their product),
/// sort_activation "sinkhorn", sinkhorn_iters 8, temperature 0.75 (this implementation's choice
/// inside the ranges the paper tunes; the LRA code's sinkhorn option runs 1 iteration at
/// temperature 1), gumbel_noise true (training only), clip 0 = off (the LRA code clips the final
/// log R to [-1, 1], which breaks the double stochasticity: set clip 1 to reproduce it),
/// sortcut_blocks 0 (off). Parameters: to_q, to_k, to_v, to_out, sort_net.
#include "nn/attention/mixer_base.h"

namespace tz::nn {

/// The variant's own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entry and the constructor both go through this struct; the common keys live in
/// ProjectedMixer).
struct SinkhornConfig {
  int64_t block_size = 50, max_num_blocks = 25;
  std::string sort_activation = "sinkhorn";
  int64_t sinkhorn_iters = 8;
  double temperature = 0.75;
  bool gumbel_noise = true;
  double clip = 0.0;
  int64_t sortcut_blocks = 0;
};

/// Log-domain Sinkhorn balancing of log_alpha [..., n, n]: `iters` rounds of row then column
/// normalisation; returns exp(log_alpha) (clipped to [-clip, clip] first when clip > 0).
/// Causal: the support is the lower triangle (j <= i) and only the rows are normalised (each
/// block's distribution over its past blocks; `iters` is not used). Column balancing has no
/// causal form that helps: a lower-triangular doubly stochastic matrix is the identity, a
/// column step over all rows lets row i depend on later blocks, and column steps restricted to
/// rows <= i (running sums or running budgets) drive R to the identity within a round or two
/// (tried: the first row of every column is its diagonal). The LRA causal operator is marked
/// unverified by its own authors. So causal R = masked row softmax of (logits + Gumbel) / tau.
Tensor sinkhorn_normalize(const Tensor& log_alpha, int64_t iters, bool causal, double clip = 0.0);

class SinkhornMixer : public ProjectedMixer {
 public:
  explicit SinkhornMixer(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  std::string extra_repr() const override;

  /// The soft block permutation R [B, H, nb, nb] this mixer uses for x (Gumbel noise only in
  /// training mode). key_padding_mask: optional bool [B, N], true = padding.
  Tensor sort_matrix(const Tensor& x, bool causal, const Tensor& key_padding_mask = {});

  SinkhornConfig config;
  std::shared_ptr<Linear> sort_net;

 private:
  Tensor sort_from_keys(const Tensor& key_blocks, bool causal);
};

MixerEntry sinkhorn_mixer_entry();

}  // namespace tz::nn
