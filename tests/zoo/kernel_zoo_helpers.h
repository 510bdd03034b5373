#pragma once
// Helpers for the tests of the low-rank / kernel / sorting mixers (linformer, linear, performer,
// sinkhorn): exact softmax references built from a mixer's own projections, and probes.
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

/// Max |a - b| over rows [lo, hi) of dim 1.
inline double max_abs_diff_rows(const Tensor& a, const Tensor& b, int64_t lo, int64_t hi) {
  if (hi <= lo) return 0.0;
  return max(abs(a.narrow(1, lo, hi - lo) - b.narrow(1, lo, hi - lo))).item<double>();
}

/// Causality probe: perturbing token t changes no output before t, and does change output t.
inline void expect_causal(nn::Mixer& mixer, const Tensor& x, int64_t t, double tol = 1e-12) {
  nn::MixerArgs args;
  args.causal = true;
  const Tensor y = mixer(x, args);
  Tensor x2 = x.clone();
  {
    NoGradGuard g;
    x2.narrow(1, t, 1).copy_(x.narrow(1, t, 1) * 3.0 + 0.5);
  }
  const Tensor y2 = mixer(x2, args);
  EXPECT_LE(max_abs_diff_rows(y, y2, 0, t), tol) << "an output before " << t << " saw token " << t;
  EXPECT_GT(max_abs_diff_rows(y, y2, t, x.size(1)), 1e-6) << "perturbing token " << t << " changed nothing";
}

/// Masked-key probe: with keys `padded` (bool [B, M], true = padding) masked, perturbing the
/// padded tokens leaves the outputs of the real tokens unchanged.
inline void expect_masked_keys_ignored(nn::Mixer& mixer, const Tensor& x, const Tensor& padded, bool causal = false,
                                       double tol = 1e-12) {
  nn::MixerArgs args;
  args.key_padding_mask = padded;
  args.causal = causal;
  const Tensor y = mixer(x, args);
  const Tensor noise = make_input(x.shape(), x.dtype(), -2, 2, 99);
  const Tensor x2 = where(padded.unsqueeze(-1), x + noise, x);
  const Tensor y2 = mixer(x2, args);
  const Tensor real = logical_not(padded).unsqueeze(-1);
  const double diff = max(abs(where(real, y - y2, zeros_like(y)))).item<double>();
  EXPECT_LE(diff, tol) << "a masked key changed a real token's output";
  // Without the mask the same perturbation does change the outputs (the probe can fail).
  nn::MixerArgs open;
  open.causal = causal;
  const double unmasked = max(abs(where(real, mixer(x, open) - mixer(x2, open), zeros_like(y)))).item<double>();
  if (!causal) EXPECT_GT(unmasked, 1e-6);
}

}  // namespace tz::test::kernel_zoo
