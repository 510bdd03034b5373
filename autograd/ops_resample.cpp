// The sparse one-dim resampling primitive behind interpolation, adaptive average pooling and
// pooling's padding, with its adjoint as backward.
#include <algorithm>
#include <sstream>

#include "autograd/ops_binary.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/pool_support.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz::detail {

std::atomic<bool> g_force_pool_composite{false};

TapsPtr transpose_taps(const ResampleTaps& t) {
  std::vector<std::vector<std::pair<int64_t, double>>> rows(size_t(t.in_len));
  for (int64_t o = 0; o < t.out_len; ++o)
    for (int64_t k = 0; k < t.taps; ++k) {
      const size_t at = size_t(o * t.taps + k);
      if (t.weight[at] != 0.0) rows[size_t(t.index[at])].emplace_back(o, t.weight[at]);
    }
  auto r = std::make_shared<ResampleTaps>();
  r->in_len = t.out_len;
  r->out_len = t.in_len;
  r->taps = 1;
  for (const auto& row : rows) r->taps = std::max<int64_t>(r->taps, int64_t(row.size()));
  r->index.assign(size_t(r->out_len * r->taps), 0);
  r->weight.assign(size_t(r->out_len * r->taps), 0.0);
  for (int64_t i = 0; i < t.in_len; ++i)
    for (size_t k = 0; k < rows[size_t(i)].size(); ++k) {
      r->index[size_t(i * r->taps) + k] = rows[size_t(i)][k].first;
      r->weight[size_t(i * r->taps) + k] = rows[size_t(i)][k].second;
    }
  return r;
}

namespace {

/// Composite for backends without a resample kernel: the taps as a dense [out, in] matrix,
/// applied by broadcasting over a trailing dim and summing. Zero entries are masked out with
/// where() so that inf/NaN inputs do not leak through 0 * inf. Autograd is automatic.
Tensor resample_dense(const Tensor& x, int64_t dim, const ResampleTaps& t) {
  std::vector<double> dense(size_t(t.out_len * t.in_len), 0.0);
  std::vector<uint8_t> used(dense.size(), 0);
  for (int64_t o = 0; o < t.out_len; ++o)
    for (int64_t k = 0; k < t.taps; ++k) {
      const size_t at = size_t(o * t.taps + k);
      if (t.weight[at] == 0.0) continue;
      dense[size_t(o * t.in_len + t.index[at])] += t.weight[at];
      used[size_t(o * t.in_len + t.index[at])] = 1;
    }
  const Tensor matrix = from_vector(dense, Shape{t.out_len, t.in_len}, x.device()).to(x.dtype());
  const std::vector<double> used_f(used.begin(), used.end());
  const Tensor mask = from_vector(used_f, Shape{t.out_len, t.in_len}, x.device()) != zeros({1}, TensorOptions(DType::F64, x.device()));
  const Tensor moved = movedim(x, dim, -1).unsqueeze(-2);  // [..., 1, in]
  const Tensor terms = where(mask, moved * matrix, zeros({1}, TensorOptions(x.dtype(), x.device())));
  return movedim(sum(terms, {-1}), -1, dim);
}

Tensor resample_impl(const Tensor& x, int64_t dim, const TapsPtr& taps, const TapsPtr& adjoint_hint) {
  TZ_CHECK(x.is_floating_point(), "resample", "expected a floating input, got ", describe(x));
  TZ_CHECK(x.size(dim) == taps->in_len, "resample", "input ", describe(x), " has ", x.size(dim), " elements along dim ",
           dim, ", the taps expect ", taps->in_len);
  Shape out_shape = x.shape();
  out_shape[size_t(dim)] = taps->out_len;
  Backend& backend = dispatch::backend_of(x);
  Tensor out = dispatch::empty(out_shape, x.dtype(), x.device());
  bool done = out.numel() == 0;
  if (!done && !g_force_pool_composite && backend.supports(OpKey(OpKind::Interpolate), x.dtype())) {
    ResampleParams p;
    p.dim = int(dim);
    p.taps = taps->taps;
    p.index = taps->index;
    p.weight = taps->weight;
    done = backend.resample(out.kernel_view(), x.kernel_view(), p);
  }
  if (!done) return resample_dense(x, dim, *taps);
  if (autograd::needs_grad({x})) {
    autograd::record("ResampleBackward", {x}, {out},
                     [dim, taps, adjoint_hint, dtype = x.dtype()](const autograd::BackwardArgs& a) {
                       const TapsPtr adjoint = adjoint_hint ? adjoint_hint : transpose_taps(*taps);
                       Tensor g = a.grads[0].dtype() == dtype ? a.grads[0] : a.grads[0].to(dtype);
                       return TensorList{resample_impl(g, dim, adjoint, taps)};
                     });
  }
  return out;
}

}  // namespace

Tensor resample(const Tensor& x, int64_t dim, const TapsPtr& taps) { return resample_impl(x, dim, taps, nullptr); }

std::vector<int64_t> spatial_param(const char* op, const char* what, const std::vector<int64_t>& v, int64_t n) {
  TZ_CHECK(v.size() == 1 || int64_t(v.size()) == n, op, what, " must be a single value or a list of ", n,
           " values, got ", list_str(v));
  return v.size() == 1 ? std::vector<int64_t>(size_t(n), v[0]) : v;
}

std::string list_str(const std::vector<int64_t>& v) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << "]";
  return s.str();
}

}  // namespace tz::detail
