#include "nn/attention/sparse_common.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/functional.h"

namespace tz::nn {

Tensor pad_to_length(const Tensor& t, int64_t dim, int64_t length) {
  const int64_t d = dim < 0 ? dim + t.dim() : dim;
  const int64_t extra = length - t.size(d);
  TZ_CHECK(extra >= 0, "pad_to_length", "target length ", length, " is shorter than ", describe(t), " along dim ", d);
  if (extra == 0) return t;
  std::vector<int64_t> pads(2 * (t.dim() - d), 0);
  pads[pads.size() - 1] = extra;  // F.pad order: last dim first, (left, right) per dim
  return pad(t, pads);
}

Tensor positions(int64_t n, Device device) { return arange(0, n, 1, TensorOptions(DType::I64, device)); }

Tensor usable_keys(const Tensor& key_padding_mask, int64_t batch, int64_t n, int64_t n_padded, Device device) {
  Tensor real = (positions(n_padded, device) < n).unsqueeze(0).expand({batch, n_padded});
  if (!key_padding_mask.defined()) return real;
  Tensor pad_mask = pad_to_length(key_padding_mask.to(DType::I64), 1, n_padded) > 0;
  return logical_and(real, logical_not(pad_mask));
}

Tensor neighbour_blocks(const Tensor& t, int64_t block, int64_t before, int64_t after) {
  const int64_t nd = t.dim();
  const int64_t n = t.size(nd - 2);
  TZ_CHECK(n % block == 0, "neighbour_blocks", "length ", n, " is not a multiple of the block ", block);
  const int64_t nb = n / block;
  std::vector<int64_t> pads(4, 0);
  pads[2] = before * block, pads[3] = after * block;  // token dim (second to last)
  Tensor padded = pad(t, pads);
  Shape blocked(t.shape().begin(), t.shape().end() - 2);
  blocked.push_back(nb + before + after);
  blocked.push_back(block);
  blocked.push_back(t.size(nd - 1));
  padded = padded.reshape(blocked);  // [..., nb+before+after, b, E]
  TensorList shifted;
  for (int64_t s = 0; s <= before + after; ++s) shifted.push_back(narrow(padded, nd - 2, s, nb));
  return shifted.size() == 1 ? shifted[0] : cat(shifted, nd - 1);  // [..., nb, (before+1+after)*b, E]
}

Tensor neighbour_block_positions(int64_t n_blocks, int64_t block, int64_t before, int64_t after, Device device) {
  // slot s of block k holds key (k - before) * b + s
  Tensor starts = (positions(n_blocks, device) - before) * block;                    // [nb]
  return starts.unsqueeze(1) + positions((before + 1 + after) * block, device).unsqueeze(0);  // [nb, K]
}

KeyPart band_part(const Tensor& qb, const Tensor& k, const Tensor& v, int64_t block, int64_t before, int64_t after,
                  const Tensor& usable, const std::function<Tensor(const Tensor&, const Tensor&)>& rule) {
  const int64_t nb = qb.size(2), hd = qb.size(-1);
  const Tensor kn = neighbour_blocks(k, block, before, after);  // [B, H, nb, K, hd]
  const Tensor vn = neighbour_blocks(v, block, before, after);
  // Usable flags through the same gather (slots outside the sequence come out as 0 = unusable).
  const Tensor usable_n = neighbour_blocks(usable.to(DType::I64).unsqueeze(-1), block, before, after).squeeze(-1) > 0;
  const Tensor kpos = neighbour_block_positions(nb, block, before, after, qb.device());  // [nb, K]
  const Tensor qpos = positions(nb * block, qb.device()).reshape({nb, block});
  KeyPart part;
  part.scores = matmul(qb, kn.transpose(-1, -2)) * (1.0 / std::sqrt(static_cast<double>(hd)));
  part.allowed = logical_and(usable_n.unsqueeze(1).unsqueeze(3), rule(qpos.unsqueeze(2), kpos.unsqueeze(1)));
  part.apply = [vn](const Tensor& w) { return matmul(w, vn); };
  return part;
}

Tensor attend_parts(const std::vector<KeyPart>& parts, double dropout_p) {
  TZ_CHECK(!parts.empty(), "attend_parts", "needs at least one key part");
  TensorList scores, allowed;
  std::vector<int64_t> widths;
  for (const auto& p : parts) {
    scores.push_back(p.scores);
    allowed.push_back(p.allowed.expand(p.scores.shape()));
    widths.push_back(p.scores.size(-1));
  }
  const Tensor all_scores = scores.size() == 1 ? scores[0] : cat(scores, -1);
  const Tensor all_allowed = allowed.size() == 1 ? allowed[0] : cat(allowed, -1);
  Tensor weights = masked_softmax(all_scores, all_allowed, -1);
  if (dropout_p > 0.0) weights = dropout(weights, dropout_p, true);
  Tensor out;
  int64_t offset = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor w = parts.size() == 1 ? weights : narrow(weights, -1, offset, widths[i]);
    const Tensor o = parts[i].apply(w);
    out = out.defined() ? out + o : o;
    offset += widths[i];
  }
  return out;
}

Tensor dense_masked_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& allowed,
                              double dropout_p) {
  return scaled_dot_product_attention(q, k, v, allowed, dropout_p);
}

Tensor combine_dense_mask(const Tensor& pattern, bool causal, const Tensor& key_padding_mask, int64_t batch) {
  const int64_t n = pattern.size(-1);
  Tensor mask = pattern.dim() == 2 ? pattern.unsqueeze(0).unsqueeze(0) : pattern.unsqueeze(0);  // [1, H|1, N, N]
  if (causal) {
    const Tensor pos = positions(n, pattern.device());
    mask = logical_and(mask, pos.unsqueeze(0) <= pos.unsqueeze(1));
  }
  if (key_padding_mask.defined()) {
    mask = logical_and(mask, logical_not(key_padding_mask).reshape({batch, 1, 1, n}));
  } else {
    mask = mask.expand({batch, mask.size(1), n, n});
  }
  return mask;
}

}  // namespace tz::nn
