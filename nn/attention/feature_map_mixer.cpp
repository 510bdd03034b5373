// The shared forward and recurrent step of the feature-map (linear-attention) mixers.
#include "nn/attention/feature_map_mixer.h"

#include "core/error.h"

namespace tz::nn {

Tensor FeatureMapMixer::forward(const Tensor& x, const MixerArgs& args) {
  if (args.causal && args.context.defined()) fail("causal cross-attention is not supported (queries and keys differ)");
  const Tensor& src = source(x, args);
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(src)), v = split_heads((*to_v)(src));
  return (*to_out)(merge_heads(core().forward(q, k, v, args.causal, args.key_padding_mask)));
}

MixerState FeatureMapMixer::init_state(int64_t batch) {
  return core().init_state(batch, n_heads, head_dim, head_dim, TensorOptions(to_q->weight.dtype(), to_q->weight.device()));
}

Tensor FeatureMapMixer::step(const Tensor& x_t, MixerState& state) {
  if (x_t.dim() != 2 || x_t.size(1) != d_model)
    fail("step expects x_t [B, d_model=" + std::to_string(d_model) + "], got " + describe(x_t));
  const int64_t B = x_t.size(0);
  auto heads = [&](const Tensor& t) { return t.reshape({B, n_heads, head_dim}); };
  const Tensor out = core().step(heads((*to_q)(x_t)), heads((*to_k)(x_t)), heads((*to_v)(x_t)), state);
  return (*to_out)(out.reshape({B, d_model}));
}

}  // namespace tz::nn
