#pragma once
/// Normalisation layers with PyTorch's parameter names (weight, bias; running_mean,
/// running_var, num_batches_tracked) and defaults.
#include <optional>

#include "nn/module.h"

namespace tz::nn {

class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true,
                     const TensorOptions& opts = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Shape normalized_shape;
  double eps;
  Tensor weight, bias;  // ones / zeros of normalized_shape (undefined without affine)
};

class RMSNorm : public UnaryModule {
 public:
  explicit RMSNorm(Shape normalized_shape, std::optional<double> eps = {}, bool elementwise_affine = true,
                   const TensorOptions& opts = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Shape normalized_shape;
  std::optional<double> eps;
  Tensor weight;
};

/// BatchNorm over [N, C, *]; the 1d/2d/3d classes only check the input rank.
class BatchNorm : public UnaryModule {
 public:
  BatchNorm(const char* type, int64_t spatial_dims, int64_t num_features, double eps = 1e-5, double momentum = 0.1,
            bool affine = true, bool track_running_stats = true, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t num_features;
  double eps, momentum;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  int64_t spatial_dims_;
};
struct BatchNorm1d : BatchNorm {
  explicit BatchNorm1d(int64_t c, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool track = true)
      : BatchNorm("BatchNorm1d", 1, c, eps, momentum, affine, track) {}
};
struct BatchNorm2d : BatchNorm {
  explicit BatchNorm2d(int64_t c, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool track = true)
      : BatchNorm("BatchNorm2d", 2, c, eps, momentum, affine, track) {}
};
struct BatchNorm3d : BatchNorm {
  explicit BatchNorm3d(int64_t c, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool track = true)
      : BatchNorm("BatchNorm3d", 3, c, eps, momentum, affine, track) {}
};

class GroupNorm : public UnaryModule {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t num_groups, num_channels;
  double eps;
  Tensor weight, bias;
};

}  // namespace tz::nn
