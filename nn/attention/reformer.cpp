#include "nn/attention/reformer.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/registry.h"
#include "nn/attention/sparse_common.h"

#include <nlohmann/json.hpp>

namespace tz::nn {

namespace {
MixerCapabilities reformer_capabilities() {
  return causal_capabilities("O(n_hashes N (log N + c) D)");
}

/// The score a query gives itself: low enough to vanish next to any real key, finite so that a
/// query with no other key still attends to itself.
constexpr double kSelfScore = -1e5;

/// One round's normalised output, logsumexp and "has a key" flag from scores [..., K] under
/// allowed, with values [..., K, hd] (broadcast).
void round_partials(const Tensor& scores, const Tensor& allowed, const Tensor& values, double dropout_p, Tensor& out,
                    Tensor& lse, Tensor& has_keys) {
  const Tensor filled = masked_fill(scores, logical_not(allowed), -INFINITY);
  Tensor shift;
  {
    NoGradGuard no_grad;
    shift = amax(filled.detach(), {-1}, true);
    shift = masked_fill(shift, logical_not(isfinite(shift)), 0.0);
  }
  const Tensor e = exp(filled - shift);
  const Tensor z = sum(e, {-1}, true);
  const Tensor has = z > 0.0;
  const Tensor z_safe = where(has, z, 1.0);
  Tensor w = e / z_safe;
  if (dropout_p > 0.0) w = dropout(w, dropout_p, true);
  out = matmul(w, values);
  lse = (shift + log(z_safe)).squeeze(-1);
  has_keys = has.squeeze(-1);
}
}  // namespace

Tensor combine_lsh_rounds(const LshRounds& r) {
  const Tensor w = masked_softmax(r.lse, r.has_keys, 0);  // [R, ...]
  return sum(w.unsqueeze(-1) * r.outputs, {0});
}

namespace {
MixerProjections shared_qk() {
  MixerProjections p;
  p.shared_query_key = true;
  return p;
}
}  // namespace

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ReformerConfig, chunk_len, n_chunks_before, n_hashes, n_buckets, seed,
                                                redraw_rotations, restrict_to_bucket)

ReformerAttention::ReformerAttention(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("reformer-lsh", json_config, reformer_capabilities(), opts, shared_qk()),
      config(json_config.get<ReformerConfig>()),
      chunk_len(config.chunk_len),
      n_chunks_before(config.n_chunks_before),
      n_hashes(config.n_hashes),
      n_buckets(config.n_buckets),
      seed(static_cast<uint64_t>(config.seed)),
      redraw_rotations(config.redraw_rotations),
      restrict_to_bucket(config.restrict_to_bucket),
      to_qk(to_q),
      redraw_gen_(static_cast<uint64_t>(config.seed)) {
  if (config.seed < 0) fail("seed must be >= 0, got " + std::to_string(config.seed));
  if (chunk_len <= 0) fail("chunk_len must be > 0, got " + std::to_string(chunk_len));
  if (n_chunks_before < 0) fail("n_chunks_before must be >= 0, got " + std::to_string(n_chunks_before));
  if (n_hashes <= 0) fail("n_hashes must be > 0, got " + std::to_string(n_hashes));
  if (n_buckets <= 0 || (n_buckets != 1 && n_buckets % 2 != 0))
    fail("n_buckets must be 1 or even (angular LSH takes the argmax over [xR; -xR]), got " + std::to_string(n_buckets));
  if (n_buckets > 1) {
    Generator gen(seed);
    rotations = register_buffer("rotations", randn({n_hashes, head_dim, n_buckets / 2},
                                                   TensorOptions(to_qk->weight.dtype(), to_qk->weight.device()), &gen));
  }
}

void ReformerAttention::upgrade_state_dict(const std::string& prefix, StateDict& dict) const {
  ProjectedMixer::upgrade_state_dict(prefix, dict);
  // The layout before "rotations" was a buffer: the projections only. Its rotations were the
  // seed's draw, which the constructor made too.
  if (rotations.defined() && dict.count(prefix + "to_qk.weight") && !dict.count(prefix + "rotations"))
    dict.emplace(prefix + "rotations", rotations.detach());
}

Tensor ReformerAttention::rotations_for(const Tensor& like) {
  if (n_buckets == 1) return {};
  const TensorOptions opts(like.dtype(), like.device());
  if (redraw_rotations && is_training()) return randn({n_hashes, head_dim, n_buckets / 2}, opts, &redraw_gen_);
  return rotations.to(like.device(), like.dtype()).detach();
}

Tensor ReformerAttention::hash_buckets(const Tensor& q, const Tensor& rotations) const {
  NoGradGuard no_grad;
  const int64_t B = q.size(0), H = q.size(1), N = q.size(2);
  if (n_buckets == 1) return zeros({B, H, n_hashes, N}, TensorOptions(DType::I64, q.device()));
  const Tensor proj = matmul(q.detach().unsqueeze(2), rotations);  // [B, H, R, N, nb/2]
  return argmax(cat({proj, -proj}, -1), -1);
}

Tensor ReformerAttention::forward(const Tensor& x, const MixerArgs& args) {
  const int64_t B = x.size(0), N = x.size(1), H = n_heads, hd = head_dim, R = n_hashes;
  const Device dev = x.device();
  const Tensor qk = split_heads((*to_qk)(x)), v = split_heads((*to_v)(x));
  const Tensor buckets = hash_buckets(qk, rotations_for(qk));  // [B, H, R, N]
  const Tensor keys = qk * rsqrt(sum(square(qk), {-1}, true) + 1e-12);  // shared QK: normalised queries
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  const double p = attention_dropout();
  const bool causal = args.causal;
  LshRounds rounds;

  if (causal && !restrict_to_bucket)
    fail("the causal form needs restrict_to_bucket=true (keys of other buckets in a look-back chunk would depend on "
         "later tokens' hashes)");
  if (use_dense_reference) {
    const Tensor pos = positions(N, dev);
    const Tensor usable = usable_keys(args.key_padding_mask, B, N, N, dev).reshape({B, 1, 1, N});
    // Padded tokens take bucket n_buckets, as in the chunked form.
    const Tensor b_eff = where(usable, buckets, full({}, n_buckets, TensorOptions(DType::I64, dev)));
    Tensor allowed = usable.unsqueeze(-2);  // [B, 1, 1, 1, N]
    if (restrict_to_bucket) allowed = logical_and(allowed, eq(b_eff.unsqueeze(-1), b_eff.unsqueeze(-2)));
    if (causal) allowed = logical_and(allowed, le(pos.unsqueeze(0), pos.unsqueeze(1)));
    Tensor scores = (matmul(qk, keys.transpose(-1, -2)) * scale).unsqueeze(2);  // [B, H, 1, N, N]
    scores = masked_fill(scores, eq(pos.unsqueeze(0), pos.unsqueeze(1)), kSelfScore).expand({B, H, R, N, N});
    round_partials(scores, allowed.expand({B, H, R, N, N}), v.unsqueeze(2), p, rounds.outputs, rounds.lse,
                   rounds.has_keys);
  } else {
    const int64_t c = chunk_len, Np = round_up(N, c), before = n_chunks_before;
    const Tensor pos = positions(Np, dev);
    const Tensor usable = usable_keys(args.key_padding_mask, B, N, Np, dev).reshape({B, 1, 1, Np});
    // Internal padding and padded keys get bucket n_buckets: they sort after every real token, so
    // their contents never move a real token to another chunk.
    const Tensor bucket_p = where(usable, pad_to_length(buckets, -1, Np), full({}, n_buckets, TensorOptions(DType::I64, dev)));
    // The layout of each round: slot_token [B, H, R, L] (the token in each slot of the chunked
    // order, -1 = empty) and token_slot [B, H, R, Np] (its inverse).
    Tensor slot_token, token_slot;
    int64_t L = Np;
    if (!causal) {
      // The paper: sort by (bucket, position) and cut the sorted order into chunks.
      slot_token = argsort(bucket_p * Np + pos, -1);
      token_slot = scatter(zeros_like(slot_token), -1, slot_token, pos.expand(slot_token.shape()));
    } else {
      // Causal: chunks are cut per bucket (each bucket starts a new chunk). A token's chunk then
      // depends only on how many earlier tokens share its bucket, never on later tokens' hashes
      // (with one global cut, a later token changing bucket shifts every chunk boundary after its
      // new bucket, and so which past keys an earlier query sees).
      const int64_t nbk = n_buckets + 1;
      const Tensor onehot = one_hot(bucket_p, nbk);                                            // [B, H, R, Np, nbk]
      const Tensor rank = take_along_dim(cumsum(onehot, -2) - onehot, bucket_p.unsqueeze(-1), -1).squeeze(-1);
      const Tensor counts = sum(onehot, {-2});                                                 // [B, H, R, nbk]
      const Tensor padded_counts = floor_divide(counts + (c - 1), full({}, c, TensorOptions(DType::I64, dev))) * c;
      const Tensor offsets = cumsum(padded_counts, -1) - padded_counts;
      token_slot = take_along_dim(offsets, bucket_p, -1) + rank;
      L = round_up(Np + nbk * (c - 1), c);
      slot_token = scatter(full({B, H, R, L}, -1, TensorOptions(DType::I64, dev)), -1, token_slot, pos.expand(token_slot.shape()));
    }
    const int64_t nc = L / c;
    const Tensor filled = ge(slot_token, 0);
    const Tensor idx = clamp_min(slot_token, 0);
    auto in_slots = [&](const Tensor& t) {  // [B, H, Np, E] -> [B, H, R, L, E]
      return take_along_dim(pad_to_length(t, 2, Np).unsqueeze(2), idx.unsqueeze(-1), 3);
    };
    const Tensor qs = in_slots(qk), ks = in_slots(keys), vs = in_slots(v);
    const Tensor sb = take_along_dim(bucket_p, idx, -1);
    const Tensor su = logical_and(take_along_dim(usable, idx, -1), filled).to(DType::I64);
    // Each chunk with its n_chunks_before predecessors: keys [B, H, R, nc, K, hd] and their
    // positions (+1, so that 0 marks a slot before the first chunk), buckets and usability.
    auto look_back = [&](const Tensor& t) { return neighbour_blocks(t, c, before, 0); };
    auto look_back_int = [&](const Tensor& t) { return look_back(t.unsqueeze(-1)).squeeze(-1); };
    const Tensor kc = look_back(ks), vc = look_back(vs);
    const Tensor kpos1 = look_back_int(idx + 1), kbucket = look_back_int(sb), kusable = look_back_int(su);
    const Tensor qpos = idx.reshape({B, H, R, nc, c, 1}), qbucket = sb.reshape({B, H, R, nc, c, 1});
    Tensor allowed = logical_and(gt(kpos1, 0), gt(kusable, 0)).unsqueeze(-2);  // [B, H, R, nc, 1, K]
    if (restrict_to_bucket) allowed = logical_and(allowed, eq(kbucket.unsqueeze(-2), qbucket));
    if (causal) allowed = logical_and(allowed, le((kpos1 - 1).unsqueeze(-2), qpos));
    Tensor scores = matmul(qs.reshape({B, H, R, nc, c, hd}), kc.transpose(-1, -2)) * scale;
    scores = masked_fill(scores, eq((kpos1 - 1).unsqueeze(-2), qpos), kSelfScore);
    Tensor o, lse, has;
    round_partials(scores, allowed, vc, p, o, lse, has);
    // Back to the original order.
    const Tensor back = token_slot.narrow(3, 0, N);
    rounds.outputs = take_along_dim(o.reshape({B, H, R, L, hd}), back.unsqueeze(-1), 3);
    rounds.lse = take_along_dim(lse.reshape({B, H, R, L}), back, -1);
    rounds.has_keys = take_along_dim(has.reshape({B, H, R, L}), back, -1);
  }
  rounds.outputs = movedim(rounds.outputs, 2, 0);  // rounds first
  rounds.lse = movedim(rounds.lse, 2, 0);
  rounds.has_keys = movedim(rounds.has_keys, 2, 0);
  const Tensor out = combine_lsh_rounds(rounds);  // [B, H, N, hd]
  return (*to_out)(merge_heads(out));
}

MixerEntry reformer_lsh_mixer_entry() {
  return mixer_entry(
      "reformer-lsh",
      "LSH attention: shared QK, angular hashing, sorted chunks with look-back, rounds combined by lse",
      "Reformer: The Efficient Transformer", reformer_capabilities(), ReformerConfig(),
      {{"chunk_len", "tokens per chunk of the sorted order (LRA: 10)"},
       {"n_chunks_before", "previous chunks each chunk also attends to (LRA: 1)"},
       {"n_hashes", "hashing rounds (LRA: 1)"},
       {"n_buckets", "buckets per round, 1 or even (LRA: 10)"},
       {"seed", "seed of the random rotations (core/random.h generator)"},
       {"redraw_rotations", "fresh rotations on every training forward, as LRA's code (default: fixed from seed)"},
       {"restrict_to_bucket", "inside the chunk window attend only to keys of the query's bucket"}},
      construct_mixer<ReformerAttention>());
}

}  // namespace tz::nn
