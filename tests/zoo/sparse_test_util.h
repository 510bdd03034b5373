#pragma once
// Helpers shared by the sparse/windowed mixer tests (local, sliding-window, sparse-*, longformer,
// bigbird, reformer-lsh): f64 construction through the registry, a plain softmax-attention
// reference with the mixer's own projections, and the masked-key / gradient probes (the
// causality and masked-key probes themselves are zoo::expect_causal_from /
// zoo::expect_padded_keys_ignored in zoo_checks.h).
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>

#include "nn/attention/functional.h"
#include "nn/attention/registry.h"
#include "nn/attention/sparse_common.h"
#include "tests/support/gradcheck.h"
#include "tests/support/test_support.h"
#include "tests/zoo/zoo_checks.h"

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

/// The masked-key probe (zoo::expect_padded_keys_ignored, exact) with keys >= keep[b] of batch
/// row b marked as padding.
inline void expect_masked_keys_ignored(nn::Mixer& m, const Tensor& x, const std::vector<int64_t>& keep,
                                       bool causal = false) {
  const int64_t B = x.size(0), N = x.size(1);
  Tensor pad = zeros({B, N}, DType::Bool);
  for (int64_t b = 0; b < B; ++b)
    if (keep[b] < N) pad.select(0, b).narrow(0, keep[b], N - keep[b]).fill_(true);
  zoo::expect_padded_keys_ignored(m, x, pad, causal);
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
