// Finite-difference gradient (and grad-of-grad) checks of every loss, in f64. The losses are
// compositions of public ops, so these check the compositions (masking, weighting, smoothing)
// rather than new backward formulas; inputs stay away from kinks (|x - t| vs beta, x = 0 in
// l1, clamped logs).
#include <gtest/gtest.h>

#include "tests/support/gradcheck.h"

namespace tz {
namespace {

namespace F = nn::functional;
using F::Reduction;
using test::gc_input;
using test::gradcheck;
using test::gradgradcheck;

Tensor f64(std::initializer_list<double> v) { return tensor(v, DType::F64); }

void check_both(const test::GradFn& fn, const TensorList& inputs) {
  EXPECT_TRUE(gradcheck(fn, inputs));
  EXPECT_TRUE(gradgradcheck(fn, inputs));
}

TEST(GradcheckLosses, CrossEntropyClassIndices) {
  const Tensor target = tensor({1, 2, 4, 2, 0, 3});
  const Tensor weight = f64({0.5, 1.0, 2.0, 1.5, 0.25});
  check_both([&](const TensorList& in) {
    return F::cross_entropy(in[0], target, {.weight = weight, .ignore_index = 2, .label_smoothing = 0.2});
  }, {gc_input({6, 5}, -2, 2, 1)});
  check_both([&](const TensorList& in) {
    return F::cross_entropy(in[0], target, {.reduction = Reduction::None, .label_smoothing = 0.1});
  }, {gc_input({6, 5}, -2, 2, 2)});
  // Spatial [N, C, d] with a non-contiguous (transposed) input.
  const Tensor spatial_target = tensor({{0, 2, 1}, {1, 1, 0}});
  check_both([&](const TensorList& in) {
    return F::cross_entropy(in[0].transpose(1, 2), spatial_target, {.reduction = Reduction::Sum});
  }, {gc_input({2, 3, 3}, -2, 2, 3)});
}

TEST(GradcheckLosses, CrossEntropyProbabilitiesAndNll) {
  const Tensor weight = f64({0.5, 1.0, 2.0, 1.5});
  // Gradients with respect to both the logits and the probability target.
  check_both([&](const TensorList& in) {
    return F::cross_entropy(in[0], softmax(in[1], 1), {.weight = weight, .label_smoothing = 0.1});
  }, {gc_input({3, 4}, -2, 2, 4), gc_input({3, 4}, -1, 1, 5)});
  check_both([&](const TensorList& in) {
    return F::nll_loss(log_softmax(in[0], 1), tensor({3, 0, -100}), {.weight = weight});
  }, {gc_input({3, 4}, -2, 2, 6)});
}

TEST(GradcheckLosses, BinaryCrossEntropy) {
  const Tensor weight = f64({0.5, 2.0, 1.0});
  check_both([&](const TensorList& in) { return F::binary_cross_entropy(in[0], in[1], {.weight = weight}); },
             {gc_input({2, 3}, 0.1, 0.9, 7), gc_input({2, 3}, 0.0, 1.0, 8)});
  const Tensor pos_weight = f64({0.5, 3.0, 1.5});
  check_both([&](const TensorList& in) {
    return F::binary_cross_entropy_with_logits(in[0], in[1], {.weight = weight.unsqueeze(1).expand({3, 3}),
                                                              .pos_weight = pos_weight, .reduction = Reduction::Sum});
  }, {gc_input({3, 3}, -4, 4, 9), gc_input({3, 3}, 0.0, 1.0, 10)});
}

TEST(GradcheckLosses, RegressionLosses) {
  check_both([](const TensorList& in) { return F::mse_loss(in[0], in[1]); },
             {gc_input({3, 4}, -1, 1, 11), gc_input({4}, -1, 1, 12)});  // broadcast target
  // l1 and smooth_l1: |x - t| kept away from 0 and from beta by shifting the target.
  const Tensor x = gc_input({3, 4}, 0.1, 0.4, 13);
  const Tensor t_far = full({3, 4}, -0.5, DType::F64), t_near = full({3, 4}, 0.05, DType::F64);
  check_both([&](const TensorList& in) { return F::l1_loss(in[0], t_far, Reduction::Sum); }, {x});
  check_both([&](const TensorList& in) {
    return F::smooth_l1_loss(in[0], cat({t_far.narrow(0, 0, 2), t_near.narrow(0, 0, 1)}), Reduction::Mean, 0.5);
  }, {x});
}

TEST(GradcheckLosses, KlDivAndCosine) {
  check_both([](const TensorList& in) {
    return F::kl_div(log_softmax(in[0], 1), softmax(in[1], 1), Reduction::BatchMean);
  }, {gc_input({3, 4}, -1, 1, 14), gc_input({3, 4}, -1, 1, 15)});
  check_both([](const TensorList& in) { return F::kl_div(in[0], in[1], Reduction::Mean, true); },
             {gc_input({3, 4}, -1, 1, 16), gc_input({3, 4}, -1, 1, 17)});
  check_both([](const TensorList& in) { return F::cosine_similarity(in[0], in[1], -1); },
             {gc_input({2, 3, 4}, -1, 1, 18), gc_input({3, 4}, -1, 1, 19)});
}

}  // namespace
}  // namespace tz
