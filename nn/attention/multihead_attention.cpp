// MultiheadAttention runs in batch-first layout internally ([N, L, E]); PyTorch's sequence-first
// and unbatched inputs are transposed / unsqueezed on the way in and back on the way out. The
// attention itself is nn::scaled_dot_product_attention over [N, H, L, hd] heads.
#include "nn/attention/multihead_attention.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/functional.h"
#include "nn/init.h"

namespace tz::nn {
namespace {

constexpr const char* kOp = "MultiheadAttention";

Tensor xavier_uniform(const Shape& shape, const TensorOptions& opts) {
  return init::xavier_uniform_(empty(shape, opts.with_requires_grad(false)));
}

/// Appends `extra` never-masked key columns (false / 0) to a mask's last dim, for the keys that
/// add_bias_kv and add_zero_attn append.
Tensor pad_keys(const Tensor& mask, int64_t extra) {
  if (!mask.defined() || extra == 0) return mask;
  Shape shape = mask.shape();
  shape.back() = extra;
  return cat({mask, zeros(shape, TensorOptions(mask.dtype(), mask.device()))}, mask.dim() - 1);
}

/// A PyTorch MHA mask (bool true = ignore, or float) as an additive float mask.
Tensor additive(const Tensor& mask, DType dtype) {
  if (mask.dtype() == DType::Bool)
    return masked_fill(zeros(mask.shape(), TensorOptions(dtype, mask.device())), mask, -INFINITY);
  return mask.dtype() == dtype ? mask : to_dtype(mask, dtype);
}

}  // namespace

MultiheadAttention::MultiheadAttention(int64_t embed_dim_, int64_t num_heads_, double dropout_, bool bias,
                                       bool add_bias_kv, bool add_zero_attn_, std::optional<int64_t> kdim_,
                                       std::optional<int64_t> vdim_, bool batch_first_, const TensorOptions& opts)
    : Module("MultiheadAttention"),
      embed_dim(embed_dim_),
      num_heads(num_heads_),
      head_dim(0),
      kdim(kdim_.value_or(embed_dim_)),
      vdim(vdim_.value_or(embed_dim_)),
      dropout(dropout_),
      batch_first(batch_first_),
      add_zero_attn(add_zero_attn_) {
  TZ_CHECK(embed_dim > 0 && num_heads > 0 && kdim > 0 && vdim > 0, kOp,
           "embed_dim, num_heads, kdim and vdim must be > 0, got embed_dim=", embed_dim, ", num_heads=", num_heads,
           ", kdim=", kdim, ", vdim=", vdim);
  TZ_CHECK(embed_dim % num_heads == 0, kOp, "embed_dim ", embed_dim, " must be divisible by num_heads ", num_heads);
  TZ_CHECK(dropout >= 0.0 && dropout <= 1.0, kOp, "dropout must be in [0, 1], got ", dropout);
  head_dim = embed_dim / num_heads;
  qkv_same_embed_dim = kdim == embed_dim && vdim == embed_dim;
  const int64_t E = embed_dim;
  if (qkv_same_embed_dim) {
    in_proj_weight = register_parameter("in_proj_weight", xavier_uniform({3 * E, E}, opts));
  } else {
    q_proj_weight = register_parameter("q_proj_weight", xavier_uniform({E, E}, opts));
    k_proj_weight = register_parameter("k_proj_weight", xavier_uniform({E, kdim}, opts));
    v_proj_weight = register_parameter("v_proj_weight", xavier_uniform({E, vdim}, opts));
  }
  if (bias) in_proj_bias = register_parameter("in_proj_bias", zeros({3 * E}, opts.with_requires_grad(false)));
  if (add_bias_kv) {
    bias_k = register_parameter("bias_k", init::xavier_normal_(empty({1, 1, E}, opts.with_requires_grad(false))));
    bias_v = register_parameter("bias_v", init::xavier_normal_(empty({1, 1, E}, opts.with_requires_grad(false))));
  }
  out_proj = register_module("out_proj", std::make_shared<Linear>(E, E, bias, opts));
  if (bias) init::zeros_(out_proj->bias);
}

MultiheadAttentionOutput MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                     const Tensor& key_padding_mask, bool need_weights,
                                                     const Tensor& attn_mask, bool average_attn_weights,
                                                     bool is_causal) {
  TZ_CHECK(query.defined() && key.defined() && value.defined(), kOp, "query, key and value must be defined");
  TZ_CHECK(query.dim() == 3 || query.dim() == 2, kOp, "query must be ", batch_first ? "[N, L, E]" : "[L, N, E]",
           " or unbatched [L, E], got ", describe(query));
  TZ_CHECK(key.dim() == query.dim() && value.dim() == query.dim(), kOp, "query ", describe(query), ", key ",
           describe(key), " and value ", describe(value), " must all be batched (3-d) or all unbatched (2-d)");
  const bool batched = query.dim() == 3;
  Tensor q = query, k = key, v = value;
  if (!batched) {
    q = q.unsqueeze(0), k = k.unsqueeze(0), v = v.unsqueeze(0);
  } else if (!batch_first) {
    q = q.transpose(0, 1), k = k.transpose(0, 1), v = v.transpose(0, 1);
  }
  const int64_t N = q.size(0), L = q.size(1), S0 = k.size(1), E = embed_dim, H = num_heads;
  TZ_CHECK(q.size(2) == E, kOp, "query ", describe(query), " must have embed_dim ", E, " as its last dim");
  TZ_CHECK(k.size(2) == kdim && v.size(2) == vdim, kOp, "key ", describe(key), " and value ", describe(value),
           " must have last dims kdim=", kdim, " and vdim=", vdim);
  TZ_CHECK(k.size(0) == N && v.size(0) == N && v.size(1) == S0, kOp, "query ", describe(query), ", key ",
           describe(key), " and value ", describe(value), " disagree on the batch size or key/value length");

  // ---- masks, checked against the caller's shapes --------------------------------------
  Tensor kpm, am;  // broadcastable to [N, H, L, S]
  if (key_padding_mask.defined()) {
    const Shape want = batched ? Shape{N, S0} : Shape{S0};
    TZ_CHECK(key_padding_mask.shape() == want, kOp, "key_padding_mask ", describe(key_padding_mask), " must be ",
             batched ? "[N, S] = " : "[S] = ", shape_str(want));
    TZ_CHECK(key_padding_mask.dtype() == DType::Bool || is_floating(key_padding_mask.dtype()), kOp,
             "key_padding_mask must be bool or floating, got ", describe(key_padding_mask));
    kpm = key_padding_mask.reshape({N, 1, 1, S0});
  }
  if (attn_mask.defined()) {
    const Shape want2{L, S0}, want3{N * H, L, S0};
    TZ_CHECK(attn_mask.shape() == want2 || attn_mask.shape() == want3, kOp, "attn_mask ", describe(attn_mask),
             " must be [L, S] = ", shape_str(want2), " or ",
             batched ? "[N*num_heads, L, S] = " : "[num_heads, L, S] = ", shape_str(want3));
    TZ_CHECK(attn_mask.dtype() == DType::Bool || is_floating(attn_mask.dtype()), kOp,
             "attn_mask must be bool or floating, got ", describe(attn_mask));
    am = attn_mask.dim() == 3 ? attn_mask.reshape({N, H, L, S0}) : attn_mask;
  } else if (is_causal) {
    const TensorOptions idx(DType::I64, q.device());
    am = arange(S0, idx).unsqueeze(0) > arange(L, idx).unsqueeze(1);  // true = future key, ignored
  }

  // ---- projections ---------------------------------------------------------------------
  auto bias_part = [&](int64_t i) { return in_proj_bias.defined() ? in_proj_bias.narrow(0, i * E, E) : Tensor(); };
  if (qkv_same_embed_dim && query.is_same(key) && key.is_same(value)) {
    const TensorList qkv = chunk(linear(q, in_proj_weight, in_proj_bias), 3, -1);  // self-attention: one GEMM
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    q = linear(q, qkv_same_embed_dim ? in_proj_weight.narrow(0, 0, E) : q_proj_weight, bias_part(0));
    k = linear(k, qkv_same_embed_dim ? in_proj_weight.narrow(0, E, E) : k_proj_weight, bias_part(1));
    v = linear(v, qkv_same_embed_dim ? in_proj_weight.narrow(0, 2 * E, E) : v_proj_weight, bias_part(2));
  }
  int64_t extra_keys = 0;
  if (bias_k.defined()) {
    k = cat({k, bias_k.expand({N, 1, E})}, 1);
    v = cat({v, bias_v.expand({N, 1, E})}, 1);
    ++extra_keys;
  }
  const int64_t hd = head_dim;
  q = q.reshape({N, L, H, hd}).transpose(1, 2);
  k = k.reshape({N, S0 + extra_keys, H, hd}).transpose(1, 2);
  v = v.reshape({N, S0 + extra_keys, H, hd}).transpose(1, 2);
  if (add_zero_attn) {
    const Tensor zero = zeros({N, H, 1, hd}, TensorOptions(k.dtype(), k.device()));
    k = cat({k, zero}, 2);
    v = cat({v, zero}, 2);
    ++extra_keys;
  }
  kpm = pad_keys(kpm, extra_keys);
  am = pad_keys(am, extra_keys);

  // ---- attention -----------------------------------------------------------------------
  Tensor mask;  // SDPA's convention: bool true = attend, or additive float
  if (kpm.defined() || am.defined()) {
    const bool all_bool = (!kpm.defined() || kpm.dtype() == DType::Bool) && (!am.defined() || am.dtype() == DType::Bool);
    if (all_bool) {
      mask = kpm.defined() && am.defined() ? logical_not(logical_or(kpm, am)) : logical_not(kpm.defined() ? kpm : am);
    } else {
      mask = kpm.defined() && am.defined() ? additive(am, q.dtype()) + additive(kpm, q.dtype())
                                           : additive(kpm.defined() ? kpm : am, q.dtype());
    }
  }
  const double p = is_training() ? dropout : 0.0;
  AttentionOutput attn;
  if (need_weights) attn = scaled_dot_product_attention_with_weights(q, k, v, mask, p);
  else attn.output = scaled_dot_product_attention(q, k, v, mask, p);

  Tensor out = (*out_proj)(attn.output.transpose(1, 2).reshape({N, L, E}));
  if (!batched) out = out.squeeze(0);
  else if (!batch_first) out = out.transpose(0, 1);
  Tensor weights = attn.weights;
  if (weights.defined()) {
    if (average_attn_weights) weights = mean(weights, {1});
    if (!batched) weights = weights.squeeze(0);
  }
  return {out, weights};
}

MultiheadAttentionOutput MultiheadAttention::operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                                        const Tensor& key_padding_mask, bool need_weights,
                                                        const Tensor& attn_mask, bool average_attn_weights,
                                                        bool is_causal) {
  MultiheadAttentionOutput r =
      forward(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal);
  r.output = run_forward_hooks({query, key, value}, r.output);
  return r;
}

std::string MultiheadAttention::extra_repr() const {
  return cat_str("embed_dim=", embed_dim, ", num_heads=", num_heads, ", dropout=", dropout,
                 qkv_same_embed_dim ? "" : cat_str(", kdim=", kdim, ", vdim=", vdim),
                 bias_k.defined() ? ", add_bias_kv=true" : "", add_zero_attn ? ", add_zero_attn=true" : "",
                 ", batch_first=", batch_first ? "true" : "false");
}

}  // namespace tz::nn
