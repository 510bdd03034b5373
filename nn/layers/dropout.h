#pragma once
/// Dropout: active only in training mode (Module::train()).
#include "nn/module.h"

namespace tz::nn {

class Dropout : public UnaryModule {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p;
};

}  // namespace tz::nn
