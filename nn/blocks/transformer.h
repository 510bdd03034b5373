#pragma once
/// Transformer blocks.
///
/// TransformerEncoderLayer / TransformerDecoderLayer match torch.nn's: constructor arguments,
/// submodule and parameter names (self_attn.*, multihead_attn.*, linear1, linear2, norm1..3;
/// dropout, dropout1..3 hold no parameters) and forward semantics, so PyTorch state_dicts load.
///   post-norm (norm_first = false): x = norm1(x + sa(x)); [x = norm2(x + mha(x, memory));] x = normN(x + ff(x))
///   pre-norm  (norm_first = true):  x = x + sa(norm1(x)); [x = x + mha(norm2(x), memory);] x = x + ff(normN(x))
///   ff(x) = linear2(dropout(activation(linear1(x)))); activation "relu" or "gelu" (exact erf).
/// Masks follow nn::MultiheadAttention (bool true = ignore, or float added); is_causal without a
/// mask applies the causal mask. Layouts: [L, N, E], [N, L, E] with batch_first, or unbatched [L, E].
///
/// GPTBlock is the pre-norm GPT-2 style decoder block used by the gpt-char demo:
///   x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)), mlp = c_proj(gelu(c_fc(x))) (+ dropout),
/// with attn an nn::SelfAttention (causal; optional GQA, rotary or ALiBi positions, KV cache).
#include <string>

#include "nn/attention/multihead_attention.h"
#include "nn/attention/self_attention.h"
#include "nn/layers/dropout.h"
#include "nn/layers/linear.h"
#include "nn/layers/norm.h"
#include "nn/module.h"

namespace tz::nn {

struct TransformerLayerOptions {
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  std::string activation = "relu";  // "relu" | "gelu"
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;
  bool bias = true;
};

class TransformerEncoderLayer : public UnaryModule {
 public:
  TransformerEncoderLayer(int64_t d_model, int64_t nhead, const TransformerLayerOptions& options = {},
                          const TensorOptions& opts = {});
  Tensor forward(const Tensor& src) override { return forward(src, {}, {}, false); }
  Tensor forward(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = {},
                 bool is_causal = false);
  using UnaryModule::operator();
  Tensor operator()(const Tensor& src, const Tensor& src_mask, const Tensor& src_key_padding_mask = {},
                    bool is_causal = false) {
    return run_forward_hooks({src}, forward(src, src_mask, src_key_padding_mask, is_causal));
  }
  std::string extra_repr() const override;

  TransformerLayerOptions options;
  std::shared_ptr<MultiheadAttention> self_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<LayerNorm> norm1, norm2;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2;

 private:
  Tensor feed_forward(const Tensor& x);
};

class TransformerDecoderLayer : public Module {
 public:
  TransformerDecoderLayer(int64_t d_model, int64_t nhead, const TransformerLayerOptions& options = {},
                          const TensorOptions& opts = {});
  /// tgt [T, N, E] (batch_first [N, T, E]), memory [S, N, E] (the encoder output).
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {},
                 bool tgt_is_causal = false, bool memory_is_causal = false);
  Tensor operator()(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {},
                    const Tensor& memory_mask = {}, const Tensor& tgt_key_padding_mask = {},
                    const Tensor& memory_key_padding_mask = {}, bool tgt_is_causal = false,
                    bool memory_is_causal = false) {
    return run_forward_hooks({tgt, memory}, forward(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                                                    memory_key_padding_mask, tgt_is_causal, memory_is_causal));
  }
  std::string extra_repr() const override;

  TransformerLayerOptions options;
  std::shared_ptr<MultiheadAttention> self_attn, multihead_attn;
  std::shared_ptr<Linear> linear1, linear2;
  std::shared_ptr<LayerNorm> norm1, norm2, norm3;
  std::shared_ptr<Dropout> dropout, dropout1, dropout2, dropout3;

 private:
  Tensor feed_forward(const Tensor& x);
};

struct GPTBlockConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;
  int64_t n_kv_heads = 0;  // 0 = n_heads
  int64_t mlp_ratio = 4;   // hidden width = mlp_ratio * d_model
  double dropout = 0.0;
  bool bias = true;        // in every Linear and LayerNorm
  double layer_norm_eps = 1e-5;
  PositionEncoding position = PositionEncoding::None;
  double rope_theta = 10000.0;
};

/// GPT MLP: c_proj(gelu(c_fc(x))), then dropout (training only).
class GPTMlp : public UnaryModule {
 public:
  GPTMlp(int64_t d_model, int64_t hidden, bool bias, double dropout, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<Linear> c_fc, c_proj;
  double dropout;
};

class GPTBlock : public UnaryModule {
 public:
  explicit GPTBlock(const GPTBlockConfig& config, const TensorOptions& opts = {});
  /// x [B, T, d_model]; cache/start_pos as nn::SelfAttention::forward.
  Tensor forward(const Tensor& x) override { return forward(x, nullptr, 0); }
  Tensor forward(const Tensor& x, KVCache* cache, int64_t start_pos = 0);
  using UnaryModule::operator();
  Tensor operator()(const Tensor& x, KVCache* cache, int64_t start_pos = 0) {
    return run_forward_hooks({x}, forward(x, cache, start_pos));
  }

  GPTBlockConfig config;
  std::shared_ptr<LayerNorm> ln_1, ln_2;
  std::shared_ptr<SelfAttention> attn;
  std::shared_ptr<GPTMlp> mlp;
};

}  // namespace tz::nn
