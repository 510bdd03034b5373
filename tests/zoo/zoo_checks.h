#pragma once
/// Reusable checks over any token mixer of the zoo, built by registry name.
///
/// Each check builds its mixer through tz::nn::make_mixer from a MixerProbe (name + small config
/// + tiny shapes), runs it on deterministic inputs and returns a gtest AssertionResult, so a test
/// reads `EXPECT_TRUE(check_causality(probe))`. tests/zoo/test_all_mixers.cpp runs them over
/// every registered mixer according to its declared capabilities; a variant's own test file may
/// call them with other configs.
///
/// The checks (all compare in f64 unless stated):
///   check_shape_contract     [B, N, D] -> [B, N, D] in f32 and f64, finite, dtype kept; also
///                            [B, N, D] with a [B, M, D] context when cross-attention is declared
///   check_causality          args.causal: perturbing token t leaves outputs < t unchanged (and
///                            changes output t, so the probe can fail)
///   check_masked_keys        key_padding_mask: changing the padded tokens' values (of x, or of
///                            the context) leaves the outputs at non-padded query positions
///                            unchanged, and the mask changes the result (it is used at all)
///   check_batch_independence sample b's output does not depend on sample b' != b
///   check_mixer_gradcheck    finite-difference gradient check w.r.t. x, the context and every
///                            parameter (tests/support/gradcheck.h), plain and causal (if declared)
///   check_capabilities_enforced  every undeclared feature (causal, mask, context, recurrent
///                            step, length > max_length) throws tz::Error starting
///                            "[mixer <name>]"
///   check_recurrent_matches_causal  (recurrent mixers) step() token by token equals the causal
///                            forward
/// Randomness inside forward (random features, hashing rotations) is made repeatable by reseeding
/// the default generator with probe.seed before every call, so two calls differ only through
/// their inputs.
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/gradcheck.h"

namespace tz::test::zoo {

struct MixerProbe {
  std::string name;
  /// Variant keys (the registry adds d_model and n_heads from the fields below).
  nlohmann::json config = nlohmann::json::object();
  int64_t batch = 2;
  int64_t length = 7;          // N (odd, so off-by-one errors show)
  int64_t context_length = 5;  // M for cross-attention
  int64_t d_model = 8;
  int64_t n_heads = 2;
  /// Absolute tolerance of the "unchanged" comparisons (f64).
  double tol = 1e-9;
  GradcheckOptions grad{1e-6, 1e-6, 1e-4, false};
  /// Include the parameters in the gradcheck (off only when there are too many for a tiny check).
  bool gradcheck_parameters = true;
  uint64_t seed = 1234;
};

/// The default probe for a registered mixer, with the small config values its line in
/// probe_overrides() (zoo_checks.cpp) sets: a new variant whose defaults are too big for a tiny
/// probe adds one line there.
MixerProbe probe_for(const std::string& name);
/// Every registered mixer name, in listing order.
std::vector<std::string> registered_mixer_names();

/// The full config passed to make_mixer: probe.config plus d_model and n_heads.
nlohmann::json probe_config(const MixerProbe& probe);
/// Builds the mixer (parameters in dtype, generator seeded with probe.seed first), in eval mode.
std::shared_ptr<nn::Mixer> build_mixer(const MixerProbe& probe, DType dtype = DType::F64);
/// Reseeds the default generator with probe.seed, then calls mixer(x, args).
Tensor run_mixer(nn::Mixer& mixer, const MixerProbe& probe, const Tensor& x, const nn::MixerArgs& args = {});

/// A key padding mask [B, M] with padding in every sample but never all of one: sample 0 pads
/// its last two keys, sample 1 its first key, further samples alternate.
Tensor probe_padding_mask(int64_t batch, int64_t keys);

/// The two probes on an already built mixer (the variant tests use them with their own configs):
/// causality: replacing tokens t..N-1 of x [B, N, D] leaves outputs 0..t-1 unchanged (within
/// tol) and changes some output >= t (so the probe can fail).
void expect_causal_from(nn::Mixer& mixer, const Tensor& x, int64_t t, double tol = 0.0);
/// masked keys: with `padded` (bool [B, N], true = padding) as the key padding mask, replacing
/// the padded tokens leaves the outputs at real positions unchanged (within tol); without the
/// mask (non-causal) the same change is visible there.
void expect_padded_keys_ignored(nn::Mixer& mixer, const Tensor& x, const Tensor& padded, bool causal = false,
                                double tol = 0.0);

::testing::AssertionResult check_shape_contract(const MixerProbe& probe);
::testing::AssertionResult check_causality(const MixerProbe& probe);
/// cross = true: the mask applies to a context's keys, and the context is perturbed.
::testing::AssertionResult check_masked_keys(const MixerProbe& probe, bool cross = false);
::testing::AssertionResult check_batch_independence(const MixerProbe& probe);
::testing::AssertionResult check_mixer_gradcheck(const MixerProbe& probe);
::testing::AssertionResult check_capabilities_enforced(const MixerProbe& probe);
::testing::AssertionResult check_recurrent_matches_causal(const MixerProbe& probe);

}  // namespace tz::test::zoo
