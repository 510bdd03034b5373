#include "nn/optim/sgd.h"

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_unary.h"
#include "core/dispatch.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/optim/fused_update.h"

namespace tz::optim {

Options SGDOptions::to_map() const {
  return {{"lr", lr},
          {"momentum", momentum},
          {"dampening", dampening},
          {"weight_decay", weight_decay},
          {"nesterov", nesterov ? 1.0 : 0.0},
          {"maximize", maximize ? 1.0 : 0.0}};
}

SGD::SGD(const TensorList& params, const SGDOptions& defaults) : SGD(std::vector<ParamGroup>{{params, {}}}, defaults) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults) : Optimizer("SGD", defaults.to_map()) {
  init_groups(std::move(groups));
}

void SGD::validate(const Options& o) const {
  TZ_CHECK(o.at("lr") >= 0.0, "SGD", "invalid learning rate: ", o.at("lr"));
  TZ_CHECK(o.at("momentum") >= 0.0, "SGD", "invalid momentum value: ", o.at("momentum"));
  TZ_CHECK(o.at("weight_decay") >= 0.0, "SGD", "invalid weight_decay value: ", o.at("weight_decay"));
  TZ_CHECK(o.at("nesterov") == 0.0 || (o.at("momentum") > 0.0 && o.at("dampening") == 0.0), "SGD",
           "nesterov momentum requires a momentum and zero dampening (momentum ", o.at("momentum"), ", dampening ",
           o.at("dampening"), ")");
}

namespace {

/// Runs the backend's fused update (Backend::sgd_step) when every tensor qualifies (as for
/// Adam: one dtype, device and shape, contiguous, distinct storages). Returns false, with
/// nothing written, otherwise.
bool fused_sgd_step(const Tensor& p, const Tensor& grad, const Tensor* buf, const SgdStepParams& hp) {
  if (!detail::fusable({&p, &grad, buf})) return false;
  const TensorView none;
  if (!dispatch::backend_of(p).sgd_step(p.kernel_view(), grad.kernel_view(), buf ? buf->kernel_view() : none, hp))
    return false;
  p.bump_version();
  if (buf) buf->bump_version();
  return true;
}

}  // namespace

void SGD::step() {
  NoGradGuard no_grad;
  for (const ParamGroup& group : param_groups()) {
    const double lr = option(group, "lr"), momentum = option(group, "momentum");
    const double dampening = option(group, "dampening"), weight_decay = option(group, "weight_decay");
    const bool nesterov = option(group, "nesterov") != 0.0, maximize = option(group, "maximize") != 0.0;
    for (Tensor p : group.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_of(p);
      ++st.step;
      Tensor* buf = momentum != 0.0 ? &st.buffers["momentum_buffer"] : nullptr;
      const bool first_step = buf && !buf->defined();
      if (first_step) *buf = empty_like(p);
      const SgdStepParams hp{lr, momentum, dampening, weight_decay, nesterov, maximize, first_step};
      if (fused_sgd_step(p, grad, buf, hp)) continue;

      // The composite (the reference the fused kernels reproduce exactly).
      if (maximize) grad = neg(grad);
      if (weight_decay != 0.0) grad = add(grad, p, weight_decay);
      if (buf) {
        if (first_step) {
          *buf = grad.clone();  // the first step uses the gradient itself (no dampening)
        } else {
          buf->mul_(momentum).add_(grad, 1.0 - dampening);
        }
        grad = nesterov ? add(grad, *buf, momentum) : *buf;
      }
      p.add_(grad, -lr);
    }
  }
}

}  // namespace tz::optim
