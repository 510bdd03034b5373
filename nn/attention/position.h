#pragma once
/// Relative position encodings applied inside attention: rotary embeddings (RoPE) and ALiBi.
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace tz::nn {

/// Rotary position embedding (Su et al., RoFormer) in the "rotate-half" convention of GPT-NeoX
/// and Hugging Face LLaMA: the head dim D (even) is split into halves x1 = x[..., :D/2] and
/// x2 = x[..., D/2:], and pair (x1[i], x2[i]) at position p is rotated by angle p * theta^(-2i/D):
///   out = x * cos(p w) + cat(-x2, x1) * sin(p w),  with w = [w_0..w_{D/2-1}, w_0..w_{D/2-1}].
/// (Meta's original LLaMA code rotates interleaved pairs (x[2i], x[2i+1]) instead; the two differ
/// by a fixed permutation of the q/k projection rows.) x is [..., T, D]; token t sits at position
/// start_pos + t. Angles are computed in f64, so positions stay exact for long contexts.
/// Property: <rope(q, p), rope(k, s)> depends only on p - s.
Tensor apply_rotary(const Tensor& x, int64_t start_pos = 0, double theta = 10000.0);

/// ALiBi head slopes (Press et al.): for n a power of two, 2^(-8/n * (h+1)) for h = 0..n-1; for
/// other n, the slopes of the closest smaller power of two m followed by every other slope of
/// 2m (the paper's reference implementation), so e.g. n = 6 gives the 4 slopes of m=4 and the
/// 1st and 3rd slopes of 8.
std::vector<double> alibi_slopes(int64_t n_heads);

/// ALiBi bias [n_heads, L, S] added to the attention scores: bias[h, i, j] = -slope_h * (qi - kj)
/// with query i at position q_start + i and key j at k_start + j. With symmetric = true (for
/// bidirectional attention) the distance is |qi - kj|. Causal masking is separate (the causal
/// bias grows more negative with distance; future keys are masked by the caller).
Tensor alibi_bias(int64_t n_heads, int64_t q_start, int64_t L, int64_t k_start, int64_t S, bool symmetric,
                  const TensorOptions& opts = {});

}  // namespace tz::nn
