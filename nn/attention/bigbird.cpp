#include "nn/attention/bigbird.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/registry.h"

#include <nlohmann/json.hpp>

namespace tz::nn {

namespace {
MixerCapabilities bigbird_capabilities() {
  return causal_capabilities("O(N b (5 + r) D)");
}

/// The ITC global blocks: the first and the last.
std::vector<int64_t> global_blocks(int64_t nb) { return nb == 1 ? std::vector<int64_t>{0} : std::vector<int64_t>{0, nb - 1}; }

bool contains(const std::vector<int64_t>& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

/// Key blocks in query block k's window (k-1, k, k+1; causal: k-1, k), inside [0, nb).
std::vector<int64_t> window_blocks(int64_t k, int64_t nb, bool causal) {
  std::vector<int64_t> w;
  for (int64_t j = k - 1; j <= k + (causal ? 0 : 1); ++j)
    if (j >= 0 && j < nb) w.push_back(j);
  return w;
}
}  // namespace

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BigBirdConfig, block_size, num_rand_blocks, seed, redraw_random_blocks,
                                                layout_len)

BigBirdAttention::BigBirdAttention(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("bigbird", json_config, bigbird_capabilities(), opts),
      config(json_config.get<BigBirdConfig>()),
      block_size(config.block_size),
      num_rand_blocks(config.num_rand_blocks),
      seed(static_cast<uint64_t>(config.seed)),
      redraw_random_blocks(config.redraw_random_blocks),
      redraw_gen_(static_cast<uint64_t>(config.seed)) {
  if (config.seed < 0) fail("seed must be >= 0, got " + std::to_string(config.seed));
  if (block_size <= 0) fail("block_size must be > 0, got " + std::to_string(block_size));
  if (num_rand_blocks < 0) fail("num_rand_blocks must be >= 0, got " + std::to_string(num_rand_blocks));
  if (config.layout_len < 0) fail("layout_len must be >= 0, got " + std::to_string(config.layout_len));
  if (config.layout_len > 0) {
    const int64_t nb = round_up(config.layout_len, block_size) / block_size, r = num_rand_blocks;
    std::vector<int64_t> ids(size_t(2 * n_heads * nb * r), -1);
    Generator gen(seed);
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t h = 0; h < n_heads; ++h) {
        const BlockLayout layout = draw_random_blocks(nb, c == 1, gen);
        for (int64_t k = 0; k < nb; ++k)
          for (size_t s = 0; s < layout[k].size(); ++s) ids[size_t(((c * n_heads + h) * nb + k) * r) + s] = layout[k][s];
      }
    random_layout = register_buffer("random_layout", from_vector(ids, Shape{2, n_heads, nb, r}, opts.device));
  }
}

BigBirdAttention::BlockLayout BigBirdAttention::draw_random_blocks(int64_t nb, bool causal, Generator& gen) const {
  const std::vector<int64_t> globals = global_blocks(nb);
  BlockLayout layout(nb);
  for (int64_t k = 0; k < nb; ++k) {
    if (contains(globals, k)) continue;  // global query blocks already see everything
    const std::vector<int64_t> window = window_blocks(k, nb, causal);
    std::vector<int64_t> candidates;
    for (int64_t j = 0; j < (causal ? k : nb); ++j)
      if (!contains(window, j) && !contains(globals, j)) candidates.push_back(j);
    const int64_t n = static_cast<int64_t>(candidates.size());
    if (n <= num_rand_blocks) {
      layout[k] = candidates;
      continue;
    }
    const auto perm = randperm(n, TensorOptions(DType::I64), &gen).to_vector<int64_t>();
    for (int64_t s = 0; s < num_rand_blocks; ++s) layout[k].push_back(candidates[perm[s]]);
    std::sort(layout[k].begin(), layout[k].end());
  }
  return layout;
}

const BigBirdAttention::BlockLayout& BigBirdAttention::random_blocks(int64_t nb, bool causal) {
  auto it = layouts_.find({nb, causal});
  if (it != layouts_.end()) return it->second;
  Generator gen(seed);  // a fixed function of (seed, nb, causal), independent of call order
  return layouts_[{nb, causal}] = draw_random_blocks(nb, causal, gen);
}

std::vector<BigBirdAttention::BlockLayout> BigBirdAttention::head_layouts(int64_t nb, bool causal) {
  if (!random_layout.defined()) return std::vector<BlockLayout>(size_t(n_heads), random_blocks(nb, causal));
  const int64_t r = num_rand_blocks;
  if (random_layout.shape() != Shape{2, n_heads, nb, r})
    fail("layout_len=" + std::to_string(config.layout_len) + " fixes the random layout " +
         shape_str(random_layout.shape()) + " ([2, H, blocks, num_rand_blocks]); an input of " + std::to_string(nb) +
         " blocks of " + std::to_string(block_size) + " needs [2, " + std::to_string(n_heads) + ", " + std::to_string(nb) +
         ", " + std::to_string(r) + "]");
  DecodedLayout& cached = decoded_[causal ? 1 : 0];
  const std::shared_ptr<Storage>& storage = random_layout.storage();
  if (cached.storage == storage && cached.version == storage->version()) return cached.heads;
  const std::vector<int64_t> ids = random_layout.to(kCPU).contiguous().to_vector<int64_t>();
  const std::vector<int64_t> globals = global_blocks(nb);
  std::vector<BlockLayout> layouts(static_cast<size_t>(n_heads), BlockLayout(static_cast<size_t>(nb)));
  for (int64_t h = 0; h < n_heads; ++h)
    for (int64_t k = 0; k < nb; ++k) {
      const std::vector<int64_t> window = window_blocks(k, nb, causal);
      for (int64_t s = 0; s < r; ++s) {
        const int64_t j = ids[size_t((((causal ? 1 : 0) * n_heads + h) * nb + k) * r + s)];
        if (j == -1) continue;
        // A loaded layout must describe random blocks: a window or global block would be counted
        // twice, a future block would break causality.
        if (j < 0 || j >= nb || contains(window, j) || contains(globals, j) || contains(layouts[h][k], j) ||
            (causal && j >= k))
          fail("random_layout[" + std::to_string(causal ? 1 : 0) + ", " + std::to_string(h) + ", " + std::to_string(k) +
               "] holds block " + std::to_string(j) + ", which is not a random-block candidate of query block " +
               std::to_string(k) + " of " + std::to_string(nb) + (causal ? " (causal)" : ""));
        if (!contains(globals, k)) layouts[h][k].push_back(j);
      }
    }
  cached = DecodedLayout{storage, storage->version(), layouts};
  return layouts;
}

Tensor BigBirdAttention::pattern(int64_t n, const BlockLayout& random, Device device) const {
  const int64_t b = block_size, nb = round_up(n, b) / b;
  const std::vector<int64_t> globals = global_blocks(nb);
  std::vector<int64_t> m(n * n, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const int64_t bi = i / b, bj = j / b;
      m[i * n + j] = std::abs(bi - bj) <= 1 || contains(globals, bi) || contains(globals, bj) || contains(random[bi], bj);
    }
  return from_vector(m, Shape{n, n}, device) > 0;
}

Tensor BigBirdAttention::forward(const Tensor& x, const MixerArgs& args) {
  const int64_t B = x.size(0), N = x.size(1), H = n_heads, hd = head_dim, b = block_size;
  const int64_t Np = round_up(N, b), nb = Np / b;
  const Device dev = x.device();
  const bool causal = args.causal;
  std::vector<BlockLayout> random;  // per head
  if (redraw_random_blocks && is_training()) {
    if (random_layout.defined()) {
      for (int64_t h = 0; h < H; ++h) random.push_back(draw_random_blocks(nb, causal, redraw_gen_));
    } else {
      random.assign(size_t(H), draw_random_blocks(nb, causal, redraw_gen_));
    }
  } else {
    random = head_layouts(nb, causal);
  }
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(x)), v = split_heads((*to_v)(x));
  const double p = attention_dropout();
  if (use_dense_reference) {
    std::vector<Tensor> patterns;
    for (const BlockLayout& layout : random) patterns.push_back(pattern(N, layout, dev));
    const Tensor mask = combine_dense_mask(stack(patterns, 0), causal, args.key_padding_mask, B);
    return (*to_out)(merge_heads(dense_masked_attention(q, k, v, mask, p)));
  }
  // Block table: for every (head, query block) the key blocks it attends (window, globals,
  // random), each once; unused slots point at the head's block 0 and are invalid. Entries index
  // the flattened (head, block) dim.
  const std::vector<int64_t> globals = global_blocks(nb);
  const int64_t S = 3 + static_cast<int64_t>(globals.size()) + num_rand_blocks;
  std::vector<int64_t> table(H * nb * S, 0), blocks(H * nb * S, 0), valid(H * nb * S, 0);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t kb = 0; kb < nb; ++kb) {
      std::vector<int64_t> keys = window_blocks(kb, nb, causal);
      for (int64_t g : globals)
        if (!contains(keys, g) && (!causal || g <= kb)) keys.push_back(g);
      for (int64_t r : random[size_t(h)][size_t(kb)]) keys.push_back(r);
      const int64_t row = (h * nb + kb) * S;
      for (size_t s = 0; s < keys.size(); ++s) blocks[row + s] = keys[s], valid[row + s] = 1;
      for (int64_t s = 0; s < S; ++s) table[row + s] = h * nb + blocks[row + s];
    }
  const Tensor table_t = from_vector(table, Shape{H * nb * S}, dev);
  const Tensor valid_t = from_vector(valid, Shape{H, nb, S, 1}, dev) > 0;
  const Tensor kp = pad_to_length(k, 2, Np).reshape({B, H * nb, b, hd}), vp = pad_to_length(v, 2, Np).reshape({B, H * nb, b, hd});
  const Tensor kg = index_select(kp, 1, table_t).reshape({B, H, nb, S * b, hd});
  const Tensor vg = index_select(vp, 1, table_t).reshape({B, H, nb, S * b, hd});
  // Key usability and positions do not depend on the head: they take the plain block ids.
  const Tensor block_t = from_vector(blocks, Shape{H * nb * S}, dev);
  const Tensor usable = usable_keys(args.key_padding_mask, B, N, Np, dev).reshape({B, nb, b});
  Tensor allowed = logical_and(index_select(usable, 1, block_t).reshape({B, H, nb, S, b}), valid_t);
  allowed = allowed.reshape({B, H, nb, 1, S * b});
  if (causal) {
    const Tensor kpos = (block_t.reshape({H, nb, S, 1}) * b + positions(b, dev).reshape({1, 1, 1, b})).reshape({H, nb, 1, S * b});
    const Tensor qpos = positions(Np, dev).reshape({nb, b, 1});
    allowed = logical_and(allowed, le(kpos, qpos));
  }
  KeyPart part;
  part.scores = matmul(pad_to_length(q, 2, Np).reshape({B, H, nb, b, hd}), kg.transpose(-1, -2)) *
                (1.0 / std::sqrt(static_cast<double>(hd)));
  part.allowed = allowed;
  part.apply = [vg](const Tensor& w) { return matmul(w, vg); };
  Tensor out = attend_parts({part}, p).reshape({B, H, Np, hd}).narrow(2, 0, N);

  // Global query blocks attend to every key (their past when causal).
  std::vector<int64_t> rows;
  for (int64_t g : globals)
    for (int64_t i = g * b; i < std::min((g + 1) * b, N); ++i) rows.push_back(i);
  const Tensor g_index = from_vector(rows, Shape{static_cast<int64_t>(rows.size())}, dev);
  Tensor g_allowed = usable_keys(args.key_padding_mask, B, N, N, dev).reshape({B, 1, 1, N});
  if (causal) g_allowed = logical_and(g_allowed, le(positions(N, dev).unsqueeze(0), g_index.unsqueeze(1)));
  const Tensor g_out = dense_masked_attention(index_select(q, 2, g_index), k, v, g_allowed, p);
  out = scatter(out, 2, g_index.reshape({1, 1, g_index.size(0), 1}).expand(g_out.shape()), g_out);
  return (*to_out)(merge_heads(out));
}

MixerEntry bigbird_mixer_entry() {
  return mixer_entry(
      "bigbird",
      "block sparse: sliding blocks + first/last global blocks + random blocks (BigBird ITC)",
      "Big Bird: Transformers for Longer Sequences", bigbird_capabilities(), BigBirdConfig(),
      {{"block_size", "tokens per block (LRA: 64)"},
       {"num_rand_blocks", "random key blocks per query block (LRA: 3)"},
       {"seed", "seed of the random block layout (core/random.h generator)"},
       {"redraw_random_blocks", "draw a fresh random layout on every training forward (default: fixed per length)"},
       {"layout_len", "0: layout from the seed per length, shared by heads; L > 0: a per-head layout for length L, "
      "saved as the buffer random_layout (inputs must then have L's block count)"}},
      construct_mixer<BigBirdAttention>());
}

}  // namespace tz::nn
