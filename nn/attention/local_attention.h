#pragma once
/// Local (block) attention, the baseline of "Long Range Arena: A Benchmark for Efficient
/// Transformers" (Tay et al., 2020).
///
/// The sequence is cut into contiguous blocks of block_size tokens and every query attends, with
/// ordinary softmax attention, only to the keys of its own block (causal: and only to keys at or
/// before it). N need not be a multiple of the block: the last block is padded internally and the
/// padding is masked. Cost O(N * block_size * D) time, O(N * block_size) memory.
///
/// Config (defaults from LRA's local_attention.py):
///   block_size          20     tokens per block
///   lra_strided_groups  false  reproduce the LRA code's grouping: it reshapes [B, N, ...] to
///                              [B, block_size, N / block_size, ...] and attends over the first
///                              axis, so each "block" is the strided group {g, g + G, g + 2G, ...}
///                              with G = ceil(N / block_size) groups of block_size tokens, not a
///                              contiguous run. Only for reproducing LRA numbers.
/// Projections: to_q, to_k, to_v, to_out (d_model -> d_model, with bias).
#include "nn/attention/sparse_common.h"

namespace tz::nn {

/// The variant's own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entry and the constructor both go through this struct; the common keys live in
/// ProjectedMixer).
struct LocalAttentionConfig {
  int64_t block_size = 20;
  bool lra_strided_groups = false;
};

class LocalAttention : public ProjectedMixer {
 public:
  explicit LocalAttention(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// bool [N, N]: query i may attend key j (before causal and key padding).
  Tensor pattern(int64_t n, Device device) const;

  LocalAttentionConfig config;

 private:
  /// Block id of every position 0..n-1 (contiguous: i / b; strided: i mod G).
  Tensor group_of(int64_t n, Device device) const;
};

MixerEntry local_mixer_entry();

}  // namespace tz::nn
