#pragma once
/// "Big Bird: Transformers for Longer Sequences" (Zaheer et al., 2020), the ITC construction
/// (internal transformer construction) as evaluated in Long Range Arena.
///
/// Tokens are grouped in blocks of block_size (the last block is padded and the padding masked).
/// With nb blocks, query block k attends to
///   - the sliding blocks k-1, k, k+1,
///   - the global blocks: the first and the last block (ITC), which in turn attend everywhere,
///   - num_rand_blocks random blocks drawn uniformly, without replacement, from the blocks not
///     already in its window or global set (fewer when fewer remain).
/// Causal (the decoder variant): the pattern AND j <= i, and random blocks are drawn from the
/// past only (blocks < k - 1); the global first block is visible to all, the last block's
/// queries see their whole past.
///
/// Random blocks come from tz::Generator seeded with `seed`. When they are drawn:
///   - redraw_random_blocks = false (default): the layout is a fixed function of (seed, number of
///     blocks, causal), built on the first call with that shape and cached, so a layer always
///     uses the same random blocks for the same length (BigBird's per-layer fixed seed);
///   - redraw_random_blocks = true: in training mode a fresh layout is drawn on every forward
///     from the module's own generator (seeded once with `seed`: reproducible sequence); eval
///     mode uses the fixed layout.
/// Efficient form: the key blocks of every query block are gathered ([nb, 3 + 2 + r] block
/// table) and attended with one softmax; the global query blocks are a separate O(b N) full
/// attention. Memory O(N b (3 + 2 + r)).
///
/// Config (LRA bigbird_attention.py defaults):
///   block_size            64
///   num_rand_blocks       3
///   seed                  0
///   redraw_random_blocks  false
/// Projections: to_q, to_k, to_v, to_out.
#include <map>
#include <utility>
#include <vector>

#include "core/random.h"
#include "nn/attention/sparse_common.h"

namespace tz::nn {

class BigBirdAttention : public ProjectedMixer {
 public:
  BigBirdAttention(const json& config, int64_t block_size, int64_t num_rand_blocks,
                   uint64_t seed, bool redraw_random_blocks, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;

  /// The random key blocks of every query block for nb blocks (the cached fixed layout).
  const std::vector<std::vector<int64_t>>& random_blocks(int64_t n_blocks, bool causal);
  /// Draws a layout from gen (exposed for the reproducibility test).
  std::vector<std::vector<int64_t>> draw_random_blocks(int64_t n_blocks, bool causal, Generator& gen) const;
  /// bool [N, N] of the pattern with the given random layout (before causal and key padding).
  Tensor pattern(int64_t n, const std::vector<std::vector<int64_t>>& random, Device device) const;

  int64_t block_size, num_rand_blocks;
  uint64_t seed;
  bool redraw_random_blocks;

 private:
  std::map<std::pair<int64_t, bool>, std::vector<std::vector<int64_t>>> layouts_;
  Generator redraw_gen_;
};

MixerEntry bigbird_mixer_entry();

}  // namespace tz::nn
