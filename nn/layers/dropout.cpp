// Dropout module: the functional dropout with the module's training flag.
#include "nn/layers/dropout.h"

#include <sstream>

#include "autograd/ops_nn.h"

namespace tz::nn {

Dropout::Dropout(double p_) : UnaryModule("Dropout"), p(p_) {
  TZ_CHECK(p >= 0.0 && p <= 1.0, "Dropout", "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training()); }

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

}  // namespace tz::nn
