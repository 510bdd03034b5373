#include "nn/attention/softmax_mixer.h"

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/factories.h"
#include "nn/attention/functional.h"
#include "nn/attention/registry.h"

namespace tz::nn {
namespace {

MixerCapabilities softmax_capabilities() {
  return causal_capabilities("O(N M D)", /*cross_attention=*/true);
}

}  // namespace

SoftmaxMixer::SoftmaxMixer(const json& config, const TensorOptions& opts)
    : ProjectedMixer("softmax", config, softmax_capabilities(), opts) {}

Tensor SoftmaxMixer::forward(const Tensor& x, const MixerArgs& args) {
  const Tensor& src = source(x, args);
  const int64_t N = x.size(1), M = src.size(1);
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(src)), v = split_heads((*to_v)(src));
  // The top-left triangle SDPA can fuse; otherwise one explicit mask (true = may attend).
  const bool plain_causal = args.causal && N == M && !args.key_padding_mask.defined();
  const Tensor allowed = plain_causal ? Tensor() : allowed_keys(N, M, args.causal, args.key_padding_mask, x.device());
  return (*to_out)(merge_heads(scaled_dot_product_attention(q, k, v, allowed, attention_dropout(), plain_causal)));
}

std::string SoftmaxMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, dropout > 0 ? cat_str(", dropout=", dropout) : "");
}

MixerEntry softmax_mixer_entry() {
  return mixer_entry(
      "softmax",
      "multi-head scaled dot-product attention (the reference; fused kernels plug in here)",
      "Attention Is All You Need", softmax_capabilities(), json::object(),
      {},
      construct_mixer<SoftmaxMixer>());
}

}  // namespace tz::nn
