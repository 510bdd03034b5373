#pragma once
/// Evaluation metrics. They read values (no autograd) and return host doubles.
#include <cstdint>
#include <optional>

#include "core/tensor.h"

namespace tz::nn::metrics {

/// Fraction of positions whose prediction equals the target. `logits` is [N, C] or
/// [N, C, d1, ...] (class dim 1, predictions = argmax) with integer targets [N] / [N, d1, ...];
/// or integer predictions of the target's shape. Targets equal to ignore_index are skipped.
/// Returns NaN when no position counts.
double accuracy(const Tensor& logits, const Tensor& target, std::optional<int64_t> ignore_index = {});
/// Fraction of positions whose target is among the k largest logits (class dim 1).
double top_k_accuracy(const Tensor& logits, const Tensor& target, int64_t k,
                      std::optional<int64_t> ignore_index = {});
/// exp(mean negative log-likelihood in nats), e.g. of a cross_entropy loss.
double perplexity(double mean_nats);
/// Mean nats per character converted to bits: nats / ln 2.
double bits_per_char(double mean_nats);

}  // namespace tz::nn::metrics
