#include "tests/zoo/zoo_checks.h"

#include <cmath>
#include <functional>
#include <map>
#include <sstream>

namespace tz::test::zoo {
namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

/// Fresh values for the chosen tokens of x [B, N, D] (keep[b][n] = false: replaced), so a probe
/// changes exactly those tokens.
Tensor replace_tokens(const Tensor& x, const std::vector<std::vector<bool>>& replace, uint64_t seed) {
  const int64_t B = x.size(0), N = x.size(1), D = x.size(2);
  std::vector<double> v = x.to_vector<double>();
  const std::vector<double> fresh = make_input({B, N, D}, DType::F64, -2.0, 2.0, seed).to_vector<double>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < N; ++n)
      if (replace[size_t(b)][size_t(n)])
        for (int64_t d = 0; d < D; ++d) {
          const size_t i = size_t((b * N + n) * D + d);
          v[i] = fresh[i];
        }
  return from_vector(v, x.shape()).to(x.dtype());
}

std::vector<std::vector<bool>> token_set(int64_t B, int64_t N) {
  return std::vector<std::vector<bool>>(size_t(B), std::vector<bool>(size_t(N), false));
}

/// Largest |a - b| over the query positions selected by rows[b][n] (all when rows is empty).
double max_diff(const Tensor& a, const Tensor& b, const std::vector<std::vector<bool>>& rows = {}) {
  const int64_t B = a.size(0), N = a.size(1), D = a.size(2);
  const std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  double m = 0.0;
  for (int64_t i = 0; i < B; ++i)
    for (int64_t n = 0; n < N; ++n) {
      if (!rows.empty() && !rows[size_t(i)][size_t(n)]) continue;
      for (int64_t d = 0; d < D; ++d) {
        const size_t k = size_t((i * N + n) * D + d);
        const double diff = std::abs(va[k] - vb[k]);
        if (std::isnan(diff)) return INFINITY;
        m = std::max(m, diff);
      }
    }
  return m;
}

std::string where(const MixerProbe& p) {
  std::ostringstream s;
  s << "[probe " << p.name << " " << probe_config(p).dump() << " B=" << p.batch << " N=" << p.length << "] ";
  return s.str();
}

Tensor probe_input(const MixerProbe& p, int64_t length, DType dtype, uint64_t salt) {
  return make_input({p.batch, length, p.d_model}, dtype, -1.0, 1.0, p.seed + salt);
}

/// Runs fn and expects a tz::Error whose message starts with "[mixer <name>]".
AssertionResult expect_mixer_error(const MixerProbe& p, const std::string& what, const std::function<void()>& fn,
                                   const std::string& must_contain = "") {
  const std::string prefix = "[mixer " + p.name + "]";
  try {
    fn();
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind(prefix, 0) != 0)
      return AssertionFailure() << where(p) << what << ": error does not start with '" << prefix << "': " << msg;
    if (!must_contain.empty() && msg.find(must_contain) == std::string::npos)
      return AssertionFailure() << where(p) << what << ": error does not say '" << must_contain << "': " << msg;
    return AssertionSuccess();
  }
  return AssertionFailure() << where(p) << what << ": expected a tz::Error starting with '" << prefix << "'";
}

}  // namespace

namespace {

/// Per-variant probe adjustments: small config values that keep the probe tiny. Keys are
/// registry names; the lambda edits the default probe (B=2, N=7, M=5, D=8, H=2).
const std::map<std::string, std::function<void(MixerProbe&)>>& probe_overrides() {
  static const std::map<std::string, std::function<void(MixerProbe&)>> overrides = {
      // [probe overrides] one line per variant that needs one
      {"local", [](MixerProbe& p) { p.config = {{"block_size", 3}}; }},
      {"sliding-window", [](MixerProbe& p) { p.config = {{"window", 2}}; }},
      {"sparse-strided", [](MixerProbe& p) { p.config = {{"stride", 3}}; }},
      {"sparse-fixed", [](MixerProbe& p) { p.config = {{"stride", 3}, {"summary_columns", 1}}; }},
      {"longformer", [](MixerProbe& p) { p.config = {{"window", 3}, {"global_tokens", {0}}}; }},
      {"bigbird", [](MixerProbe& p) { p.config = {{"block_size", 2}, {"num_rand_blocks", 1}}; }},
      {"reformer-lsh", [](MixerProbe& p) { p.config = {{"chunk_len", 2}, {"n_buckets", 4}, {"n_hashes", 2}}; }},
      {"linformer", [](MixerProbe& p) { p.config = {{"k", 4}, {"max_length", 8}}; }},
      {"linear", [](MixerProbe& p) { p.config = {{"chunk_size", 3}}; }},
      {"performer", [](MixerProbe& p) { p.config = {{"nb_features", 6}, {"chunk_size", 3}}; }},
      {"sinkhorn", [](MixerProbe& p) { p.config = {{"block_size", 3}, {"max_num_blocks", 4}}; }},
      {"synthesizer-dense", [](MixerProbe& p) { p.config = {{"max_length", 9}}; }},
      {"synthesizer-random", [](MixerProbe& p) { p.config = {{"max_length", 9}}; }},
      {"synthesizer-factorized", [](MixerProbe& p) { p.config = {{"max_length", 9}, {"k", 3}}; }},
  };
  return overrides;
}

}  // namespace

MixerProbe probe_for(const std::string& name) {
  MixerProbe p;
  p.name = name;
  auto it = probe_overrides().find(name);
  if (it != probe_overrides().end()) it->second(p);
  return p;
}

std::vector<std::string> registered_mixer_names() {
  std::vector<std::string> names;
  for (const auto& e : nn::mixer_registry()) names.push_back(e.name);
  return names;
}

nlohmann::json probe_config(const MixerProbe& probe) {
  nlohmann::json c = probe.config.is_null() ? nlohmann::json::object() : probe.config;
  c["d_model"] = probe.d_model;
  c["n_heads"] = probe.n_heads;
  return c;
}

std::shared_ptr<nn::Mixer> build_mixer(const MixerProbe& probe, DType dtype) {
  manual_seed(probe.seed);
  auto mixer = nn::make_mixer(probe.name, probe_config(probe), TensorOptions(dtype));
  mixer->eval();
  return mixer;
}

Tensor run_mixer(nn::Mixer& mixer, const MixerProbe& probe, const Tensor& x, const nn::MixerArgs& args) {
  manual_seed(probe.seed);
  return mixer(x, args);
}

void expect_causal_from(nn::Mixer& mixer, const Tensor& x, int64_t t, double tol) {
  const int64_t B = x.size(0), N = x.size(1);
  ASSERT_TRUE(t >= 0 && t < N) << "token " << t << " outside " << describe(x);
  nn::MixerArgs args;
  args.causal = true;
  auto later = token_set(B, N);
  for (auto& row : later)
    for (int64_t n = t; n < N; ++n) row[size_t(n)] = true;
  const Tensor y = mixer(x, args), y2 = mixer(replace_tokens(x, later, 99), args);
  auto earlier = token_set(B, N);
  for (auto& row : earlier)
    for (int64_t n = 0; n < t; ++n) row[size_t(n)] = true;
  EXPECT_LE(max_diff(y, y2, earlier), tol) << "an output before " << t << " saw a later token";
  EXPECT_GT(max_diff(y, y2, later), 1e-6) << "replacing tokens " << t << ".. changed nothing: the probe cannot fail";
}

void expect_padded_keys_ignored(nn::Mixer& mixer, const Tensor& x, const Tensor& padded, bool causal, double tol) {
  const int64_t B = x.size(0), N = x.size(1);
  const std::vector<uint8_t> pad = padded.to(DType::U8).to_vector<uint8_t>();
  auto padded_set = token_set(B, N), real = token_set(B, N);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < N; ++n) (pad[size_t(b * N + n)] ? padded_set : real)[size_t(b)][size_t(n)] = true;
  const Tensor x2 = replace_tokens(x, padded_set, 7);
  nn::MixerArgs args;
  args.key_padding_mask = padded;
  args.causal = causal;
  EXPECT_LE(max_diff(mixer(x, args), mixer(x2, args), real), tol) << "a masked key changed a real token's output";
  if (causal) return;
  nn::MixerArgs open;
  EXPECT_GT(max_diff(mixer(x, open), mixer(x2, open), real), 1e-6) << "the change is invisible even without the mask";
}

Tensor probe_padding_mask(int64_t batch, int64_t keys) {
  std::vector<bool> m(size_t(batch * keys), false);
  for (int64_t b = 0; b < batch; ++b) {
    if (b % 2 == 0) {
      for (int64_t j = std::max<int64_t>(1, keys - 2); j < keys; ++j) m[size_t(b * keys + j)] = true;
    } else if (keys > 1) {
      m[size_t(b * keys)] = true;
    }
  }
  return from_vector(m, Shape{batch, keys});
}

AssertionResult check_shape_contract(const MixerProbe& p) {
  for (DType dt : {DType::F32, DType::F64}) {
    auto mixer = build_mixer(p, dt);
    const Tensor x = probe_input(p, p.length, dt, 1);
    std::vector<std::pair<std::string, nn::MixerArgs>> calls = {{"self", {}}};
    if (mixer->capabilities().cross_attention) {
      nn::MixerArgs a;
      a.context = probe_input(p, p.context_length, dt, 2);
      calls.push_back({"cross", a});
    }
    for (const auto& [what, args] : calls) {
      const Tensor y = run_mixer(*mixer, p, x, args);
      if (y.shape() != x.shape())
        return AssertionFailure() << where(p) << what << " " << dtype_name(dt) << ": output " << describe(y)
                                  << " for input " << describe(x);
      if (y.dtype() != dt) return AssertionFailure() << where(p) << what << ": output dtype " << describe(y);
      for (double v : y.to_vector<double>())
        if (!std::isfinite(v)) return AssertionFailure() << where(p) << what << " " << dtype_name(dt) << ": non-finite output";
    }
  }
  return AssertionSuccess();
}

AssertionResult check_causality(const MixerProbe& p) {
  auto mixer = build_mixer(p);
  const Tensor x = probe_input(p, p.length, DType::F64, 1);
  nn::MixerArgs causal;
  causal.causal = true;
  const Tensor y = run_mixer(*mixer, p, x, causal);
  const int64_t N = p.length;
  for (int64_t t : {int64_t(0), N / 2, N - 1}) {
    auto changed = token_set(p.batch, N), before = token_set(p.batch, N), after = token_set(p.batch, N);
    for (int64_t b = 0; b < p.batch; ++b) {
      changed[size_t(b)][size_t(t)] = true;
      for (int64_t i = 0; i < N; ++i) (i < t ? before : after)[size_t(b)][size_t(i)] = true;
    }
    const Tensor y2 = run_mixer(*mixer, p, replace_tokens(x, changed, p.seed + 100 + uint64_t(t)), causal);
    if (t > 0) {
      const double d = max_diff(y, y2, before);
      if (d > p.tol)
        return AssertionFailure() << where(p) << "causal: changing token " << t << " changed earlier outputs by " << d;
    }
    if (max_diff(y, y2, after) <= 1e-9)
      return AssertionFailure() << where(p) << "causal: changing token " << t
                                << " changed no output at positions >= " << t << " (is the input used?)";
  }
  return AssertionSuccess();
}

AssertionResult check_masked_keys(const MixerProbe& p, bool cross) {
  auto mixer = build_mixer(p);
  const Tensor x = probe_input(p, p.length, DType::F64, 1);
  const int64_t M = cross ? p.context_length : p.length;
  nn::MixerArgs args;
  if (cross) args.context = probe_input(p, M, DType::F64, 2);
  const Tensor unmasked = run_mixer(*mixer, p, x, args);
  args.key_padding_mask = probe_padding_mask(p.batch, M);
  const Tensor y = run_mixer(*mixer, p, x, args);

  const std::vector<bool> pad = args.key_padding_mask.to_vector<bool>();
  auto padded = token_set(p.batch, M), kept_queries = token_set(p.batch, p.length);
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t j = 0; j < M; ++j) padded[size_t(b)][size_t(j)] = pad[size_t(b * M + j)];
    for (int64_t i = 0; i < p.length; ++i)
      kept_queries[size_t(b)][size_t(i)] = cross || !pad[size_t(b * M + i)];
  }
  nn::MixerArgs perturbed = args;
  Tensor y2;
  if (cross) {
    perturbed.context = replace_tokens(args.context, padded, p.seed + 7);
    y2 = run_mixer(*mixer, p, x, perturbed);
  } else {
    y2 = run_mixer(*mixer, p, replace_tokens(x, padded, p.seed + 7), perturbed);
  }
  const double d = max_diff(y, y2, kept_queries);
  if (d > p.tol)
    return AssertionFailure() << where(p) << (cross ? "cross " : "self ")
                              << "key padding: changing padded tokens changed non-padded outputs by " << d;
  if (max_diff(y, unmasked, kept_queries) <= 1e-9)
    return AssertionFailure() << where(p) << "key padding: the mask did not change any output (is it used?)";
  return AssertionSuccess();
}

AssertionResult check_batch_independence(const MixerProbe& p) {
  if (p.batch < 2) return AssertionFailure() << where(p) << "batch independence needs batch >= 2";
  auto mixer = build_mixer(p);
  const Tensor x = probe_input(p, p.length, DType::F64, 1);
  const Tensor y = run_mixer(*mixer, p, x);
  auto sample1 = token_set(p.batch, p.length), sample0 = token_set(p.batch, p.length);
  for (int64_t i = 0; i < p.length; ++i) sample1[1][size_t(i)] = true, sample0[0][size_t(i)] = true;
  const Tensor y2 = run_mixer(*mixer, p, replace_tokens(x, sample1, p.seed + 9));
  const double d = max_diff(y, y2, sample0);
  if (d > p.tol) return AssertionFailure() << where(p) << "changing sample 1 changed sample 0's output by " << d;
  return AssertionSuccess();
}

AssertionResult check_mixer_gradcheck(const MixerProbe& p) {
  auto mixer = build_mixer(p);
  const auto caps = mixer->capabilities();
  std::vector<std::pair<std::string, nn::MixerArgs>> calls = {{"plain", {}}};
  if (caps.causal) calls.push_back({"causal", {}}), calls.back().second.causal = true;
  if (caps.key_padding_mask)
    calls.push_back({"masked", {}}), calls.back().second.key_padding_mask = probe_padding_mask(p.batch, p.length);
  if (caps.cross_attention) calls.push_back({"cross", {}});
  for (auto& [what, args] : calls) {
    TensorList inputs = {gc_input({p.batch, p.length, p.d_model}, -1.0, 1.0, p.seed)};
    const bool cross = what == "cross";
    if (cross) inputs.push_back(gc_input({p.batch, p.context_length, p.d_model}, -1.0, 1.0, p.seed + 1));
    if (p.gradcheck_parameters)
      for (const Tensor& w : mixer->parameters())
        if (w.requires_grad()) inputs.push_back(w);
    const nn::MixerArgs base = args;
    auto fn = [&, base, cross](const TensorList& in) {
      nn::MixerArgs a = base;
      if (cross) a.context = in[1];
      return run_mixer(*mixer, p, in[0], a);
    };
    auto r = gradcheck(fn, inputs, p.grad);
    if (!r) return AssertionFailure() << where(p) << what << " gradcheck (input 0 = x, "
                                      << (cross ? "1 = context, then " : "then ") << "parameters in order): "
                                      << r.message();
  }
  return AssertionSuccess();
}

AssertionResult check_capabilities_enforced(const MixerProbe& p) {
  auto mixer = build_mixer(p);
  const auto caps = mixer->capabilities();
  const Tensor x = probe_input(p, p.length, DType::F64, 1);
  if (!caps.causal) {
    nn::MixerArgs a;
    a.causal = true;
    auto r = expect_mixer_error(p, "causal", [&] { (*mixer)(x, a); }, caps.no_causal_reason);
    if (!r) return r;
  }
  if (!caps.key_padding_mask) {
    nn::MixerArgs a;
    a.key_padding_mask = probe_padding_mask(p.batch, p.length);
    auto r = expect_mixer_error(p, "key_padding_mask", [&] { (*mixer)(x, a); });
    if (!r) return r;
  }
  if (!caps.cross_attention) {
    nn::MixerArgs a;
    a.context = probe_input(p, p.context_length, DType::F64, 2);
    auto r = expect_mixer_error(p, "context", [&] { (*mixer)(x, a); });
    if (!r) return r;
  }
  if (!caps.recurrent) {
    auto r = expect_mixer_error(p, "init_state", [&] { mixer->init_state(p.batch); });
    if (!r) return r;
  }
  if (caps.max_length > 0) {
    const Tensor long_x = probe_input(p, caps.max_length + 1, DType::F64, 3);
    auto r = expect_mixer_error(p, "length max_length + 1", [&] { (*mixer)(long_x); });
    if (!r) return r;
    if (caps.max_length < p.length)
      return AssertionFailure() << where(p) << "max_length " << caps.max_length << " is below the probe length";
  }
  // A malformed input is rejected with the same prefix.
  return expect_mixer_error(p, "2-d input", [&] { (*mixer)(x.reshape({p.batch * p.length, p.d_model})); });
}

AssertionResult check_recurrent_matches_causal(const MixerProbe& p) {
  auto mixer = build_mixer(p);
  if (!mixer->capabilities().recurrent) return AssertionFailure() << where(p) << "not declared recurrent";
  const Tensor x = probe_input(p, p.length, DType::F64, 1);
  nn::MixerArgs causal;
  causal.causal = true;
  const Tensor y = run_mixer(*mixer, p, x, causal);
  manual_seed(p.seed);
  nn::MixerState state = mixer->init_state(p.batch);
  TensorList steps;
  for (int64_t t = 0; t < p.length; ++t) steps.push_back(mixer->step(x.narrow(1, t, 1).squeeze(1), state).unsqueeze(1));
  const Tensor ys = cat(steps, 1);
  if (ys.shape() != y.shape()) return AssertionFailure() << where(p) << "step outputs " << describe(ys) << " vs " << describe(y);
  const double d = max_diff(y, ys);
  if (d > std::max(p.tol, 1e-9))
    return AssertionFailure() << where(p) << "step() over the sequence differs from the causal forward by " << d;
  if (state.position != p.length)
    return AssertionFailure() << where(p) << "state.position is " << state.position << " after " << p.length << " steps";
  return AssertionSuccess();
}

}  // namespace tz::test::zoo
