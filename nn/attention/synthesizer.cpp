#include "nn/attention/synthesizer.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/registry.h"
#include "nn/init.h"

namespace tz::nn {

// The JSON keys of the config structs are their field names; the registry defaults are
// default-constructed structs, so each default is declared once (in synthesizer.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SynthesizerConfig, max_length, dot_product)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SynthesizerRandomConfig, max_length, dot_product, trainable)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SynthesizerFactorizedConfig, max_length, dot_product, trainable, k)

namespace {

const char* mode_name(SynthesizerMode m) {
  switch (m) {
    case SynthesizerMode::Dense: return "synthesizer-dense";
    case SynthesizerMode::Random: return "synthesizer-random";
    case SynthesizerMode::Factorized: return "synthesizer-factorized";
  }
  return "?";
}

MixerCapabilities synthesizer_capabilities(SynthesizerMode m, const SynthesizerConfig& config) {
  MixerCapabilities c = causal_capabilities(
      m == SynthesizerMode::Dense ? "O(N L D + N M D) (L = max_length)" : "O(N M D)", /*cross_attention=*/true);
  c.max_length = config.max_length;
  return c;
}

MixerProjections synthesizer_projections(const SynthesizerConfig& config) {
  MixerProjections p;
  p.query = p.key = config.dot_product;
  return p;
}

}  // namespace

SynthesizerMixer::SynthesizerMixer(SynthesizerMode mode_, const json& json_config, const TensorOptions& opts)
    : ProjectedMixer(mode_name(mode_), json_config,
                     synthesizer_capabilities(mode_, json_config.get<SynthesizerConfig>()), opts,
                     synthesizer_projections(json_config.get<SynthesizerConfig>())),
      mode(mode_),
      config(json_config.get<SynthesizerFactorizedConfig>()) {
  if (config.max_length <= 0) fail("max_length must be > 0, got " + std::to_string(config.max_length));
  if (mode == SynthesizerMode::Factorized && config.k <= 0) fail("k must be > 0, got " + std::to_string(config.k));
  const bool bias = qkv_bias;
  const int64_t H = n_heads, L = config.max_length, rank = config.k;
  const TensorOptions o = opts.with_requires_grad(false);
  const bool trainable = mode == SynthesizerMode::Dense || config.trainable;
  auto draw = [&](const std::string& name, const Shape& shape) {
    const double fan_in = double(shape[1]) * double(H);
    Tensor t = init::normal_(empty(shape, o), 0.0, 1.0 / std::sqrt(fan_in));
    return trainable ? register_parameter(name, t) : register_buffer(name, t);
  };
  switch (mode) {
    case SynthesizerMode::Dense:
      dense_1 = add_projection("dense_1", bias, opts);
      dense_2 = register_module("dense_2", std::make_shared<Linear>(head_dim, L, bias, opts));
      break;
    case SynthesizerMode::Random: random = draw("random", {H, L, L}); break;
    case SynthesizerMode::Factorized:
      random_1 = draw("random_1", {H, L, rank});
      random_2 = draw("random_2", {H, rank, L});
      break;
  }
}

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
  const Tensor& src = source(x, args);
  const int64_t B = x.size(0), N = x.size(1), M = src.size(1);
  Tensor logits = synthetic_logits(x, M);
  if (config.dot_product) {
    const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(src));
    logits = logits + matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(double(head_dim)));
  }
  logits = logits.expand({B, n_heads, N, M});
  const Tensor allowed = allowed_keys(N, M, args.causal, args.key_padding_mask, x.device());
  return allowed.defined() ? masked_softmax(logits, allowed, -1) : softmax(logits, -1);
}

Tensor SynthesizerMixer::forward(const Tensor& x, const MixerArgs& args) {
  return attend_with_weights(attention_weights(x, args), split_heads((*to_v)(source(x, args))));
}

std::string SynthesizerMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", max_length=", config.max_length,
                 mode == SynthesizerMode::Factorized ? cat_str(", k=", config.k) : std::string(),
                 ", dot_product=", config.dot_product ? "true" : "false");
}

namespace {

MixerEntry synthesizer_entry(SynthesizerMode mode) {
  MixerEntry e;
  e.name = mode_name(mode);
  e.paper = "Synthesizer: Rethinking Self-Attention in Transformer Models";
  e.capabilities = synthesizer_capabilities(mode, SynthesizerConfig());
  e.doc = {{"max_length", "longest supported sequence: size of the synthesized logits (LRA: max_len=512)"},
           {"dot_product", "add the q.k logits to the synthetic ones (LRA default; false = pure Synthesizer)"}};
  switch (mode) {
    case SynthesizerMode::Dense:
      e.description = "dense synthesizer: each token's MLP emits its row of attention logits";
      e.defaults = SynthesizerConfig();
      break;
    case SynthesizerMode::Random:
      e.description = "random synthesizer: one learned (or fixed) [L, L] logit matrix per head";
      e.defaults = SynthesizerRandomConfig();
      e.doc["trainable"] = "learn R (false = fixed random R, the paper's Fixed Random)";
      break;
    case SynthesizerMode::Factorized:
      e.description = "factorized random synthesizer: logits R1 R2 of rank k per head";
      e.defaults = SynthesizerFactorizedConfig();
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
