#pragma once
/// The fused (flash) attention op behind scaled_dot_product_attention (nn/attention/functional.h):
/// runs the backend's Backend::attention_forward kernel and records one autograd node,
/// ScaledDotProductAttentionBackward, whose backward runs Backend::attention_backward.
///
/// The fused backward is first order only. When a graph of the backward itself is requested
/// (create_graph=true: grad mode is on while the node runs), the node instead differentiates the
/// composite attention of its saved inputs, so higher-order gradients stay exact.
#include <functional>

#include "core/tensor.h"

namespace tz::autograd::detail {

/// Recomputes the attention output as the differentiable composite (same inputs and options).
using AttentionComposite = std::function<Tensor(const Tensor& q, const Tensor& k, const Tensor& v)>;

/// The output of the fused kernel, or an undefined tensor when the case is not expressible
/// (broadcast batch dims, value head dim != query head dim, a mask that needs its own gradient,
/// empty inputs) or the backend declines it (dtype, head dim, device). Inputs are already checked
/// by scaled_dot_product_attention; dropout is handled by the caller (never fused).
/// mask: bool (true = attend) or floating additive, broadcastable to [..., Hq, L, S].
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool is_causal,
                       double scale, bool enable_gqa, const AttentionComposite& composite);

}  // namespace tz::autograd::detail
