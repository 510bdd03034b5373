// GLU and the gated feed-forward blocks (see glu.h for the paper and the naming).
#include "nn/layers/glu.h"

#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/shape.h"

namespace tz::nn {

GLU::GLU(int64_t d) : UnaryModule("GLU"), dim(d) {}

Tensor GLU::forward(const Tensor& x) {
  TZ_CHECK(x.defined() && x.dim() > 0, "GLU", "expects a tensor with at least one dim, got ",
           x.defined() ? describe(x) : std::string("undefined"));
  const int64_t d = wrap_dim(dim, x.dim(), "GLU");
  TZ_CHECK(x.size(d) % 2 == 0, "GLU", "halving dimension must be even, but dimension ", d, " is size ", x.size(d),
           " for input ", describe(x));
  const TensorList halves = chunk(x, 2, d);
  return halves[0] * sigmoid(halves[1]);
}

std::string GLU::extra_repr() const { return "dim=" + std::to_string(dim); }

GatedFeedForward::GatedFeedForward(const char* type, int64_t d, int64_t hidden, bool bias, const TensorOptions& opts)
    : UnaryModule(type), dim(d), hidden_dim(hidden) {
  TZ_CHECK(d > 0 && hidden > 0, type, "dim and hidden_dim must be positive, got ", d, " and ", hidden);
  // Created in the order w1, w2, w3 (LLaMA's), so a seeded init is reproducible across ports.
  w1 = register_module("w1", std::make_shared<Linear>(d, hidden, bias, opts));
  w2 = register_module("w2", std::make_shared<Linear>(hidden, d, bias, opts));
  w3 = register_module("w3", std::make_shared<Linear>(d, hidden, bias, opts));
}

Tensor GatedFeedForward::forward(const Tensor& x) { return (*w2)(activation((*w1)(x)) * (*w3)(x)); }

std::string GatedFeedForward::extra_repr() const {
  return "dim=" + std::to_string(dim) + ", hidden_dim=" + std::to_string(hidden_dim);
}

SwiGLU::SwiGLU(int64_t d, int64_t hidden, bool bias, const TensorOptions& opts)
    : GatedFeedForward("SwiGLU", d, hidden, bias, opts) {}
Tensor SwiGLU::activation(const Tensor& gate) const { return silu(gate); }

GEGLU::GEGLU(int64_t d, int64_t hidden, bool bias, std::string approx, const TensorOptions& opts)
    : GatedFeedForward("GEGLU", d, hidden, bias, opts), approximate(std::move(approx)) {
  TZ_CHECK(approximate == "none" || approximate == "tanh", "GEGLU", "approximate must be 'none' or 'tanh', got '",
           approximate, "'");
}
Tensor GEGLU::activation(const Tensor& gate) const { return gelu(gate, approximate); }
std::string GEGLU::extra_repr() const { return GatedFeedForward::extra_repr() + ", approximate='" + approximate + "'"; }

}  // namespace tz::nn
