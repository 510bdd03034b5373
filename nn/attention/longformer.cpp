#include "nn/attention/longformer.h"

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

// The JSON keys of LongformerConfig are its field names; the registry defaults are a
// default-constructed LongformerConfig, so each default is declared once (in longformer.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LongformerConfig, window, global_tokens, separate_global_projections)

namespace {
MixerCapabilities longformer_capabilities() {
  return causal_capabilities("O(N (w + g) D)");
}

// The registry checks only that global_tokens is an array; reading it as int64 would truncate
// 1.5 to 1, so every element must be an integer first.
LongformerConfig read_config(const json& c) {
  for (const auto& g : c.at("global_tokens"))
    if (!g.is_number_integer()) TZ_FAIL("make_mixer longformer", "global_tokens must be integers, got ", g.dump());
  return c.get<LongformerConfig>();
}
}  // namespace

LongformerAttention::LongformerAttention(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("longformer", json_config, longformer_capabilities(), opts),
      config(read_config(json_config)),
      left(0),
      right(0) {
  if (config.window < 1) fail("window must be >= 1 (the query itself), got " + std::to_string(config.window));
  right = config.window / 2;
  left = config.window - right;
  std::vector<int64_t>& global_tokens = config.global_tokens;
  std::sort(global_tokens.begin(), global_tokens.end());
  global_tokens.erase(std::unique(global_tokens.begin(), global_tokens.end()), global_tokens.end());
  if (!global_tokens.empty() && global_tokens.front() < 0)
    fail("global_tokens must be positions >= 0, got " + std::to_string(global_tokens.front()));
  if (config.separate_global_projections) {
    to_q_global = add_projection("to_q_global", qkv_bias, opts);
    to_k_global = add_projection("to_k_global", qkv_bias, opts);
    to_v_global = add_projection("to_v_global", qkv_bias, opts);
  }
}

Tensor LongformerAttention::pattern(int64_t n, Device device) const {
  std::vector<int64_t> m(n * n, 0);
  std::vector<char> is_global(n, 0);
  for (int64_t g : config.global_tokens)
    if (g < n) is_global[g] = 1;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      m[i * n + j] = (j - i >= -(left - 1) && j - i <= right) || is_global[i] || is_global[j];
  return from_vector(m, Shape{n, n}, device) > 0;
}

Tensor LongformerAttention::global_rows(const Tensor& x, const Tensor& q, const Tensor& k, const Tensor& v,
                                        const Tensor& g_index, const MixerArgs& args, double dropout_p) const {
  const int64_t B = x.size(0), N = x.size(1);
  Tensor qg, kg = k, vg = v;
  if (config.separate_global_projections) {
    qg = split_heads((*to_q_global)(index_select(x, 1, g_index)));
    kg = split_heads((*to_k_global)(x)), vg = split_heads((*to_v_global)(x));
  } else {
    qg = index_select(q, 2, g_index);
  }
  Tensor allowed = usable_keys(args.key_padding_mask, B, N, N, x.device()).reshape({B, 1, 1, N});
  if (args.causal) allowed = logical_and(allowed, le(positions(N, x.device()).unsqueeze(0), g_index.unsqueeze(1)));
  return dense_masked_attention(qg, kg, vg, allowed, dropout_p);
}

Tensor LongformerAttention::put_rows(const Tensor& out, const Tensor& rows, const Tensor& g_index) {
  const Tensor idx = g_index.reshape({1, 1, g_index.size(0), 1}).expand(rows.shape());
  return scatter(out, 2, idx, rows);
}

Tensor LongformerAttention::forward(const Tensor& x, const MixerArgs& args) {
  const int64_t B = x.size(0), N = x.size(1), H = n_heads, hd = head_dim;
  const std::vector<int64_t>& global_tokens = config.global_tokens;
  if (!global_tokens.empty() && global_tokens.back() >= N)
    fail("global token position " + std::to_string(global_tokens.back()) + " is outside the sequence of length " +
         std::to_string(N));
  const Device dev = x.device();
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(x)), v = split_heads((*to_v)(x));
  const double p = attention_dropout();
  const int64_t G = static_cast<int64_t>(global_tokens.size());
  const Tensor g_index = G > 0 ? from_vector(global_tokens, Shape{G}, dev) : Tensor();
  Tensor out;
  if (use_dense_reference) {
    const Tensor mask = combine_dense_mask(pattern(N, dev), args.causal, args.key_padding_mask, B);
    out = dense_masked_attention(q, k, v, mask, p);
  } else {
    const int64_t b = std::max<int64_t>(1, std::min(std::max(left - 1, right), N));
    const int64_t Np = round_up(N, b), nb = Np / b;
    const Tensor qp = pad_to_length(q, 2, Np);
    const Tensor qb = qp.reshape({B, H, nb, b, hd});
    const Tensor usable = usable_keys(args.key_padding_mask, B, N, Np, dev);
    const int64_t lo = -right, hi = left - 1;  // allowed i - j
    const bool causal = args.causal;
    auto in_window = [lo, hi](const Tensor& d) { return logical_and(ge(d, lo), le(d, hi)); };
    std::vector<KeyPart> parts;
    parts.push_back(band_part(qb, pad_to_length(k, 2, Np), pad_to_length(v, 2, Np), b, 1, causal ? 0 : 1, usable,
                              [&](const Tensor& qpos, const Tensor& kpos) {
                                const Tensor d = qpos - kpos;
                                return causal ? logical_and(in_window(d), ge(d, 0)) : in_window(d);
                              }));
    if (G > 0) {
      // Global keys, shared by all query blocks; masked where the band already has them.
      const Tensor kg = index_select(k, 2, g_index), vg = index_select(v, 2, g_index);  // [B, H, G, hd]
      KeyPart part;
      part.scores = (matmul(qp, kg.transpose(-1, -2)) * (1.0 / std::sqrt(double(hd)))).reshape({B, H, nb, b, G});
      const Tensor d = positions(Np, dev).reshape({nb, b, 1}) - g_index.reshape({1, 1, G});
      Tensor allowed = logical_and(index_select(usable, 1, g_index).reshape({B, 1, 1, 1, G}), logical_not(in_window(d)));
      if (causal) allowed = logical_and(allowed, ge(d, 0));
      part.allowed = allowed;
      part.apply = [vg, B, H, Np, nb, b, hd, G](const Tensor& w) {
        return matmul(w.reshape({B, H, Np, G}), vg).reshape({B, H, nb, b, hd});
      };
      parts.push_back(part);
    }
    out = attend_parts(parts, p).reshape({B, H, Np, hd}).narrow(2, 0, N);
  }
  // The global rows see every key. Without separate projections the dense path has them already.
  if (G > 0 && (config.separate_global_projections || !use_dense_reference))
    out = put_rows(out, global_rows(x, q, k, v, g_index, args, p), g_index);
  return (*to_out)(merge_heads(out));
}

MixerEntry longformer_mixer_entry() {
  return mixer_entry(
      "longformer",
      "sliding window of `window` keys plus global tokens that attend and are attended everywhere",
      "Longformer: The Long-Document Transformer", longformer_capabilities(), LongformerConfig(),
      {{"window", "keys per query in the band: right = w/2 after, w - right before (incl. self); LRA: 512"},
       {"global_tokens", "positions with global attention, e.g. [0] for a CLS token (default none)"},
       {"separate_global_projections", "the paper's Q_g, K_g, V_g for the global rows (LRA's code: false)"}},
      construct_mixer<LongformerAttention>());
}

}  // namespace tz::nn
