#include "nn/optim/scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"
#include "core/factories.h"

namespace tz::optim {

LRScheduler::LRScheduler(Optimizer& optimizer, const char* name) : optimizer_(optimizer), name_(name) {
  for (ParamGroup& g : optimizer_.param_groups()) {
    auto lr = g.options.find("lr");
    TZ_CHECK(lr != g.options.end(), name_, "parameter group has no 'lr'");
    // The first scheduler on an optimizer records the starting lr; later ones reuse it.
    base_lrs_.push_back(g.options.emplace("initial_lr", lr->second).first->second);
  }
}

void LRScheduler::initial_step() {
  last_epoch_ = -1;
  step();
}

void LRScheduler::step() {
  auto& groups = optimizer_.param_groups();
  TZ_CHECK(groups.size() == base_lrs_.size(), name_, "the optimizer has ", groups.size(),
           " parameter groups but the scheduler was made for ", base_lrs_.size());
  const int64_t epoch = last_epoch_ + 1;
  std::vector<double> lrs;
  for (size_t g = 0; g < groups.size(); ++g) lrs.push_back(lr_at(epoch, g));  // may throw: change nothing yet
  last_epoch_ = epoch;
  for (size_t g = 0; g < groups.size(); ++g) groups[g].options["lr"] = lrs[g];
  last_lr_ = std::move(lrs);
}

nn::StateDict LRScheduler::state_dict() const {
  nn::StateDict out;
  out["last_epoch"] = scalar_tensor(last_epoch_, DType::I64);
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    out["base_lrs." + std::to_string(g)] = scalar_tensor(base_lrs_[g], DType::F64);
    out["last_lr." + std::to_string(g)] = scalar_tensor(last_lr_.at(g), DType::F64);
  }
  return out;
}

void LRScheduler::load_state_dict(const nn::StateDict& dict) {
  const char* op = "load_state_dict";
  auto get = [&](const std::string& key) {
    auto it = dict.find(key);
    TZ_CHECK(it != dict.end(), op, name_, " state dict lacks '", key, "'");
    TZ_CHECK(it->second.numel() == 1, op, "'", key, "' must hold one number, got ", describe(it->second));
    return it->second;
  };
  const size_t n = base_lrs_.size();
  TZ_CHECK(dict.size() == 1 + 2 * n, op, name_, " state dict has ", dict.size(), " entries; expected ", 1 + 2 * n,
           " for ", n, " parameter groups");
  std::vector<double> base(n), last(n);
  for (size_t g = 0; g < n; ++g) {
    base[g] = get("base_lrs." + std::to_string(g)).item<double>();
    last[g] = get("last_lr." + std::to_string(g)).item<double>();
  }
  last_epoch_ = get("last_epoch").item<int64_t>();
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

// ---- LinearWarmup ---------------------------------------------------------------------------
LinearWarmup::LinearWarmup(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer, "LinearWarmup"), start_factor_(start_factor), end_factor_(end_factor),
      total_iters_(total_iters) {
  TZ_CHECK(start_factor > 0.0 && start_factor <= 1.0, name_, "start_factor must be in (0, 1], got ", start_factor);
  TZ_CHECK(end_factor >= 0.0 && end_factor <= 1.0, name_, "end_factor must be in [0, 1], got ", end_factor);
  TZ_CHECK(total_iters >= 1, name_, "total_iters must be positive, got ", total_iters);
  initial_step();
}

double LinearWarmup::lr_at(int64_t epoch, size_t group) const {
  const double frac = double(std::min(epoch, total_iters_)) / double(total_iters_);
  return base_lrs_[group] * (start_factor_ + (end_factor_ - start_factor_) * frac);
}

// ---- CosineAnnealing ------------------------------------------------------------------------
CosineAnnealing::CosineAnnealing(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealing"), t_max_(T_max), eta_min_(eta_min) {
  TZ_CHECK(T_max >= 1, name_, "T_max must be positive, got ", T_max);
  initial_step();
}

double CosineAnnealing::lr_at(int64_t epoch, size_t group) const {
  const double c = std::cos(std::numbers::pi * double(epoch) / double(t_max_));
  return eta_min_ + (base_lrs_[group] - eta_min_) * (1.0 + c) / 2.0;
}

// ---- StepLR ---------------------------------------------------------------------------------
StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
  TZ_CHECK(step_size >= 1, name_, "step_size must be positive, got ", step_size);
  initial_step();
}

double StepLR::lr_at(int64_t epoch, size_t group) const {
  return base_lrs_[group] * std::pow(gamma_, double(epoch / step_size_));
}

// ---- OneCycleLR -----------------------------------------------------------------------------
OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const OneCycleOptions& o)
    : LRScheduler(optimizer, "OneCycleLR"), total_steps_(total_steps) {
  TZ_CHECK(total_steps >= 1, name_, "total_steps must be positive, got ", total_steps);
  TZ_CHECK(o.pct_start >= 0.0 && o.pct_start <= 1.0, name_, "pct_start must be in [0, 1], got ", o.pct_start);
  TZ_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear", name_,
           "anneal_strategy must be 'cos' or 'linear', got '", o.anneal_strategy, "'");
  TZ_CHECK(max_lr > 0.0 && o.div_factor > 0.0 && o.final_div_factor > 0.0, name_,
           "max_lr, div_factor and final_div_factor must be positive");
  cosine_ = o.anneal_strategy == "cos";
  const double initial = max_lr / o.div_factor, min_lr = initial / o.final_div_factor;
  const double total = double(total_steps);
  // The same phase boundaries (as floats) as PyTorch.
  if (o.three_phase) {
    phases_ = {{o.pct_start * total - 1.0, initial, max_lr},
               {2.0 * o.pct_start * total - 2.0, max_lr, initial},
               {total - 1.0, initial, min_lr}};
  } else {
    phases_ = {{o.pct_start * total - 1.0, initial, max_lr}, {total - 1.0, max_lr, min_lr}};
  }
  // OneCycle owns the lr: every group starts at max_lr / div_factor.
  auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].options["initial_lr"] = initial;
    groups[g].options["max_lr"] = max_lr;
    groups[g].options["min_lr"] = min_lr;
    base_lrs_[g] = initial;
  }
  initial_step();
}

double OneCycleLR::lr_at(int64_t epoch, size_t) const {
  TZ_CHECK(epoch <= total_steps_, name_, "tried to step ", epoch, " times; total_steps is ", total_steps_);
  double start_step = 0.0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& ph = phases_[i];
    if (double(epoch) <= ph.end_step || i + 1 == phases_.size()) {
      const double pct = (double(epoch) - start_step) / (ph.end_step - start_step);
      if (cosine_) return ph.end_lr + (ph.start_lr - ph.end_lr) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
      return (ph.end_lr - ph.start_lr) * pct + ph.start_lr;
    }
    start_step = ph.end_step;
  }
  return phases_.back().end_lr;  // unreachable: the last phase always matches
}

// ---- WarmupCosine ---------------------------------------------------------------------------
WarmupCosine::WarmupCosine(Optimizer& optimizer, int64_t warmup_steps, int64_t total_steps, double min_lr)
    : LRScheduler(optimizer, "WarmupCosine"), warmup_steps_(warmup_steps), total_steps_(total_steps),
      min_lr_(min_lr) {
  TZ_CHECK(warmup_steps >= 0 && total_steps >= warmup_steps, name_,
           "need 0 <= warmup_steps <= total_steps, got warmup_steps ", warmup_steps, ", total_steps ", total_steps);
  TZ_CHECK(min_lr >= 0.0, name_, "min_lr must be non-negative, got ", min_lr);
  initial_step();
}

double WarmupCosine::lr_at(int64_t epoch, size_t group) const {
  const double base = base_lrs_[group];
  if (epoch < warmup_steps_) return base * double(epoch) / double(std::max<int64_t>(1, warmup_steps_));
  const double progress = std::min(
      1.0, double(epoch - warmup_steps_) / double(std::max<int64_t>(1, total_steps_ - warmup_steps_)));
  return min_lr_ + (base - min_lr_) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace tz::optim
