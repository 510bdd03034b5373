#include "nn/attention/sliding_window.h"

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "nn/attention/registry.h"

namespace tz::nn {

// The JSON keys of SlidingWindowConfig are its field names; the registry defaults are a
// default-constructed SlidingWindowConfig, so each default is declared once (in sliding_window.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SlidingWindowConfig, window)

namespace {
MixerCapabilities sliding_window_capabilities() {
  return causal_capabilities("O(N w D)");
}
}  // namespace

SlidingWindowAttention::SlidingWindowAttention(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("sliding-window", json_config, sliding_window_capabilities(), opts),
      config(json_config.get<SlidingWindowConfig>()) {
  if (config.window < 0) fail("window must be >= 0, got " + std::to_string(config.window));
}

Tensor SlidingWindowAttention::pattern(int64_t n, Device device) const {
  const Tensor pos = positions(n, device);
  return le(abs(pos.unsqueeze(1) - pos.unsqueeze(0)), config.window);
}

Tensor SlidingWindowAttention::forward(const Tensor& x, const MixerArgs& args) {
  const int64_t B = x.size(0), N = x.size(1), H = n_heads, hd = head_dim;
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(x)), v = split_heads((*to_v)(x));
  const double p = attention_dropout();
  if (use_dense_reference) {
    const Tensor mask = combine_dense_mask(pattern(N, x.device()), args.causal, args.key_padding_mask, B);
    return (*to_out)(merge_heads(dense_masked_attention(q, k, v, mask, p)));
  }
  // Blocks of `window` tokens: every key within distance window of a query in block k lies in
  // blocks k-1, k, k+1. A window longer than the sequence needs no more than one block.
  const int64_t w = config.window;
  const int64_t b = std::max<int64_t>(1, std::min(w, N));
  const int64_t Np = round_up(N, b), nb = Np / b;
  const Tensor qb = pad_to_length(q, 2, Np).reshape({B, H, nb, b, hd});
  const Tensor usable = usable_keys(args.key_padding_mask, B, N, Np, x.device());
  const bool causal = args.causal;
  auto rule = [w, causal](const Tensor& qpos, const Tensor& kpos) {
    const Tensor d = qpos - kpos;  // i - j
    const Tensor near = le(abs(d), w);
    return causal ? logical_and(near, ge(d, 0)) : near;
  };
  const KeyPart band = band_part(qb, pad_to_length(k, 2, Np), pad_to_length(v, 2, Np), b, 1, causal ? 0 : 1, usable, rule);
  const Tensor out = attend_parts({band}, p).reshape({B, H, Np, hd}).narrow(2, 0, N);
  return (*to_out)(merge_heads(out));
}

MixerEntry sliding_window_mixer_entry() {
  return mixer_entry(
      "sliding-window",
      "each query attends to the keys within distance window (causal: the previous window)",
      "Long Range Arena: A Benchmark for Efficient Transformers",
      sliding_window_capabilities(), SlidingWindowConfig(),
      {{"window", "keys on each side of a query (256: 2w+1 = 513 keys, LRA's sliding window is 512)"}},
      construct_mixer<SlidingWindowAttention>());
}

}  // namespace tz::nn
