// Dropout: a Bernoulli(1-p) keep mask from the default generator, scaled by 1/(1-p). The mask is
// a constant of the graph, so the gradient (g * mask / (1-p)) comes from mul.
#include "autograd/ops_binary.h"
#include "autograd/ops_nn.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

Tensor dropout(const Tensor& x, double p, bool training) {
  TZ_CHECK(p >= 0.0 && p <= 1.0, "dropout", "probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0.0) return x;
  TZ_CHECK(is_floating(x.dtype()), "dropout", "expects a floating input, got ", describe(x));
  // p = 1 drops everything; multiplying by zero (rather than returning fresh zeros) keeps the
  // graph, as PyTorch does.
  if (p == 1.0) return x * 0.0;
  Tensor noise = bernoulli(x.shape(), 1.0 - p, TensorOptions(x.dtype(), x.device()));
  noise = dispatch::binary(BinaryOp::Div, noise, dispatch::scalar_tensor(1.0 - p, x.dtype(), x.device()));
  return x * noise;
}

}  // namespace tz
