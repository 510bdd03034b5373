#pragma once
/// Learning-rate schedules as torch.optim.lr_scheduler, in closed form: after n calls of
/// step() every group's "lr" is f(n, base_lr), where base_lr is the group's "initial_lr" (set
/// from its "lr" by the first scheduler attached, as PyTorch). Constructing a scheduler applies
/// f(0) (PyTorch's initial step), so the usual loop is
///   for (...) { loss.backward(); opt.step(); sched.step(); }
/// get_last_lr() returns the lrs last set. state_dict() holds "last_epoch" (0-d int64) and
/// "base_lrs.<g>" / "last_lr.<g>" (0-d float64); the optimizer's own state_dict holds the lrs.
#include <cstdint>
#include <string>
#include <vector>

#include "nn/optim/optimizer.h"

namespace tz::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Advances one step and writes the new lr into every group.
  void step();
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  /// Number of step() calls so far (0 right after construction).
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() { return optimizer_; }

  nn::StateDict state_dict() const;
  /// Restores the step count and base lrs (the group count must match). Does not touch the
  /// optimizer's lrs: restore the optimizer's state_dict too.
  void load_state_dict(const nn::StateDict& dict);

  /// The lr of group g at step `epoch` (closed form).
  virtual double lr_at(int64_t epoch, size_t group) const = 0;

 protected:
  explicit LRScheduler(Optimizer& optimizer, const char* name);
  /// Subclass constructors call this last: applies the lrs of step 0.
  void initial_step();

  Optimizer& optimizer_;
  const char* name_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = -1;
};

/// torch LinearLR: lr = base * (start + (end - start) * min(n, total_iters) / total_iters).
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, double start_factor = 1.0 / 3.0, double end_factor = 1.0,
               int64_t total_iters = 5);
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};
using LinearLR = LinearWarmup;

/// torch CosineAnnealingLR: lr = eta_min + (base - eta_min) * (1 + cos(pi * n / T_max)) / 2.
class CosineAnnealing : public LRScheduler {
 public:
  CosineAnnealing(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  int64_t t_max_;
  double eta_min_;
};
using CosineAnnealingLR = CosineAnnealing;

/// torch StepLR: lr = base * gamma^(n / step_size) (integer division).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// torch OneCycleLR (lr only: no momentum cycling, i.e. cycle_momentum=False). Sets each
/// group's initial lr to max_lr / div_factor; warms up to max_lr over the first
/// pct_start * total_steps - 1 steps, then anneals to initial / final_div_factor at step
/// total_steps - 1 (three_phase: back down to the initial lr first, then to the minimum).
/// anneal: "cos" or "linear". Stepping past total_steps throws, as PyTorch.
struct OneCycleOptions {
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
};
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, const OneCycleOptions& options = {});
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  struct Phase {
    double end_step, start_lr, end_lr;
  };
  int64_t total_steps_;
  bool cosine_;
  std::vector<Phase> phases_;
};

/// Linear warmup from 0 then cosine decay to min_lr: the "linear warmup + cosine" LambdaLR
/// recipe (as transformers' get_cosine_schedule_with_warmup with a floor):
///   n < warmup_steps: lr = base * n / warmup_steps
///   else: p = min(1, (n - warmup_steps) / max(1, total_steps - warmup_steps))
///         lr = min_lr + (base - min_lr) * (1 + cos(pi * p)) / 2
/// It stays at min_lr after total_steps (the recipe without the clamp would rise again).
class WarmupCosine : public LRScheduler {
 public:
  WarmupCosine(Optimizer& optimizer, int64_t warmup_steps, int64_t total_steps, double min_lr = 0.0);
  double lr_at(int64_t epoch, size_t group) const override;

 private:
  int64_t warmup_steps_, total_steps_;
  double min_lr_;
};

}  // namespace tz::optim
