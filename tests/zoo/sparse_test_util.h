#pragma once
// Helpers shared by the sparse/windowed mixer tests (local, sliding-window, sparse-*, longformer,
// bigbird, reformer-lsh): f64 construction through the registry, a plain softmax-attention
// reference with the mixer's own projections, and the causality / masked-key / gradient probes.
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>

#include "nn/attention/functional.h"
#include "nn/attention/registry.h"
#include "nn/attention/sparse_common.h"
#include "tests/support/gradcheck.h"
#include "tests/support/test_support.h"

namespace tz::test::sparse {

inline std::shared_ptr<nn::Mixer> make_f64(const std::string& name, const nn::json& config) {
  return nn::make_mixer(name, config, TensorOptions(DType::F64));
}

template <class M>
std::shared_ptr<M> make_as(const std::string& name, const nn::json& config) {
  auto m = std::dynamic_pointer_cast<M>(make_f64(name, config));
  EXPECT_TRUE(m) << name << " did not build the expected class";
  return m;
}

/// Softmax attention with m's projections under a bool mask broadcastable to [B, H, N, N]
/// (undefined = full attention).
inline Tensor softmax_reference(nn::ProjectedMixer& m, const Tensor& x, const Tensor& allowed = {},
                                bool causal = false) {
  const Tensor q = m.split_heads((*m.to_q)(x)), k = m.split_heads((*m.to_k)(x)), v = m.split_heads((*m.to_v)(x));
  return (*m.to_out)(m.merge_heads(nn::scaled_dot_product_attention(q, k, v, allowed, 0.0, causal)));
}

/// Runs m twice, on x and on x with every token after `last_kept` changed, and checks that
/// outputs 0..last_kept are identical (causal), while at least one later output changed.
inline void expect_causal(nn::Mixer& m, const Tensor& x, int64_t last_kept) {
  nn::MixerArgs args;
  args.causal = true;
  const Tensor y = m(x, args);
  Tensor x2 = x.clone();
  const int64_t n = x.size(1);
  x2.narrow(1, last_kept + 1, n - last_kept - 1).copy_(make_input({x.size(0), n - last_kept - 1, x.size(2)}, x.dtype(),
                                                                   -2, 2, 99));
  const Tensor y2 = m(x2, args);
  EXPECT_TENSOR_EQ(y.narrow(1, 0, last_kept + 1), y2.narrow(1, 0, last_kept + 1));
  EXPECT_FALSE(tensors_equal(y.narrow(1, last_kept + 1, n - last_kept - 1), y2.narrow(1, last_kept + 1, n - last_kept - 1)))
      << "later outputs did not change: the probe cannot detect anything";
}

/// Marks keys `padded` (per batch row b: positions >= keep[b]) as padding, changes x there, and
/// checks that the outputs at unpadded positions are unchanged.
inline void expect_masked_keys_ignored(nn::Mixer& m, const Tensor& x, const std::vector<int64_t>& keep,
                                       bool causal = false) {
  const int64_t B = x.size(0), N = x.size(1);
  Tensor pad = zeros({B, N}, DType::Bool);
  for (int64_t b = 0; b < B; ++b)
    if (keep[b] < N) pad.select(0, b).narrow(0, keep[b], N - keep[b]).fill_(true);
  nn::MixerArgs args;
  args.key_padding_mask = pad;
  args.causal = causal;
  const Tensor y = m(x, args);
  Tensor x2 = x.clone();
  for (int64_t b = 0; b < B; ++b)
    if (keep[b] < N)
      x2.select(0, b).narrow(0, keep[b], N - keep[b]).copy_(make_input({N - keep[b], x.size(2)}, x.dtype(), -3, 3, 7 + b));
  const Tensor y2 = m(x2, args);
  for (int64_t b = 0; b < B; ++b)
    EXPECT_TENSOR_EQ(y.select(0, b).narrow(0, 0, keep[b]), y2.select(0, b).narrow(0, 0, keep[b]));
  // Without the mask the same change must matter (the probe can fail).
  if (causal) return;
  nn::MixerArgs plain;
  EXPECT_FALSE(tensors_equal(m(x, plain).select(0, 0).narrow(0, 0, keep[0]),
                             m(x2, plain).select(0, 0).narrow(0, 0, keep[0])));
}

/// Keys start .. start+count-1 of batch row `row` marked as padding.
struct PaddedKeys {
  int64_t row, start, count;
};

/// bool [batch, n] key padding mask with the listed runs marked (true = padding).
inline Tensor padding_mask(int64_t batch, int64_t n, std::initializer_list<PaddedKeys> runs) {
  Tensor pad = zeros({batch, n}, DType::Bool);
  for (const PaddedKeys& r : runs) pad.select(0, r.row).narrow(0, r.start, r.count).fill_(true);
  return pad;
}

/// Checks that m's fast form (blocked / chunked) equals its dense masked reference
/// (m.use_dense_reference) on x under the key padding mask `pad`, without and with causal
/// masking; `context` names the configuration in failure messages.
template <class M>
void expect_fast_equals_dense(M& m, const Tensor& x, const Tensor& pad, const std::string& context, double tol = 1e-12) {
  for (bool causal : {false, true}) {
    nn::MixerArgs args;
    args.causal = causal;
    args.key_padding_mask = pad;
    const Tensor fast = m(x, args);
    m.use_dense_reference = true;
    const Tensor dense = m(x, args);
    m.use_dense_reference = false;
    EXPECT_TENSOR_CLOSE(fast, dense, tol, tol) << context << " causal " << causal;
  }
}

/// f64 finite-difference check of d mixer(x) / dx (and optionally the causal form).
inline void expect_gradcheck(nn::Mixer& m, const Shape& shape, bool causal, GradcheckOptions o = {}) {
  const Tensor x = gc_input(shape, -1, 1, 3);
  nn::MixerArgs args;
  args.causal = causal;
  EXPECT_TRUE(gradcheck([&](const TensorList& in) { return m(in[0], args); }, {x}, o));
}

}  // namespace tz::test::sparse
