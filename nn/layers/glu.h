#pragma once
/// Gated linear units.
///
/// GLU(dim) is torch.nn.GLU: split x in two halves a, b along dim and return a * sigmoid(b).
///
/// SwiGLU and GEGLU are the gated feed-forward blocks of "GLU Variants Improve Transformer"
/// (Noam Shazeer, 2020, arXiv:2002.05202):
///   FFN_SwiGLU(x) = (Swish(x W) * x V) W2        FFN_GEGLU(x) = (GELU(x W) * x V) W2
/// Parameter names follow the LLaMA / PyTorch-ecosystem convention so checkpoints map one to
/// one: w1 = W (gate projection, dim -> hidden), w3 = V (value/up projection, dim -> hidden),
/// w2 = W2 (down projection, hidden -> dim), i.e.
///   forward(x) = w2(act(w1(x)) * w3(x))
/// state_dict keys: "w1.weight", "w2.weight", "w3.weight" (+ ".bias" with bias = true). The
/// paper's blocks have no biases, hence the default.
#include <memory>

#include "nn/layers/linear.h"
#include "nn/module.h"

namespace tz::nn {

class GLU : public UnaryModule {
 public:
  explicit GLU(int64_t dim = -1);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
};

/// Shared implementation of the gated feed-forward blocks (use SwiGLU / GEGLU).
class GatedFeedForward : public UnaryModule {
 public:
  GatedFeedForward(const char* type, int64_t dim, int64_t hidden_dim, bool bias, const TensorOptions& opts);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim, hidden_dim;
  std::shared_ptr<Linear> w1, w2, w3;

 protected:
  /// The gate nonlinearity applied to w1(x).
  virtual Tensor activation(const Tensor& gate) const = 0;
};

/// Swish (SiLU) gate: w2(silu(w1(x)) * w3(x)).
class SwiGLU : public GatedFeedForward {
 public:
  SwiGLU(int64_t dim, int64_t hidden_dim, bool bias = false, const TensorOptions& opts = {});

 protected:
  Tensor activation(const Tensor& gate) const override;
};

/// GELU gate: w2(gelu(w1(x)) * w3(x)); approximate "none" (erf, the paper's) or "tanh".
class GEGLU : public GatedFeedForward {
 public:
  GEGLU(int64_t dim, int64_t hidden_dim, bool bias = false, std::string approximate = "none",
        const TensorOptions& opts = {});
  std::string extra_repr() const override;
  std::string approximate;

 protected:
  Tensor activation(const Tensor& gate) const override;
};

}  // namespace tz::nn
