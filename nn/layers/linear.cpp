// Linear and Bilinear with PyTorch's parameter layout and default initialisation
// (reset_parameters of torch.nn.Linear / torch.nn.Bilinear), drawn weight first, then bias.
#include "nn/layers/linear.h"

#include <cmath>

#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "core/dispatch.h"
#include "core/factories.h"
#include "nn/init.h"

namespace tz::nn {

namespace {
std::string flag(bool b) { return b ? "true" : "false"; }
}  // namespace

Linear::Linear(int64_t in, int64_t out, bool has_bias, const TensorOptions& opts)
    : UnaryModule("Linear"), in_features(in), out_features(out) {
  TZ_CHECK(in >= 0 && out >= 0, "Linear", "in_features and out_features must be non-negative, got ", in, " and ", out);
  const TensorOptions o = opts.with_requires_grad(false);
  // Reported as Linear's (not empty's): the sizes are the constructor's arguments.
  dispatch::check_allocation({out, in}, o.dtype, o.device, "Linear");
  weight = register_parameter("weight", empty({out, in}, o));
  // kaiming_uniform_(a=sqrt(5)) gives bound = sqrt(6 / ((1 + 5) * fan_in)) = 1 / sqrt(fan_in).
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (has_bias) {
    bias = register_parameter("bias", empty({out}, o));
    const double bound = in > 0 ? 1.0 / std::sqrt(double(in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) {
  TZ_CHECK(x.defined() && x.dim() >= 1 && x.size(-1) == in_features, "Linear", "expected an input [*, ", in_features,
           "], got ", x.defined() ? describe(x) : std::string("undefined"));
  return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + flag(bias.defined());
}

Bilinear::Bilinear(int64_t in1, int64_t in2, int64_t out, bool has_bias, const TensorOptions& opts)
    : Module("Bilinear"), in1_features(in1), in2_features(in2), out_features(out) {
  TZ_CHECK(in1 >= 0 && in2 >= 0 && out >= 0, "Bilinear", "feature counts must be non-negative, got ", in1, ", ", in2,
           ", ", out);
  const TensorOptions o = opts.with_requires_grad(false);
  dispatch::check_allocation({out, in1, in2}, o.dtype, o.device, "Bilinear");
  // PyTorch: bound = 1 / sqrt(weight.size(1)) for both weight and bias.
  const double bound = in1 > 0 ? 1.0 / std::sqrt(double(in1)) : 0.0;
  weight = register_parameter("weight", empty({out, in1, in2}, o));
  init::uniform_(weight, -bound, bound);
  if (has_bias) {
    bias = register_parameter("bias", empty({out}, o));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Bilinear::forward(const Tensor& x1, const Tensor& x2) {
  TZ_CHECK(x1.defined() && x2.defined(), "Bilinear", "inputs must be defined");
  TZ_CHECK(x1.dim() >= 1 && x1.size(-1) == in1_features && x2.dim() >= 1 && x2.size(-1) == in2_features, "Bilinear",
           "expected inputs [*, ", in1_features, "] and [*, ", in2_features, "], got ", describe(x1), " and ",
           describe(x2));
  const Shape batch1(x1.shape().begin(), x1.shape().end() - 1), batch2(x2.shape().begin(), x2.shape().end() - 1);
  TZ_CHECK(batch1 == batch2, "Bilinear", "input batch dims must match, got ", describe(x1), " and ", describe(x2));
  // y[b, o] = sum_ij x1[b, i] W[o, i, j] x2[b, j]: one GEMM x1 @ W' with W' = [in1, out * in2],
  // then a product with x2 reduced over j.
  const int64_t rows = numel_of(batch1);
  const Tensor a = x1.reshape({rows, in1_features});
  const Tensor w = weight.permute({1, 0, 2}).reshape({in1_features, out_features * in2_features});
  const Tensor t = matmul(a, w).reshape({rows, out_features, in2_features});
  Tensor y = sum(t * x2.reshape({rows, 1, in2_features}), {-1});
  if (bias.defined()) y = y + bias;
  Shape out_shape = batch1;
  out_shape.push_back(out_features);
  return y.reshape(out_shape);
}

std::string Bilinear::extra_repr() const {
  return "in1_features=" + std::to_string(in1_features) + ", in2_features=" + std::to_string(in2_features) +
         ", out_features=" + std::to_string(out_features) + ", bias=" + flag(bias.defined());
}

}  // namespace tz::nn
