#pragma once
/// Sliding-window attention: the overlapping-window form of the local attention baseline of
/// "Long Range Arena: A Benchmark for Efficient Transformers" (Tay et al., 2020), i.e. the band
/// of "Longformer: The Long-Document Transformer" without global tokens.
///
/// Query i attends to keys j with |i - j| <= window (causal: i - window <= j <= i, the previous
/// `window` tokens and itself). Computed blockwise: the padded sequence is cut into blocks of
/// max(window, 1) tokens and each query block attends to its own and the neighbouring blocks
/// (previous only when causal) under the band mask, so memory is O(N * window), not O(N^2).
///
/// Config:
///   window  256  keys on each side of the query (2 * 256 + 1 = 513 keys: LRA's Longformer
///                sliding_window_size is 512)
/// Projections: to_q, to_k, to_v, to_out.
#include "nn/attention/sparse_common.h"

namespace tz::nn {

/// The variant's own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entry and the constructor both go through this struct; the common keys live in
/// ProjectedMixer).
struct SlidingWindowConfig {
  int64_t window = 256;
};

class SlidingWindowAttention : public ProjectedMixer {
 public:
  explicit SlidingWindowAttention(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// bool [N, N]: |i - j| <= window.
  Tensor pattern(int64_t n, Device device) const;

  SlidingWindowConfig config;
};

MixerEntry sliding_window_mixer_entry();

}  // namespace tz::nn
