#include "nn/attention/self_attention.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/functional.h"
#include "nn/attention/position.h"

namespace tz::nn {
namespace {
constexpr const char* kOp = "SelfAttention";
}  // namespace

PositionEncoding parse_position_encoding(const std::string& name) {
  if (name == "none") return PositionEncoding::None;
  if (name == "rotary" || name == "rope") return PositionEncoding::Rotary;
  if (name == "alibi") return PositionEncoding::ALiBi;
  TZ_FAIL(kOp, "unknown position encoding '", name, "' (expected none, rotary (rope) or alibi)");
}

const char* position_encoding_name(PositionEncoding p) {
  switch (p) {
    case PositionEncoding::None: return "none";
    case PositionEncoding::Rotary: return "rotary";
    case PositionEncoding::ALiBi: return "alibi";
  }
  return "?";
}

SelfAttention::SelfAttention(const SelfAttentionConfig& cfg, const TensorOptions& opts)
    : UnaryModule("SelfAttention"), config(cfg), head_dim(0) {
  if (config.n_kv_heads == 0) config.n_kv_heads = config.n_heads;
  const auto& c = config;
  TZ_CHECK(c.d_model > 0 && c.n_heads > 0 && c.n_kv_heads > 0, kOp, "d_model, n_heads and n_kv_heads must be > 0, got d_model=",
           c.d_model, ", n_heads=", c.n_heads, ", n_kv_heads=", c.n_kv_heads);
  TZ_CHECK(c.d_model % c.n_heads == 0, kOp, "d_model ", c.d_model, " must be divisible by n_heads ", c.n_heads);
  TZ_CHECK(c.n_heads % c.n_kv_heads == 0, kOp, "n_heads ", c.n_heads, " must be a multiple of n_kv_heads ",
           c.n_kv_heads);
  TZ_CHECK(c.dropout >= 0.0 && c.dropout <= 1.0, kOp, "dropout must be in [0, 1], got ", c.dropout);
  head_dim = c.d_model / c.n_heads;
  TZ_CHECK(c.position != PositionEncoding::Rotary || head_dim % 2 == 0, kOp, "rotary positions need an even head dim, got ",
           head_dim, " (d_model ", c.d_model, " / n_heads ", c.n_heads, ")");
  q_proj = register_module("q_proj", std::make_shared<Linear>(c.d_model, c.n_heads * head_dim, c.qkv_bias, opts));
  k_proj = register_module("k_proj", std::make_shared<Linear>(c.d_model, c.n_kv_heads * head_dim, c.qkv_bias, opts));
  v_proj = register_module("v_proj", std::make_shared<Linear>(c.d_model, c.n_kv_heads * head_dim, c.qkv_bias, opts));
  o_proj = register_module("o_proj", std::make_shared<Linear>(c.n_heads * head_dim, c.d_model, c.out_bias, opts));
}

Tensor SelfAttention::forward(const Tensor& x, KVCache* cache, int64_t start_pos) {
  const auto& c = config;
  TZ_CHECK(x.defined() && x.dim() == 3 && x.size(2) == c.d_model, kOp, "expects x [B, T, d_model=", c.d_model,
           "], got ", x.defined() ? describe(x) : std::string("undefined"));
  TZ_CHECK(start_pos >= 0, kOp, "start_pos must be >= 0, got ", start_pos);
  const int64_t B = x.size(0), T = x.size(1), H = c.n_heads, Hkv = c.n_kv_heads, hd = head_dim;
  Tensor q = (*q_proj)(x).reshape({B, T, H, hd}).transpose(1, 2);  // [B, H, T, hd]
  Tensor k = (*k_proj)(x).reshape({B, T, Hkv, hd}).transpose(1, 2);
  Tensor v = (*v_proj)(x).reshape({B, T, Hkv, hd}).transpose(1, 2);
  if (c.position == PositionEncoding::Rotary) {
    q = apply_rotary(q, start_pos, c.rope_theta);
    k = apply_rotary(k, start_pos, c.rope_theta);
  }

  int64_t key_start = start_pos;  // absolute position of the first key
  if (cache) {
    TZ_CHECK(c.causal, kOp, "a KV cache needs causal attention (earlier tokens cannot see later ones)");
    TZ_CHECK(start_pos <= cache->length(), kOp, "start_pos ", start_pos, " is past the end of the KV cache (length ",
             cache->length(), ")");
    if (cache->length() > start_pos) {  // rewind
      cache->k = cache->k.narrow(2, 0, start_pos);
      cache->v = cache->v.narrow(2, 0, start_pos);
    }
    if (cache->length() > 0) {
      TZ_CHECK(cache->k.size(0) == B && cache->k.size(1) == Hkv && cache->k.size(3) == hd, kOp, "KV cache keys ",
               describe(cache->k), " do not match this call's [B, n_kv_heads, *, head_dim] = [", B, ", ", Hkv,
               ", *, ", hd, "]");
      k = cat({cache->k, k}, 2);
      v = cat({cache->v, v}, 2);
    }
    cache->k = k, cache->v = v;
    key_start = 0;
  }
  const int64_t S = k.size(2);

  Tensor mask;
  bool is_causal = false;
  if (c.position == PositionEncoding::ALiBi) {
    mask = alibi_bias(H, start_pos, T, key_start, S, !c.causal, TensorOptions(q.dtype(), q.device()));
  }
  if (c.causal) {
    const TensorOptions idx(DType::I64, x.device());
    const Tensor future = arange(key_start, key_start + S, 1, idx).unsqueeze(0) >
                          arange(start_pos, start_pos + T, 1, idx).unsqueeze(1);  // [T, S]
    if (mask.defined()) mask = masked_fill(mask, future, -INFINITY);
    else if (key_start == start_pos && T == S) is_causal = true;  // the plain triangle (fusable)
    else mask = logical_not(future);
  }
  const double p = is_training() ? c.dropout : 0.0;
  Tensor y = scaled_dot_product_attention(q, k, v, mask, p, is_causal, {}, Hkv != H);
  y = (*o_proj)(y.transpose(1, 2).reshape({B, T, H * hd}));
  return p > 0.0 ? dropout(y, p, true) : y;
}

std::string SelfAttention::extra_repr() const {
  const auto& c = config;
  return cat_str("d_model=", c.d_model, ", n_heads=", c.n_heads, ", n_kv_heads=", c.n_kv_heads,
                 ", causal=", c.causal ? "true" : "false", ", position=", position_encoding_name(c.position),
                 c.dropout > 0 ? cat_str(", dropout=", c.dropout) : std::string());
}

}  // namespace tz::nn
