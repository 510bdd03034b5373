#pragma once
/// Stochastic gradient descent as torch.optim.SGD:
///   g = grad (negated when maximize) + weight_decay * p
///   buf = g on the first step, then momentum * buf + (1 - dampening) * g
///   g = nesterov ? g + momentum * buf : buf          (when momentum != 0)
///   p -= lr * g
/// Group options: "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"
/// (booleans as 0 / 1). State per parameter: "momentum_buffer" (when momentum != 0).
#include "nn/optim/optimizer.h"

namespace tz::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
  Options to_map() const;
};

class SGD : public Optimizer {
 public:
  SGD(const TensorList& params, const SGDOptions& defaults = {});
  SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults = {});
  void step() override;

 protected:
  void validate(const Options& options) const override;
};

}  // namespace tz::optim
