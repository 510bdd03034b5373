#include "nn/metrics.h"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_reduce.h"
#include "core/error.h"

namespace tz::nn::metrics {

namespace {

/// Shared checks; returns the class dim of logits (1, or 0 for an unbatched [C]).
int64_t check_logits(const Tensor& logits, const Tensor& target, const char* op) {
  TZ_CHECK(logits.defined() && target.defined(), op, "logits and target must be defined");
  TZ_CHECK(!is_floating(target.dtype()), op, "target must hold class indices (integer dtype), got ", describe(target));
  TZ_CHECK(logits.dim() == target.dim() + 1, op, "logits ", describe(logits), " must have one dim (classes) more than target ",
           describe(target));
  const int64_t class_dim = logits.dim() == 1 ? 0 : 1;
  Shape expected = logits.shape();
  expected.erase(expected.begin() + class_dim);
  TZ_CHECK(expected == target.shape(), op, "target ", describe(target), " does not match logits ", describe(logits),
           ": expected ", shape_str(expected));
  return class_dim;
}

double fraction(const Tensor& hit, const Tensor& target, std::optional<int64_t> ignore_index) {
  if (!ignore_index) {
    if (target.numel() == 0) return std::numeric_limits<double>::quiet_NaN();
    return sum(hit).item<double>() / double(target.numel());
  }
  const Tensor counted = ne(target, Scalar(*ignore_index));
  const double n = sum(counted).item<double>();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  return sum(logical_and(hit, counted)).item<double>() / n;
}

}  // namespace

double accuracy(const Tensor& logits, const Tensor& target, std::optional<int64_t> ignore_index) {
  NoGradGuard no_grad;
  const char* op = "accuracy";
  if (logits.defined() && target.defined() && !is_floating(logits.dtype()) && logits.dim() == target.dim()) {
    TZ_CHECK(logits.shape() == target.shape(), op, "predictions ", describe(logits), " and target ", describe(target),
             " differ in shape");
    return fraction(eq(logits, target), target, ignore_index);
  }
  const int64_t class_dim = check_logits(logits, target, op);
  return fraction(eq(argmax(logits.detach(), class_dim), target), target, ignore_index);
}

double top_k_accuracy(const Tensor& logits, const Tensor& target, int64_t k, std::optional<int64_t> ignore_index) {
  NoGradGuard no_grad;
  const char* op = "top_k_accuracy";
  const int64_t class_dim = check_logits(logits, target, op);
  TZ_CHECK(k >= 1 && k <= logits.size(class_dim), op, "k = ", k, " must be in [1, ", logits.size(class_dim),
           "] for logits ", describe(logits));
  const Tensor top = topk(logits.detach(), k, class_dim).indices;
  const Tensor hit = any(eq(top, target.to(DType::I64).unsqueeze(class_dim)), {class_dim});
  return fraction(hit, target, ignore_index);
}

double perplexity(double mean_nats) { return std::exp(mean_nats); }

double bits_per_char(double mean_nats) { return mean_nats / std::log(2.0); }

}  // namespace tz::nn::metrics
