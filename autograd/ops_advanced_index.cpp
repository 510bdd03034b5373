// Advanced indexing and selection: index, index_put(_), masked_select, nonzero, embedding,
// one_hot.
//
// index / index_put reduce every case to one dim: the indexed dims are permuted to the front
// and flattened, the index tensors become one linear int64 index over that block, and the
// work is an index_select / index_add / scatter along dim 0. Their gradients therefore come
// from those ops (grad of grad included). Supported, as in PyTorch: int64/int32 and bool index
// tensors, undefined entries meaning ':', broadcasting of the index tensors, negative indices,
// 0-d bool indices, and the placement rule: adjacent indexed dims put the broadcast index
// shape where they were, non-adjacent ones put it first.
#include <algorithm>
#include <cstdint>
#include <numeric>

#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_index_detail.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

using autograd::BackwardArgs;

namespace {

struct IndexPlan {
  Tensor x;             // input, with a size-1 dim inserted for each 0-d bool index
  Dims indexed;         // dims of x carrying an index tensor (ascending)
  TensorList idx;       // int64, broadcast to `bshape`, wrapped into [0, size)
  Shape bshape;         // broadcast shape of the index tensors
  bool adjacent = true; // indexed dims are consecutive
  Dims order;           // permutation of x: indexed dims first, then the rest
  Tensor linear;        // 1-d int64 index into the flattened indexed block
  Shape rest;           // sizes of the non-indexed dims (in order)
  Shape result;         // shape of x[indices]
};

/// Throws "[op] index 7 is out of bounds for dim 1 with size 5" for the first bad entry.
Tensor wrap_and_check(const char* op, const Tensor& idx, int64_t dim, int64_t size) {
  NoGradGuard ng;
  if (idx.numel() == 0) return idx;
  Tensor bad = logical_or(lt(idx, Scalar(-size)), ge(idx, Scalar(size)));
  if (sum(bad).item<int64_t>() > 0) {
    Tensor first = nonzero(bad.reshape({-1})).select(1, 0).narrow(0, 0, 1);
    const int64_t v = index_detail::raw_index_select(idx.reshape({-1}), 0, first, op).item<int64_t>();
    TZ_FAIL(op, "index ", v, " is out of bounds for dim ", dim, " with size ", size);
  }
  return where(lt(idx, Scalar(0)), idx + Scalar(size), idx);
}

IndexPlan plan_index(const char* op, const Tensor& x_in, const TensorList& indices) {
  IndexPlan p;
  p.x = x_in;
  int64_t pos = 0;
  for (size_t k = 0; k < indices.size(); ++k) {
    const Tensor& t = indices[k];
    if (!t.defined()) {
      ++pos;
      continue;
    }
    dispatch::check_same_device(op, {&x_in, &t});
    if (t.dtype() == DType::Bool) {
      if (t.dim() == 0) {
        // x[True] adds a size-1 dim; x[False] an empty one.
        p.x = p.x.unsqueeze(pos);
        p.indexed.push_back(pos);
        p.idx.push_back(zeros({t.item<bool>() ? 1 : 0}, TensorOptions(DType::I64, x_in.device())));
        ++pos;
        continue;
      }
      TZ_CHECK(pos + t.dim() <= p.x.dim(), op, "too many indices for tensor of dimension ", x_in.dim(), " (", describe(x_in), ")");
      for (int64_t j = 0; j < t.dim(); ++j)
        TZ_CHECK(t.size(j) == p.x.size(pos + j), op, "the shape of the mask ", shape_str(t.shape()), " at index ", k,
                 " does not match the shape of the indexed tensor ", shape_str(x_in.shape()));
      Tensor nz = nonzero(t);
      for (int64_t j = 0; j < t.dim(); ++j) {
        p.indexed.push_back(pos + j);
        p.idx.push_back(nz.select(1, j));
      }
      pos += t.dim();
      continue;
    }
    p.indexed.push_back(pos);
    p.idx.push_back(index_detail::as_long_index(t, op));
    ++pos;
  }
  TZ_CHECK(pos <= p.x.dim(), op, "too many indices for tensor of dimension ", x_in.dim(), " (got ", indices.size(), ")");
  if (p.indexed.empty()) return p;
  p.bshape = p.idx[0].shape();
  for (size_t k = 1; k < p.idx.size(); ++k) p.bshape = broadcast_shapes(p.bshape, p.idx[k].shape(), op);
  for (size_t k = 0; k + 1 < p.indexed.size(); ++k)
    if (p.indexed[k + 1] != p.indexed[k] + 1) p.adjacent = false;
  // Linear index over the indexed block, row-major in the block's dim order.
  NoGradGuard ng;
  int64_t block_stride = 1;
  for (size_t k = p.indexed.size(); k-- > 0;) {
    const int64_t dim = p.indexed[k], size = p.x.size(dim);
    Tensor w = wrap_and_check(op, p.idx[k].expand(p.bshape), dim, size);
    Tensor term = block_stride == 1 ? w : w * Scalar(block_stride);
    p.linear = p.linear.defined() ? p.linear + term : term;
    block_stride *= size;
  }
  p.linear = dispatch::contiguous(p.linear.expand(p.bshape)).reshape({-1});
  p.order = p.indexed;
  for (int64_t i = 0; i < p.x.dim(); ++i)
    if (!std::binary_search(p.indexed.begin(), p.indexed.end(), i)) p.order.push_back(i), p.rest.push_back(p.x.size(i));
  // Result layout: broadcast shape in place of adjacent indexed dims, else in front.
  const int64_t first = p.adjacent ? p.indexed.front() : 0;
  p.result.assign(p.rest.begin(), p.rest.begin() + first);
  p.result.insert(p.result.end(), p.bshape.begin(), p.bshape.end());
  p.result.insert(p.result.end(), p.rest.begin() + first, p.rest.end());
  return p;
}

/// Permutation taking [bshape..., rest...] to the result layout (identity unless the index
/// block sits after some rest dims).
Dims result_perm(const IndexPlan& p) {
  const int64_t nb = int64_t(p.bshape.size()), nr = int64_t(p.rest.size());
  const int64_t first = p.adjacent ? p.indexed.front() : 0;
  Dims perm;
  for (int64_t i = 0; i < first; ++i) perm.push_back(nb + i);
  for (int64_t i = 0; i < nb; ++i) perm.push_back(i);
  for (int64_t i = first; i < nr; ++i) perm.push_back(nb + i);
  return perm;
}

Dims inverse_perm(const Dims& p) {
  Dims inv(p.size());
  for (size_t i = 0; i < p.size(); ++i) inv[size_t(p[i])] = int64_t(i);
  return inv;
}

Shape flat_block_shape(const IndexPlan& p) {
  int64_t block = 1;
  for (int64_t d : p.indexed) block *= p.x.size(d);
  Shape s{block};
  s.insert(s.end(), p.rest.begin(), p.rest.end());
  return s;
}

}  // namespace

Tensor index(const Tensor& x, const TensorList& indices) {
  IndexPlan p = plan_index("index", x, indices);
  if (p.indexed.empty()) return p.x;
  Tensor flat = reshape(permute(p.x, p.order), flat_block_shape(p));
  Tensor picked = index_select(flat, 0, p.linear);
  Shape grouped = p.bshape;
  grouped.insert(grouped.end(), p.rest.begin(), p.rest.end());
  return permute(reshape(picked, grouped), result_perm(p));
}

Tensor index_put(const Tensor& x, const TensorList& indices, const Tensor& values, bool accumulate) {
  dispatch::check_same_device("index_put", {&x, &values});
  TZ_CHECK(values.dtype() == x.dtype(), "index_put", "values ", describe(values), " must have the dtype of the input ",
           describe(x));
  IndexPlan p = plan_index("index_put", x, indices);
  if (p.indexed.empty()) return add(x * Scalar(accumulate ? 1 : 0), values.expand(x.shape()));
  bool fits = values.dim() <= int64_t(p.result.size());
  for (int64_t i = 1; fits && i <= values.dim(); ++i) {
    const int64_t have = values.size(-i), want = p.result[p.result.size() - size_t(i)];
    fits = have == want || have == 1;
  }
  TZ_CHECK(fits, "index_put", "shape mismatch: values ", describe(values),
           " cannot be broadcast to the indexing result of shape ", shape_str(p.result));
  const Shape block = flat_block_shape(p);
  Tensor flat = reshape(permute(p.x, p.order), block);
  Shape grouped{p.linear.numel()};
  grouped.insert(grouped.end(), p.rest.begin(), p.rest.end());
  Tensor vals = reshape(permute(values.expand(p.result), inverse_perm(result_perm(p))), grouped);
  Tensor out;
  if (accumulate) {
    out = index_add(flat, 0, p.linear, vals);
  } else {
    Shape col(grouped.size(), 1);
    col[0] = p.linear.numel();
    out = scatter(flat, 0, p.linear.view(col).expand(grouped), vals);
  }
  Shape permuted;
  for (int64_t d : p.order) permuted.push_back(p.x.size(d));
  return contiguous(permute(reshape(out, permuted), inverse_perm(p.order))).reshape(x.shape());
}

Tensor& index_put_(Tensor& x, const TensorList& indices, const Tensor& values, bool accumulate) {
  autograd::check_inplace(x, "index_put_", values.requires_grad());
  Tensor result = index_put(x, indices, values, accumulate);
  autograd::commit_inplace(x, result, "index_put_");
  return x;
}

Tensor nonzero(const Tensor& x) {
  const int64_t count = x.numel() == 0 ? 0 : sum(ne(x, Scalar(0))).item<int64_t>();
  Tensor out = dispatch::empty({count, x.dim()}, DType::I64, x.device());
  if (count > 0 && x.dim() > 0) dispatch::backend_of(x).nonzero(out.kernel_view(), x.kernel_view());
  return out;
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  dispatch::check_same_device("masked_select", {&x, &mask});
  TZ_CHECK(mask.dtype() == DType::Bool, "masked_select", "expected a bool mask, got ", describe(mask));
  const Shape shape = broadcast_shapes(x.shape(), mask.shape(), "masked_select");
  Tensor m = dispatch::contiguous(mask.expand(shape)).reshape({-1});
  Tensor pos = nonzero(m).reshape({-1});
  return index_select(x.expand(shape).reshape({-1}), 0, pos);
}

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  dispatch::check_same_device("embedding", {&weight, &indices});
  TZ_CHECK(weight.dim() == 2, "embedding", "weight must be 2-d [num_embeddings, dim], got ", describe(weight));
  const Tensor idx = index_detail::as_long_index(indices, "embedding");
  const int64_t n = weight.size(0), dim = weight.size(1);
  std::optional<int64_t> pad = padding_idx;
  if (pad) {
    TZ_CHECK(*pad >= -n && *pad < n, "embedding", "padding_idx ", *pad, " must be within num_embeddings ", n);
    if (*pad < 0) *pad += n;
  }
  const Tensor flat = dispatch::contiguous(idx).reshape({-1});
  Shape out_shape = idx.shape();
  out_shape.push_back(dim);
  Tensor y = index_detail::reshape_fresh(index_detail::raw_index_select(weight, 0, flat, "embedding"), out_shape);
  if (autograd::needs_grad({weight}))
    autograd::record("EmbeddingBackward", {weight}, {y}, [flat, pad, n, dim](const BackwardArgs& a) {
      Tensor g = a.grads[0].reshape({-1, dim});
      if (pad) g = where(ne(flat, Scalar(*pad)).unsqueeze(1), g, Scalar(0.0));
      return TensorList{index_add(zeros({n, dim}, TensorOptions(g.dtype(), g.device())), 0, flat, g)};
    });
  return y;
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  TZ_CHECK(indices.dtype() == DType::I64, "one_hot", "is only applicable to int64 index tensors, got ", describe(indices));
  TZ_CHECK(num_classes >= -1, "one_hot", "num_classes must be -1 or non-negative, got ", num_classes);
  const std::vector<int64_t> v = indices.to_vector<int64_t>();
  if (num_classes == -1) {
    TZ_CHECK(!v.empty(), "one_hot", "cannot infer the number of classes from an empty tensor");
    const int64_t top = *std::max_element(v.begin(), v.end());
    TZ_CHECK(top < INT64_MAX, "one_hot", "the number of classes max + 1 overflows int64 (max class value ", top, ")");
    num_classes = top + 1;
  }
  for (int64_t c : v)
    TZ_CHECK(c >= 0 && c < num_classes, "one_hot", "class values must be in [0, ", num_classes, "), got ", c);
  Shape shape = indices.shape();
  shape.push_back(num_classes);
  // zeros() would report a huge num_classes as its own failure: check it as one_hot's.
  dispatch::check_allocation(shape, DType::I64, indices.device(), "one_hot");
  Tensor z = zeros(shape, TensorOptions(DType::I64, indices.device()));
  if (indices.numel() == 0 || num_classes == 0) return z;
  return scatter(z, -1, indices.unsqueeze(-1), Scalar(1));
}

}  // namespace tz
