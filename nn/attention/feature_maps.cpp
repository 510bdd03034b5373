// The feature maps of the linear-attention family: elu+1, FAVOR+ softmax, FAVOR relu.
#include "nn/attention/feature_maps.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/init.h"

namespace tz::nn {

ExpKeyFeatures FeatureMap::exp_key_features(const Tensor& k, const FeatureArgs&) {
  TZ_FAIL(type_name(), "exp_key_features is only defined for stabilised maps (this one is not), got keys ",
          describe(k));
}

void FeatureMap::check_rows(const Tensor& x, int64_t head_dim) const {
  TZ_CHECK(x.defined() && x.dim() >= 2 && x.size(-1) == head_dim, type_name(), "expects rows [..., N, ", head_dim,
           "], got ", x.defined() ? describe(x) : std::string("undefined"));
}

// ---- elu + 1 ------------------------------------------------------------------------------

Tensor EluFeatureMap::elu_plus_one(const Tensor& x) { return elu(x) + 1.0; }

Tensor EluFeatureMap::forward(const Tensor& x, FeatureRole, const FeatureArgs&) { return elu_plus_one(x); }

// ---- random projections -------------------------------------------------------------------

RandomFeatureMap::RandomFeatureMap(std::string type_name, int64_t head_dim_, const RandomProjectionSpec& spec_,
                                   const TensorOptions& opts, bool persistent)
    : FeatureMap(std::move(type_name)), head_dim(head_dim_), spec(spec_) {
  TZ_CHECK(spec.nb_features > 0 && head_dim > 0, this->type_name(), "nb_features and head_dim must be > 0, got ",
           spec.nb_features, " and ", head_dim);
  TZ_CHECK(spec.ortho_scaling == 0.0 || spec.ortho_scaling == 1.0, this->type_name(),
           "ortho_scaling must be 0 (chi-distributed row norms) or 1 (norm sqrt(hd)), got ", spec.ortho_scaling);
  projection = register_buffer(
      "projection",
      draw(spec.nb_features, head_dim, spec.orthogonal, spec.ortho_scaling).to(opts.device, opts.dtype), persistent);
}

Tensor RandomFeatureMap::draw(int64_t m, int64_t d, bool orthogonal, double ortho_scaling) {
  if (!orthogonal) return randn({m, d}, DType::F64);
  std::vector<Tensor> blocks;
  for (int64_t row = 0; row < m; row += d) {
    Tensor q = empty({d, d}, DType::F64);
    init::orthogonal_(q);  // rows orthonormal
    blocks.push_back(q.narrow(0, 0, std::min(d, m - row)));
  }
  const Tensor w = cat(blocks, 0);
  const Tensor norms = ortho_scaling == 0.0 ? norm(randn({m, d}, DType::F64), 2.0, {1}, true)
                                            : full({m, 1}, std::sqrt(double(d)), DType::F64);
  return w * norms;
}

void RandomFeatureMap::redraw() {
  NoGradGuard g;
  projection.copy_(draw(spec.nb_features, head_dim, spec.orthogonal, spec.ortho_scaling)
                       .to(projection.device(), projection.dtype()));
}

Tensor RandomFeatureMap::project(const Tensor& x) const {
  check_rows(x, head_dim);
  return matmul(x, projection.to(x.device(), x.dtype()).detach().transpose(0, 1));
}

std::string RandomFeatureMap::extra_repr() const {
  return cat_str("head_dim=", head_dim, ", nb_features=", spec.nb_features, ", orthogonal=", spec.orthogonal,
                 ", ortho_scaling=", spec.ortho_scaling);
}

// ---- FAVOR+ softmax -----------------------------------------------------------------------

FavorSoftmaxFeatureMap::FavorSoftmaxFeatureMap(int64_t head_dim_, const RandomProjectionSpec& spec_,
                                               double feature_eps_, const TensorOptions& opts, bool persistent)
    : RandomFeatureMap("FavorSoftmaxFeatureMap", head_dim_, spec_, opts, persistent), feature_eps(feature_eps_) {
  TZ_CHECK(feature_eps >= 0.0, type_name(), "feature_eps must be >= 0, got ", feature_eps);
}

ExpKeyFeatures FavorSoftmaxFeatureMap::exp_key_features(const Tensor& k, const FeatureArgs&) {
  const Tensor ks = k * std::pow(double(head_dim), -0.25);
  const Tensor a = project(ks);                           // [..., N, m]
  const Tensor diag = ks.square().sum({-1}, true) * 0.5;  // [..., N, 1]
  return {a - diag, amax(a, {-1}, true), feature_eps, 1.0 / std::sqrt(double(spec.nb_features))};
}

Tensor FavorSoftmaxFeatureMap::forward(const Tensor& x, FeatureRole role, const FeatureArgs& args) {
  // Queries and keys share the log form; only the shift differs (it cancels either way).
  const ExpKeyFeatures f = exp_key_features(x, args);
  Tensor c = f.shift;  // queries: each row its own
  if (role == FeatureRole::key) {
    // One shift for all keys: the max over the unpadded rows (0 when there is none; any finite
    // shift works then, every key being zeroed).
    const Tensor real = args.key_padding.defined() ? masked_fill(f.shift, args.key_padding, -INFINITY) : f.shift;
    c = amax(real, {-2}, true);
    c = where(isfinite(c), c, zeros_like(c));
  }
  return (exp(f.exponent - c) + f.offset) * f.multiplier;
}

std::string FavorSoftmaxFeatureMap::extra_repr() const {
  return cat_str(RandomFeatureMap::extra_repr(), ", feature_eps=", feature_eps);
}

// ---- FAVOR relu ---------------------------------------------------------------------------

FavorReluFeatureMap::FavorReluFeatureMap(int64_t head_dim_, const RandomProjectionSpec& spec_,
                                         const TensorOptions& opts, bool persistent)
    : RandomFeatureMap("FavorReluFeatureMap", head_dim_, spec_, opts, persistent) {}

Tensor FavorReluFeatureMap::forward(const Tensor& x, FeatureRole, const FeatureArgs&) {
  return relu(project(x)) + 1e-3;
}

}  // namespace tz::nn
