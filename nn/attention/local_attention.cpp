#include "nn/attention/local_attention.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_linalg.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/registry.h"

namespace tz::nn {

// The JSON keys of LocalAttentionConfig are its field names; the registry defaults are a
// default-constructed LocalAttentionConfig, so each default is declared once (in local_attention.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LocalAttentionConfig, block_size, lra_strided_groups)

namespace {
MixerCapabilities local_capabilities() {
  return causal_capabilities("O(N b D)");
}
}  // namespace

LocalAttention::LocalAttention(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("local", json_config, local_capabilities(), opts), config(json_config.get<LocalAttentionConfig>()) {
  if (config.block_size <= 0) fail("block_size must be > 0, got " + std::to_string(config.block_size));
}

Tensor LocalAttention::group_of(int64_t n, Device device) const {
  const int64_t b = config.block_size;
  const int64_t groups = round_up(n, b) / b;
  std::vector<int64_t> g(n);
  for (int64_t i = 0; i < n; ++i) g[i] = config.lra_strided_groups ? i % groups : i / b;
  return from_vector(g, Shape{n}, device);
}

Tensor LocalAttention::pattern(int64_t n, Device device) const {
  const Tensor g = group_of(n, device);
  return g.unsqueeze(1) == g.unsqueeze(0);
}

Tensor LocalAttention::forward(const Tensor& x, const MixerArgs& args) {
  const int64_t B = x.size(0), N = x.size(1), H = n_heads, hd = head_dim, b = config.block_size;
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(x)), v = split_heads((*to_v)(x));
  const double p = attention_dropout();
  if (use_dense_reference) {
    const Tensor mask = combine_dense_mask(pattern(N, x.device()), args.causal, args.key_padding_mask, B);
    return (*to_out)(merge_heads(dense_masked_attention(q, k, v, mask, p)));
  }
  const int64_t Np = round_up(N, b), nb = Np / b;
  // Rearrange the padded sequence so that each group of the pattern is a contiguous row of b
  // tokens: [.., Np, E] -> [.., nb, b, E]. Strided groups {g, g + nb, ...} are a transpose.
  auto to_groups = [&](const Tensor& t) {
    const Tensor padded = pad_to_length(t, -2, Np);
    Shape lead(padded.shape().begin(), padded.shape().end() - 2);
    const int64_t e = padded.size(-1), nd = padded.dim();
    Shape s = lead;
    if (!config.lra_strided_groups) {
      s.insert(s.end(), {nb, b, e});
      return padded.reshape(s);
    }
    s.insert(s.end(), {b, nb, e});
    return padded.reshape(s).transpose(nd - 2, nd - 1);
  };
  auto from_groups = [&](const Tensor& t) {  // [B, H, nb, b, E] -> [B, H, Np, E]
    const Tensor r = config.lra_strided_groups ? t.transpose(2, 3) : t;
    return r.reshape({B, H, Np, t.size(-1)});
  };
  const Tensor qb = to_groups(q), kb = to_groups(k), vb = to_groups(v);  // [B, H, nb, b, hd]
  // Positions and usable keys in the same arrangement.
  const Tensor pos = to_groups(positions(Np, x.device()).unsqueeze(1)).squeeze(-1);  // [nb, b]
  const Tensor usable = to_groups(usable_keys(args.key_padding_mask, B, N, Np, x.device()).unsqueeze(-1))
                            .squeeze(-1);                                            // [B, nb, b]
  Tensor allowed = usable.unsqueeze(1).unsqueeze(3);                                  // [B, 1, nb, 1, b]
  if (args.causal) allowed = logical_and(allowed, pos.unsqueeze(1) <= pos.unsqueeze(2));  // [nb, b(q), b(k)]
  KeyPart part;
  part.scores = matmul(qb, kb.transpose(-1, -2)) * (1.0 / std::sqrt(static_cast<double>(hd)));
  part.allowed = allowed;
  part.apply = [&](const Tensor& w) { return matmul(w, vb); };
  const Tensor out = narrow(from_groups(attend_parts({part}, p)), 2, 0, N);
  return (*to_out)(merge_heads(out));
}

MixerEntry local_mixer_entry() {
  return mixer_entry(
      "local",
      "softmax attention inside contiguous blocks of block_size tokens (LRA local attention)",
      "Long Range Arena: A Benchmark for Efficient Transformers",
      local_capabilities(), LocalAttentionConfig(),
      {{"block_size", "tokens per block (LRA: 20)"},
       {"lra_strided_groups",
       "group tokens {g, g+G, g+2G, ...} as the LRA code's reshape does, instead of contiguous blocks"}},
      construct_mixer<LocalAttention>());
}

}  // namespace tz::nn
