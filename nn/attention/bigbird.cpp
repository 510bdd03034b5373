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

BigBirdAttention::BigBirdAttention(const json& config, int64_t block_size_,
                                   int64_t num_rand_blocks_, uint64_t seed_, bool redraw, const TensorOptions& opts)
    : ProjectedMixer("bigbird", config, bigbird_capabilities(), opts),
      block_size(block_size_),
      num_rand_blocks(num_rand_blocks_),
      seed(seed_),
      redraw_random_blocks(redraw),
      redraw_gen_(seed_) {
  if (block_size <= 0) fail("block_size must be > 0, got " + std::to_string(block_size));
  if (num_rand_blocks < 0) fail("num_rand_blocks must be >= 0, got " + std::to_string(num_rand_blocks));
}

std::vector<std::vector<int64_t>> BigBirdAttention::draw_random_blocks(int64_t nb, bool causal, Generator& gen) const {
  const std::vector<int64_t> globals = global_blocks(nb);
  std::vector<std::vector<int64_t>> layout(nb);
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

const std::vector<std::vector<int64_t>>& BigBirdAttention::random_blocks(int64_t nb, bool causal) {
  auto it = layouts_.find({nb, causal});
  if (it != layouts_.end()) return it->second;
  Generator gen(seed);  // a fixed function of (seed, nb, causal), independent of call order
  return layouts_[{nb, causal}] = draw_random_blocks(nb, causal, gen);
}

Tensor BigBirdAttention::pattern(int64_t n, const std::vector<std::vector<int64_t>>& random, Device device) const {
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
  const std::vector<std::vector<int64_t>> random = (redraw_random_blocks && is_training())
                                                       ? draw_random_blocks(nb, causal, redraw_gen_)
                                                       : random_blocks(nb, causal);
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(x)), v = split_heads((*to_v)(x));
  const double p = attention_dropout();
  if (use_dense_reference) {
    const Tensor mask = combine_dense_mask(pattern(N, random, dev), causal, args.key_padding_mask, B);
    return (*to_out)(merge_heads(dense_masked_attention(q, k, v, mask, p)));
  }
  // Block table: for every query block the key blocks it attends (window, globals, random),
  // each once; unused slots point at block 0 and are invalid.
  const std::vector<int64_t> globals = global_blocks(nb);
  const int64_t S = 3 + static_cast<int64_t>(globals.size()) + num_rand_blocks;
  std::vector<int64_t> table(nb * S, 0), valid(nb * S, 0);
  for (int64_t kb = 0; kb < nb; ++kb) {
    std::vector<int64_t> keys = window_blocks(kb, nb, causal);
    for (int64_t g : globals)
      if (!contains(keys, g) && (!causal || g <= kb)) keys.push_back(g);
    for (int64_t r : random[kb]) keys.push_back(r);
    for (size_t s = 0; s < keys.size(); ++s) table[kb * S + s] = keys[s], valid[kb * S + s] = 1;
  }
  const Tensor table_t = from_vector(table, Shape{nb * S}, dev);
  const Tensor valid_t = from_vector(valid, Shape{nb, S, 1}, dev) > 0;
  const Tensor kp = pad_to_length(k, 2, Np).reshape({B, H, nb, b, hd}), vp = pad_to_length(v, 2, Np).reshape({B, H, nb, b, hd});
  const Tensor kg = index_select(kp, 2, table_t).reshape({B, H, nb, S * b, hd});
  const Tensor vg = index_select(vp, 2, table_t).reshape({B, H, nb, S * b, hd});
  const Tensor usable = usable_keys(args.key_padding_mask, B, N, Np, dev).reshape({B, nb, b});
  Tensor allowed = logical_and(index_select(usable, 1, table_t).reshape({B, nb, S, b}), valid_t);
  allowed = allowed.reshape({B, 1, nb, 1, S * b});
  if (causal) {
    const Tensor kpos = (table_t.reshape({nb, S, 1}) * b + positions(b, dev).reshape({1, 1, b})).reshape({nb, 1, S * b});
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
  MixerEntry e;
  e.name = "bigbird";
  e.description = "block sparse: sliding blocks + first/last global blocks + random blocks (BigBird ITC)";
  e.paper = "Big Bird: Transformers for Longer Sequences";
  e.capabilities = bigbird_capabilities();
  e.defaults = {{"block_size", 64}, {"num_rand_blocks", 3}, {"seed", 0}, {"redraw_random_blocks", false}};
  e.doc = {{"block_size", "tokens per block (LRA: 64)"},
           {"num_rand_blocks", "random key blocks per query block (LRA: 3)"},
           {"seed", "seed of the random block layout (core/random.h generator)"},
           {"redraw_random_blocks", "draw a fresh random layout on every training forward (default: fixed per length)"}};
  e.make = [](const json& c, const TensorOptions& opts) -> std::shared_ptr<Mixer> {
    const int64_t seed = c["seed"].get<int64_t>();
    if (seed < 0) TZ_FAIL("make_mixer bigbird", "seed must be >= 0, got ", seed);
    return std::make_shared<BigBirdAttention>(c, c["block_size"].get<int64_t>(),
                                              c["num_rand_blocks"].get<int64_t>(), static_cast<uint64_t>(seed),
                                              c["redraw_random_blocks"].get<bool>(), opts);
  };
  return e;
}

}  // namespace tz::nn
