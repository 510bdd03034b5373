#pragma once
/// Shared machinery of the sparse and windowed mixers (local, sliding-window, Sparse Transformer,
/// Longformer, BigBird; their projections and heads come from nn/attention/mixer_base.h): padding
/// of the sequence to a multiple of a block size, and a softmax over the union of several
/// gathered key sets.
///
/// Every sparse mixer here has two forward paths that must agree:
///   - the efficient path (default): queries are cut into blocks of b tokens and each block
///     attends only to the keys its pattern can reach (its own and neighbouring blocks, global
///     tokens, random blocks), so memory is O(N * keys-per-query), never O(N^2);
///   - the dense reference (use_dense_reference = true): the pattern as a bool [N, N] mask
///     handed to nn::scaled_dot_product_attention. It is O(N^2) and exists so the property
///     tests can check the efficient path against the plain definition.
/// Conventions shared by all: causal = the pattern AND (j <= i); keys marked in the key padding
/// mask and the internal padding get zero weight; a query with no allowed key outputs zero.
#include <functional>
#include <memory>
#include <vector>

#include "nn/attention/mixer_base.h"

namespace tz::nn {

/// Smallest multiple of m that is >= n.
inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

/// Zero-pads t along dim (at the end) to length `length`.
Tensor pad_to_length(const Tensor& t, int64_t dim, int64_t length);

/// bool [B, Np]: true where key j is a real token (j < N) not marked in key_padding_mask
/// (bool [B, N], true = padding; may be undefined).
Tensor usable_keys(const Tensor& key_padding_mask, int64_t batch, int64_t n, int64_t n_padded, Device device);

/// Positions 0..n-1 as an int64 tensor on device.
Tensor positions(int64_t n, Device device);

/// t [..., nb*b, E] viewed as blocks [..., nb, b, E]; returns, for every block k, the
/// concatenation of blocks k-before .. k+after along the token axis: [..., nb, (before+1+after)*b, E].
/// Blocks outside the sequence are zeros (their keys must be masked by the caller; the matching
/// key positions come from neighbour_block_positions).
Tensor neighbour_blocks(const Tensor& t, int64_t block, int64_t before, int64_t after);
/// int64 [nb, (before+1+after)*b]: the key position of every slot of neighbour_blocks (possibly
/// negative or >= nb*b for slots outside the sequence).
Tensor neighbour_block_positions(int64_t n_blocks, int64_t block, int64_t before, int64_t after, Device device);

/// One set of keys that a block of queries attends to. scores [..., nb, b, K] (already scaled),
/// allowed bool broadcastable to scores; apply maps the weights [..., nb, b, K] of this part to
/// the output contribution [..., nb, b, Ev].
struct KeyPart {
  Tensor scores;
  Tensor allowed;
  std::function<Tensor(const Tensor&)> apply;
};

/// The key part of a band pattern: query block k (qb [B, H, nb, b, hd]) against the keys of
/// blocks k-before .. k+after of k, v [B, H, nb*b, hd]. allowed = usable[key] (bool [B, nb*b])
/// AND rule(query position [nb, b, 1], key position [nb, 1, K]) (a bool tensor). The pattern
/// must not reach further than those blocks.
KeyPart band_part(const Tensor& qb, const Tensor& k, const Tensor& v, int64_t block, int64_t before, int64_t after,
                  const Tensor& usable, const std::function<Tensor(const Tensor&, const Tensor&)>& rule);

/// Softmax over the union of the parts' allowed keys (one normaliser per query), attention
/// dropout, and the sum of the parts' outputs. A key must be allowed in at most one part,
/// otherwise it is counted twice.
Tensor attend_parts(const std::vector<KeyPart>& parts, double dropout_p);

/// The dense reference: softmax attention of q, k, v [B, H, N, hd] under the bool mask allowed
/// (broadcastable to [B, H, N, N], true = may attend).
Tensor dense_masked_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& allowed, double dropout_p);

/// bool [B, 1, N, N] combining a pattern ([N, N] or [H, N, N]) with causal and key padding, for
/// the dense references.
Tensor combine_dense_mask(const Tensor& pattern, bool causal, const Tensor& key_padding_mask, int64_t batch);

}  // namespace tz::nn
