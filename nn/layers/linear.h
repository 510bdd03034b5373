#pragma once
/// Linear (y = x W^T + b), Bilinear and Identity, with PyTorch's parameter names, shapes and
/// default initialisation (kaiming-uniform(a=sqrt5) weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias).
#include "nn/module.h"

namespace tz::nn {

class Linear : public UnaryModule {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t in_features, out_features;
  Tensor weight;  // [out_features, in_features]
  Tensor bias;    // [out_features] or undefined
};

class Bilinear : public Module {
 public:
  Bilinear(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias = true,
           const TensorOptions& opts = {});
  /// y[..., o] = x1 W[o] x2 + b[o].
  Tensor forward(const Tensor& x1, const Tensor& x2);
  Tensor operator()(const Tensor& x1, const Tensor& x2) { return run_forward_hooks({x1, x2}, forward(x1, x2)); }
  std::string extra_repr() const override;
  int64_t in1_features, in2_features, out_features;
  Tensor weight;  // [out, in1, in2]
  Tensor bias;    // [out]
};

class Identity : public UnaryModule {
 public:
  Identity() : UnaryModule("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

}  // namespace tz::nn
