#include "nn/attention/sparse_transformer.h"

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

// The JSON keys of the config structs are their field names; the registry defaults are
// default-constructed structs, so each default is declared once (in sparse_transformer.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SparseTransformerConfig, stride, head_mode, lra_always_causal)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SparseFixedConfig, stride, head_mode, lra_always_causal, summary_columns)

namespace {
MixerCapabilities sparse_capabilities(SparsePattern p) {
  return causal_capabilities(p == SparsePattern::Strided ? "O(N (l + N/l) D)" : "O(N (l + N c/l) D)");
}
const char* kind_name(SparsePattern p) { return p == SparsePattern::Strided ? "sparse-strided" : "sparse-fixed"; }

Tensor true_like(const Tensor& t) { return eq(t, t); }
}  // namespace

SparseTransformerAttention::SparseTransformerAttention(SparsePattern kind, const json& json_config,
                                                       const TensorOptions& opts)
    : ProjectedMixer(kind_name(kind), json_config, sparse_capabilities(kind), opts),
      pattern_kind(kind),
      config(json_config.get<SparseFixedConfig>()) {
  const SparseFixedConfig& c = config;
  if (c.head_mode != "union" && c.head_mode != "split")
    TZ_FAIL("make_mixer " + std::string(kind_name(kind)), "head_mode must be 'union' or 'split', got '", c.head_mode,
            "'");
  if (c.stride <= 0) fail("stride must be > 0, got " + std::to_string(c.stride));
  if (kind == SparsePattern::Fixed && (c.summary_columns < 1 || c.summary_columns > c.stride))
    fail("summary_columns must be in [1, stride=" + std::to_string(c.stride) + "], got " +
         std::to_string(c.summary_columns));
  if (split_heads_mode() && n_heads < 2)
    fail("head_mode 'split' needs n_heads >= 2 (even heads use pattern A, odd heads B)");
}

Tensor SparseTransformerAttention::heads_using(bool part_a, Device device) const {
  std::vector<int64_t> use(n_heads, 1);
  if (split_heads_mode())
    for (int64_t h = 0; h < n_heads; ++h) use[h] = (h % 2 == 0) == part_a;
  return from_vector(use, Shape{1, n_heads, 1, 1, 1}, device) > 0;
}

Tensor SparseTransformerAttention::pattern(int64_t n, Device device) const {
  const int64_t l = config.stride, c = config.summary_columns;
  std::vector<int64_t> a(n * n), b(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (pattern_kind == SparsePattern::Strided) {
        a[i * n + j] = std::abs(i - j) < l;
        b[i * n + j] = (i - j) % l == 0;
      } else {
        a[i * n + j] = i / l == j / l;
        b[i * n + j] = j % l >= l - c;
      }
    }
  const Tensor pa = from_vector(a, Shape{n, n}, device) > 0, pb = from_vector(b, Shape{n, n}, device) > 0;
  if (!split_heads_mode()) return logical_or(pa, pb);
  const Tensor head_a = heads_using(true, device).reshape({n_heads, 1, 1});
  return where(head_a, pa.unsqueeze(0), pb.unsqueeze(0));
}

Tensor SparseTransformerAttention::forward(const Tensor& x, const MixerArgs& args) {
  const int64_t B = x.size(0), N = x.size(1), H = n_heads, hd = head_dim, l = config.stride;
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(x)), v = split_heads((*to_v)(x));
  const double p = attention_dropout();
  const bool causal = args.causal || config.lra_always_causal;
  if (use_dense_reference) {
    const Tensor mask = combine_dense_mask(pattern(N, x.device()), causal, args.key_padding_mask, B);
    return (*to_out)(merge_heads(dense_masked_attention(q, k, v, mask, p)));
  }
  const Device dev = x.device();
  const int64_t Np = round_up(N, l), nb = Np / l;
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  const Tensor kp = pad_to_length(k, 2, Np), vp = pad_to_length(v, 2, Np);
  const Tensor qb = pad_to_length(q, 2, Np).reshape({B, H, nb, l, hd});
  const Tensor usable = usable_keys(args.key_padding_mask, B, N, Np, dev);  // [B, Np]
  const Tensor head_a = heads_using(true, dev), head_b = heads_using(false, dev);
  // A key reachable through part A must not be counted again in part B (union mode).
  const Tensor b_may_repeat_a = logical_not(head_a);

  KeyPart part_a, part_b;
  if (pattern_kind == SparsePattern::Strided) {
    part_a = band_part(qb, kp, vp, l, 1, causal ? 0 : 1, usable, [l, causal](const Tensor& qpos, const Tensor& kpos) {
      const Tensor d = qpos - kpos;
      const Tensor near = lt(abs(d), l);
      return causal ? logical_and(near, ge(d, 0)) : near;
    });
    // Part B by residue r = i mod l: queries and keys [B, H, l, nb, hd], query i = (block, r)
    // meets keys (block', r) for every block'; scores are moved to the block layout [.., nb, l, nb].
    const Tensor qr = qb.transpose(2, 3);
    const Tensor kr = kp.reshape({B, H, nb, l, hd}).transpose(2, 3), vr = vp.reshape({B, H, nb, l, hd}).transpose(2, 3);
    part_b.scores = (matmul(qr, kr.transpose(-1, -2)) * scale).transpose(2, 3);  // [B, H, nb(q), l, nb(k)]
    const Tensor blk = positions(nb, dev);
    const Tensor qblk = blk.reshape({nb, 1, 1}), kblk = blk.reshape({1, 1, nb});
    const Tensor usable_r = usable.reshape({B, nb, l}).transpose(1, 2).reshape({B, 1, 1, l, nb});
    Tensor allowed = logical_and(usable_r, head_b);
    allowed = logical_and(allowed, logical_or(ne(qblk, kblk), b_may_repeat_a));
    if (causal) allowed = logical_and(allowed, le(kblk, qblk));
    part_b.allowed = allowed;
    part_b.apply = [vr](const Tensor& w) { return matmul(w.transpose(2, 3), vr).transpose(2, 3); };
  } else {
    part_a = band_part(qb, kp, vp, l, 0, 0, usable, [causal](const Tensor& qpos, const Tensor& kpos) {
      const Tensor d = qpos - kpos;
      return causal ? ge(d, 0) : true_like(d);
    });
    // Part B: the last c columns of every block, shared by all queries: [B, H, nb * c, hd].
    const int64_t c = config.summary_columns;
    const Tensor ks = kp.reshape({B, H, nb, l, hd}).narrow(3, l - c, c).reshape({B, H, nb * c, hd});
    const Tensor vs = vp.reshape({B, H, nb, l, hd}).narrow(3, l - c, c).reshape({B, H, nb * c, hd});
    const Tensor kpos = (positions(nb, dev).unsqueeze(1) * l + arange(l - c, l, 1, TensorOptions(DType::I64, dev)).unsqueeze(0))
                            .reshape({nb * c});
    const Tensor qpos = positions(Np, dev).reshape({nb, l, 1});
    part_b.scores = (matmul(pad_to_length(q, 2, Np), ks.transpose(-1, -2)) * scale).reshape({B, H, nb, l, nb * c});
    Tensor allowed = logical_and(index_select(usable, 1, kpos).reshape({B, 1, 1, 1, nb * c}), head_b);
    const Tensor kblk = positions(nb, dev).unsqueeze(1).expand({nb, c}).reshape({1, 1, nb * c});
    allowed = logical_and(allowed, logical_or(ne(kblk, positions(nb, dev).reshape({nb, 1, 1})), b_may_repeat_a));
    if (causal) allowed = logical_and(allowed, le(kpos.reshape({1, 1, nb * c}), qpos));
    part_b.allowed = allowed;
    part_b.apply = [vs, B, H, Np, nb, l, hd, c](const Tensor& w) {
      return matmul(w.reshape({B, H, Np, nb * c}), vs).reshape({B, H, nb, l, hd});
    };
  }
  part_a.allowed = logical_and(part_a.allowed, head_a);
  const Tensor out = attend_parts({part_a, part_b}, p).reshape({B, H, Np, hd}).narrow(2, 0, N);
  return (*to_out)(merge_heads(out));
}

namespace {
MixerEntry sparse_entry(SparsePattern kind) {
  MixerEntry e;
  e.name = kind_name(kind);
  e.description = kind == SparsePattern::Strided
                      ? "Sparse Transformer strided pattern: the previous l tokens and every l-th token"
                      : "Sparse Transformer fixed pattern: own block of l plus the last c columns of every block";
  e.paper = "Generating Long Sequences with Sparse Transformers";
  e.capabilities = sparse_capabilities(kind);
  if (kind == SparsePattern::Fixed)
    e.defaults = SparseFixedConfig();
  else
    e.defaults = SparseTransformerConfig();
  e.doc = {{"stride", "l: block length (fixed) or stride (strided); LRA: 128"},
           {"head_mode", "'union' (every head uses both patterns, LRA) or 'split' (even heads A, odd heads B)"},
           {"lra_always_causal", "always AND the pattern with the lower triangle, as the LRA code does"}};
  if (kind == SparsePattern::Fixed) e.doc["summary_columns"] = "c: summary columns at the end of every block (LRA: 32)";
  e.make = [kind](const json& c, const TensorOptions& opts) -> std::shared_ptr<Mixer> {
    return std::make_shared<SparseTransformerAttention>(kind, c, opts);
  };
  return e;
}
}  // namespace

MixerEntry sparse_strided_mixer_entry() { return sparse_entry(SparsePattern::Strided); }
MixerEntry sparse_fixed_mixer_entry() { return sparse_entry(SparsePattern::Fixed); }

}  // namespace tz::nn
