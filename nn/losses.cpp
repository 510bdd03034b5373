#include "nn/losses.h"
#include "autograd/autocast.h"

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"

namespace tz::nn::functional {

Reduction reduction_from_string(const std::string& name) {
  if (name == "none") return Reduction::None;
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  if (name == "batchmean") return Reduction::BatchMean;
  TZ_FAIL("reduction", "unknown reduction '", name, "' (expected none, mean, sum or batchmean)");
}

namespace {

Tensor reduce(const Tensor& loss, Reduction reduction, const char* op) {
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Mean: return mean(loss);
    case Reduction::Sum: return sum(loss);
    case Reduction::BatchMean: break;
  }
  TZ_FAIL(op, "reduction 'batchmean' is only accepted by kl_div");
}

void check_floating(const Tensor& t, const char* op, const char* what) {
  TZ_CHECK(t.defined(), op, what, " is undefined");
  TZ_CHECK(t.is_floating_point(), op, what, " must be floating point, got ", describe(t));
}

/// Element-wise losses broadcast input against target as PyTorch does; a pair that cannot be
/// broadcast is named by the loss, not by the subtraction inside it.
void check_broadcastable(const Tensor& input, const Tensor& target, const char* op) {
  (void)broadcast_shapes(input.shape(), target.shape(), op);
}

/// The class-weight vector [C] as a constant of the input's dtype and device, or undefined.
Tensor class_weight(const Tensor& weight, const Tensor& input, int64_t num_classes, const char* op) {
  if (!weight.defined()) return {};
  TZ_CHECK(weight.dim() == 1 && weight.size(0) == num_classes, op, "weight must have shape [", num_classes,
           "] (one per class), got ", describe(weight));
  return weight.detach().to(input.device(), input.dtype());
}

/// weight [C] shaped to broadcast against a tensor whose class dim is class_dim.
Tensor weight_along(const Tensor& w, const Tensor& like, int64_t class_dim) {
  Shape shape(like.dim(), 1);
  shape[class_dim] = w.size(0);
  return w.view(shape);
}

Shape shape_without(const Shape& s, int64_t dim) {
  Shape out = s;
  out.erase(out.begin() + dim);
  return out;
}

/// Weighted NLL of log-probabilities at class-index targets, with optional label smoothing:
/// the shared core of nll_loss and cross_entropy (PyTorch's weighted-mean rule).
Tensor nll_with_smoothing(const Tensor& logp, const Tensor& target_in, const Tensor& weight_in, int64_t ignore_index,
                          Reduction reduction, double smoothing, const char* op) {
  TZ_CHECK(logp.dim() >= 1, op, "input must have at least 1 dim (classes), got ", describe(logp));
  TZ_CHECK(!is_floating(target_in.dtype()) && target_in.dtype() != DType::Bool, op,
           "class-index target must have an integer dtype, got ", describe(target_in));
  TZ_CHECK(target_in.device() == logp.device(), op, "input ", describe(logp), " and target ", describe(target_in),
           " are on different devices: call .to(device)");
  const int64_t class_dim = logp.dim() == 1 ? 0 : 1;
  const int64_t num_classes = logp.size(class_dim);
  const Shape expected = shape_without(logp.shape(), class_dim);
  TZ_CHECK(target_in.shape() == expected, op, "target of shape ", shape_str(target_in.shape()), " does not match input ",
           describe(logp), ": expected ", shape_str(expected));
  const Tensor target = target_in.dtype() == DType::I64 ? target_in.detach() : target_in.detach().to(DType::I64);
  const Tensor weight = class_weight(weight_in, logp, num_classes, op);

  const Tensor valid = ne(target, Scalar(ignore_index));
  if (target.numel() > 0) {
    NoGradGuard no_grad;
    const Tensor bad = logical_and(valid, logical_or(lt(target, Scalar(0)), ge(target, Scalar(num_classes))));
    if (any(bad).item<bool>()) {
      const Tensor first = masked_select(target, bad).select(0, 0);
      TZ_FAIL(op, "target ", first.item<int64_t>(), " is out of bounds for ", num_classes, " classes (input ",
              describe(logp), ", ignore_index ", ignore_index, ")");
    }
  }
  const Tensor safe_target = where(valid, target, Scalar(int64_t(0)));
  const Tensor picked = gather(logp, class_dim, safe_target.unsqueeze(class_dim)).squeeze(class_dim);
  Tensor target_weight;  // w[t_i] on valid elements, 0 on ignored ones (a constant)
  if (weight.defined())
    target_weight = where(valid, index_select(weight, 0, safe_target.reshape({-1})).reshape(target.shape()),
                          Scalar(0.0));
  else
    target_weight = valid.to(logp.dtype());
  // where (not a product with the mask) keeps ignored rows at 0 even if their log-prob is -inf.
  Tensor loss = where(valid, neg(picked * target_weight), Scalar(0.0));

  Tensor smooth;
  if (smoothing > 0.0) {
    const Tensor weighted = weight.defined() ? logp * weight_along(weight, logp, class_dim) : logp;
    smooth = where(valid, neg(sum(weighted, {class_dim})), Scalar(0.0));
  }
  const double eps_c = smoothing / double(num_classes);
  switch (reduction) {
    case Reduction::None:
      return smooth.defined() ? loss * (1.0 - smoothing) + smooth * eps_c : loss;
    case Reduction::Sum:
      return smooth.defined() ? sum(loss) * (1.0 - smoothing) + sum(smooth) * eps_c : sum(loss);
    case Reduction::Mean: {
      const Tensor denominator = sum(target_weight);
      const Tensor total = smooth.defined() ? sum(loss) * (1.0 - smoothing) + sum(smooth) * eps_c : sum(loss);
      return total / denominator;
    }
    case Reduction::BatchMean: break;
  }
  return reduce(loss, reduction, op);  // throws for BatchMean
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const NllLossOptions& o) {
  if (autocast::is_enabled())
    return autocast::f32([&](const Tensor& i2, const Tensor& t2, const Tensor& w2) { NllLossOptions o2 = o; o2.weight = w2; return nll_loss(i2, t2, o2); },
                         input, target, o.weight);
  check_floating(input, "nll_loss", "input");
  return nll_with_smoothing(input, target, o.weight, o.ignore_index, o.reduction, 0.0, "nll_loss");
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& o) {
  if (autocast::is_enabled())
    return autocast::f32([&](const Tensor& i2, const Tensor& t2, const Tensor& w2) { CrossEntropyOptions o2 = o; o2.weight = w2; return cross_entropy(i2, t2, o2); },
                         input, target, o.weight);
  const char* op = "cross_entropy";
  check_floating(input, op, "input");
  TZ_CHECK(target.defined(), op, "target is undefined");
  TZ_CHECK(input.dim() >= 1, op, "input must have a class dim, got ", describe(input));
  TZ_CHECK(o.label_smoothing >= 0.0 && o.label_smoothing <= 1.0, op, "label_smoothing must be in [0, 1], got ",
           o.label_smoothing);
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const Tensor logp = log_softmax(input, class_dim);
  if (!is_floating(target.dtype()))
    return nll_with_smoothing(logp, target, o.weight, o.ignore_index, o.reduction, o.label_smoothing, op);

  // Class probabilities: -sum_c w_c * t_c * log p_c per element.
  TZ_CHECK(target.shape() == input.shape(), op, "probability target ", describe(target),
           " must have the input's shape ", describe(input));
  const int64_t num_classes = input.size(class_dim);
  Tensor probs = target.to(input.dtype());
  if (o.label_smoothing > 0.0)
    probs = probs * (1.0 - o.label_smoothing) + o.label_smoothing / double(num_classes);
  Tensor weighted = logp * probs;
  const Tensor weight = class_weight(o.weight, input, num_classes, op);
  if (weight.defined()) weighted = weighted * weight_along(weight, input, class_dim);
  const Tensor loss = neg(sum(weighted, {class_dim}));
  if (o.reduction == Reduction::Mean) return sum(loss) / double(input.numel() / std::max<int64_t>(num_classes, 1));
  return reduce(loss, o.reduction, op);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BceOptions& o) {
  if (autocast::is_enabled())
    return autocast::f32([&](const Tensor& i2, const Tensor& t2, const Tensor& w2) { BceOptions o2 = o; o2.weight = w2; return binary_cross_entropy(i2, t2, o2); },
                         input, target, o.weight);
  const char* op = "binary_cross_entropy";
  check_floating(input, op, "input");
  check_floating(target, op, "target");
  TZ_CHECK(input.shape() == target.shape(), op, "target ", describe(target), " must have the input's shape ",
           describe(input));
  if (input.numel() > 0) {
    NoGradGuard no_grad;
    // Every element must satisfy 0 <= x <= 1, which NaN fails, as in PyTorch. The former test
    // any(x < 0 || x > 1) is false for NaN, so a NaN input went through to a NaN loss.
    TZ_CHECK(all(logical_and(ge(input, Scalar(0.0)), le(input, Scalar(1.0)))).item<bool>(), op,
             "all elements of input should be between 0 and 1, input ", describe(input));
  }
  const Tensor t = target.to(input.dtype());
  // PyTorch clamps each log at -100 so saturated probabilities give a large finite loss.
  const Tensor log_p = clamp_min(log(input), Scalar(-100.0));
  const Tensor log_1mp = clamp_min(log1p(neg(input)), Scalar(-100.0));
  Tensor loss = neg(t * log_p + (1.0 - t) * log_1mp);
  if (o.weight.defined()) loss = loss * o.weight.detach().to(input.device(), input.dtype());
  return reduce(loss, o.reduction, op);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const BceWithLogitsOptions& o) {
  if (autocast::is_enabled())
    return autocast::f32(
        [&](const Tensor& i2, const Tensor& t2, const Tensor& w2, const Tensor& p2) {
          BceWithLogitsOptions o2 = o;
          o2.weight = w2;
          o2.pos_weight = p2;
          return binary_cross_entropy_with_logits(i2, t2, o2);
        },
        input, target, o.weight, o.pos_weight);
  const char* op = "binary_cross_entropy_with_logits";
  check_floating(input, op, "input");
  check_floating(target, op, "target");
  TZ_CHECK(input.shape() == target.shape(), op, "target ", describe(target), " must have the input's shape ",
           describe(input));
  const Tensor t = target.to(input.dtype());
  // log(1 + exp(-x)) = -log(sigmoid(x)); softplus never overflows and has the exact gradient.
  const Tensor neg_log_sigmoid = softplus(neg(input));
  Tensor loss;
  if (o.pos_weight.defined()) {
    const Tensor pw = o.pos_weight.detach().to(input.device(), input.dtype());
    loss = (1.0 - t) * input + ((pw - 1.0) * t + 1.0) * neg_log_sigmoid;
  } else {
    loss = (1.0 - t) * input + neg_log_sigmoid;
  }
  if (o.weight.defined()) loss = loss * o.weight.detach().to(input.device(), input.dtype());
  TZ_CHECK(loss.shape() == input.shape(), op, "weight/pos_weight must broadcast to the input ", describe(input),
           ", got a result of shape ", shape_str(loss.shape()));
  return reduce(loss, o.reduction, op);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  if (autocast::is_enabled()) return autocast::f32([&](const Tensor& i2, const Tensor& t2) { return mse_loss(i2, t2, reduction); }, input, target);
  check_floating(input, "mse_loss", "input");
  check_broadcastable(input, target, "mse_loss");
  return reduce(square(input - target), reduction, "mse_loss");
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  if (autocast::is_enabled()) return autocast::f32([&](const Tensor& i2, const Tensor& t2) { return l1_loss(i2, t2, reduction); }, input, target);
  check_floating(input, "l1_loss", "input");
  check_broadcastable(input, target, "l1_loss");
  return reduce(abs(input - target), reduction, "l1_loss");
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  if (autocast::is_enabled())
    return autocast::f32([&](const Tensor& i2, const Tensor& t2) { return smooth_l1_loss(i2, t2, reduction, beta); }, input, target);
  const char* op = "smooth_l1_loss";
  check_floating(input, op, "input");
  check_broadcastable(input, target, op);
  TZ_CHECK(beta >= 0.0, op, "beta must be non-negative, got ", beta);
  const Tensor diff = input - target;
  const Tensor abs_diff = abs(diff);
  if (beta == 0.0) return reduce(abs_diff, reduction, op);
  const Tensor loss = where(lt(abs_diff, Scalar(beta)), square(diff) * (0.5 / beta), abs_diff - 0.5 * beta);
  return reduce(loss, reduction, op);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  if (autocast::is_enabled())
    return autocast::f32([&](const Tensor& i2, const Tensor& t2) { return kl_div(i2, t2, reduction, log_target); }, input, target);
  const char* op = "kl_div";
  check_floating(input, op, "input");
  check_floating(target, op, "target");
  Tensor loss;
  if (log_target) {
    loss = exp(target) * (target - input);
  } else {
    // xlogy(t, t): 0 at t = 0. The inner where keeps log's argument at 1 there, so neither the
    // value nor the gradient picks up 0 * log(0).
    const Tensor zero = eq(target, Scalar(0.0));
    const Tensor safe = where(zero, Scalar(1.0), target);
    loss = where(zero, Scalar(0.0), target * log(safe)) - target * input;
  }
  if (reduction == Reduction::BatchMean) {
    const int64_t batch = input.dim() == 0 ? 1 : input.size(0);
    return sum(loss) / double(batch);
  }
  return reduce(loss, reduction, op);
}

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  const char* op = "cosine_similarity";
  check_floating(x1, op, "x1");
  check_floating(x2, op, "x2");
  const Shape shape = broadcast_shapes(x1.shape(), x2.shape(), op);
  TZ_CHECK(!shape.empty(), op, "inputs must have at least 1 dim, got ", describe(x1), " and ", describe(x2));
  const int64_t d = wrap_dim(dim, int64_t(shape.size()), op);
  const Tensor a = x1.expand(shape), b = x2.expand(shape);
  // Normalising each side first keeps the result within [-1, 1] (PyTorch does the same).
  const Tensor na = clamp_min(norm(a, 2.0, {d}, true), Scalar(eps));
  const Tensor nb = clamp_min(norm(b, 2.0, {d}, true), Scalar(eps));
  return sum((a / na) * (b / nb), {d});
}

}  // namespace tz::nn::functional
