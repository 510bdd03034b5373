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
/// Random blocks come from tz::Generator seeded with `seed`. Where the layout lives:
///   - layout_len = 0 (default): the layout is a fixed function of (seed, number of blocks,
///     causal), shared by the heads, built on the first call with that shape and cached, so a
///     layer always uses the same random blocks for the same length (BigBird's per-layer fixed
///     seed). Nothing is saved: such a model runs at any length.
///   - layout_len = L > 0: each head has its own layout for the nb = ceil(L / block_size) blocks
///     of length L, drawn at construction (head 0..H-1 non-causal, then head 0..H-1 causal, from
///     one generator seeded with `seed`) into the buffer "random_layout" int64 [2, H, nb, r]
///     ([0] non-causal, [1] causal; -1 = an unused slot, where fewer candidates exist). It is
///     saved and loaded with the state_dict, so a checkpoint carries its layout, and a
///     reference's per-head layout (HF BigBird's rand_attn, converted to block ids) loads into
///     it. Inputs must then have exactly nb blocks (an error says so otherwise).
///   - redraw_random_blocks = true: in training mode a fresh layout is drawn on every forward
///     from the module's own generator (seeded once with `seed`: reproducible sequence), one for
///     all heads, or one per head when layout_len > 0; eval mode uses the fixed layout.
/// Efficient form: the key blocks of every (head, query block) are gathered ([H, nb, 3 + 2 + r]
/// block table) and attended with one softmax; the global query blocks are a separate O(b N)
/// full attention. Memory O(N b (3 + 2 + r)).
///
/// Config (LRA bigbird_attention.py defaults), the fields of BigBirdConfig.
/// Projections: to_q, to_k, to_v, to_out.
#include <map>
#include <utility>
#include <vector>

#include "core/random.h"
#include "nn/attention/sparse_common.h"

namespace tz::nn {

/// BigBird's own config keys, declared once: field name = JSON key, initializer = registry
/// default.
struct BigBirdConfig {
  int64_t block_size = 64, num_rand_blocks = 3, seed = 0;
  bool redraw_random_blocks = false;
  int64_t layout_len = 0;  // > 0: the per-head layout of this length is the buffer random_layout
};

class BigBirdAttention : public ProjectedMixer {
 public:
  /// For each query block, its random key blocks (sorted; fewer than r where fewer candidates).
  using BlockLayout = std::vector<std::vector<int64_t>>;

  explicit BigBirdAttention(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;

  /// The random key blocks of every query block for nb blocks: the cached seed-derived layout
  /// shared by the heads (layout_len = 0).
  const BlockLayout& random_blocks(int64_t n_blocks, bool causal);
  /// Draws a layout from gen (exposed for the reproducibility test).
  BlockLayout draw_random_blocks(int64_t n_blocks, bool causal, Generator& gen) const;
  /// The fixed layout of each head for nb blocks: the "random_layout" buffer when layout_len > 0
  /// (checked: ids in range, outside the window and the global blocks, in the past when causal),
  /// else random_blocks() for every head.
  /// The buffer is decoded and checked once per (causal, buffer write): a load or an in-place
  /// write (both bump the storage version) or a device move makes the next call decode again.
  std::vector<BlockLayout> head_layouts(int64_t n_blocks, bool causal);
  /// bool [N, N] of the pattern with the given random layout (before causal and key padding).
  Tensor pattern(int64_t n, const BlockLayout& random, Device device) const;

  BigBirdConfig config;
  int64_t block_size, num_rand_blocks;
  uint64_t seed;
  bool redraw_random_blocks;
  /// int64 [2, H, nb, r] when config.layout_len > 0 (see above), else undefined.
  Tensor random_layout;

 private:
  std::map<std::pair<int64_t, bool>, BlockLayout> layouts_;
  /// random_layout decoded for [non-causal, causal], with the storage and version it came from.
  struct DecodedLayout {
    std::shared_ptr<Storage> storage;
    uint64_t version = 0;
    std::vector<BlockLayout> heads;
  };
  DecodedLayout decoded_[2];
  Generator redraw_gen_;
};

MixerEntry bigbird_mixer_entry();

}  // namespace tz::nn
