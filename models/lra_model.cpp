#include "models/lra_model.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/registry.h"
#include "nn/init.h"

namespace tz::models {

Tensor sinusoidal_positions(int64_t length, int64_t dim) {
  std::vector<float> table(size_t(length * dim));
  for (int64_t p = 0; p < length; ++p)
    for (int64_t i = 0; i < dim; ++i) {
      const double angle = double(p) / std::pow(10000.0, double(2 * (i / 2)) / double(dim));
      table[size_t(p * dim + i)] = float(i % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  return from_vector(table, Shape{length, dim});
}

LraClassifier::LraClassifier(const LraModelConfig& c, const TensorOptions& opts) : Module("LraClassifier"), config(c) {
  TZ_CHECK(c.vocab_size >= 2 && c.num_classes >= 2 && c.max_length >= 1, "lra",
           "need vocab_size >= 2, num_classes >= 2, max_length >= 1");
  TZ_CHECK(c.d_model >= 1 && c.n_layers >= 1 && c.mlp_dim >= 1 && c.head_dim >= 1, "lra",
           "model.d_model, model.n_layers, model.mlp_dim and model.head_dim must be >= 1");
  TZ_CHECK(c.positions == "learned" || c.positions == "sinusoidal", "lra",
           "'model.positions' must be \"learned\" or \"sinusoidal\", got \"", c.positions, "\"");
  TZ_CHECK(c.pooling == "mean" || c.pooling == "cls", "lra", "'model.pooling' must be \"mean\" or \"cls\", got \"",
           c.pooling, "\"");
  TZ_CHECK(c.mixer_config.is_object(), "lra", "the mixer config must be a JSON object, got ", c.mixer_config.dump());
  const int64_t d = c.d_model;
  embed = register_module("embed", std::make_shared<nn::Embedding>(c.vocab_size, d, 0, opts));
  // Embedding rows N(0, 1/d) instead of N(0, 1): with positions of similar size neither drowns
  // the other, and the first LayerNorm sees unit-scale inputs.
  {
    NoGradGuard no_grad;
    nn::init::normal_(embed->weight, 0.0, 1.0 / std::sqrt(double(d)));
    embed->weight.select(0, 0).zero_();
  }
  const int64_t n_pos = c.max_length + (c.pooling == "cls" ? 1 : 0);
  if (c.positions == "learned") {
    pos_embed = register_parameter("pos_embed", zeros({n_pos, d}, opts));
    nn::init::normal_(pos_embed, 0.0, 1.0 / std::sqrt(double(d)));
  } else {
    pos_embed = register_buffer("pos_embed", sinusoidal_positions(n_pos, d).to(opts.dtype).to(opts.device), false);
  }
  if (c.pooling == "cls") {
    cls_token = register_parameter("cls_token", zeros({1, 1, d}, opts));
    nn::init::normal_(cls_token, 0.0, 0.02);
  }
  json mixer = c.mixer_config;
  mixer["name"] = c.mixer;
  if (!mixer.contains("n_heads")) mixer["n_heads"] = c.n_heads;
  // Mixers with a fixed maximum length (Linformer's E/F, Synthesizer's N x N logits, Sinkhorn's
  // sort net) are sized for the task's sequence length unless the config says otherwise, as LRA's
  // configs do.
  const nn::MixerEntry& entry = nn::find_mixer(c.mixer);
  if (entry.defaults.contains("max_length") && !mixer.contains("max_length")) mixer["max_length"] = c.max_length;
  if (entry.defaults.contains("max_num_blocks") && !mixer.contains("max_num_blocks")) {
    const int64_t block = mixer.value("block_size", entry.defaults.value("block_size", int64_t(1)));
    mixer["max_num_blocks"] = (c.max_length + block - 1) / std::max<int64_t>(block, 1);
  }
  const json enc = {{"mixer", mixer},
                    {"d_model", d},
                    {"mlp_ratio", double(c.mlp_dim) / double(d)},
                    {"norm", "pre"},
                    {"dropout", c.dropout},
                    {"activation", "gelu"},
                    {"n_layers", c.n_layers}};
  encoder = register_module("encoder", std::make_shared<nn::MixerEncoder>(enc, opts));
  use_mask_ = c.padded && encoder->blocks.front()->mixer->capabilities().key_padding_mask;
  fc1 = register_module("fc1", std::make_shared<nn::Linear>(c.pair ? 4 * d : d, c.head_dim, true, opts));
  fc2 = register_module("fc2", std::make_shared<nn::Linear>(c.head_dim, c.num_classes, true, opts));
}

Tensor LraClassifier::encode(const Tensor& tokens) {
  TZ_CHECK(tokens.defined() && tokens.dim() == 2 && tokens.dtype() == DType::I64, "lra",
           "tokens must be int64 [B, L], got ", tokens.defined() ? describe(tokens) : "undefined");
  const int64_t b = tokens.size(0), l = tokens.size(1), d = config.d_model;
  TZ_CHECK(l >= 1 && l <= config.max_length, "lra", "sequence length ", l, " outside [1, ", config.max_length, "]");
  const Tensor pad = eq(tokens, 0);  // [B, L] true = padding
  Tensor x = (*embed)(tokens);
  Tensor key_padding;
  if (config.pooling == "cls") {
    x = cat({cls_token.expand({b, 1, d}), x}, 1) + pos_embed.narrow(0, 0, l + 1);
    if (use_mask_) key_padding = cat({zeros({b, 1}, TensorOptions(DType::Bool, tokens.device())), pad}, 1);
  } else {
    x = x + pos_embed.narrow(0, 0, l);
    if (use_mask_) key_padding = pad;
  }
  nn::MixerArgs args;
  args.key_padding_mask = key_padding;
  const Tensor h = (*encoder)(x, args);
  if (config.pooling == "cls") return h.select(1, 0);
  // Mean over real tokens; an all-padding row (empty document) pools to zero.
  const Tensor keep = logical_not(pad).to(h.dtype()).unsqueeze(-1);  // [B, L, 1]
  const Tensor count = clamp_min(sum(keep, {1}), 1.0);              // [B, 1]
  return sum(h * keep, {1}) / count;
}

Tensor LraClassifier::forward(const Tensor& tokens, const Tensor& tokens2) {
  TZ_CHECK(config.pair == tokens2.defined(), "lra",
           config.pair ? "a pair task needs two token tensors" : "a single-document task takes one token tensor");
  Tensor z;
  if (config.pair) {
    TZ_CHECK(tokens2.shape() == tokens.shape(), "lra", "both documents must have the same shape, got ",
             describe(tokens), " and ", describe(tokens2));
    // One encoder pass over both towers (same weights), then LRA's [u, v, u*v, u-v].
    const int64_t b = tokens.size(0);
    const Tensor both = encode(cat({tokens, tokens2}, 0));
    const Tensor u = both.narrow(0, 0, b), v = both.narrow(0, b, b);
    z = cat({u, v, u * v, u - v}, -1);
  } else {
    z = encode(tokens);
  }
  return (*fc2)(relu((*fc1)(z)));
}

std::string LraClassifier::extra_repr() const {
  return cat_str("mixer=", config.mixer, ", d_model=", config.d_model, ", n_layers=", config.n_layers,
                 ", positions=", config.positions, ", pooling=", config.pooling, ", pair=", config.pair,
                 ", padding_mask=", use_mask_);
}

}  // namespace tz::models
