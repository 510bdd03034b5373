// Activation modules: thin wrappers that keep their hyper-parameters for summary() and checks.
#include "nn/layers/activation.h"

#include <sstream>

#include "autograd/ops_nn.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"

namespace tz::nn {

namespace {
std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor SiLU::forward(const Tensor& x) { return silu(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Hardswish::forward(const Tensor& x) { return hardswish(x); }
Tensor Hardsigmoid::forward(const Tensor& x) { return hardsigmoid(x); }

GELU::GELU(std::string approx) : UnaryModule("GELU"), approximate(std::move(approx)) {
  TZ_CHECK(approximate == "none" || approximate == "tanh", "GELU", "approximate must be 'none' or 'tanh', got '",
           approximate, "'");
}
Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Softplus::Softplus(double b, double t) : UnaryModule("Softplus"), beta(b), threshold(t) {
  TZ_CHECK(beta != 0.0, "Softplus", "beta must be non-zero");
}
Tensor Softplus::forward(const Tensor& x) { return softplus(x, beta, threshold); }
std::string Softplus::extra_repr() const { return "beta=" + num(beta) + ", threshold=" + num(threshold); }

ELU::ELU(double a) : UnaryModule("ELU"), alpha(a) {}
Tensor ELU::forward(const Tensor& x) { return elu(x, alpha); }
std::string ELU::extra_repr() const { return "alpha=" + num(alpha); }

LeakyReLU::LeakyReLU(double s) : UnaryModule("LeakyReLU"), negative_slope(s) {}
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + num(negative_slope); }

Softmax::Softmax(int64_t d) : UnaryModule("Softmax"), dim(d) {}
Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim); }
std::string Softmax::extra_repr() const { return "dim=" + std::to_string(dim); }

LogSoftmax::LogSoftmax(int64_t d) : UnaryModule("LogSoftmax"), dim(d) {}
Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, dim); }
std::string LogSoftmax::extra_repr() const { return "dim=" + std::to_string(dim); }

Flatten::Flatten(int64_t s, int64_t e) : UnaryModule("Flatten"), start_dim(s), end_dim(e) {}
Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim, end_dim); }
std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

Unflatten::Unflatten(int64_t d, Shape s) : UnaryModule("Unflatten"), dim(d), sizes(std::move(s)) {
  TZ_CHECK(!sizes.empty(), "Unflatten", "sizes must name at least one dim");
}
Tensor Unflatten::forward(const Tensor& x) { return unflatten(x, dim, sizes); }
std::string Unflatten::extra_repr() const { return "dim=" + std::to_string(dim) + ", unflattened_size=" + shape_str(sizes); }

}  // namespace tz::nn
