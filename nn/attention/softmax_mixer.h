#pragma once
/// "softmax": standard multi-head scaled dot-product attention, the reference mixer of the zoo.
/// Paper: Attention Is All You Need (Vaswani et al., 2017).
///
///   q = to_q(x), k = to_k(c), v = to_v(c)   (c = args.context for cross-attention, else x)
///   per head: O = softmax(q k^T / sqrt(d_head) + mask) v,  y = to_out(concat_h O)
/// The attention itself is nn::scaled_dot_product_attention, where a fused (flash) kernel plugs in.
/// Masks: key padding (true = padding, zero weight) and causal. With a context of length M != N,
/// causal is bottom-right aligned (query i sees keys j <= i + M - N, as in cached decoding); for
/// self-attention that is the usual j <= i.
/// Dropout (config "dropout") on the attention probabilities, in training mode only.
///
/// Config: only the common keys (d_model, n_heads, dropout, qkv_bias, out_bias).
/// Parameters: to_q, to_k, to_v, to_out (nn::Linear, weight [D, D]) of nn/attention/mixer_base.h.
#include "nn/attention/mixer_base.h"

namespace tz::nn {

class SoftmaxMixer : public ProjectedMixer {
 public:
  explicit SoftmaxMixer(const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  std::string extra_repr() const override;
};

MixerEntry softmax_mixer_entry();

}  // namespace tz::nn
