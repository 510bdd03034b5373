// Scaled dot-product attention as a composite of matmul and (masked_)softmax. Grouped-query
// attention reshapes the query heads into [Hk, G] groups and lets matmul broadcast each key/value
// head over its group, so keys and values are never copied Hq/Hk times.
#include "autograd/autocast.h"
#include "nn/attention/functional.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "autograd/ops_attention_fused.h"

namespace tz::nn {
namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

Shape batch_dims(const Tensor& t, int64_t trailing) {
  return Shape(t.shape().begin(), t.shape().end() - trailing);
}

struct Checked {
  int64_t L, S, E;
  Shape scores_shape;  // [..., Hq, L, S]
  int64_t groups = 1;  // Hq / Hk under GQA (1 otherwise)
  bool gqa_repeat = false;  // Hk != Hv under GQA: fall back to materialising the repeated heads
};

Checked check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, double dropout_p,
                     bool is_causal, bool enable_gqa) {
  TZ_CHECK(q.defined() && k.defined() && v.defined(), kOp, "query, key and value must be defined");
  TZ_CHECK(is_floating(q.dtype()) && q.dtype() == k.dtype() && q.dtype() == v.dtype(), kOp,
           "query, key and value must share one floating dtype, got query ", describe(q), ", key ", describe(k),
           ", value ", describe(v));
  TZ_CHECK(q.device() == k.device() && q.device() == v.device(), kOp, "query ", describe(q), ", key ", describe(k),
           " and value ", describe(v), " must be on one device (call .to(device))");
  TZ_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2, kOp, "query ", describe(q), ", key ", describe(k),
           " and value ", describe(v), " need at least 2 dims ([..., L, E] / [..., S, E])");
  TZ_CHECK(q.size(-1) == k.size(-1), kOp, "query ", describe(q), " and key ", describe(k),
           " must have the same embedding size E (last dim)");
  TZ_CHECK(k.size(-2) == v.size(-2), kOp, "key ", describe(k), " and value ", describe(v),
           " must have the same sequence length S (dim -2)");
  TZ_CHECK(dropout_p >= 0.0 && dropout_p <= 1.0, kOp, "dropout_p must be in [0, 1], got ", dropout_p);
  TZ_CHECK(!(is_causal && mask.defined()), kOp, "attn_mask ", describe(mask),
           " cannot be combined with is_causal=true (fold the causal mask into attn_mask)");
  Checked c{q.size(-2), k.size(-2), q.size(-1), {}};
  Shape batch;
  if (enable_gqa) {
    TZ_CHECK(q.dim() >= 3 && k.dim() >= 3 && v.dim() >= 3, kOp, "enable_gqa needs a head dim (-3): query ",
             describe(q), ", key ", describe(k), ", value ", describe(v));
    const int64_t hq = q.size(-3), hk = k.size(-3), hv = v.size(-3);
    TZ_CHECK(hk > 0 && hv > 0 && hq % hk == 0 && hq % hv == 0, kOp, "with enable_gqa the query heads (", hq,
             ") must be a multiple of the key heads (", hk, ") and value heads (", hv, "): query ", describe(q),
             ", key ", describe(k), ", value ", describe(v));
    c.groups = hq / hk;
    c.gqa_repeat = hk != hv;
    batch = broadcast_shapes(batch_dims(q, 3), broadcast_shapes(batch_dims(k, 3), batch_dims(v, 3), kOp), kOp);
    batch.push_back(hq);
  } else {
    const Shape kv = broadcast_shapes(batch_dims(k, 2), batch_dims(v, 2), kOp);
    TZ_CHECK(k.dim() < 3 || v.dim() < 3 || k.size(-3) == v.size(-3) || k.size(-3) == 1 || v.size(-3) == 1, kOp,
             "key ", describe(k), " and value ", describe(v), " head counts differ");
    Shape qb = batch_dims(q, 2);
    TZ_CHECK(q.dim() < 3 || k.dim() < 3 || q.size(-3) == k.size(-3) || q.size(-3) == 1 || k.size(-3) == 1, kOp,
             "query ", describe(q), " has ", q.size(-3), " heads but key ", describe(k), " has ", k.size(-3),
             " (pass enable_gqa=true for grouped-query attention)");
    batch = broadcast_shapes(qb, kv, kOp);
  }
  c.scores_shape = batch;
  c.scores_shape.push_back(c.L);
  c.scores_shape.push_back(c.S);
  if (mask.defined()) {
    TZ_CHECK(mask.dtype() == DType::Bool || is_floating(mask.dtype()), kOp, "attn_mask must be bool or floating, got ",
             describe(mask));
    TZ_CHECK(mask.device() == q.device(), kOp, "attn_mask ", describe(mask), " is not on the query's device ",
             describe(q));
    bool ok = mask.dim() <= int64_t(c.scores_shape.size());
    for (int64_t i = 1; ok && i <= mask.dim(); ++i) {
      const int64_t m = mask.size(-i), s = c.scores_shape[c.scores_shape.size() - i];
      ok = m == s || m == 1;
    }
    TZ_CHECK(ok, kOp, "attn_mask ", describe(mask), " does not broadcast to the attention scores [..., Hq, L, S] = ",
             shape_str(c.scores_shape));
  }
  return c;
}

/// q k^T with each key head shared by `groups` consecutive query heads: [..., Hq, L, S].
Tensor grouped_scores(const Tensor& q, const Tensor& k, int64_t groups) {
  if (groups == 1) return matmul(q, k.mT());
  const Tensor qg = q.unflatten(-3, {k.size(-3), groups});  // [..., Hk, G, L, E]
  return matmul(qg, k.unsqueeze(-3).mT()).flatten(-4, -3);
}

/// weights v with the same grouping: [..., Hq, L, Ev].
Tensor grouped_values(const Tensor& w, const Tensor& v, int64_t groups) {
  if (groups == 1) return matmul(w, v);
  const Tensor wg = w.unflatten(-3, {v.size(-3), groups});  // [..., Hv, G, L, S]
  return matmul(wg, v.unsqueeze(-3)).flatten(-4, -3);
}

AttentionOutput composite_attention(const Tensor& q, Tensor k, Tensor v, const Tensor& mask, double dropout_p,
                                    bool is_causal, double scale, const Checked& c) {
  int64_t groups = c.groups;
  if (c.gqa_repeat) {  // key and value head counts differ: repeat each up to Hq (PyTorch's math path)
    k = repeat_interleave(k, q.size(-3) / k.size(-3), k.dim() - 3);
    v = repeat_interleave(v, q.size(-3) / v.size(-3), v.dim() - 3);
    groups = 1;
  }
  // Scaling q (L x E values) is cheaper than scaling the scores (L x S) when L <= S.
  Tensor scores = grouped_scores(q * scale, k, groups);

  Tensor keep;  // bool, true = attend; undefined when every key is visible
  if (is_causal) {
    // Key 0 is visible to every query, so no row is fully masked: an additive -inf bias and the
    // fused softmax give masked_softmax's values at a fraction of its cost (its composite
    // forward and backward were ~4x slower on the gpt-char attention scores [32, 4, 128, 128]).
    const TensorOptions idx(DType::I64, q.device());
    const Tensor future = arange(c.L, idx).unsqueeze(1) < arange(c.S, idx).unsqueeze(0);
    scores = scores + masked_fill(zeros({c.L, c.S}, TensorOptions(scores.dtype(), q.device())), future, -INFINITY);
  } else if (mask.defined() && mask.dtype() == DType::Bool) {
    keep = mask;
  } else if (mask.defined()) {
    const Tensor bias = mask.dtype() == q.dtype() ? mask : to_dtype(mask, q.dtype());
    scores = scores + bias;
    // -inf entries exclude keys; masked_softmax turns rows with none left into zeros.
    keep = gt(mask.detach(), Scalar(-INFINITY));
  }
  Tensor weights = keep.defined() ? masked_softmax(scores, keep, -1) : softmax(scores, -1);
  if (dropout_p > 0.0) weights = dropout(weights, dropout_p, true);
  return {grouped_values(weights, v, groups), weights};
}

/// The one place the fused attention kernel (autograd/ops_attention_fused.h) plugs in: it returns
/// an undefined tensor when it does not handle the case (dropout, dtype, device, head dim, mask
/// kind, ...), and the composite runs instead.
Tensor try_fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, double dropout_p,
                           bool is_causal, double scale, bool enable_gqa, const Checked& c) {
  if (dropout_p > 0.0) return {};  // the kernels implement no dropout
  auto composite = [mask, is_causal, scale, c](const Tensor& q, const Tensor& k, const Tensor& v) {
    return composite_attention(q, k, v, mask, 0.0, is_causal, scale, c).output;
  };
  return autograd::detail::fused_attention(q, k, v, mask, is_causal, scale, enable_gqa, composite);
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, bool enable_gqa) {
  if (autocast::is_enabled())
    return autocast::lower(
        [&](const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& m) {
          return scaled_dot_product_attention(q, k, v, m, dropout_p, is_causal, scale, enable_gqa);
        },
        query, key, value, attn_mask);
  const Checked c = check_inputs(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa);
  const double s = scale ? *scale : 1.0 / std::sqrt(double(c.E));
  if (Tensor fused = try_fused_attention(query, key, value, attn_mask, dropout_p, is_causal, s, enable_gqa, c);
      fused.defined())
    return fused;
  return composite_attention(query, key, value, attn_mask, dropout_p, is_causal, s, c).output;
}

AttentionOutput scaled_dot_product_attention_with_weights(const Tensor& query, const Tensor& key, const Tensor& value,
                                                          const Tensor& attn_mask, double dropout_p, bool is_causal,
                                                          std::optional<double> scale, bool enable_gqa) {
  if (autocast::is_enabled())
    return autocast::lower(
        [&](const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& m) {
          return scaled_dot_product_attention_with_weights(q, k, v, m, dropout_p, is_causal, scale, enable_gqa);
        },
        query, key, value, attn_mask);
  const Checked c = check_inputs(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa);
  const double s = scale ? *scale : 1.0 / std::sqrt(double(c.E));
  return composite_attention(query, key, value, attn_mask, dropout_p, is_causal, s, c);
}

}  // namespace tz::nn
