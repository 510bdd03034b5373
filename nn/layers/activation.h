#pragma once
/// Activation modules (torch.nn names and defaults) over the core's elementwise ops, plus
/// Softmax / LogSoftmax over a dim and Flatten / Unflatten. None has parameters.
#include "nn/module.h"

namespace tz::nn {

#define TZ_NN_PLAIN_ACTIVATION(Name)                 \
  struct Name : UnaryModule {                        \
    Name() : UnaryModule(#Name) {}                   \
    Tensor forward(const Tensor& x) override;        \
  };
TZ_NN_PLAIN_ACTIVATION(ReLU)
TZ_NN_PLAIN_ACTIVATION(SiLU)
TZ_NN_PLAIN_ACTIVATION(Tanh)
TZ_NN_PLAIN_ACTIVATION(Sigmoid)
TZ_NN_PLAIN_ACTIVATION(Hardswish)
TZ_NN_PLAIN_ACTIVATION(Hardsigmoid)
#undef TZ_NN_PLAIN_ACTIVATION

/// approximate: "none" (erf) or "tanh".
struct GELU : UnaryModule {
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::string approximate;
};

/// log(1 + exp(beta x)) / beta, linear above x * beta > threshold.
struct Softplus : UnaryModule {
  explicit Softplus(double beta = 1.0, double threshold = 20.0);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double beta, threshold;
};

struct ELU : UnaryModule {
  explicit ELU(double alpha = 1.0);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double alpha;
};

struct LeakyReLU : UnaryModule {
  explicit LeakyReLU(double negative_slope = 0.01);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double negative_slope;
};

struct Softmax : UnaryModule {
  explicit Softmax(int64_t dim);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
};

struct LogSoftmax : UnaryModule {
  explicit LogSoftmax(int64_t dim);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
};

/// Flattens dims start_dim..end_dim (default: all but the batch dim).
struct Flatten : UnaryModule {
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

/// Splits dim into `sizes` (one entry may be -1).
struct Unflatten : UnaryModule {
  Unflatten(int64_t dim, Shape sizes);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
  Shape sizes;
};

}  // namespace tz::nn
