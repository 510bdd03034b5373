#pragma once
/// Loss functions with torch.nn.functional's names, arguments and reduction rules, in
/// namespace tz::nn::functional (alias it like PyTorch: `namespace F = tz::nn::functional;`).
/// Every loss is a composition of public differentiable ops (log_softmax, gather, where, ...),
/// so gradients and gradients of gradients work with respect to the input (and, where PyTorch
/// allows it, the target). Options structs take C++20 designated initialisers:
///
///   auto loss = F::cross_entropy(logits, targets, {.ignore_index = 0, .label_smoothing = 0.1});
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace tz::nn::functional {

/// How per-element losses are combined. BatchMean (sum / batch size) is accepted by kl_div only.
enum class Reduction { None, Mean, Sum, BatchMean };
/// "none" | "mean" | "sum" | "batchmean" -> Reduction (throws on anything else).
Reduction reduction_from_string(const std::string& name);

struct CrossEntropyOptions {
  /// Per-class rescaling weight [C] (undefined: all ones). Not differentiated.
  Tensor weight;
  /// Targets equal to this class index contribute nothing (neither to the sum nor to the
  /// weighted-mean denominator). Only for class-index targets.
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
  /// In [0, 1]: the target becomes (1 - s) * one_hot + s / C.
  double label_smoothing = 0.0;
};

/// Cross entropy of unnormalised logits: input [N, C], [N, C, d1, ...] or [C] (unbatched).
/// target is either class indices (integer dtype, shape [N] / [N, d1, ...] / 0-d, values in
/// [0, C) or ignore_index) or class probabilities (floating, same shape as input).
/// With class indices and Mean, the loss is sum_i w[t_i] * l_i / sum_i w[t_i] over non-ignored
/// i (PyTorch's weighted mean; NaN when every target is ignored, as PyTorch); label smoothing
/// adds s/C * sum_c w_c * (-log p_c) per element, normalised by the same denominator.
/// With probabilities, Mean divides by the number of elements N * d1 * ... (weights do not
/// enter the denominator).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options = {});

struct NllLossOptions {
  Tensor weight;
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
};
/// Negative log-likelihood of log-probabilities input ([N, C], [N, C, d1, ...] or [C]) at
/// integer class targets; same weighting and ignore rules as cross_entropy.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NllLossOptions& options = {});

struct BceOptions {
  /// Rescaling weight broadcast to the input's shape.
  Tensor weight;
  Reduction reduction = Reduction::Mean;
};
/// -w * (t * log(x) + (1 - t) * log(1 - x)) for probabilities x in [0, 1] and targets of x's
/// shape. Each log is clamped to >= -100 as in PyTorch, so x = 0 or 1 gives a finite loss (the
/// gradient through a clamped log is zero).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BceOptions& options = {});

struct BceWithLogitsOptions {
  Tensor weight;
  /// Weight of positive examples, broadcast along the class (last) dims, e.g. [C].
  Tensor pos_weight;
  Reduction reduction = Reduction::Mean;
};
/// Sigmoid + binary cross entropy in the stable form
///   (1 - t) * x + (1 + (pos_weight - 1) * t) * softplus(-x)
/// (softplus(-x) = log(1 + exp(-x)) evaluated without overflow), times weight.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BceWithLogitsOptions& options = {});

/// (x - t)^2; input and target broadcast.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// |x - t|.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
/// 0.5 * d^2 / beta where |d| < beta, else |d| - 0.5 * beta (beta = 0: l1_loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
/// Pointwise KL divergence with input = log q: t * (log t - input) (0 where t = 0), or with
/// log_target: exp(t) * (t - input). Mean averages over all elements (PyTorch's default, which
/// it warns about); BatchMean divides the sum by input.size(0) (the mathematical KL per sample).
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
              bool log_target = false);
/// sum(x1 * x2, dim) / (max(||x1||, eps) * max(||x2||, eps)); x1 and x2 broadcast. Gradients
/// are exact wherever both norms exceed eps.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8);

}  // namespace tz::nn::functional
