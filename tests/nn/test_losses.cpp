// Losses against PyTorch (tests/data/torch_refs_losses.safetensors, written by the `losses` group
// of tools/gen_torch_refs.py: values and input gradients in f64), error paths, and metrics.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "tests/support/test_support.h"

namespace tz {
namespace {

namespace F = nn::functional;
using F::Reduction;

const io::SafetensorsFile& losses_fixture() {
  static const io::SafetensorsFile file = io::load_safetensors(test::data_path("torch_refs_losses.safetensors"));
  return file;
}

/// Runs fn on the stored inputs "<case>.in<i>", compares "<case>.out", then the gradients of
/// sum(out * grad_out) with "<case>.grad_in<i>".
void check_loss(const std::string& name, const std::function<Tensor(const TensorList&)>& fn) {
  const auto& file = losses_fixture();
  const auto& t = file.tensors;
  ASSERT_TRUE(file.metadata.count(name)) << "no case " << name << ": rerun tools/gen_torch_refs.py";
  SCOPED_TRACE("PyTorch: " + file.metadata.at(name));
  TensorList inputs, diff;
  std::vector<std::string> grad_keys;
  for (int i = 0; t.count(name + ".in" + std::to_string(i)); ++i) {
    Tensor x = t.at(name + ".in" + std::to_string(i)).detach();
    const std::string gk = name + ".grad_in" + std::to_string(i);
    if (t.count(gk)) {
      x.requires_grad_();
      diff.push_back(x);
      grad_keys.push_back(gk);
    }
    inputs.push_back(x);
  }
  const Tensor out = fn(inputs);
  ASSERT_TENSOR_CLOSE(out, t.at(name + ".out"), 1e-9, 1e-11);
  ASSERT_FALSE(diff.empty());
  const TensorList grads = tz::grad({out}, diff, {t.at(name + ".grad_out")});
  for (size_t i = 0; i < grads.size(); ++i) EXPECT_TENSOR_CLOSE(grads[i], t.at(grad_keys[i]), 1e-9, 1e-11) << grad_keys[i];
}

Reduction red(const std::string& s) { return F::reduction_from_string(s); }

TEST(Losses, CrossEntropyMatchesTorch) {
  check_loss("cross_entropy_mean", [](const TensorList& in) { return F::cross_entropy(in[0], in[1]); });
  check_loss("cross_entropy_smoothing_plain",
             [](const TensorList& in) { return F::cross_entropy(in[0], in[1], {.label_smoothing = 0.3}); });
  for (std::string r : {"mean", "sum", "none"}) {
    SCOPED_TRACE(r);
    check_loss("cross_entropy_weight_ignore_" + r, [&](const TensorList& in) {
      return F::cross_entropy(in[0], in[1], {.weight = in[2], .ignore_index = 2, .reduction = red(r)});
    });
    check_loss("cross_entropy_smoothing_" + r, [&](const TensorList& in) {
      return F::cross_entropy(in[0], in[1],
                              {.weight = in[2], .ignore_index = 2, .reduction = red(r), .label_smoothing = 0.2});
    });
    check_loss("cross_entropy_probs_" + r, [&](const TensorList& in) {
      return F::cross_entropy(in[0], softmax(in[1], 1), {.weight = in[2], .reduction = red(r), .label_smoothing = 0.1});
    });
  }
}

TEST(Losses, CrossEntropySpatialAndUnbatched) {
  check_loss("cross_entropy_spatial", [](const TensorList& in) {
    return F::cross_entropy(in[0], in[1], {.ignore_index = 0, .label_smoothing = 0.1});
  });
  check_loss("cross_entropy_spatial_probs", [](const TensorList& in) {
    return F::cross_entropy(in[0], softmax(in[1], 1), {.reduction = Reduction::None});
  });
  check_loss("cross_entropy_unbatched", [](const TensorList& in) { return F::cross_entropy(in[0], in[1]); });
}

TEST(Losses, NllLossMatchesTorch) {
  check_loss("nll_loss_weight_ignore",
             [](const TensorList& in) { return F::nll_loss(in[0], in[1], {.weight = in[2], .ignore_index = 2}); });
  check_loss("nll_loss_sum", [](const TensorList& in) { return F::nll_loss(in[0], in[1], {.reduction = Reduction::Sum}); });
}

TEST(Losses, BinaryCrossEntropyMatchesTorch) {
  check_loss("binary_cross_entropy",
             [](const TensorList& in) { return F::binary_cross_entropy(in[0], in[1], {.weight = in[2]}); });
  check_loss("binary_cross_entropy_sum", [](const TensorList& in) {
    return F::binary_cross_entropy(in[0], in[1], {.reduction = Reduction::Sum});
  });
  check_loss("bce_with_logits", [](const TensorList& in) { return F::binary_cross_entropy_with_logits(in[0], in[1]); });
  check_loss("bce_with_logits_pos_weight", [](const TensorList& in) {
    return F::binary_cross_entropy_with_logits(in[0] * 10.0, in[1],
                                               {.weight = in[2], .pos_weight = in[3], .reduction = Reduction::None});
  });
}

TEST(Losses, RegressionLossesMatchTorch) {
  for (std::string r : {"mean", "sum", "none"}) {
    SCOPED_TRACE(r);
    check_loss("mse_loss_" + r, [&](const TensorList& in) { return F::mse_loss(in[0], in[1], red(r)); });
    check_loss("l1_loss_" + r, [&](const TensorList& in) { return F::l1_loss(in[0], in[1], red(r)); });
  }
  check_loss("smooth_l1_loss",
             [](const TensorList& in) { return F::smooth_l1_loss(in[0], in[1], Reduction::Mean, 0.5); });
  check_loss("smooth_l1_loss_beta0_sum",
             [](const TensorList& in) { return F::smooth_l1_loss(in[0], in[1], Reduction::Sum, 0.0); });
}

TEST(Losses, KlDivAndCosineMatchTorch) {
  check_loss("kl_div_batchmean", [](const TensorList& in) {
    return F::kl_div(log_softmax(in[0], 1), softmax(in[1], 1), Reduction::BatchMean);
  });
  check_loss("kl_div_log_target_none",
             [](const TensorList& in) { return F::kl_div(in[0], in[1], Reduction::None, true); });
  check_loss("kl_div_zero_target_mean", [](const TensorList& in) { return F::kl_div(in[0], in[1]); });
  check_loss("cosine_similarity", [](const TensorList& in) { return F::cosine_similarity(in[0], in[1], 1); });
  check_loss("cosine_similarity_broadcast",
             [](const TensorList& in) { return F::cosine_similarity(in[0], in[1], -1, 1e-6); });
}

TEST(Losses, CrossEntropyHandComputed) {
  // Two classes with logits (0, log 3): p = (1/4, 3/4).
  const Tensor logits = tensor({{0.f, std::log(3.f)}, {0.f, std::log(3.f)}});
  const Tensor target = tensor({1, 0});
  EXPECT_NEAR(F::cross_entropy(logits, target).item<double>(), 0.5 * (-std::log(0.75) - std::log(0.25)), 1e-6);
  // Everything ignored: 0/0 as PyTorch.
  EXPECT_TRUE(std::isnan(F::cross_entropy(logits, tensor({-100, -100})).item<double>()));
  EXPECT_EQ(F::cross_entropy(logits, tensor({-100, -100}), {.reduction = Reduction::Sum}).item<double>(), 0.0);
  // int32 targets are accepted.
  EXPECT_NEAR(F::cross_entropy(logits, target.to(DType::I32)).item<double>(),
              F::cross_entropy(logits, target).item<double>(), 1e-7);
}

TEST(Losses, ErrorsExplainThemselves) {
  const Tensor logits = zeros({3, 4});
  EXPECT_TZ_ERROR(F::cross_entropy(logits, tensor({0, 4, 1})), "[cross_entropy] target 4 is out of bounds for 4");
  EXPECT_TZ_ERROR(F::cross_entropy(logits, tensor({0, 1})), "[cross_entropy] target of shape [2]");
  EXPECT_TZ_ERROR(F::cross_entropy(logits, tensor({0, 1, 2}), {.weight = ones({3})}), "weight must have shape [4]");
  EXPECT_TZ_ERROR(F::cross_entropy(logits, zeros({3, 5})), "must have the input's shape");
  EXPECT_TZ_ERROR(F::cross_entropy(logits, tensor({0, 1, 2}), {.label_smoothing = 1.5}), "label_smoothing");
  EXPECT_TZ_ERROR(F::nll_loss(logits, tensor({0, -1, 2})), "target -1 is out of bounds");
  EXPECT_TZ_ERROR(F::mse_loss(logits, logits, Reduction::BatchMean), "[mse_loss] reduction 'batchmean'");
  EXPECT_TZ_ERROR(F::binary_cross_entropy(full({2}, 1.5), zeros({2})), "between 0 and 1");
  EXPECT_TZ_ERROR(F::binary_cross_entropy(full({2}, 0.5), zeros({3})), "[binary_cross_entropy] target");
  EXPECT_TZ_ERROR(F::smooth_l1_loss(logits, logits, Reduction::Mean, -1.0), "beta must be non-negative");
  EXPECT_TZ_ERROR(F::reduction_from_string("avg"), "unknown reduction 'avg'");
}

TEST(Losses, SaturatedProbabilitiesStayFinite) {
  // log clamps at -100 as PyTorch: BCE(1, 0) = 100.
  EXPECT_NEAR(F::binary_cross_entropy(tensor({1.0f}), tensor({0.0f})).item<double>(), 100.0, 1e-4);
  // Large logits do not overflow.
  const double v = F::binary_cross_entropy_with_logits(tensor({-200.0f, 200.0f}), tensor({1.0f, 1.0f}),
                                                       {.reduction = Reduction::Sum})
                       .item<double>();
  EXPECT_NEAR(v, 200.0, 1e-3);
}

TEST(Metrics, AccuracyAndTopK) {
  const Tensor logits = tensor({{0.1f, 0.5f, 0.4f}, {0.9f, 0.05f, 0.05f}, {0.2f, 0.3f, 0.5f}, {0.35f, 0.4f, 0.25f}});
  const Tensor target = tensor({1, 0, 1, 2});
  EXPECT_DOUBLE_EQ(nn::metrics::accuracy(logits, target), 0.5);
  EXPECT_DOUBLE_EQ(nn::metrics::accuracy(logits, target, /*ignore_index=*/2), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(nn::metrics::accuracy(tensor({1, 0, 2, 2}), target), 0.75);  // predictions
  EXPECT_DOUBLE_EQ(nn::metrics::top_k_accuracy(logits, target, 2), 0.75);
  EXPECT_DOUBLE_EQ(nn::metrics::top_k_accuracy(logits, target, 3), 1.0);
  // Class dim 1 with trailing positions: [N=1, C=2, T=3].
  const Tensor seq = tensor({{1.f, 0.f, 1.f}, {0.f, 1.f, 0.f}}).unsqueeze(0);
  EXPECT_DOUBLE_EQ(nn::metrics::accuracy(seq, tensor({{0, 1, 1}})), 2.0 / 3.0);
  EXPECT_TRUE(std::isnan(nn::metrics::accuracy(logits, tensor({-1, -1, -1, -1}), -1)));
  EXPECT_TZ_ERROR(nn::metrics::top_k_accuracy(logits, target, 4), "[top_k_accuracy] k = 4");
  EXPECT_TZ_ERROR(nn::metrics::accuracy(logits, tensor({1, 0})), "[accuracy] target");
}

TEST(Metrics, PerplexityAndBitsPerChar) {
  EXPECT_NEAR(nn::metrics::perplexity(std::log(65.0)), 65.0, 1e-9);
  EXPECT_DOUBLE_EQ(nn::metrics::perplexity(0.0), 1.0);
  EXPECT_NEAR(nn::metrics::bits_per_char(std::log(2.0) * 1.5), 1.5, 1e-12);
}

}  // namespace
}  // namespace tz
