#pragma once
/// nn::SelfAttention: the decoder-style multi-head self-attention of modern language models,
/// with grouped-query / multi-query heads, optional causal masking, rotary (RoPE) or ALiBi
/// positions and a KV cache for incremental decoding.
///
/// Parameters (LLaMA / Hugging Face names): q_proj [H*hd, d_model], k_proj and v_proj
/// [Hkv*hd, d_model] (bias when qkv_bias), o_proj [d_model, H*hd] (bias when out_bias), with
/// hd = d_model / n_heads.
///
/// forward(x [B, T, d_model], cache, start_pos) -> [B, T, d_model]:
///   token t of x sits at absolute position start_pos + t (RoPE angles, ALiBi distances, the
///   causal mask). Without a cache the keys are x's own tokens. With a cache, the cache is first
///   cut to start_pos entries (start_pos < cache length rewinds, > is an error), this call's
///   keys/values (after RoPE) are appended, and the queries attend to all cached keys at
///   positions <= their own, so feeding a sequence token by token (start_pos = 0, 1, 2, ...)
///   gives the same outputs as one full causal call. The cache needs causal attention.
/// Position encodings:
///   Rotary: apply_rotary (rotate-half convention, theta = rope_theta) on q and k per head.
///   ALiBi: bias -slope_h * (i - j) added to the scores (slopes from alibi_slopes(n_heads));
///     non-causal attention uses -slope_h * |i - j|.
/// Dropout (training mode only) applies to the attention probabilities and to the output.
#include <cstdint>

#include "nn/layers/linear.h"
#include "nn/module.h"

namespace tz::nn {

enum class PositionEncoding { None, Rotary, ALiBi };

/// "none" / "rotary" / "alibi" (also "rope"); throws naming the accepted values.
PositionEncoding parse_position_encoding(const std::string& name);
const char* position_encoding_name(PositionEncoding p);

struct SelfAttentionConfig {
  int64_t d_model = 0;
  int64_t n_heads = 1;
  /// Key/value heads: n_heads (0 = same) for MHA, fewer for GQA, 1 for MQA; must divide n_heads.
  int64_t n_kv_heads = 0;
  bool causal = true;
  PositionEncoding position = PositionEncoding::None;
  bool qkv_bias = true;
  bool out_bias = true;
  double dropout = 0.0;
  double rope_theta = 10000.0;
};

/// Keys and values of the tokens seen so far, [B, Hkv, length, hd] each (after RoPE). Under
/// grad mode the cached tensors keep their autograd graph (gradients flow through earlier
/// chunks); decode under NoGradGuard to keep memory flat.
struct KVCache {
  Tensor k, v;
  int64_t length() const { return k.defined() ? k.size(2) : 0; }
  void clear() { k = {}, v = {}; }
};

class SelfAttention : public UnaryModule {
 public:
  explicit SelfAttention(const SelfAttentionConfig& config, const TensorOptions& opts = {});
  SelfAttention(int64_t d_model, int64_t n_heads, bool causal = true) : SelfAttention(make(d_model, n_heads, causal)) {}

  Tensor forward(const Tensor& x) override { return forward(x, nullptr, 0); }
  Tensor forward(const Tensor& x, KVCache* cache, int64_t start_pos = 0);
  using UnaryModule::operator();
  /// forward + forward hooks.
  Tensor operator()(const Tensor& x, KVCache* cache, int64_t start_pos = 0) {
    return run_forward_hooks({x}, forward(x, cache, start_pos));
  }
  std::string extra_repr() const override;

  SelfAttentionConfig config;
  int64_t head_dim;
  std::shared_ptr<Linear> q_proj, k_proj, v_proj, o_proj;

 private:
  static SelfAttentionConfig make(int64_t d_model, int64_t n_heads, bool causal) {
    SelfAttentionConfig c;
    c.d_model = d_model, c.n_heads = n_heads, c.causal = causal;
    return c;
  }
};

}  // namespace tz::nn
