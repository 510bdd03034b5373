#pragma once
// Helpers for the tests of the low-rank / kernel / sorting mixers (linformer, linear, performer,
// sinkhorn): exact softmax references built from a mixer's own projections and parameter copying
// (the causality and masked-key probes are in tests/zoo/zoo_checks.h).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/zoo/sparse_test_util.h"
#include "tests/support/test_support.h"

namespace tz::test::kernel_zoo {

/// Exact multi-head softmax attention with the mixer's own projections (to_q/to_k/to_v/to_out):
/// out = to_out(SDPA(q, k, v, mask)). key_padding_mask: optional bool [B, N], true = padding.
inline Tensor softmax_reference(nn::ProjectedMixer& m, const Tensor& x, const Tensor& key_padding_mask = {},
                                bool causal = false) {
  const int64_t n = x.size(1);
  return sparse::softmax_reference(m, x, nn::ProjectedMixer::allowed_keys(n, n, causal, key_padding_mask, x.device()));
}

/// Copies every parameter of `from` into the same-named, same-shaped parameter of `to`.
inline void copy_parameters(nn::Module& to, nn::Module& from) {
  NoGradGuard g;
  auto src = from.named_parameters();
  for (auto& [name, p] : to.named_parameters())
    for (auto& [n2, q] : src)
      if (n2 == name && q.shape() == p.shape()) p.copy_(q);
}

}  // namespace tz::test::kernel_zoo
