// The linear-attention core: global, chunked causal and recurrent forms over any feature map,
// with the stabilised (prefix-max / online-rescaled) forms for exponential maps.
#include "nn/attention/linear_attention_core.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/kernel_attention.h"

namespace tz::nn {
namespace {

constexpr const char* kOp = "LinearAttentionCore";

void check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, bool causal, const Tensor& key_padding_mask) {
  TZ_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4 && q.size(0) == k.size(0) && q.size(1) == k.size(1) &&
               k.size(0) == v.size(0) && k.size(1) == v.size(1) && q.size(3) == k.size(3) && k.size(2) == v.size(2),
           kOp, "expects q [B, H, N, hd], k [B, H, M, hd], v [B, H, M, Dv], got ", describe(q), ", ", describe(k),
           ", ", describe(v));
  TZ_CHECK(!causal || q.size(2) == k.size(2), kOp, "the causal form needs as many keys as queries, got q ",
           describe(q), " and k ", describe(k));
  TZ_CHECK(!key_padding_mask.defined() || (key_padding_mask.dtype() == DType::Bool && key_padding_mask.dim() == 2 &&
                                           key_padding_mask.size(0) == k.size(0) && key_padding_mask.size(1) == k.size(2)),
           kOp, "key_padding_mask must be bool [B, M] for k ", describe(k), ", got ", describe(key_padding_mask));
}

// bool [B, M] -> [B, 1, M, 1], broadcasting against features [B, H, M, F]; undefined stays so.
Tensor padding_rows(const Tensor& key_padding_mask) {
  return key_padding_mask.defined() ? key_padding_mask.unsqueeze(1).unsqueeze(-1) : Tensor();
}

// where(finite, x, fallback): a shift over no (unpadded) key is -inf; any finite shift works.
Tensor finite_or(const Tensor& x, const Tensor& fallback) { return where(isfinite(x), x, fallback); }

}  // namespace

LinearAttentionCore::LinearAttentionCore(FeatureMap& map, double eps, int64_t chunk_size)
    : map_(map), eps_(eps), chunk_size_(chunk_size) {
  TZ_CHECK(eps > 0.0, kOp, "eps must be > 0, got ", eps);
  TZ_CHECK(chunk_size > 0, kOp, "chunk_size must be > 0, got ", chunk_size);
}

Tensor LinearAttentionCore::forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                    const Tensor& key_padding_mask) const {
  check_inputs(q, k, v, causal, key_padding_mask);
  const Tensor key_padding = padding_rows(key_padding_mask);
  if (causal && map_.stabilised()) return stabilised_causal(q, k, v, key_padding);
  const Tensor phi_q = map_(q, FeatureRole::query);
  Tensor phi_k = map_(k, FeatureRole::key, {key_padding});
  if (key_padding.defined()) phi_k = masked_fill(phi_k, key_padding, 0.0);  // no contribution to S or z
  const KernelAttentionSums s =
      causal ? kernel_attention_causal(phi_q, phi_k, v, chunk_size_) : kernel_attention_global(phi_q, phi_k, v);
  return s.numerator / (s.denominator.unsqueeze(-1) + eps_);
}

// The expansion of the header: key j seen from query i is mult (exp(e_j - c_i) + offset) with
// c_i the prefix max of the key shifts, = mult (exp(c_g - c_i) exp(e_j - c_g) + offset).
Tensor LinearAttentionCore::stabilised_causal(const Tensor& q, const Tensor& k, const Tensor& v,
                                              const Tensor& key_padding) const {
  const Tensor phi_q = map_(q, FeatureRole::query);
  const ExpKeyFeatures f = map_.exp_key_features(k, {key_padding});
  const Tensor shift = key_padding.defined() ? masked_fill(f.shift, key_padding, -INFINITY) : f.shift;
  const int64_t n = k.size(-2);
  const Tensor c_prefix_raw = prefix_max(shift, -2);  // [B, H, N, 1]
  Tensor c_global = c_prefix_raw.narrow(-2, n - 1, 1);
  c_global = finite_or(c_global, zeros_like(c_global));
  // Queries before the first real key see no key at all: any finite shift does.
  const Tensor c_prefix = finite_or(c_prefix_raw, c_global.expand(c_prefix_raw.shape()));
  Tensor e = exp(f.exponent - c_global);
  Tensor v_real = v, real = ones_like(f.shift);
  if (key_padding.defined()) {
    e = masked_fill(e, key_padding, 0.0);
    v_real = masked_fill(v, key_padding, 0.0);
    real = masked_fill(real, key_padding, 0.0);
  }
  const KernelAttentionSums s = kernel_attention_causal(phi_q, e, v_real, chunk_size_);
  const Tensor scale = exp(c_global - c_prefix);  // [B, H, N, 1]
  const Tensor q_total = phi_q.sum({-1}, true);   // [B, H, N, 1]
  const Tensor count = cumsum(real, -2);          // [B, H, N, 1] real keys so far
  const Tensor numerator = (scale * s.numerator + q_total * cumsum(v_real, -2) * f.offset) * f.multiplier;
  const Tensor denominator = (scale * s.denominator.unsqueeze(-1) + q_total * count * f.offset) * f.multiplier;
  return numerator / (denominator + eps_);
}

Tensor LinearAttentionCore::reference(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                      const Tensor& key_padding_mask) const {
  check_inputs(q, k, v, causal, key_padding_mask);
  const int64_t B = q.size(0), H = q.size(1), n = q.size(2), m = k.size(2);
  // blocked [B or 1, 1, N, M]: key j padded or (causal) j > i; undefined when nothing is.
  Tensor blocked;
  if (causal) {
    const TensorOptions index(DType::I64, q.device());
    blocked = gt(arange(m, index).reshape({1, 1, 1, m}), arange(n, index).reshape({1, 1, n, 1}));
  }
  if (key_padding_mask.defined()) {
    const Tensor padded = key_padding_mask.reshape({B, 1, 1, m});
    blocked = blocked.defined() ? logical_or(blocked, padded) : padded;
  }
  const Tensor phi_q = map_(q, FeatureRole::query);  // [B, H, N, F]
  Tensor weights;                                     // [B, H, N, M]
  if (map_.stabilised()) {
    const ExpKeyFeatures f = map_.exp_key_features(k, {padding_rows(key_padding_mask)});
    // c_i: the max shift over the keys query i may see (0 where it sees none).
    Tensor shifts = f.shift.transpose(-2, -1).expand({B, H, n, m});
    if (blocked.defined()) shifts = masked_fill(shifts, blocked, -INFINITY);
    Tensor c = amax(shifts, {-1}, true);  // [B, H, N, 1]
    c = finite_or(c, zeros_like(c));
    const Tensor phi_k = (exp(f.exponent.unsqueeze(2) - c.unsqueeze(-1)) + f.offset) * f.multiplier;  // [B, H, N, M, F]
    weights = (phi_q.unsqueeze(3) * phi_k).sum({-1});
  } else {
    weights = matmul(phi_q, map_(k, FeatureRole::key, {padding_rows(key_padding_mask)}).transpose(-2, -1));
  }
  if (blocked.defined()) weights = masked_fill(weights, blocked, 0.0);
  return matmul(weights, v) / (weights.sum({-1}, true) + eps_);
}

MixerState LinearAttentionCore::init_state(int64_t batch, int64_t heads, int64_t head_dim, int64_t value_dim,
                                           const TensorOptions& o) const {
  const int64_t F = map_.num_features(head_dim);
  MixerState state;
  state.tensors["S"] = zeros({batch, heads, F, value_dim}, o);
  state.tensors["z"] = zeros({batch, heads, F}, o);
  if (map_.stabilised()) {
    state.tensors["sum_v"] = zeros({batch, heads, value_dim}, o);
    state.tensors["count"] = zeros({batch, 1}, o);
    state.tensors["c"] = full({batch, heads, 1}, -INFINITY, o);
  }
  return state;
}

Tensor LinearAttentionCore::step(const Tensor& q_t, const Tensor& k_t, const Tensor& v_t, MixerState& state) const {
  TZ_CHECK(q_t.dim() == 3 && k_t.shape() == q_t.shape() && v_t.dim() == 3 && v_t.size(0) == q_t.size(0) &&
               v_t.size(1) == q_t.size(1),
           kOp, "step expects q_t, k_t [B, H, hd] and v_t [B, H, Dv], got ", describe(q_t), ", ", describe(k_t), ", ",
           describe(v_t));
  auto held = [&](const char* name) -> Tensor& {
    TZ_CHECK(state.tensors.count(name), kOp, "step needs a state from init_state() (it has no \"", name, "\")");
    return state.tensors.at(name);
  };
  Tensor& S = held("S");
  Tensor& z = held("z");
  TZ_CHECK(S.dim() == 4 && S.size(0) == q_t.size(0) && S.size(1) == q_t.size(1) && S.size(3) == v_t.size(2), kOp,
           "state S ", describe(S), " does not match q_t ", describe(q_t), " and v_t ", describe(v_t));
  // The map sees each token as a one-row sequence at its position.
  const FeatureArgs at{Tensor(), state.position};
  const Tensor phi_q = map_(q_t.unsqueeze(-2), FeatureRole::query, at).squeeze(-2);  // [B, H, F]
  Tensor numerator, denominator;
  if (!map_.stabilised()) {
    const Tensor phi_k = map_(k_t.unsqueeze(-2), FeatureRole::key, at).squeeze(-2);
    S = S + phi_k.unsqueeze(-1) * v_t.unsqueeze(-2);  // [B, H, F, Dv]
    z = z + phi_k;
    numerator = matmul(phi_q.unsqueeze(-2), S).squeeze(-2);  // [B, H, Dv]
    denominator = (phi_q * z).sum({-1}, true);
  } else {
    // Online rescaling: S and z are kept relative to the running max c of the key shifts.
    const ExpKeyFeatures f = map_.exp_key_features(k_t.unsqueeze(-2), at);
    Tensor& c = held("c");
    const Tensor c_new = maximum(c, f.shift.squeeze(-2));
    const Tensor decay = exp(c - c_new);  // 0 on the first step (c = -inf)
    const Tensor e = exp(f.exponent.squeeze(-2) - c_new);
    S = S * decay.unsqueeze(-1) + e.unsqueeze(-1) * v_t.unsqueeze(-2);
    z = z * decay + e;
    c = c_new;
    Tensor& sum_v = held("sum_v");
    Tensor& count = held("count");
    sum_v = sum_v + v_t;
    count = count + 1.0;
    const Tensor q_total = phi_q.sum({-1}, true);
    numerator = (matmul(phi_q.unsqueeze(-2), S).squeeze(-2) + q_total * sum_v * f.offset) * f.multiplier;
    denominator = ((phi_q * z).sum({-1}, true) + q_total * count.unsqueeze(-1) * f.offset) * f.multiplier;
  }
  ++state.position;
  return numerator / (denominator + eps_);
}

}  // namespace tz::nn
