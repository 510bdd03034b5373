#include "nn/layers/low_rank_linear.h"

#include <cmath>

#include "autograd/ops_linalg.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/init.h"
#include "nn/layers/linear.h"

namespace tz::nn {

LowRankLinear::LowRankLinear(int64_t in, int64_t out, int64_t r, bool has_bias, const TensorOptions& opts)
    : UnaryModule("LowRankLinear"), in_features(in), out_features(out), rank(r) {
  TZ_CHECK(in > 0 && out > 0 && r > 0, "LowRankLinear", "in_features, out_features and rank must be > 0, got ", in,
           ", ", out, ", ", r);
  const TensorOptions o = opts.with_requires_grad(false);
  // Drawn in the order of the computation: v (applied first), u, then the bias.
  v = register_parameter("v", init::kaiming_uniform_(empty({r, in}, o), std::sqrt(5.0)));
  u = register_parameter("u", init::kaiming_uniform_(empty({out, r}, o), std::sqrt(5.0)));
  if (has_bias) {
    const double bound = 1.0 / std::sqrt(double(in));
    bias = register_parameter("bias", init::uniform_(empty({out}, o), -bound, bound));
  }
}

Tensor LowRankLinear::forward(const Tensor& x) {
  TZ_CHECK(x.defined() && x.dim() >= 1 && x.size(-1) == in_features, "LowRankLinear", "expected an input [*, ",
           in_features, "], got ", x.defined() ? describe(x) : std::string("undefined"));
  return linear(linear(x, v), u, bias);  // two thin GEMMs; never forms U V
}

Tensor LowRankLinear::dense_weight() const { return matmul(u, v); }

std::string LowRankLinear::extra_repr() const {
  return cat_str("in_features=", in_features, ", out_features=", out_features, ", rank=", rank,
                 ", bias=", bias.defined() ? "true" : "false");
}

std::shared_ptr<UnaryModule> make_linear(int64_t in, int64_t out, bool bias, int64_t rank, const TensorOptions& opts) {
  TZ_CHECK(rank >= 0, "make_linear", "rank must be >= 0 (0 = dense), got ", rank);
  if (rank == 0) return std::make_shared<Linear>(in, out, bias, opts);
  return std::make_shared<LowRankLinear>(in, out, rank, bias, opts);
}

}  // namespace tz::nn
