// Linear attention (elu+1 features): non-causal, chunked causal and recurrent forms.
#include "nn/attention/linear_attention.h"

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/kernel_attention.h"
#include "nn/attention/registry.h"

namespace tz::nn {

namespace {

MixerCapabilities linear_capabilities() {
  return causal_capabilities("O(N D^2 / H)", /*cross_attention=*/true, /*recurrent=*/true);
}

}  // namespace

LinearAttentionMixer::LinearAttentionMixer(const json& c, const TensorOptions& opts)
    : ProjectedMixer("linear", c, linear_capabilities(), opts),
      chunk_size(c.at("chunk_size").get<int64_t>()),
      eps(c.at("eps").get<double>()) {
  if (chunk_size <= 0) fail("chunk_size must be > 0, got " + std::to_string(chunk_size));
  if (!(eps > 0.0)) fail("eps must be > 0, got " + std::to_string(eps));
}

Tensor LinearAttentionMixer::feature_map(const Tensor& x) { return elu(x) + 1.0; }

Tensor LinearAttentionMixer::forward(const Tensor& x, const MixerArgs& args) {
  if (args.causal && args.context.defined()) fail("causal cross-attention is not supported (queries and keys differ)");
  const Tensor& src = source(x, args);
  const Tensor phi_q = feature_map(split_heads((*to_q)(x)));
  Tensor phi_k = feature_map(split_heads((*to_k)(src)));
  const Tensor v = split_heads((*to_v)(src));
  if (args.key_padding_mask.defined())  // padded keys: zero features, no contribution to S or z
    phi_k = masked_fill(phi_k, args.key_padding_mask.unsqueeze(1).unsqueeze(-1), 0.0);
  const KernelAttentionSums sums =
      args.causal ? kernel_attention_causal(phi_q, phi_k, v, chunk_size) : kernel_attention_global(phi_q, phi_k, v);
  const Tensor out = sums.numerator / (sums.denominator.unsqueeze(-1) + eps);
  return (*to_out)(merge_heads(out));
}

MixerState LinearAttentionMixer::init_state(int64_t batch) {
  const TensorOptions o(to_q->weight.dtype(), to_q->weight.device());
  MixerState state;
  state.tensors["S"] = zeros({batch, n_heads, head_dim, head_dim}, o);
  state.tensors["z"] = zeros({batch, n_heads, head_dim}, o);
  return state;
}

Tensor LinearAttentionMixer::step(const Tensor& x_t, MixerState& state) {
  if (x_t.dim() != 2 || x_t.size(1) != d_model)
    fail("step expects x_t [B, d_model=" + std::to_string(d_model) + "], got " + describe(x_t));
  if (!state.tensors.count("S") || !state.tensors.count("z")) fail("step needs a state from init_state()");
  const int64_t B = x_t.size(0);
  auto heads = [&](const Tensor& t) { return t.reshape({B, n_heads, head_dim}); };
  const Tensor phi_q = feature_map(heads((*to_q)(x_t))), phi_k = feature_map(heads((*to_k)(x_t)));
  const Tensor v = heads((*to_v)(x_t));
  Tensor& S = state.tensors["S"];
  Tensor& z = state.tensors["z"];
  if (S.size(0) != B) fail("state batch " + std::to_string(S.size(0)) + " does not match x_t " + describe(x_t));
  S = S + phi_k.unsqueeze(-1) * v.unsqueeze(-2);  // [B, H, hd, hd]
  z = z + phi_k;
  const Tensor numerator = matmul(phi_q.unsqueeze(-2), S).squeeze(-2);  // [B, H, hd]
  const Tensor denominator = (phi_q * z).sum({-1}, true);
  ++state.position;
  return (*to_out)((numerator / (denominator + eps)).reshape({B, d_model}));
}

std::string LinearAttentionMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", eps=", eps, ", chunk_size=", chunk_size);
}

MixerEntry linear_mixer_entry() {
  MixerEntry e;
  e.name = "linear";
  e.description = "linear attention with elu(x)+1 features; causal by chunked prefix sums; recurrent decoding";
  e.paper = "Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention";
  e.capabilities = linear_capabilities();
  e.defaults = {{"eps", 1e-6}, {"chunk_size", 64}};
  e.doc = {{"eps", "added to the normaliser phi(q).z (paper/LRA: 1e-6)"},
           {"chunk_size", "tokens per chunk of the exact causal form (speed/memory only; default 64)"}};
  e.make = [](const json& c, const TensorOptions& opts) -> std::shared_ptr<Mixer> {
    return std::make_shared<LinearAttentionMixer>(c, opts);
  };
  return e;
}

}  // namespace tz::nn
