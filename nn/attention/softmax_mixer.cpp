#include "nn/attention/softmax_mixer.h"

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/factories.h"
#include "nn/attention/functional.h"

namespace tz::nn {
namespace {

MixerCapabilities softmax_capabilities() {
  MixerCapabilities c;
  c.causal = true;
  c.key_padding_mask = true;
  c.cross_attention = true;
  c.complexity = "O(N M D)";
  return c;
}

}  // namespace

SoftmaxMixer::SoftmaxMixer(int64_t d_model_, int64_t n_heads_, double dropout_, bool qkv_bias, bool out_bias,
                           const TensorOptions& opts)
    : Mixer("softmax"), d_model(d_model_), n_heads(n_heads_), head_dim(d_model_ / n_heads_), dropout(dropout_) {
  to_q = register_module("to_q", std::make_shared<Linear>(d_model, d_model, qkv_bias, opts));
  to_k = register_module("to_k", std::make_shared<Linear>(d_model, d_model, qkv_bias, opts));
  to_v = register_module("to_v", std::make_shared<Linear>(d_model, d_model, qkv_bias, opts));
  to_out = register_module("to_out", std::make_shared<Linear>(d_model, d_model, out_bias, opts));
}

MixerCapabilities SoftmaxMixer::capabilities() const { return softmax_capabilities(); }

Tensor SoftmaxMixer::forward(const Tensor& x, const MixerArgs& args) {
  const Tensor& src = args.context.defined() ? args.context : x;
  const int64_t B = x.size(0), N = x.size(1), M = src.size(1), H = n_heads, hd = head_dim;
  const Tensor q = (*to_q)(x).reshape({B, N, H, hd}).transpose(1, 2);  // [B, H, N, hd]
  const Tensor k = (*to_k)(src).reshape({B, M, H, hd}).transpose(1, 2);
  const Tensor v = (*to_v)(src).reshape({B, M, H, hd}).transpose(1, 2);

  // SDPA's bool convention: true = may attend.
  Tensor allowed;
  bool plain_causal = false;
  if (args.causal) {
    if (N == M && !args.key_padding_mask.defined()) {
      plain_causal = true;  // the top-left triangle SDPA can fuse
    } else {
      const TensorOptions idx(DType::I64, x.device());
      allowed = arange(M, idx).unsqueeze(0) <= arange(M - N, M, 1, idx).unsqueeze(1);  // [N, M]
    }
  }
  if (args.key_padding_mask.defined()) {
    const Tensor keep = logical_not(args.key_padding_mask).reshape({B, 1, 1, M});
    allowed = allowed.defined() ? logical_and(allowed, keep) : keep;
  }
  const double p = is_training() ? dropout : 0.0;
  const Tensor o = scaled_dot_product_attention(q, k, v, allowed, p, plain_causal);
  return (*to_out)(o.transpose(1, 2).reshape({B, N, d_model}));
}

std::string SoftmaxMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, dropout > 0 ? cat_str(", dropout=", dropout) : "");
}

MixerEntry softmax_mixer_entry() {
  MixerEntry e;
  e.name = "softmax";
  e.description = "multi-head scaled dot-product attention (the reference; fused kernels plug in here)";
  e.paper = "Attention Is All You Need";
  e.capabilities = softmax_capabilities();
  e.defaults = {{"qkv_bias", true}, {"out_bias", true}};
  e.doc = {{"qkv_bias", "bias in the q/k/v projections (paper: affine projections)"},
           {"out_bias", "bias in the output projection"}};
  e.make = [](const json& c, const TensorOptions& opts) -> std::shared_ptr<Mixer> {
    return std::make_shared<SoftmaxMixer>(c["d_model"].get<int64_t>(), c["n_heads"].get<int64_t>(),
                                          c["dropout"].get<double>(), c["qkv_bias"].get<bool>(),
                                          c["out_bias"].get<bool>(), opts);
  };
  return e;
}

}  // namespace tz::nn
