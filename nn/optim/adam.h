#pragma once
/// Adam and AdamW as torch.optim (single-tensor algorithm, bias correction as PyTorch):
///   g = grad (negated when maximize)
///   Adam:  g += weight_decay * p            AdamW: p *= 1 - lr * weight_decay
///   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2;  t += 1
///   v_hat = amsgrad ? (v_max = max(v_max, v)) : v
///   p -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
/// Group options: "lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize".
/// State per parameter: step, "exp_avg", "exp_avg_sq" and (amsgrad) "max_exp_avg_sq".
#include "nn/optim/optimizer.h"

namespace tz::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  /// Adam default 0; AdamW's constructor uses 1e-2 unless AdamWOptions says otherwise.
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
  Options to_map() const;
};

/// AdamW's defaults differ only in weight_decay (1e-2, as torch.optim.AdamW).
struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = 1e-2; }
};

class Adam : public Optimizer {
 public:
  Adam(const TensorList& params, const AdamOptions& defaults = {});
  Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults = {});
  void step() override;

 protected:
  Adam(std::string name, std::vector<ParamGroup> groups, const AdamOptions& defaults, bool decoupled);
  void validate(const Options& options) const override;

 private:
  bool decoupled_weight_decay_ = false;
};

/// Adam with decoupled weight decay (Loshchilov & Hutter).
class AdamW : public Adam {
 public:
  AdamW(const TensorList& params, const AdamWOptions& defaults = {});
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults = {});
};

}  // namespace tz::optim
