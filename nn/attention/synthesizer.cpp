#include "nn/attention/synthesizer.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/init.h"

namespace tz::nn {
namespace {

const char* mode_name(SynthesizerMode m) {
  switch (m) {
    case SynthesizerMode::Dense: return "synthesizer-dense";
    case SynthesizerMode::Random: return "synthesizer-random";
    case SynthesizerMode::Factorized: return "synthesizer-factorized";
  }
  return "?";
}

MixerCapabilities synthesizer_capabilities(SynthesizerMode m, int64_t max_length) {
  MixerCapabilities c;
  c.causal = true;
  c.key_padding_mask = true;
  c.cross_attention = true;
  c.max_length = max_length;
  c.complexity = m == SynthesizerMode::Dense ? "O(N L D + N M D) (L = max_length)" : "O(N M D)";
  return c;
}

}  // namespace

SynthesizerMixer::SynthesizerMixer(SynthesizerMode mode_, const json& c, const TensorOptions& opts)
    : Mixer(mode_name(mode_)),
      mode(mode_),
      d_model(c["d_model"].get<int64_t>()),
      n_heads(c["n_heads"].get<int64_t>()),
      head_dim(d_model / n_heads),
      max_length(c["max_length"].get<int64_t>()),
      rank(c.contains("k") ? c["k"].get<int64_t>() : 0),
      dot_product(c["dot_product"].get<bool>()),
      dropout(c["dropout"].get<double>()) {
  if (max_length <= 0) fail("max_length must be > 0, got " + std::to_string(max_length));
  if (mode == SynthesizerMode::Factorized && rank <= 0) fail("k must be > 0, got " + std::to_string(rank));
  const bool bias = c["qkv_bias"].get<bool>();
  const int64_t H = n_heads, L = max_length;
  if (dot_product) {
    to_q = register_module("to_q", std::make_shared<Linear>(d_model, d_model, bias, opts));
    to_k = register_module("to_k", std::make_shared<Linear>(d_model, d_model, bias, opts));
  }
  to_v = register_module("to_v", std::make_shared<Linear>(d_model, d_model, bias, opts));
  to_out = register_module("to_out", std::make_shared<Linear>(d_model, d_model, c["out_bias"].get<bool>(), opts));
  const TensorOptions o = opts.with_requires_grad(false);
  const bool trainable = mode == SynthesizerMode::Dense || c["trainable"].get<bool>();
  auto draw = [&](const std::string& name, const Shape& shape) {
    const double fan_in = double(shape[1]) * double(H);
    Tensor t = init::normal_(empty(shape, o), 0.0, 1.0 / std::sqrt(fan_in));
    return trainable ? register_parameter(name, t) : register_buffer(name, t);
  };
  switch (mode) {
    case SynthesizerMode::Dense:
      dense_1 = register_module("dense_1", std::make_shared<Linear>(d_model, d_model, bias, opts));
      dense_2 = register_module("dense_2", std::make_shared<Linear>(head_dim, L, bias, opts));
      break;
    case SynthesizerMode::Random: random = draw("random", {H, L, L}); break;
    case SynthesizerMode::Factorized:
      random_1 = draw("random_1", {H, L, rank});
      random_2 = draw("random_2", {H, rank, L});
      break;
  }
}

MixerCapabilities SynthesizerMixer::capabilities() const { return synthesizer_capabilities(mode, max_length); }

Tensor SynthesizerMixer::synthetic_logits(const Tensor& x, int64_t M) {
  const int64_t B = x.size(0), N = x.size(1);
  switch (mode) {
    case SynthesizerMode::Dense: {
      const Tensor h = relu((*dense_1)(x).reshape({B, N, n_heads, head_dim}));
      return (*dense_2)(h).transpose(1, 2).narrow(3, 0, M);  // [B, H, N, M]
    }
    case SynthesizerMode::Random: return random.narrow(1, 0, N).narrow(2, 0, M).unsqueeze(0);
    case SynthesizerMode::Factorized:
      return matmul(random_1.narrow(1, 0, N), random_2.narrow(2, 0, M)).unsqueeze(0);
  }
  return {};
}

Tensor SynthesizerMixer::attention_weights(const Tensor& x, const MixerArgs& args) {
  const Tensor& src = args.context.defined() ? args.context : x;
  const int64_t B = x.size(0), N = x.size(1), M = src.size(1), H = n_heads, hd = head_dim;
  Tensor logits = synthetic_logits(x, M);
  if (dot_product) {
    const Tensor q = (*to_q)(x).reshape({B, N, H, hd}).transpose(1, 2);
    const Tensor k = (*to_k)(src).reshape({B, M, H, hd}).transpose(1, 2);
    logits = logits + matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(double(hd)));
  }
  logits = logits.expand({B, H, N, M});
  Tensor allowed;  // true = may attend
  if (args.causal) {
    const TensorOptions idx(DType::I64, x.device());
    allowed = arange(M, idx).unsqueeze(0) <= arange(M - N, M, 1, idx).unsqueeze(1);  // [N, M]
  }
  if (args.key_padding_mask.defined()) {
    const Tensor keep = logical_not(args.key_padding_mask).reshape({B, 1, 1, M});
    allowed = allowed.defined() ? logical_and(allowed, keep) : keep;
  }
  return allowed.defined() ? masked_softmax(logits, allowed, -1) : softmax(logits, -1);
}

Tensor SynthesizerMixer::forward(const Tensor& x, const MixerArgs& args) {
  const Tensor& src = args.context.defined() ? args.context : x;
  const int64_t B = x.size(0), N = x.size(1), M = src.size(1);
  const Tensor v = (*to_v)(src).reshape({B, M, n_heads, head_dim}).transpose(1, 2);
  Tensor p = attention_weights(x, args);
  if (is_training() && dropout > 0.0) p = tz::dropout(p, dropout, true);
  return (*to_out)(matmul(p, v).transpose(1, 2).reshape({B, N, d_model}));
}

std::string SynthesizerMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", max_length=", max_length,
                 mode == SynthesizerMode::Factorized ? cat_str(", k=", rank) : std::string(),
                 ", dot_product=", dot_product ? "true" : "false");
}

namespace {

MixerEntry synthesizer_entry(SynthesizerMode mode) {
  MixerEntry e;
  e.name = mode_name(mode);
  e.paper = "Synthesizer: Rethinking Self-Attention in Transformer Models";
  e.capabilities = synthesizer_capabilities(mode, 512);
  e.defaults = {{"max_length", 512}, {"dot_product", true}, {"qkv_bias", true}, {"out_bias", true}};
  e.doc = {{"max_length", "longest supported sequence: size of the synthesized logits (LRA: max_len=512)"},
           {"dot_product", "add the q.k logits to the synthetic ones (LRA default; false = pure Synthesizer)"},
           {"qkv_bias", "bias in the q/k/v (and dense synthesizer) projections"},
           {"out_bias", "bias in the output projection"}};
  switch (mode) {
    case SynthesizerMode::Dense:
      e.description = "dense synthesizer: each token's MLP emits its row of attention logits";
      break;
    case SynthesizerMode::Random:
      e.description = "random synthesizer: one learned (or fixed) [L, L] logit matrix per head";
      e.defaults["trainable"] = true;
      e.doc["trainable"] = "learn R (false = fixed random R, the paper's Fixed Random)";
      break;
    case SynthesizerMode::Factorized:
      e.description = "factorized random synthesizer: logits R1 R2 of rank k per head";
      e.defaults["k"] = 32;
      e.defaults["trainable"] = true;
      e.doc["k"] = "rank of R1 [L, k] R2 [k, L] (LRA: k=32)";
      e.doc["trainable"] = "learn R1, R2 (false = fixed random)";
      break;
  }
  e.make = [mode](const json& c, const TensorOptions& opts) -> std::shared_ptr<Mixer> {
    return std::make_shared<SynthesizerMixer>(mode, c, opts);
  };
  return e;
}

}  // namespace

MixerEntry synthesizer_dense_mixer_entry() { return synthesizer_entry(SynthesizerMode::Dense); }
MixerEntry synthesizer_random_mixer_entry() { return synthesizer_entry(SynthesizerMode::Random); }
MixerEntry synthesizer_factorized_mixer_entry() { return synthesizer_entry(SynthesizerMode::Factorized); }

}  // namespace tz::nn
