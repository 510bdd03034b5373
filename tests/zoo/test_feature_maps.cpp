// The feature maps of nn/attention/feature_maps.h, each checked against its formula written out
// element by element; FAVOR+ estimates the softmax kernel; the random draws follow the project
// generator in the performer's order; and the linear/performer mixers built on the maps keep
// their state_dict layout (a dict with the old keys loads strictly into the map-based mixers and
// gives the same outputs).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "nn/attention/feature_maps.h"
#include "nn/attention/linear_attention.h"
#include "nn/attention/performer.h"
#include "tests/zoo/kernel_zoo_helpers.h"

namespace tz {
namespace {

using test::make_input;

// Rows of x [..., N, d] as vectors (row-major).
std::vector<std::vector<double>> rows_of(const Tensor& x) {
  const int64_t d = x.size(-1), n = x.numel() / d;
  const std::vector<double> flat = x.contiguous().to_vector<double>();
  std::vector<std::vector<double>> out(static_cast<size_t>(n), std::vector<double>(static_cast<size_t>(d)));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < d; ++j) out[size_t(r)][size_t(j)] = flat[size_t(r * d + j)];
  return out;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

void expect_rows_near(const Tensor& actual, const std::vector<std::vector<double>>& expected, double tol) {
  const auto got = rows_of(actual);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t r = 0; r < got.size(); ++r) {
    ASSERT_EQ(got[r].size(), expected[r].size());
    for (size_t f = 0; f < got[r].size(); ++f) EXPECT_NEAR(got[r][f], expected[r][f], tol) << "row " << r << " f " << f;
  }
}

TEST(ZooFeatureMaps, EluPlusOneIsTheFormula) {
  nn::EluFeatureMap map;
  const Tensor x = make_input({2, 3, 5, 4}, DType::F64, -3, 3, 1);
  std::vector<std::vector<double>> expected = rows_of(x);
  for (auto& row : expected)
    for (double& v : row) v = v > 0 ? v + 1.0 : std::exp(v);
  expect_rows_near(map(x, nn::FeatureRole::key), expected, 1e-15);
  EXPECT_TENSOR_EQ(map(x, nn::FeatureRole::query), map(x, nn::FeatureRole::key));
  EXPECT_EQ(map.num_features(4), 4);
  EXPECT_FALSE(map.stabilised());
  EXPECT_TZ_ERROR(map.exp_key_features(x), "only defined for stabilised maps");
}

// FAVOR+ written out: x^ = x hd^(-1/4), a_f = w_f . x^, phi_f = (exp(a_f - |x^|^2/2 - c) + eps) / sqrt(m)
// with c per row (queries) or the max over the unpadded rows (keys).
std::vector<std::vector<double>> favor_by_hand(const Tensor& x, const Tensor& w, double feature_eps, bool shared,
                                               const std::vector<bool>& padded, double* shift_out = nullptr) {
  const auto xs = rows_of(x), ws = rows_of(w);
  const double scale = std::pow(double(xs[0].size()), -0.25), m = double(ws.size());
  std::vector<std::vector<double>> a(xs.size()), out(xs.size());
  std::vector<double> diag(xs.size());
  double global = -INFINITY;
  for (size_t r = 0; r < xs.size(); ++r) {
    std::vector<double> xr = xs[r];
    for (double& v : xr) v *= scale;
    diag[r] = 0.5 * dot(xr, xr);
    for (const auto& wf : ws) a[r].push_back(dot(wf, xr));
    if (!padded[r]) global = std::max(global, *std::max_element(a[r].begin(), a[r].end()));
  }
  for (size_t r = 0; r < xs.size(); ++r) {
    const double c = shared ? global : *std::max_element(a[r].begin(), a[r].end());
    for (double af : a[r]) out[r].push_back((std::exp(af - diag[r] - c) + feature_eps) / std::sqrt(m));
  }
  if (shift_out) *shift_out = global;
  return out;
}

TEST(ZooFeatureMaps, FavorSoftmaxIsTheFormula) {
  manual_seed(3);
  nn::FavorSoftmaxFeatureMap map(4, {6, true, 0.0}, 1e-4, DType::F64);
  EXPECT_EQ(map.num_features(4), 6);
  EXPECT_EQ(map.projection.shape(), (Shape{6, 4}));
  Tensor x = make_input({1, 1, 5, 4}, DType::F64, -1, 1, 2);
  x.narrow(2, 3, 1).mul_(4.0);  // row 3 dominates the shift unless it is left out as padding
  const std::vector<bool> padded{false, false, false, true, false}, none(5, false);
  Tensor key_padding = zeros({1, 1, 5, 1}, DType::Bool);
  key_padding.narrow(2, 3, 1).fill_(true);
  double c_real = 0, c_all = 0;
  const auto keys = favor_by_hand(x, map.projection, 1e-4, true, padded, &c_real);
  favor_by_hand(x, map.projection, 1e-4, true, none, &c_all);
  ASSERT_GT(c_all, c_real + 0.5) << "the padded row must move the shift for the test to see it";
  expect_rows_near(map(x, nn::FeatureRole::key, {key_padding}), keys, 1e-12);
  expect_rows_near(map(x, nn::FeatureRole::key), favor_by_hand(x, map.projection, 1e-4, true, none), 1e-12);
  expect_rows_near(map(x, nn::FeatureRole::query), favor_by_hand(x, map.projection, 1e-4, false, none), 1e-12);
  // The log form: exponent a - |x^|^2/2, shift max_f a, offset feature_eps, multiplier m^(-1/2).
  const nn::ExpKeyFeatures f = map.exp_key_features(x);
  EXPECT_TRUE(map.stabilised());
  EXPECT_EQ(f.offset, 1e-4);
  EXPECT_NEAR(f.multiplier, 1.0 / std::sqrt(6.0), 1e-15);
  const Tensor xs = x * std::pow(4.0, -0.25);
  const Tensor a = matmul(xs, map.projection.t());
  EXPECT_TENSOR_CLOSE(f.exponent, a - (xs * xs).sum({-1}, true) * 0.5, 1e-14, 1e-14);
  EXPECT_TENSOR_CLOSE(f.shift, amax(a, {-1}, true), 0, 0);
}

TEST(ZooFeatureMaps, FavorSoftmaxEstimatesTheSoftmaxKernel) {
  // With feature_eps 0 and the shifts undone, phi(q) . phi(k) estimates exp(q . k / sqrt(hd)).
  manual_seed(4);
  nn::FavorSoftmaxFeatureMap map(4, {16384, true, 0.0}, 0.0, DType::F64);
  const Tensor q = make_input({3, 1, 1, 4}, DType::F64, -0.8, 0.8, 5), k = make_input({3, 1, 1, 4}, DType::F64, -0.8, 0.8, 6);
  const Tensor shifts = map.exp_key_features(q).shift + map.exp_key_features(k).shift;  // per pair: c_q + c_k
  const Tensor estimate = (map(q, nn::FeatureRole::query) * map(k, nn::FeatureRole::key)).sum({-1}, true) * exp(shifts);
  const Tensor exact = exp((q * k).sum({-1}, true) / 2.0);
  const double error = max(abs(estimate / exact - 1.0)).item<double>();
  EXPECT_LT(error, 0.03);  // measured 0.006 (Monte Carlo: the error falls like 1/sqrt(m))
  RecordProperty("relative_error", std::to_string(error));
}

TEST(ZooFeatureMaps, FavorReluIsTheFormula) {
  manual_seed(8);
  nn::FavorReluFeatureMap map(4, {5, false, 0.0}, DType::F64);
  const Tensor x = make_input({2, 1, 3, 4}, DType::F64, -1, 1, 9);
  const auto ws = rows_of(map.projection);
  std::vector<std::vector<double>> expected;
  for (const auto& row : rows_of(x)) {
    expected.emplace_back();
    for (const auto& wf : ws) expected.back().push_back(std::max(dot(wf, row), 0.0) + 1e-3);
  }
  expect_rows_near(map(x, nn::FeatureRole::query), expected, 1e-14);
  expect_rows_near(map(x, nn::FeatureRole::key), expected, 1e-14);
  EXPECT_FALSE(map.stabilised());
  EXPECT_TZ_ERROR(map(make_input({1, 3, 5}, DType::F64), nn::FeatureRole::key), "expects rows [..., N, 4]");
}

TEST(ZooFeatureMaps, RandomProjectionFollowsTheGeneratorAndRedraws) {
  // Construction draws W, a redraw the next W of the same stream, as the performer always did.
  manual_seed(11);
  const Tensor first = nn::RandomFeatureMap::draw(10, 4, true, 0.0), second = nn::RandomFeatureMap::draw(10, 4, true, 0.0);
  manual_seed(11);
  nn::FavorSoftmaxFeatureMap map(4, {10, true, 0.0}, 1e-4, DType::F64);
  EXPECT_TENSOR_EQ(map.projection, first);
  const Tensor handle = map.projection;
  map.redraw();
  EXPECT_TENSOR_EQ(handle, second);  // in place: every handle sees the new draw
  manual_seed(11);
  EXPECT_TENSOR_EQ(nn::PerformerMixer::draw_projection(10, 4, true, 0.0), first);
  // Persistence: saved by the map itself unless its owner saves it.
  EXPECT_EQ(map.state_dict().count("projection"), 1u);
  nn::FavorReluFeatureMap unsaved(4, {10, true, 0.0}, DType::F64, /*persistent=*/false);
  EXPECT_TRUE(unsaved.state_dict().empty());
  EXPECT_TZ_ERROR((nn::FavorReluFeatureMap(4, {10, true, 0.5})), "ortho_scaling must be 0");
}

// ---- the mixers on the maps: layout and old checkpoints ------------------------------------

std::set<std::string> keys_of(const nn::StateDict& d) {
  std::set<std::string> out;
  for (const auto& [k, v] : d) out.insert(k);
  return out;
}

const std::set<std::string> kProjectionKeys = {"to_q.weight", "to_q.bias", "to_k.weight", "to_k.bias",
                                               "to_v.weight", "to_v.bias", "to_out.weight", "to_out.bias"};

// Loads `dict` strictly into a mixer of the same config built from another seed and expects the
// outputs of `source` (plain, causal, recurrent) back.
void expect_loads_with_same_outputs(const std::string& kind, const nn::json& config, nn::Mixer& source,
                                    const nn::StateDict& dict) {
  manual_seed(99);
  auto fresh = nn::make_mixer(kind, config, DType::F64);
  fresh->eval(), source.eval();
  const Tensor x = make_input({2, 6, 8}, DType::F64, -1, 1, 21);
  nn::MixerArgs causal;
  causal.causal = true;
  ASSERT_FALSE(test::tensors_close((*fresh)(x), source(x), 1e-6, 1e-6)) << "fresh parameters already match";
  fresh->load_state_dict(dict);  // strict
  EXPECT_TENSOR_CLOSE((*fresh)(x), source(x), 0, 0);
  EXPECT_TENSOR_CLOSE((*fresh)(x, causal), source(x, causal), 0, 0);
  nn::MixerState state = fresh->init_state(2);
  EXPECT_TENSOR_CLOSE(fresh->step(x.select(1, 0), state), source(x, causal).select(1, 0), 1e-12, 1e-12);
}

TEST(ZooFeatureMaps, PerformerKeepsItsStateDictLayoutAndLoadsOldCheckpoints) {
  for (const std::string kernel : {"softmax", "relu"}) {
    SCOPED_TRACE(kernel);
    const nn::json config = {{"d_model", 8}, {"n_heads", 2}, {"nb_features", 6}, {"kernel", kernel}};
    manual_seed(5);
    auto m = std::dynamic_pointer_cast<nn::PerformerMixer>(nn::make_mixer("performer", config, DType::F64));
    ASSERT_TRUE(m);
    // The layout written before the feature maps existed: projections and "projection".
    std::set<std::string> old_layout = kProjectionKeys;
    old_layout.insert("projection");
    EXPECT_EQ(keys_of(m->state_dict()), old_layout);
    // One W: the map's, registered by the mixer under its old key.
    EXPECT_TRUE(m->projection.is_same(m->phi->projection));
    EXPECT_TRUE(m->child("feature_map") == m->phi);
    nn::StateDict old;
    for (const std::string& key : old_layout) old[key] = m->state_dict().at(key).clone();
    expect_loads_with_same_outputs("performer", config, *m, old);
  }
  // Loading reaches the map (it reads the same tensor), and so do dtype moves.
  manual_seed(6);
  auto a = std::dynamic_pointer_cast<nn::PerformerMixer>(
      nn::make_mixer("performer", {{"d_model", 8}, {"n_heads", 2}, {"nb_features", 6}}, DType::F64));
  const Tensor w = a->projection.clone() * 2.0;
  a->load_state_dict([&] { auto d = a->state_dict(); d["projection"] = w; return d; }());
  EXPECT_TENSOR_EQ(a->phi->projection, w);
  a->to(DType::F32);
  EXPECT_EQ(a->phi->projection.dtype(), DType::F32);
}

TEST(ZooFeatureMaps, LinearKeepsItsStateDictLayoutAndLoadsOldCheckpoints) {
  const nn::json config = {{"d_model", 8}, {"n_heads", 2}, {"chunk_size", 4}};
  manual_seed(7);
  auto m = std::dynamic_pointer_cast<nn::LinearAttentionMixer>(nn::make_mixer("linear", config, DType::F64));
  ASSERT_TRUE(m);
  EXPECT_EQ(keys_of(m->state_dict()), kProjectionKeys);
  EXPECT_TRUE(m->child("feature_map") == m->phi);
  nn::StateDict old;
  for (const std::string& key : kProjectionKeys) old[key] = m->state_dict().at(key).clone();
  expect_loads_with_same_outputs("linear", config, *m, old);
  // The config struct is the mixer's: the registry defaults are a default LinearConfig.
  EXPECT_EQ(nn::find_mixer("linear").defaults, nn::json({{"eps", 1e-6}, {"chunk_size", 64}}));
  EXPECT_EQ(m->chunk_size, 4);
  EXPECT_EQ(m->eps, 1e-6);
}

}  // namespace
}  // namespace tz
