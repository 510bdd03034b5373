// The linear-attention core (nn/attention/linear_attention_core.h) over every feature map, and
// over two maps defined here in a few lines each (a Hedgehog-style learned map and a
// cosFormer-style position reweighting), which shows the interface is open: the chunked causal
// form equals the O(N^2) reference, the recurrent steps equal the causal forward, key padding and
// cross-attention agree with the reference; the FAVOR+ stabiliser is exact and needed; gradients
// reach a learned map's parameters.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "nn/attention/feature_maps.h"
#include "nn/attention/kernel_attention.h"
#include "nn/attention/linear_attention_core.h"
#include "tests/support/gradcheck.h"
#include "tests/support/test_support.h"

namespace tz {
namespace {

using test::make_input;

// A learned map in the style of Hedgehog: a Linear hd -> F, then a softmax over the features.
class LearnedSoftmaxMap : public nn::FeatureMap {
 public:
  LearnedSoftmaxMap(int64_t head_dim, int64_t features) : FeatureMap("LearnedSoftmaxMap") {
    proj = register_module("proj", std::make_shared<nn::Linear>(head_dim, features, true, DType::F64));
  }
  int64_t num_features(int64_t) const override { return proj->out_features; }
  Tensor forward(const Tensor& x, nn::FeatureRole, const nn::FeatureArgs&) override { return softmax((*proj)(x), -1); }
  std::shared_ptr<nn::Linear> proj;
};

// A position reweighting in the style of cosFormer: [relu(x) cos(t), relu(x) sin(t)] with
// t = pi p / (2 L) at position p, so phi(q_i) . phi(k_j) = relu(q_i) . relu(k_j) cos(t_i - t_j).
class CosReweightedMap : public nn::FeatureMap {
 public:
  explicit CosReweightedMap(double length) : FeatureMap("CosReweightedMap"), length(length) {}
  int64_t num_features(int64_t head_dim) const override { return 2 * head_dim; }
  Tensor forward(const Tensor& x, nn::FeatureRole, const nn::FeatureArgs& args) override {
    const Tensor p = arange(x.size(-2), TensorOptions(x.dtype(), x.device())) + double(args.position);
    const Tensor t = (p * (std::numbers::pi / (2.0 * length))).unsqueeze(-1);  // [N, 1]
    return cat({relu(x) * cos(t), relu(x) * sin(t)}, -1);
  }
  double length;
};

constexpr int64_t kB = 2, kH = 2, kN = 11, kHd = 4, kDv = 3;

struct NamedMap {
  std::string name;
  std::shared_ptr<nn::FeatureMap> map;
};

std::vector<NamedMap> all_maps() {
  manual_seed(17);
  return {{"elu+1", std::make_shared<nn::EluFeatureMap>()},
          {"favor-softmax", std::make_shared<nn::FavorSoftmaxFeatureMap>(kHd, nn::RandomProjectionSpec{7, true, 0.0},
                                                                          1e-4, DType::F64)},
          {"favor-relu", std::make_shared<nn::FavorReluFeatureMap>(kHd, nn::RandomProjectionSpec{7, true, 0.0}, DType::F64)},
          {"learned-softmax", std::make_shared<LearnedSoftmaxMap>(kHd, 5)},
          {"cos-reweighted", std::make_shared<CosReweightedMap>(16.0)}};
}

// Keys whose scale grows along the sequence, so FAVOR+'s prefix max of the shifts keeps moving.
struct Inputs {
  Tensor q, k, v, padding;
};
Inputs make_inputs(int64_t n = kN, uint64_t seed = 30) {
  Inputs in;
  in.q = make_input({kB, kH, n, kHd}, DType::F64, -1, 1, seed);
  in.k = make_input({kB, kH, n, kHd}, DType::F64, -1, 1, seed + 1) *
         (arange(n, DType::F64) * 0.3 + 1.0).reshape({1, 1, n, 1});
  in.v = make_input({kB, kH, n, kDv}, DType::F64, -1, 1, seed + 2);
  in.padding = zeros({kB, n}, DType::Bool);
  in.padding.select(0, 0).narrow(0, n - 3, 3).fill_(true);  // trailing padding
  in.padding.select(0, 1).narrow(0, 0, 2).fill_(true);      // the first keys: early queries see none
  in.padding.select(0, 1).narrow(0, 6, 1).fill_(true);
  return in;
}

// The recurrent form over a whole sequence: one step a position, stacked to [B, H, N, Dv].
Tensor run_steps(const nn::LinearAttentionCore& core, const Tensor& q, const Tensor& k, const Tensor& v,
                 nn::MixerState& state) {
  state = core.init_state(q.size(0), q.size(1), q.size(3), v.size(3), DType::F64);
  std::vector<Tensor> steps;
  for (int64_t t = 0; t < q.size(2); ++t) steps.push_back(core.step(q.select(2, t), k.select(2, t), v.select(2, t), state));
  return stack(steps, 2);
}

TEST(ZooLinearAttentionCore, ChunkedCausalEqualsQuadraticReference) {
  const Inputs in = make_inputs();
  for (auto& [name, map] : all_maps()) {
    const nn::LinearAttentionCore reference_core(*map, 1e-6, 64);
    for (const Tensor& padding : {Tensor(), in.padding}) {
      const Tensor expected = reference_core.reference(in.q, in.k, in.v, true, padding);
      for (int64_t chunk : {1, 3, 11, 64}) {
        const nn::LinearAttentionCore core(*map, 1e-6, chunk);
        EXPECT_TENSOR_CLOSE(core.forward(in.q, in.k, in.v, true, padding), expected, 1e-10, 1e-12)
            << name << " chunk " << chunk << (padding.defined() ? " padded" : "");
      }
    }
  }
}

TEST(ZooLinearAttentionCore, GlobalAndCrossAttentionEqualReference) {
  const Inputs in = make_inputs();
  const Tensor ctx_k = make_input({kB, kH, 6, kHd}, DType::F64, -1.5, 1.5, 40);
  const Tensor ctx_v = make_input({kB, kH, 6, kDv}, DType::F64, -1, 1, 41);
  const Tensor ctx_padding = in.padding.narrow(1, 0, 6);
  for (auto& [name, map] : all_maps()) {
    const nn::LinearAttentionCore core(*map, 1e-6, 4);
    for (const Tensor& padding : {Tensor(), in.padding})
      EXPECT_TENSOR_CLOSE(core.forward(in.q, in.k, in.v, false, padding), core.reference(in.q, in.k, in.v, false, padding),
                          1e-10, 1e-12)
          << name;
    EXPECT_TENSOR_CLOSE(core.forward(in.q, ctx_k, ctx_v, false, ctx_padding),
                        core.reference(in.q, ctx_k, ctx_v, false, ctx_padding), 1e-10, 1e-12)
        << name << " cross";
  }
}

TEST(ZooLinearAttentionCore, RecurrentStepsEqualCausalForward) {
  const Inputs in = make_inputs();
  for (auto& [name, map] : all_maps()) {
    const nn::LinearAttentionCore core(*map, 1e-6, 3);
    nn::MixerState state;
    const Tensor steps = run_steps(core, in.q, in.k, in.v, state);
    EXPECT_EQ(state.tensors.size(), map->stabilised() ? 5u : 2u) << name;
    EXPECT_EQ(state.tensors.at("S").shape(), (Shape{kB, kH, map->num_features(kHd), kDv})) << name;
    EXPECT_EQ(state.position, kN);
    EXPECT_TENSOR_CLOSE(steps, core.forward(in.q, in.k, in.v, true), 1e-10, 1e-12) << name;
  }
}

TEST(ZooLinearAttentionCore, PositionReweightingSeesTheSamePositionsInEveryForm) {
  // Explicit cosFormer weights relu(q_i) . relu(k_j) cos(pi (i - j) / 2L), L = 16.
  const Inputs in = make_inputs();
  CosReweightedMap map(16.0);
  const nn::LinearAttentionCore core(map, 1e-6, 4);
  const Tensor i = arange(kN, DType::F64).reshape({kN, 1}), j = arange(kN, DType::F64).reshape({1, kN});
  const Tensor weights = matmul(relu(in.q), relu(in.k).transpose(-2, -1)) * cos((i - j) * (std::numbers::pi / 32.0));
  for (bool causal : {false, true}) {
    const Tensor w = causal ? tril(weights) : weights;
    EXPECT_TENSOR_CLOSE(core.forward(in.q, in.k, in.v, causal), matmul(w, in.v) / (w.sum({-1}, true) + 1e-6), 1e-10,
                        1e-12);
  }
  // A step that lost its position would weigh every pair as cos(0): the steps would differ.
  nn::MixerState state;
  EXPECT_TENSOR_CLOSE(run_steps(core, in.q, in.k, in.v, state), core.forward(in.q, in.k, in.v, true), 1e-10, 1e-12);
}

TEST(ZooLinearAttentionCore, FavorStabiliserIsExactAndNeeded) {
  const Inputs in = make_inputs();
  manual_seed(18);
  nn::FavorSoftmaxFeatureMap map(kHd, {7, true, 0.0}, 1e-3, DType::F64);
  const nn::LinearAttentionCore core(map, 1e-6, 3);
  const Tensor exact = core.reference(in.q, in.k, in.v, true);
  EXPECT_TENSOR_CLOSE(core.forward(in.q, in.k, in.v, true), exact, 1e-10, 1e-12);
  // One global key shift for every query (what the non-causal form may do) lets later keys reach
  // earlier queries through feature_eps: visibly different from the per-query prefix shift.
  const Tensor phi_q = map(in.q, nn::FeatureRole::query), phi_k = map(in.k, nn::FeatureRole::key);
  const auto s = nn::kernel_attention_causal(phi_q, phi_k, in.v, 3);
  const Tensor global_shift = s.numerator / (s.denominator.unsqueeze(-1) + 1e-6);
  EXPECT_GT(max(abs(global_shift - exact)).item<double>(), 1e-6);
  // The recurrent form with its online rescaling reaches the same numbers.
  nn::MixerState state;
  EXPECT_TENSOR_CLOSE(run_steps(core, in.q, in.k, in.v, state), exact, 1e-10, 1e-12);
  // The running max is the max of the keys' shifts seen so far.
  EXPECT_TENSOR_CLOSE(state.tensors.at("c"), amax(map.exp_key_features(in.k).shift, {-2}), 1e-14, 1e-14);
}

TEST(ZooLinearAttentionCore, GradientsReachTheInputsAndALearnedMap) {
  manual_seed(19);
  LearnedSoftmaxMap map(3, 4);
  const nn::LinearAttentionCore core(map, 1e-6, 2);
  const Tensor q = test::gc_input({1, 2, 5, 3}, -1, 1, 50), k = test::gc_input({1, 2, 5, 3}, -1, 1, 51);
  const Tensor v = test::gc_input({1, 2, 5, 2}, -1, 1, 52);
  for (bool causal : {false, true})
    EXPECT_TRUE(test::gradcheck([&](const TensorList& x) { return core.forward(x[0], x[1], x[2], causal); }, {q, k, v},
                                {1e-6, 1e-6, 1e-4, false}))
        << (causal ? "causal" : "global");
  // The map's own weight: the analytic gradient against a central difference on one entry.
  auto loss = [&] { return sum(square(core.forward(q, k, v, true))); };
  loss().backward();
  const double analytic = map.proj->weight.grad().select(0, 1).select(0, 2).item<double>();
  const double h = 1e-6;
  auto shifted = [&](double delta) {
    NoGradGuard g;
    map.proj->weight.select(0, 1).select(0, 2).add_(delta);
    const double value = loss().item<double>();
    map.proj->weight.select(0, 1).select(0, 2).add_(-delta);
    return value;
  };
  const double numeric = (shifted(h) - shifted(-h)) / (2 * h);
  EXPECT_GT(std::abs(numeric), 1e-4);
  EXPECT_NEAR(analytic, numeric, 1e-6 + 1e-5 * std::abs(numeric));
}

TEST(ZooLinearAttentionCore, ErrorsNameTheCoreAndShowShapes) {
  nn::EluFeatureMap map;
  const nn::LinearAttentionCore core(map, 1e-6, 4);
  const Tensor q = zeros({1, 1, 3, 4}, DType::F64), k = zeros({1, 1, 5, 4}, DType::F64), v = zeros({1, 1, 5, 2}, DType::F64);
  EXPECT_TZ_ERROR(core.forward(q, k, v, true), "[LinearAttentionCore] the causal form needs as many keys as queries");
  EXPECT_TZ_ERROR(core.forward(q, k, zeros({1, 1, 4, 2}, DType::F64)), "[1, 1, 4, 2]");
  EXPECT_TZ_ERROR((nn::LinearAttentionCore(map, 0.0, 4)), "eps must be > 0");
  nn::MixerState empty;
  EXPECT_TZ_ERROR(core.step(q.select(2, 0), q.select(2, 0), v.select(2, 0), empty), "needs a state from init_state()");
}

}  // namespace
}  // namespace tz
