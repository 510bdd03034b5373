#include "nn/optim/adam.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_unary.h"
#include "core/dispatch.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/optim/fused_update.h"

namespace tz::optim {

Options AdamOptions::to_map() const {
  return {{"lr", lr},
          {"beta1", beta1},
          {"beta2", beta2},
          {"eps", eps},
          {"weight_decay", weight_decay},
          {"amsgrad", amsgrad ? 1.0 : 0.0},
          {"maximize", maximize ? 1.0 : 0.0}};
}

Adam::Adam(const TensorList& params, const AdamOptions& defaults)
    : Adam(std::vector<ParamGroup>{{params, {}}}, defaults) {}
Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults) : Adam("Adam", std::move(groups), defaults, false) {}
Adam::Adam(std::string name, std::vector<ParamGroup> groups, const AdamOptions& defaults, bool decoupled)
    : Optimizer(std::move(name), defaults.to_map()), decoupled_weight_decay_(decoupled) {
  init_groups(std::move(groups));
}

AdamW::AdamW(const TensorList& params, const AdamWOptions& defaults)
    : AdamW(std::vector<ParamGroup>{{params, {}}}, defaults) {}
AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults)
    : Adam("AdamW", std::move(groups), defaults, true) {}

void Adam::validate(const Options& o) const {
  const std::string& n = name();
  TZ_CHECK(o.at("lr") >= 0.0, n, "invalid learning rate: ", o.at("lr"));
  TZ_CHECK(o.at("eps") >= 0.0, n, "invalid epsilon value: ", o.at("eps"));
  TZ_CHECK(o.at("beta1") >= 0.0 && o.at("beta1") < 1.0, n, "invalid beta parameter at index 0: ", o.at("beta1"));
  TZ_CHECK(o.at("beta2") >= 0.0 && o.at("beta2") < 1.0, n, "invalid beta parameter at index 1: ", o.at("beta2"));
  TZ_CHECK(o.at("weight_decay") >= 0.0, n, "invalid weight_decay value: ", o.at("weight_decay"));
}

namespace {

/// Runs the backend's fused update (Backend::adam_step) when every tensor qualifies: one dtype,
/// device and shape, contiguous, and no written tensor sharing storage with another. Returns
/// false, with nothing written, otherwise (the caller then runs the composite).
bool fused_adam_step(const Tensor& p, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                     const Tensor* max_exp_avg_sq, const AdamStepParams& hp) {
  if (!detail::fusable({&p, &grad, &exp_avg, &exp_avg_sq, max_exp_avg_sq})) return false;
  const TensorView none;
  if (!dispatch::backend_of(p).adam_step(p.kernel_view(), grad.kernel_view(), exp_avg.kernel_view(),
                                         exp_avg_sq.kernel_view(), max_exp_avg_sq ? max_exp_avg_sq->kernel_view() : none,
                                         hp))
    return false;
  p.bump_version();
  exp_avg.bump_version();
  exp_avg_sq.bump_version();
  if (max_exp_avg_sq) max_exp_avg_sq->bump_version();
  return true;
}

}  // namespace

void Adam::step() {
  NoGradGuard no_grad;
  for (const ParamGroup& group : param_groups()) {
    const double lr = option(group, "lr"), beta1 = option(group, "beta1"), beta2 = option(group, "beta2");
    const double eps = option(group, "eps"), weight_decay = option(group, "weight_decay");
    const bool amsgrad = option(group, "amsgrad") != 0.0, maximize = option(group, "maximize") != 0.0;
    for (Tensor p : group.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_of(p);
      Tensor& exp_avg = st.buffers["exp_avg"];
      Tensor& exp_avg_sq = st.buffers["exp_avg_sq"];
      if (!exp_avg.defined()) exp_avg = zeros_like(p);
      if (!exp_avg_sq.defined()) exp_avg_sq = zeros_like(p);
      Tensor* max_sq = amsgrad ? &st.buffers["max_exp_avg_sq"] : nullptr;
      if (max_sq && !max_sq->defined()) *max_sq = zeros_like(p);
      const int64_t step = ++st.step;
      const double bias_correction1 = 1.0 - std::pow(beta1, double(step));
      const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, double(step)));
      const AdamStepParams hp{lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay_, amsgrad, maximize,
                              bias_correction1, bias_correction2_sqrt};
      if (fused_adam_step(p, grad, exp_avg, exp_avg_sq, max_sq, hp)) continue;

      // The composite (the reference the fused kernels reproduce exactly).
      if (maximize) grad = neg(grad);
      if (weight_decay != 0.0) {
        if (decoupled_weight_decay_) p.mul_(1.0 - lr * weight_decay);
        else grad = add(grad, p, weight_decay);
      }
      exp_avg.mul_(beta1).add_(grad, 1.0 - beta1);
      exp_avg_sq.mul_(beta2).add_(square(grad), 1.0 - beta2);
      Tensor second = exp_avg_sq;
      if (max_sq) {
        max_sq->copy_(maximum(*max_sq, exp_avg_sq));
        second = *max_sq;
      }
      Tensor denom = sqrt(second);
      denom.div_(bias_correction2_sqrt).add_(eps);
      p.add_(exp_avg / denom, -lr / bias_correction1);
    }
  }
}

}  // namespace tz::optim
