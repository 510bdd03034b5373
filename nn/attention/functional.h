#pragma once
/// Functional attention: torch.nn.functional.scaled_dot_product_attention.
///
/// Shapes (any number of leading batch dims, broadcast between q and k/v):
///   query [..., Hq, L, E], key [..., Hk, S, E], value [..., Hk, S, Ev]  ->  out [..., Hq, L, Ev]
/// (the head dim is just another batch dim unless enable_gqa). With enable_gqa, Hq must be a
/// multiple of Hk (and of Hv): query head h uses key/value head h / (Hq / Hk), as PyTorch's
/// repeat_interleave along dim -3 (grouped-query / multi-query attention).
///
///   weights = softmax(q k^T * scale + bias) (masked), dropout(weights, dropout_p), out = weights v
///
/// attn_mask broadcasts to [..., Hq, L, S] and is either
///   - bool: true = this query may attend to this key (SDPA's convention; note that
///     nn::MultiheadAttention's bool masks use the opposite one, true = ignore), or
///   - floating: added to the scores (-inf entries exclude a key).
/// is_causal applies the top-left aligned lower-triangular mask (query i sees keys j <= i) and,
/// as in PyTorch, cannot be combined with attn_mask.
/// A query row whose keys are all excluded (or S == 0) gets all-zero weights and a zero output,
/// not NaN (PyTorch's math path does the same since 2.5; its need_weights MHA path gives NaN).
/// scale defaults to 1/sqrt(E). dropout_p is applied whenever it is > 0 (callers pass 0 in eval
/// mode, as PyTorch's modules do).
///
/// The backend's fused (flash) kernel runs when it handles the case (Backend::attention_forward:
/// CUDA for f32/f16/bf16, the CPU for f64; no dropout; q, k, v with equal batch dims and equal
/// query/value head dims); otherwise a composite of matmul and (masked_)softmax runs. Both are
/// differentiable to any order (see autograd/ops_attention_fused.h).
#include <optional>

#include "core/tensor.h"

namespace tz::nn {

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = {}, bool enable_gqa = false);

struct AttentionOutput {
  Tensor output;   // [..., Hq, L, Ev]
  Tensor weights;  // [..., Hq, L, S]: the softmax probabilities after dropout (what PyTorch's MHA returns)
};

/// The same computation, also returning the attention probabilities (never fused).
AttentionOutput scaled_dot_product_attention_with_weights(const Tensor& query, const Tensor& key, const Tensor& value,
                                                          const Tensor& attn_mask = {}, double dropout_p = 0.0,
                                                          bool is_causal = false, std::optional<double> scale = {},
                                                          bool enable_gqa = false);

}  // namespace tz::nn
