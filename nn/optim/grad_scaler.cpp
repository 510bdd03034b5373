#include "nn/optim/grad_scaler.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "core/error.h"

namespace tz::optim {

GradScaler::GradScaler(const GradScalerOptions& options) : options_(options), scale_(options.init_scale) {
  TZ_CHECK(options.init_scale > 0 && std::isfinite(options.init_scale), "GradScaler", "init_scale must be positive, got ",
           options.init_scale);
  TZ_CHECK(options.growth_factor > 1.0, "GradScaler", "growth_factor must be > 1, got ", options.growth_factor);
  TZ_CHECK(options.backoff_factor > 0.0 && options.backoff_factor < 1.0, "GradScaler",
           "backoff_factor must be in (0, 1), got ", options.backoff_factor);
  TZ_CHECK(options.growth_interval > 0, "GradScaler", "growth_interval must be positive, got ", options.growth_interval);
}

Tensor GradScaler::scale(const Tensor& loss) const {
  if (!options_.enabled) return loss;
  TZ_CHECK(loss.defined() && is_floating(loss.dtype()), "GradScaler", "scale() expects a floating loss, got ",
           loss.defined() ? describe(loss) : std::string("undefined"));
  const Tensor wide = loss.dtype() == DType::F16 || loss.dtype() == DType::BF16 ? to_dtype(loss, DType::F32) : loss;
  return wide * scale_;
}

void GradScaler::unscale_(Optimizer& opt) {
  if (!options_.enabled) return;
  OptimizerState& st = per_optimizer_[&opt];
  TZ_CHECK(!st.unscaled, "GradScaler", "unscale_() was already called on this optimizer since the last update()");
  NoGradGuard no_grad;
  const double inv = 1.0 / scale_;
  // Every gradient's "all finite" flag, combined on the device: one transfer to the host.
  Tensor all_finite;
  for (const ParamGroup& group : opt.param_groups())
    for (const Tensor& p : group.params) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      const Tensor ok = all(isfinite(g));
      all_finite = all_finite.defined() ? logical_and(all_finite, ok.to(all_finite.device())) : ok;
      g.mul_(inv);
    }
  st.unscaled = true;
  st.found_inf = all_finite.defined() && !all_finite.item<bool>();
}

bool GradScaler::step(Optimizer& opt) {
  if (!options_.enabled) {
    opt.step();
    return true;
  }
  OptimizerState& st = per_optimizer_[&opt];
  if (!st.unscaled) unscale_(opt);
  const OptimizerState& done = per_optimizer_[&opt];
  if (done.found_inf) return false;
  opt.step();
  return true;
}

void GradScaler::update(std::optional<double> new_scale) {
  if (!options_.enabled) return;
  if (new_scale) {
    TZ_CHECK(*new_scale > 0 && std::isfinite(*new_scale), "GradScaler", "new scale must be positive, got ", *new_scale);
    scale_ = *new_scale;
  } else {
    bool found_inf = false;
    for (const auto& [opt, st] : per_optimizer_) found_inf = found_inf || st.found_inf;
    if (found_inf) {
      scale_ *= options_.backoff_factor;
      growth_tracker_ = 0;
    } else if (++growth_tracker_ == options_.growth_interval) {
      // Growth stops at the largest finite scale (as PyTorch's update).
      if (std::isfinite(scale_ * options_.growth_factor)) scale_ *= options_.growth_factor;
      growth_tracker_ = 0;
    }
  }
  per_optimizer_.clear();
}

}  // namespace tz::optim
