#pragma once
/// LSH attention of "Reformer: The Efficient Transformer" (Kitaev, Kaiser, Levskaya, 2020).
///
/// Per head (hd = d_model / n_heads):
///   - Shared QK: q = to_qk(x); the keys are the normalised queries k_j = q_j / |q_j|; v = to_v(x).
///   - Angular LSH, n_hashes rounds: rotations R_r [hd, n_buckets / 2] ~ N(0, 1) and
///     h_r(x) = argmax([x R_r ; -x R_r]) (n_buckets even, or 1 = a single bucket).
///   - Each round sorts the tokens by (bucket, position), cuts the sorted order into chunks of
///     chunk_len, and lets every chunk attend to itself and the n_chunks_before previous chunks
///     (no wrap-around: the first chunk has no predecessor), only to keys in the query's own
///     bucket, and (causal) only to keys at or before the query's position.
///   - A query never attends to itself unless no other key is available: its own score is
///     replaced by -1e5 (not -inf), so it only matters when every other key is masked.
///   - Rounds are combined with weights softmax_r(lse_r), lse_r = logsumexp of round r's scores,
///     so with disjoint rounds the result is the softmax over the union. Keys that several rounds
///     share are counted once per round (the paper's optional duplicate discount is not applied).
///   - Causal form: the paper's global cut lets a later token that changes bucket shift every
///     chunk boundary after its new bucket, and so change which past keys an earlier query
///     sees. Here the causal form cuts chunks per bucket instead (each bucket starts a new chunk,
///     look-back stays the previous n_chunks_before chunks), so a query's keys depend only on
///     earlier tokens; it needs restrict_to_bucket = true. The non-causal form is the paper's.
///   - N need not be a multiple of chunk_len: padded tokens (internal padding and keys marked in
///     key_padding_mask) get bucket n_buckets, so they sort after every real token and never
///     move one, and are masked as keys (a padded query thus has no key and outputs 0).
/// Rotations: the buffer "rotations" [n_hashes, hd, n_buckets / 2] (none when n_buckets = 1) is
/// drawn once at construction from tz::Generator seeded with `seed` (in the module's dtype and
/// device) and saved in the state_dict, so a checkpoint carries its hash functions and does not
/// depend on the generator staying bit-stable; a reference's rotations load into it. A
/// state_dict from before the buffer existed (no "rotations" key) loads with the seed's draw,
/// which is what that version used (upgrade_state_dict). With redraw_rotations = true every
/// forward in training mode draws fresh rotations from the module's own generator (LRA's code
/// redraws on every call) and leaves the buffer alone; eval mode uses the buffer.
/// Cost O(N log N) sort + O(N c (1 + n_chunks_before) D) per round; memory O(N c n_hashes).
///
/// Config (LRA reformer_attention.py defaults): the fields of ReformerConfig.
/// Projections: to_qk, to_v, to_out.
#include <memory>

#include "core/random.h"
#include "nn/attention/mixer_base.h"

namespace tz::nn {

/// Reformer's own config keys, declared once: field name = JSON key, initializer = registry
/// default (LRA reformer_attention.py, except redraw_rotations: LRA redraws, true).
struct ReformerConfig {
  int64_t chunk_len = 10, n_chunks_before = 1, n_hashes = 1, n_buckets = 10, seed = 0;
  bool redraw_rotations = false, restrict_to_bucket = true;
};

/// The per-round partial results of LSH attention and their combination.
struct LshRounds {
  Tensor outputs;   // [R, ..., hd]: each round's normalised output (0 where the round had no key)
  Tensor lse;       // [R, ...]: logsumexp of each round's allowed scores (any value where none)
  Tensor has_keys;  // bool [R, ...]: the round had at least one allowed key
};
/// sum_r softmax_r(lse_r) outputs_r over the rounds that have keys (zero when none has).
Tensor combine_lsh_rounds(const LshRounds& rounds);

class ReformerAttention : public ProjectedMixer {
 public:
  explicit ReformerAttention(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;

  /// Bucket ids [B, H, R, N] of the shared queries q [B, H, N, hd] under rotations [R, hd, nb/2].
  Tensor hash_buckets(const Tensor& q, const Tensor& rotations) const;
  /// The rotations this call uses (see the redraw rule above), in like's dtype and device.
  Tensor rotations_for(const Tensor& like);
  /// Adds the seed's rotations to a state_dict written before they were a buffer.
  void upgrade_state_dict(const std::string& prefix, StateDict& dict) const override;

  ReformerConfig config;
  int64_t chunk_len, n_chunks_before, n_hashes, n_buckets;
  uint64_t seed;
  bool redraw_rotations, restrict_to_bucket;
  /// The shared query/key projection (to_q and to_k of the base point at it).
  std::shared_ptr<Linear> to_qk;
  /// The fixed rotations [n_hashes, hd, n_buckets / 2] (undefined when n_buckets = 1).
  Tensor rotations;
  // use_dense_reference (base): per round, attention over all keys of the query's bucket (no
  // chunking) with the same self and causal rules, rounds combined the same way. Equal to the
  // chunked form whenever chunk_len >= N.

 private:
  Generator redraw_gen_;
};

MixerEntry reformer_lsh_mixer_entry();

}  // namespace tz::nn
