#pragma once
/// Kernelised (linear) attention sums shared by the linear-attention family ("linear",
/// "performer"): given non-negative features phi(q) [B, H, N, F], phi(k) [B, H, M, F] and values
/// v [B, H, M, Dv], the attention of query i is
///     out_i = numerator_i / denominator_i
///     numerator_i   = sum_j (phi(q_i) . phi(k_j)) v_j       denominator_i = sum_j phi(q_i) . phi(k_j)
/// where j runs over all keys (global form) or over j <= i (causal form). Neither form ever
/// builds the [N, M] weight matrix: the global form contracts phi(k)^T v first (O(N F Dv)); the
/// causal form is chunked (chunk_size C): inside a chunk the masked quadratic form
/// (phi(q) phi(k)^T masked to j <= i) runs on [C, C] tiles, and the prefix state
/// S = sum phi(k_j) v_j^T, z = sum phi(k_j) of all earlier chunks is carried by an exclusive
/// cumulative sum over chunks. This is exact (no approximation), needs O(N C + N/C F Dv) memory
/// instead of the O(N F Dv) of a per-position prefix sum, and every step is a public
/// differentiable op, so autograd gives the backward pass.
#include <cstdint>

#include "core/tensor.h"

namespace tz::nn {

struct KernelAttentionSums {
  Tensor numerator;    // [B, H, N, Dv]
  Tensor denominator;  // [B, H, N]
};

/// Sums over every key.
KernelAttentionSums kernel_attention_global(const Tensor& phi_q, const Tensor& phi_k, const Tensor& v);

/// Sums over keys j <= i (requires N == M), chunked as described above; any N (the last chunk is
/// zero-padded internally). chunk_size > 0.
KernelAttentionSums kernel_attention_causal(const Tensor& phi_q, const Tensor& phi_k, const Tensor& v,
                                            int64_t chunk_size);

/// The O(N M) reference: builds the weights phi(q) phi(k)^T explicitly (lower-triangular when
/// causal). Only for tests and tiny sequences.
KernelAttentionSums kernel_attention_quadratic(const Tensor& phi_q, const Tensor& phi_k, const Tensor& v,
                                               bool causal);

/// Inclusive prefix maximum along `dim` (a Hillis-Steele doubling scan of `maximum`, log2(n)
/// steps of public ops, differentiable like `maximum`).
Tensor prefix_max(const Tensor& x, int64_t dim);

}  // namespace tz::nn
