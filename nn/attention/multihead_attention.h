#pragma once
/// nn::MultiheadAttention with torch.nn.MultiheadAttention's constructor, parameter names,
/// shapes, initialisation and forward semantics, so a PyTorch state_dict loads and gives the
/// same outputs.
///
/// Parameters:
///   in_proj_weight [3E, E]                          when kdim == vdim == E, else
///   q_proj_weight [E, E], k_proj_weight [E, kdim], v_proj_weight [E, vdim]
///   in_proj_bias [3E]                               (bias = true)
///   bias_k, bias_v [1, 1, E]                        (add_bias_kv = true)
///   out_proj.weight [E, E], out_proj.bias [E]       (out_proj is an nn::Linear)
/// Init as PyTorch: xavier-uniform projection weights, zero biases, xavier-normal bias_k/v,
/// out_proj.weight keeps Linear's default init.
///
/// forward(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights,
///         is_causal) -> {output, weights}
///   query [L, N, E] (batch_first: [N, L, E]; unbatched: [L, E]), key [S, N, kdim],
///   value [S, N, vdim] (same layout as query)  ->  output like query.
///   key_padding_mask [N, S] (unbatched [S]): bool true = ignore that key, or float added.
///   attn_mask [L, S] or [N * num_heads, L, S] (unbatched: [num_heads, L, S]): bool true = NOT
///     allowed to attend (PyTorch's MHA convention, the opposite of SDPA's), or float added.
///   is_causal: a hint in PyTorch that attn_mask is causal; here attn_mask is used when given,
///     and without one a causal mask is applied (PyTorch instead requires attn_mask).
///   weights (need_weights): [N, L, S] averaged over heads, or [N, num_heads, L, S]
///     (unbatched: without N); post-dropout probabilities; undefined without need_weights.
/// Dropout on the attention probabilities is active only in training mode. A query whose keys
/// are all masked gives zero weights and a zero attention output (PyTorch's weights path gives
/// NaN there).
#include <optional>

#include "nn/layers/linear.h"
#include "nn/module.h"

namespace tz::nn {

struct MultiheadAttentionOutput {
  Tensor output;
  Tensor weights;
};

class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, double dropout = 0.0, bool bias = true,
                     bool add_bias_kv = false, bool add_zero_attn = false, std::optional<int64_t> kdim = {},
                     std::optional<int64_t> vdim = {}, bool batch_first = false, const TensorOptions& opts = {});

  MultiheadAttentionOutput forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                   const Tensor& key_padding_mask = {}, bool need_weights = true,
                                   const Tensor& attn_mask = {}, bool average_attn_weights = true,
                                   bool is_causal = false);
  /// forward + forward hooks (which see and may replace the attention output).
  MultiheadAttentionOutput operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                      const Tensor& key_padding_mask = {}, bool need_weights = true,
                                      const Tensor& attn_mask = {}, bool average_attn_weights = true,
                                      bool is_causal = false);
  std::string extra_repr() const override;

  int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  double dropout;
  bool batch_first, add_zero_attn;
  /// True when kdim == vdim == embed_dim (one packed in_proj_weight).
  bool qkv_same_embed_dim;
  Tensor in_proj_weight;                               // or undefined
  Tensor q_proj_weight, k_proj_weight, v_proj_weight;  // or undefined
  Tensor in_proj_bias;                                 // or undefined
  Tensor bias_k, bias_v;                               // or undefined
  std::shared_ptr<Linear> out_proj;
};

}  // namespace tz::nn
