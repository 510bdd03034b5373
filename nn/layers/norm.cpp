// Normalisation layers: parameters and buffers as torch.nn (weight = ones, bias = zeros,
// running_mean = zeros, running_var = ones, num_batches_tracked = 0-d int64), forward through
// the functional ops of autograd/ops_nn.h.
#include "nn/layers/norm.h"

#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/ops_nn.h"
#include "core/factories.h"

namespace tz::nn {

namespace {
std::string flag(bool b) { return b ? "true" : "false"; }
/// "(4,)" / "(3, 4)": PyTorch's tuple printout of normalized_shape.
std::string tuple_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}
std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
void check_shape(const char* op, const Shape& s) {
  TZ_CHECK(!s.empty(), op, "normalized_shape must name at least one dim");
  for (int64_t d : s) TZ_CHECK(d >= 0, op, "normalized_shape must be non-negative, got ", shape_str(s));
}
}  // namespace

// ---- LayerNorm ------------------------------------------------------------------------------

LayerNorm::LayerNorm(Shape shape, double eps_, bool elementwise_affine, bool has_bias, const TensorOptions& opts)
    : UnaryModule("LayerNorm"), normalized_shape(std::move(shape)), eps(eps_) {
  check_shape("LayerNorm", normalized_shape);
  const TensorOptions o = opts.with_requires_grad(false);
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape, o));
    if (has_bias) bias = register_parameter("bias", zeros(normalized_shape, o));
  }
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, normalized_shape, weight, bias, eps); }

std::string LayerNorm::extra_repr() const {
  return tuple_str(normalized_shape) + ", eps=" + num(eps) + ", elementwise_affine=" + flag(weight.defined()) +
         (weight.defined() ? ", bias=" + flag(bias.defined()) : "");
}

// ---- RMSNorm --------------------------------------------------------------------------------

RMSNorm::RMSNorm(Shape shape, std::optional<double> eps_, bool elementwise_affine, const TensorOptions& opts)
    : UnaryModule("RMSNorm"), normalized_shape(std::move(shape)), eps(eps_) {
  check_shape("RMSNorm", normalized_shape);
  if (elementwise_affine) weight = register_parameter("weight", ones(normalized_shape, opts.with_requires_grad(false)));
}

Tensor RMSNorm::forward(const Tensor& x) { return rms_norm(x, normalized_shape, weight, eps); }

std::string RMSNorm::extra_repr() const {
  return tuple_str(normalized_shape) + ", eps=" + (eps ? num(*eps) : std::string("None")) +
         ", elementwise_affine=" + flag(weight.defined());
}

// ---- BatchNorm ------------------------------------------------------------------------------

BatchNorm::BatchNorm(const char* type, int64_t spatial_dims, int64_t c, double eps_, double momentum_, bool affine,
                     bool track_running_stats, const TensorOptions& opts)
    : UnaryModule(type), num_features(c), eps(eps_), momentum(momentum_), spatial_dims_(spatial_dims) {
  TZ_CHECK(c > 0, type, "num_features must be positive, got ", c);
  const TensorOptions o = opts.with_requires_grad(false);
  if (affine) {
    weight = register_parameter("weight", ones({c}, o));
    bias = register_parameter("bias", zeros({c}, o));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({c}, o));
    running_var = register_buffer("running_var", ones({c}, o));
    num_batches_tracked = register_buffer("num_batches_tracked", scalar_tensor(0, o.with_dtype(DType::I64)));
  }
}

Tensor BatchNorm::forward(const Tensor& x) {
  const char* op = type_name().c_str();
  TZ_CHECK(x.defined(), op, "input is undefined");
  // BatchNorm1d takes [N, C] or [N, C, L]; 2d [N, C, H, W]; 3d [N, C, D, H, W].
  const bool rank_ok = spatial_dims_ == 1 ? (x.dim() == 2 || x.dim() == 3) : x.dim() == spatial_dims_ + 2;
  TZ_CHECK(rank_ok, op, "expected ", spatial_dims_ == 1 ? "2D or 3D" : std::to_string(spatial_dims_ + 2) + "D",
           " input, got ", describe(x));
  TZ_CHECK(x.size(1) == num_features, op, "expected ", num_features, " channels in dim 1, got ", describe(x));
  const bool tracking = running_mean.defined();
  if (is_training() && tracking) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(Scalar(int64_t(1)));
  }
  // Batch statistics in training, and always when no running statistics are kept.
  const bool use_batch_stats = is_training() || !tracking;
  return batch_norm(x, running_mean, running_var, weight, bias, use_batch_stats, momentum, eps);
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + num(eps) + ", momentum=" + num(momentum) +
         ", affine=" + flag(weight.defined()) + ", track_running_stats=" + flag(running_mean.defined());
}

// ---- GroupNorm ------------------------------------------------------------------------------

GroupNorm::GroupNorm(int64_t groups, int64_t channels, double eps_, bool affine, const TensorOptions& opts)
    : UnaryModule("GroupNorm"), num_groups(groups), num_channels(channels), eps(eps_) {
  TZ_CHECK(groups > 0 && channels >= 0 && channels % groups == 0, "GroupNorm",
           "num_channels must be divisible by num_groups, got num_channels=", channels, ", num_groups=", groups);
  const TensorOptions o = opts.with_requires_grad(false);
  if (affine) {
    weight = register_parameter("weight", ones({channels}, o));
    bias = register_parameter("bias", zeros({channels}, o));
  }
}

Tensor GroupNorm::forward(const Tensor& x) {
  TZ_CHECK(x.defined() && x.dim() >= 2 && x.size(1) == num_channels, "GroupNorm", "expected an input [N, ",
           num_channels, ", *], got ", x.defined() ? describe(x) : std::string("undefined"));
  return group_norm(x, num_groups, weight, bias, eps);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(num_channels) + ", eps=" + num(eps) +
         ", affine=" + flag(weight.defined());
}

}  // namespace tz::nn
