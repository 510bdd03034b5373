// Sorting and counting: sort, argsort, topk, unique, bincount.
//
// unique's run-length step (where a sorted run starts) is data-dependent in size, so it reads
// one bool per element back to the host; sorting, gathering and scattering stay on the device.
#include <algorithm>
#include <numeric>

#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_index_detail.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/factories.h"

namespace tz {

using autograd::BackwardArgs;

namespace index_detail {

std::pair<Tensor, Tensor> raw_sort(const Tensor& x, int64_t d, bool descending) {
  Tensor values = dispatch::empty(x.shape(), x.dtype(), x.device());
  Tensor indices = dispatch::empty(x.shape(), DType::I64, x.device());
  if (x.numel() == 0) return {values, indices};
  // The kernel sorts the last dim: hand it views with dim d moved last.
  auto move_last = [d](TensorView v) {
    std::rotate(v.sizes.begin() + d, v.sizes.begin() + d + 1, v.sizes.end());
    std::rotate(v.strides.begin() + d, v.strides.begin() + d + 1, v.strides.end());
    return v;
  };
  dispatch::backend_of(x).sort(move_last(view_nd(values)), move_last(view_nd(indices)), move_last(view_nd(x)), descending);
  return {values, indices};
}

}  // namespace index_detail

namespace {

Tensor zeros_of(const Shape& s, const Tensor& like) { return zeros(s, TensorOptions(like.dtype(), like.device())); }

/// Run-length structure of a sorted sequence given where runs start (is_new[0] is implied).
struct Runs {
  std::vector<int64_t> starts, group_of, counts;
};
Runs runs_from(const std::vector<bool>& differs_from_prev, int64_t n) {
  Runs r;
  r.group_of.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    if (i == 0 || differs_from_prev[size_t(i - 1)]) r.starts.push_back(i);
    r.group_of[size_t(i)] = int64_t(r.starts.size()) - 1;
  }
  for (size_t g = 0; g < r.starts.size(); ++g)
    r.counts.push_back((g + 1 < r.starts.size() ? r.starts[g + 1] : n) - r.starts[g]);
  return r;
}

Tensor long_tensor(const std::vector<int64_t>& v, Device dev) { return from_vector(v, Shape{int64_t(v.size())}, dev); }

}  // namespace

ValuesIndices sort(const Tensor& x, int64_t dim, bool descending) {
  const int64_t d = wrap_dim(dim, x.dim(), "sort");
  auto sorted = index_detail::raw_sort(x, d, descending);
  Tensor values = sorted.first, indices = sorted.second;
  if (autograd::needs_grad({x}))
    autograd::record("SortBackward", {x}, {values}, [shape = x.shape(), d, indices](const BackwardArgs& a) {
      return TensorList{scatter_add(zeros_of(shape, a.grads[0]), d, indices, a.grads[0])};
    });
  return {values, indices};
}

Tensor argsort(const Tensor& x, int64_t dim, bool descending) {
  return index_detail::raw_sort(x, wrap_dim(dim, x.dim(), "argsort"), descending).second;
}

ValuesIndices topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  // Results are always sorted (PyTorch leaves the order unspecified when sorted=false).
  const int64_t d = wrap_dim(dim, x.dim(), "topk");
  const int64_t n = x.dim() == 0 ? 1 : x.size(d);
  TZ_CHECK(k >= 0 && k <= n, "topk", "k (", k, ") is out of range for dim ", d, " of size ", n, " (", describe(x), ")");
  auto full_sort = index_detail::raw_sort(x, d, largest);
  const Tensor sv = full_sort.first, si = full_sort.second;
  Tensor values = sv, indices = si;
  if (k < n) {
    // The first k entries along d, copied out of the full sort.
    Shape ks = x.shape();
    ks[size_t(d)] = k;
    values = dispatch::empty(ks, x.dtype(), x.device());
    indices = dispatch::empty(ks, DType::I64, x.device());
    dispatch::backend_of(x).copy(values.kernel_view(), dispatch::make_view(sv, ks, sv.strides(), 0).kernel_view());
    dispatch::backend_of(x).copy(indices.kernel_view(), dispatch::make_view(si, ks, si.strides(), 0).kernel_view());
  }
  if (autograd::needs_grad({x}))
    autograd::record("TopkBackward", {x}, {values}, [shape = x.shape(), d, indices](const BackwardArgs& a) {
      return TensorList{scatter_add(zeros_of(shape, a.grads[0]), d, indices, a.grads[0])};
    });
  return {values, indices};
}

UniqueResult unique(const Tensor& x_in, bool return_inverse, bool return_counts, std::optional<int64_t> dim) {
  const Tensor x = x_in.detach();
  NoGradGuard ng;
  const Device dev = x.device();
  UniqueResult res;
  if (!dim) {
    const int64_t n = x.numel();
    auto [s, perm] = index_detail::raw_sort(x.reshape({-1}), 0, false);
    std::vector<bool> differs;
    if (n > 1) differs = ne(s.narrow(0, 1, n - 1), s.narrow(0, 0, n - 1)).to_vector<bool>();
    const Runs r = runs_from(differs, n);
    res.values = index_detail::raw_index_select(s, 0, long_tensor(r.starts, dev), "unique");
    if (return_inverse) {
      Tensor inv = n == 0 ? zeros({0}, TensorOptions(DType::I64, dev))
                          : scatter(zeros({n}, TensorOptions(DType::I64, dev)), 0, perm, long_tensor(r.group_of, dev));
      res.inverse = inv.reshape(x.shape()).contiguous();
    }
    if (return_counts) res.counts = long_tensor(r.counts, dev);
    return res;
  }
  const int64_t d = wrap_dim(*dim, x.dim(), "unique");
  TZ_CHECK(x.dim() > 0, "unique", "dim given for a 0-d tensor ", describe(x));
  const int64_t n = x.size(d);
  Tensor rows = movedim(x, d, 0).contiguous();
  rows = rows.reshape({n, n == 0 ? 0 : rows.numel() / n});
  const int64_t width = rows.size(1);
  // Lexicographic order of the rows: stable sorts by each column, last column first.
  Tensor perm = arange(n, TensorOptions(DType::I64, dev));
  for (int64_t c = width - 1; c >= 0; --c) {
    Tensor col = index_detail::raw_index_select(rows.select(1, c).contiguous(), 0, perm, "unique");
    perm = index_detail::raw_index_select(perm, 0, index_detail::raw_sort(col, 0, false).second, "unique");
  }
  Tensor sorted_rows = index_detail::raw_index_select(rows, 0, perm, "unique");
  std::vector<bool> differs;
  if (n > 1 && width > 0)
    differs = gt(sum(ne(sorted_rows.narrow(0, 1, n - 1), sorted_rows.narrow(0, 0, n - 1)), {1}), Scalar(0)).to_vector<bool>();
  else if (n > 1)
    differs.assign(size_t(n - 1), false);
  const Runs r = runs_from(differs, n);
  Tensor firsts = index_detail::raw_index_select(perm, 0, long_tensor(r.starts, dev), "unique");
  res.values = index_detail::raw_index_select(x, d, firsts, "unique");
  if (return_inverse)
    res.inverse = n == 0 ? zeros({0}, TensorOptions(DType::I64, dev))
                         : scatter(zeros({n}, TensorOptions(DType::I64, dev)), 0, perm, long_tensor(r.group_of, dev));
  if (return_counts) res.counts = long_tensor(r.counts, dev);
  return res;
}

Tensor bincount(const Tensor& x, const Tensor& weights, int64_t minlength) {
  TZ_CHECK(x.dim() == 1 && is_integral(x.dtype()), "bincount", "expects a 1-d integer tensor, got ", describe(x));
  TZ_CHECK(minlength >= 0, "bincount", "minlength must be non-negative, got ", minlength);
  if (weights.defined())
    TZ_CHECK(weights.dim() == 1 && weights.size(0) == x.size(0), "bincount", "weights ", describe(weights),
             " must be 1-d with the input's length (", describe(x), ")");
  const std::vector<int64_t> v = x.to_vector<int64_t>();
  int64_t bins = minlength;
  for (int64_t c : v) {
    TZ_CHECK(c >= 0, "bincount", "input must be non-negative, got ", c);
    bins = std::max(bins, c + 1);
  }
  const Tensor xi = dispatch::cast(x, DType::I64);
  if (!weights.defined()) {
    Tensor out = zeros({bins}, TensorOptions(DType::I64, x.device()));
    return v.empty() ? out : scatter_add(out, 0, xi, ones({x.size(0)}, TensorOptions(DType::I64, x.device())));
  }
  // PyTorch keeps float32/float64 weights' dtype and counts every other dtype in float64.
  const DType dt = weights.dtype() == DType::F32 ? DType::F32 : DType::F64;
  Tensor w = to_dtype(weights, dt);
  Tensor out = zeros({bins}, TensorOptions(dt, x.device()));
  return v.empty() ? out : scatter_add(out, 0, xi, w);
}

}  // namespace tz
