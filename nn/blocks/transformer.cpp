#include "nn/blocks/transformer.h"

#include "autograd/ops_nn.h"
#include "autograd/ops_unary.h"
#include "core/error.h"

namespace tz::nn {
namespace {

void check_options(const char* op, int64_t d_model, int64_t nhead, const TransformerLayerOptions& o) {
  TZ_CHECK(o.activation == "relu" || o.activation == "gelu", op, "activation must be \"relu\" or \"gelu\", got \"",
           o.activation, "\"");
  TZ_CHECK(d_model > 0 && nhead > 0 && o.dim_feedforward > 0, op, "d_model, nhead and dim_feedforward must be > 0, got ",
           d_model, ", ", nhead, ", ", o.dim_feedforward);
  TZ_CHECK(d_model % nhead == 0, op, "d_model ", d_model, " must be divisible by nhead ", nhead);
}

Tensor activate(const std::string& name, const Tensor& x) { return name == "gelu" ? gelu(x) : relu(x); }

std::string layer_repr(int64_t d_model, int64_t nhead, const TransformerLayerOptions& o) {
  return cat_str("d_model=", d_model, ", nhead=", nhead, ", dim_feedforward=", o.dim_feedforward,
                 ", dropout=", o.dropout, ", activation=", o.activation, ", norm_first=", o.norm_first ? "true" : "false",
                 ", batch_first=", o.batch_first ? "true" : "false");
}

}  // namespace

// ---- TransformerEncoderLayer ----------------------------------------------------------------

TransformerEncoderLayer::TransformerEncoderLayer(int64_t d_model, int64_t nhead, const TransformerLayerOptions& o,
                                                 const TensorOptions& opts)
    : UnaryModule("TransformerEncoderLayer"), options(o) {
  check_options("TransformerEncoderLayer", d_model, nhead, o);
  self_attn = register_module("self_attn", std::make_shared<MultiheadAttention>(d_model, nhead, o.dropout, o.bias, false,
                                                                                 false, std::nullopt, std::nullopt,
                                                                                 o.batch_first, opts));
  linear1 = register_module("linear1", std::make_shared<Linear>(d_model, o.dim_feedforward, o.bias, opts));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout));
  linear2 = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward, d_model, o.bias, opts));
  norm1 = register_module("norm1", std::make_shared<LayerNorm>(Shape{d_model}, o.layer_norm_eps, true, o.bias, opts));
  norm2 = register_module("norm2", std::make_shared<LayerNorm>(Shape{d_model}, o.layer_norm_eps, true, o.bias, opts));
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
}

Tensor TransformerEncoderLayer::feed_forward(const Tensor& x) {
  return (*dropout2)((*linear2)((*dropout)(activate(options.activation, (*linear1)(x)))));
}

Tensor TransformerEncoderLayer::forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask,
                                        bool is_causal) {
  auto self_attention = [&](const Tensor& x) {
    return (*dropout1)((*self_attn)(x, x, x, src_key_padding_mask, false, src_mask, true, is_causal).output);
  };
  Tensor x = src;
  if (options.norm_first) {
    x = x + self_attention((*norm1)(x));
    return x + feed_forward((*norm2)(x));
  }
  x = (*norm1)(x + self_attention(x));
  return (*norm2)(x + feed_forward(x));
}

std::string TransformerEncoderLayer::extra_repr() const {
  return layer_repr(self_attn->embed_dim, self_attn->num_heads, options);
}

// ---- TransformerDecoderLayer ----------------------------------------------------------------

TransformerDecoderLayer::TransformerDecoderLayer(int64_t d_model, int64_t nhead, const TransformerLayerOptions& o,
                                                 const TensorOptions& opts)
    : Module("TransformerDecoderLayer"), options(o) {
  check_options("TransformerDecoderLayer", d_model, nhead, o);
  auto mha = [&] {
    return std::make_shared<MultiheadAttention>(d_model, nhead, o.dropout, o.bias, false, false, std::nullopt,
                                                std::nullopt, o.batch_first, opts);
  };
  self_attn = register_module("self_attn", mha());
  multihead_attn = register_module("multihead_attn", mha());
  linear1 = register_module("linear1", std::make_shared<Linear>(d_model, o.dim_feedforward, o.bias, opts));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout));
  linear2 = register_module("linear2", std::make_shared<Linear>(o.dim_feedforward, d_model, o.bias, opts));
  auto norm = [&] { return std::make_shared<LayerNorm>(Shape{d_model}, o.layer_norm_eps, true, o.bias, opts); };
  norm1 = register_module("norm1", norm());
  norm2 = register_module("norm2", norm());
  norm3 = register_module("norm3", norm());
  dropout1 = register_module("dropout1", std::make_shared<Dropout>(o.dropout));
  dropout2 = register_module("dropout2", std::make_shared<Dropout>(o.dropout));
  dropout3 = register_module("dropout3", std::make_shared<Dropout>(o.dropout));
}

Tensor TransformerDecoderLayer::feed_forward(const Tensor& x) {
  return (*dropout3)((*linear2)((*dropout)(activate(options.activation, (*linear1)(x)))));
}

Tensor TransformerDecoderLayer::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                        const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                        const Tensor& memory_key_padding_mask, bool tgt_is_causal,
                                        bool memory_is_causal) {
  TZ_CHECK(memory.defined(), "TransformerDecoderLayer", "memory (the encoder output) must be defined");
  auto self_attention = [&](const Tensor& x) {
    return (*dropout1)((*self_attn)(x, x, x, tgt_key_padding_mask, false, tgt_mask, true, tgt_is_causal).output);
  };
  auto cross_attention = [&](const Tensor& x) {
    return (*dropout2)(
        (*multihead_attn)(x, memory, memory, memory_key_padding_mask, false, memory_mask, true, memory_is_causal).output);
  };
  Tensor x = tgt;
  if (options.norm_first) {
    x = x + self_attention((*norm1)(x));
    x = x + cross_attention((*norm2)(x));
    return x + feed_forward((*norm3)(x));
  }
  x = (*norm1)(x + self_attention(x));
  x = (*norm2)(x + cross_attention(x));
  return (*norm3)(x + feed_forward(x));
}

std::string TransformerDecoderLayer::extra_repr() const {
  return layer_repr(self_attn->embed_dim, self_attn->num_heads, options);
}

// ---- GPT ------------------------------------------------------------------------------------

GPTMlp::GPTMlp(int64_t d_model, int64_t hidden, bool bias, double dropout_, const TensorOptions& opts)
    : UnaryModule("GPTMlp"), dropout(dropout_) {
  c_fc = register_module("c_fc", std::make_shared<Linear>(d_model, hidden, bias, opts));
  c_proj = register_module("c_proj", std::make_shared<Linear>(hidden, d_model, bias, opts));
}

Tensor GPTMlp::forward(const Tensor& x) {
  Tensor y = (*c_proj)(gelu((*c_fc)(x)));
  return is_training() && dropout > 0.0 ? tz::dropout(y, dropout, true) : y;
}

GPTBlock::GPTBlock(const GPTBlockConfig& c, const TensorOptions& opts) : UnaryModule("GPTBlock"), config(c) {
  TZ_CHECK(c.d_model > 0 && c.mlp_ratio > 0, "GPTBlock", "d_model and mlp_ratio must be > 0, got ", c.d_model, ", ",
           c.mlp_ratio);
  ln_1 = register_module("ln_1", std::make_shared<LayerNorm>(Shape{c.d_model}, c.layer_norm_eps, true, c.bias, opts));
  SelfAttentionConfig a;
  a.d_model = c.d_model, a.n_heads = c.n_heads, a.n_kv_heads = c.n_kv_heads, a.causal = true;
  a.position = c.position, a.rope_theta = c.rope_theta, a.qkv_bias = c.bias, a.out_bias = c.bias;
  a.dropout = c.dropout;
  attn = register_module("attn", std::make_shared<SelfAttention>(a, opts));
  ln_2 = register_module("ln_2", std::make_shared<LayerNorm>(Shape{c.d_model}, c.layer_norm_eps, true, c.bias, opts));
  mlp = register_module("mlp", std::make_shared<GPTMlp>(c.d_model, c.mlp_ratio * c.d_model, c.bias, c.dropout, opts));
}

Tensor GPTBlock::forward(const Tensor& x, KVCache* cache, int64_t start_pos) {
  const Tensor h = x + (*attn)((*ln_1)(x), cache, start_pos);
  return h + (*mlp)((*ln_2)(h));
}

}  // namespace tz::nn
