// The fused attention node. The kernel sees 4-d views [B, H, N, D] with a contiguous last dim;
// masks are turned into the two forms kernels handle cheaply: a bool mask that varies only over
// (batch, key) becomes a key-padding mask [B, S] (no [L, S] tensor at all), anything else an
// additive f32 bias expanded (stride 0, never materialised) to [B, Hq, L, S].
#include "autograd/ops_attention_fused.h"

#include <cmath>

#include "autograd/functional.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_unary.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/error.h"
#include "core/factories.h"

namespace tz::autograd::detail {
namespace {

using autograd::BackwardArgs;
using autograd::SavedTensor;

/// t as [B, H, N, D] with a unit stride on D (a view when possible).
Tensor as_4d(const Tensor& t, int64_t batch) {
  Tensor r = t.reshape({batch, t.size(-3), t.size(-2), t.size(-1)});
  return r.stride(3) == 1 || r.size(3) == 1 ? r : r.contiguous();
}

/// The mask padded on the left with size-1 dims to `rank` dims (a view).
Tensor left_pad(const Tensor& m, int64_t rank) {
  Shape s(size_t(rank - m.dim()), 1);
  s.insert(s.end(), m.shape().begin(), m.shape().end());
  return m.reshape(s);
}

struct KernelMasks {
  Tensor bias;  // f32 (f64 for f64 queries), broadcastable to [B, Hq, L, S], or undefined
  Tensor key_padding;  // bool [B, S], true = padding key, or undefined
};

/// Splits `mask` (checked to broadcast to scores [..., Hq, L, S]) into the kernel's forms.
KernelMasks kernel_masks(const Tensor& mask, const Shape& scores, int64_t batch, DType bias_dtype) {
  KernelMasks km;
  if (!mask.defined()) return km;
  const int64_t rank = int64_t(scores.size());
  const Tensor m = left_pad(mask.detach(), rank);
  const int64_t S = scores.back();
  if (mask.dtype() == DType::Bool && m.size(rank - 2) == 1 && m.size(rank - 3) == 1) {
    Shape per_key(scores);  // [..., 1, 1, S]
    per_key[size_t(rank - 2)] = per_key[size_t(rank - 3)] = 1;
    km.key_padding = logical_not(m.expand(per_key)).contiguous().reshape({batch, S});
    return km;
  }
  Tensor bias = mask.dtype() == DType::Bool
                    ? masked_fill(zeros(m.shape(), TensorOptions(bias_dtype, m.device())), logical_not(m), -INFINITY)
                    : m;
  if (bias.dtype() != bias_dtype) bias = bias.to(bias_dtype);
  // Fold the batch dims into one: free when they are all broadcast (size 1), else materialise
  // just the batch extent of the mask (never more than [B, ...] of what the mask already has).
  Shape leading(scores.begin(), scores.end() - 3);
  bool all_one = true;
  for (int64_t i = 0; i < rank - 3; ++i) all_one = all_one && bias.size(i) == 1;
  Shape tail(bias.shape().end() - 3, bias.shape().end());
  if (all_one) {
    tail.insert(tail.begin(), 1);
    km.bias = bias.reshape(tail);
  } else {
    Shape full = leading;
    full.insert(full.end(), tail.begin(), tail.end());
    tail.insert(tail.begin(), batch);
    km.bias = bias.expand(full).contiguous().reshape(tail);
  }
  return km;
}

TensorView optional_view(const Tensor& t, const Shape& shape, const char* op) {
  if (!t.defined()) return TensorView{};
  return dispatch::broadcast_view(t, shape, op);
}

constexpr const char* kOp = "scaled_dot_product_attention";

}  // namespace

Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool is_causal,
                       double scale, bool enable_gqa, const AttentionComposite& composite) {
  const int64_t rank = q.dim();
  if (rank < 3 || k.dim() != rank || v.dim() != rank) return {};
  for (int64_t i = 0; i < rank - 3; ++i)
    if (k.size(i) != q.size(i) || v.size(i) != q.size(i)) return {};  // broadcast batch dims
  const int64_t Hq = q.size(-3), Hk = k.size(-3), L = q.size(-2), S = k.size(-2), D = q.size(-1);
  if (v.size(-3) != Hk || v.size(-1) != D || Hk == 0 || Hq % Hk != 0 || (!enable_gqa && Hq != Hk)) return {};
  if (q.numel() == 0 || k.numel() == 0) return {};
  // The kernels give no gradient for the mask: a mask that needs one takes the composite.
  if (mask.defined() && mask.requires_grad() && GradMode::is_enabled()) return {};
  int64_t B = 1;
  for (int64_t i = 0; i < rank - 3; ++i) B *= q.size(i);

  Shape scores(q.shape().begin(), q.shape().end() - 1);
  scores.push_back(S);
  Tensor out4, lse, bias, key_padding, q4, k4, v4;
  {
    NoGradGuard no_grad;
    // F32 bias (the kernel contract) except for f64 queries, which keep it exact.
    const KernelMasks km = kernel_masks(mask, scores, B, q.dtype() == DType::F64 ? DType::F64 : DType::F32);
    bias = km.bias;
    key_padding = km.key_padding;
    q4 = as_4d(q.detach(), B);
    k4 = as_4d(k.detach(), B);
    v4 = as_4d(v.detach(), B);
    out4 = dispatch::empty({B, Hq, L, D}, q.dtype(), q.device());
    lse = dispatch::empty({B, Hq, L}, DType::F32, q.device());
    AttentionParams p;
    p.scale = scale;
    p.causal = is_causal;
    if (!dispatch::backend_of(q).attention_forward(out4.kernel_view(), lse.kernel_view(), q4.kernel_view(),
                                                   k4.kernel_view(), v4.kernel_view(),
                                                   optional_view(bias, {B, Hq, L, S}, kOp),
                                                   optional_view(key_padding, {B, S}, kOp), p))
      return {};
  }
  Tensor out = out4.reshape(q.shape());
  if (!autograd::needs_grad({q, k, v})) return out;

  autograd::record(
      "ScaledDotProductAttentionBackward", {q, k, v}, {out},
      [sq = SavedTensor::input(q), sk = SavedTensor::input(k), sv = SavedTensor::input(v),
       so = SavedTensor::output(out, 0), lse, bias, key_padding, is_causal, scale, composite,
       B](const BackwardArgs& a) -> TensorList {
        const Tensor q = sq.unpack(), k = sk.unpack(), v = sv.unpack();
        const Tensor& g = a.grads[0];
        if (GradMode::is_enabled()) {
          // create_graph: the fused backward has no derivative of its own, so differentiate the
          // composite of the same inputs (exact, just slower and [L, S]-sized).
          TensorList wrt;
          for (size_t i = 0; i < 3; ++i)
            if (a.needs_input_grad[i]) wrt.push_back(i == 0 ? q : i == 1 ? k : v);
          const TensorList gw = tz::grad({composite(q, k, v)}, wrt, {g}, true, true, true);
          TensorList r(3);
          for (size_t i = 0, j = 0; i < 3; ++i)
            if (a.needs_input_grad[i]) r[i] = gw[j++];
          return r;
        }
        const int64_t Hq = q.size(-3), Hk = k.size(-3), L = q.size(-2), S = k.size(-2), D = q.size(-1);
        const Tensor g4 = as_4d(g.to(q.dtype()), B);
        const Tensor q4 = as_4d(q, B), k4 = as_4d(k, B), v4 = as_4d(v, B);
        const Tensor o4 = so.unpack(&a.node).detach().reshape({B, Hq, L, D});
        Tensor dq = dispatch::empty({B, Hq, L, D}, q.dtype(), q.device());
        Tensor dk = dispatch::empty({B, Hk, S, D}, q.dtype(), q.device());
        Tensor dv = dispatch::empty({B, Hk, S, D}, q.dtype(), q.device());
        AttentionParams p;
        p.scale = scale;
        p.causal = is_causal;
        const bool ran = dispatch::backend_of(q).attention_backward(
            dq.kernel_view(), dk.kernel_view(), dv.kernel_view(), g4.kernel_view(), q4.kernel_view(),
            k4.kernel_view(), v4.kernel_view(), o4.kernel_view(), lse.kernel_view(),
            optional_view(bias, {B, Hq, L, S}, kOp), optional_view(key_padding, {B, S}, kOp), p);
        TZ_CHECK(ran, kOp, "the backend ran the fused attention forward but declined its backward for query ",
                 describe(q), ", key ", describe(k));
        return TensorList{dq.reshape(q.shape()), dk.reshape(k.shape()), dv.reshape(v.shape())};
      });
  return out;
}

}  // namespace tz::autograd::detail
