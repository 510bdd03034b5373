// Shape ops that copy (cat, stack, repeat, repeat_interleave, tril/triu) and the split family
// and meshgrid, which return views. pad lives in ops_pad.cpp, flip/roll in ops_reorder.cpp.
#include <algorithm>

#include "autograd/ops_binary.h"
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "autograd/shape_raw.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

using autograd::BackwardArgs;

namespace {
/// PyTorch skips 1-d tensors of shape [0] in cat whatever the other inputs' shapes (a legacy
/// "empty" placeholder); they still take part in type promotion.
bool skipped_in_cat(const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; }
}  // namespace

Tensor cat(const TensorList& xs, int64_t dim) {
  TZ_CHECK(!xs.empty(), "cat", "expected a non-empty list of tensors");
  for (size_t i = 0; i < xs.size(); ++i) TZ_CHECK(xs[i].defined(), "cat", "tensor at position ", i, " is undefined");
  const Tensor* ref = nullptr;  // the first tensor that is not skipped fixes the shape
  DType dt = xs[0].dtype();
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    TZ_CHECK(t.dim() > 0, "cat", "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    dispatch::check_same_device("cat", {&xs[0], &t});
    dt = promote(dt, t.dtype());
    if (!ref && !skipped_in_cat(t)) ref = &t;
  }
  const Tensor& first = ref ? *ref : xs[0];
  const int64_t d = wrap_dim(dim, first.dim(), "cat");
  Shape out_shape = first.shape();
  int64_t total = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    if (skipped_in_cat(t) && ref) continue;
    TZ_CHECK(t.dim() == first.dim(), "cat", "tensors must have the same number of dimensions: got ", first.dim(),
             " and ", t.dim(), " (", describe(first), " and ", describe(t), " at position ", i, ")");
    for (int64_t k = 0; k < t.dim(); ++k)
      TZ_CHECK(k == d || t.size(k) == first.size(k), "cat", "sizes of tensors must match except in dimension ", d,
               ": expected size ", first.size(k), " but got size ", t.size(k), " for tensor number ", i, " in the list (",
               describe(first), " and ", describe(t), ")");
    total = checked_add(total, t.size(d), "cat", "the total size along the cat dim");
  }
  out_shape[size_t(d)] = total;
  Tensor out = dispatch::empty(out_shape, dt, first.device(), "cat");
  std::vector<int64_t> offsets(xs.size(), -1);  // -1: skipped
  int64_t off = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (skipped_in_cat(xs[i]) && ref) continue;
    offsets[i] = off;
    shape_raw::raw_copy(shape_raw::raw_narrow(out, d, off, xs[i].size(d)), xs[i]);
    off += xs[i].size(d);
  }
  if (autograd::needs_grad(xs)) {
    std::vector<Shape> shapes;
    std::vector<DType> dtypes;
    for (const Tensor& t : xs) shapes.push_back(t.shape()), dtypes.push_back(t.dtype());
    autograd::record("CatBackward", xs, {out}, [d, offsets, shapes, dtypes](const BackwardArgs& a) {
      TensorList g(shapes.size());
      for (size_t i = 0; i < shapes.size(); ++i) {
        if (!a.needs_input_grad[i]) continue;
        g[i] = offsets[i] < 0 ? zeros(shapes[i], TensorOptions(dtypes[i], a.grads[0].device()))
                              : slice(a.grads[0], d, offsets[i], offsets[i] + shapes[i][size_t(d)]).to(dtypes[i]);
      }
      return g;
    });
  }
  return out;
}

Tensor stack(const TensorList& xs, int64_t dim) {
  TZ_CHECK(!xs.empty(), "stack", "expected a non-empty list of tensors");
  for (size_t i = 0; i < xs.size(); ++i) TZ_CHECK(xs[i].defined(), "stack", "tensor at position ", i, " is undefined");
  const int64_t d = wrap_dim(dim, xs[0].dim() + 1, "stack");
  TensorList parts;
  for (size_t i = 0; i < xs.size(); ++i) {
    TZ_CHECK(xs[i].shape() == xs[0].shape(), "stack", "expects each tensor to be equal size, but got ",
             shape_str(xs[0].shape()), " at entry 0 and ", shape_str(xs[i].shape()), " at entry ", i);
    parts.push_back(unsqueeze(xs[i], d));
  }
  // The inserted dim keeps every part at least 1-d of size 1 there, so cat never skips one.
  return cat(parts, d);
}

TensorList split(const Tensor& x, int64_t split_size, int64_t dim) {
  TZ_CHECK(x.dim() > 0, "split", "expects at least a 1-dimensional tensor, got ", describe(x));
  TZ_CHECK(split_size >= 0, "split", "expects split_size be non-negative, but got split_size=", split_size);
  const int64_t d = wrap_dim(dim, x.dim(), "split"), n = x.size(d);
  TZ_CHECK(split_size > 0 || n == 0, "split", "split_size can only be 0 if dimension size is 0, but got dimension size of ",
           n);
  // Like PyTorch, an empty dim still gives one (empty) piece. (n - 1) / split_size + 1, not
  // (n + split_size - 1) / split_size, which overflows for a huge split_size.
  const int64_t pieces = split_size == 0 || n == 0 ? 1 : (n - 1) / split_size + 1;
  TensorList out;
  for (int64_t i = 0; i < pieces; ++i) {
    const int64_t start = i * split_size;
    out.push_back(narrow(x, d, start, std::min(split_size, n - start)));
  }
  return out;
}

TensorList split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  TZ_CHECK(x.dim() > 0, "split", "expects at least a 1-dimensional tensor, got ", describe(x));
  const int64_t d = wrap_dim(dim, x.dim(), "split"), n = x.size(d);
  int64_t total = 0;
  for (int64_t s : sizes) {
    TZ_CHECK(s >= 0, "split", "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
             shape_str(sizes));
    total = checked_add(total, s, "split", "the sum of split_sizes");
  }
  TZ_CHECK(total == n, "split", "split_with_sizes expects split_sizes to sum exactly to ", n,
           " (input tensor's size at dimension ", d, "), but got split_sizes=", shape_str(sizes));
  TensorList out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(x, d, start, s));
    start += s;
  }
  return out;
}

TensorList chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  TZ_CHECK(x.dim() > 0, "chunk", "expects at least a 1-dimensional tensor, got ", describe(x));
  TZ_CHECK(chunks > 0, "chunk", "expects `chunks` to be greater than 0, got: ", chunks);
  const int64_t d = wrap_dim(dim, x.dim(), "chunk"), n = x.size(d);
  if (n == 0) {
    // PyTorch returns `chunks` empty pieces for an empty dim.
    TensorList out;
    for (int64_t i = 0; i < chunks; ++i) out.push_back(narrow(x, d, 0, 0));
    return out;
  }
  return split(x, (n - 1) / chunks + 1, d);  // ceil(n / chunks) without overflow for huge chunks
}

Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats) {
  TZ_CHECK(int64_t(repeats.size()) >= x.dim(), "repeat", "number of dimensions of repeat dims ", shape_str(repeats),
           " can not be smaller than number of dimensions of tensor ", describe(x));
  for (int64_t r : repeats)
    TZ_CHECK(r >= 0, "repeat", "repeats must be non-negative, got ", shape_str(repeats));
  const size_t nd = repeats.size();
  Shape padded(nd - size_t(x.dim()), 1);
  padded.insert(padded.end(), x.shape().begin(), x.shape().end());
  // View x as [1, s0, 1, s1, ...], expand to [r0, s0, r1, s1, ...] and merge each pair: the
  // expand's backward sums over the tile dims.
  Shape interleaved, expanded, result;
  for (size_t i = 0; i < nd; ++i) {
    interleaved.push_back(1), interleaved.push_back(padded[i]);
    expanded.push_back(repeats[i]), expanded.push_back(padded[i]);
    result.push_back(checked_mul(repeats[i], padded[i], "repeat", "the repeated size"));
  }
  // Before the expand and the copy, so that an impossible result is reported as repeat's.
  dispatch::check_allocation(result, x.dtype(), x.device(), "repeat");
  // clone, not contiguous: repeat always returns a new tensor, even when nothing is tiled.
  return reshape(clone(expand(reshape(x, interleaved), expanded)), result);
}

Tensor repeat_interleave(const Tensor& x, int64_t repeats, std::optional<int64_t> dim) {
  TZ_CHECK(repeats >= 0, "repeat_interleave", "repeats can not be negative, got ", repeats);
  const Tensor src = dim ? x : x.reshape({-1});
  const int64_t d = dim ? wrap_dim(*dim, std::max<int64_t>(x.dim(), 1), "repeat_interleave") : 0;
  const Tensor base = src.dim() == 0 ? src.reshape({1}) : src;
  Shape expanded = base.shape();
  expanded.insert(expanded.begin() + d + 1, repeats);
  Shape result = base.shape();
  result[size_t(d)] = checked_mul(result[size_t(d)], repeats, "repeat_interleave", "the repeated size");
  dispatch::check_allocation(result, x.dtype(), x.device(), "repeat_interleave");
  return clone(expand(unsqueeze(base, d + 1), expanded)).flatten(d, d + 1);
}

Tensor repeat_interleave(const Tensor& x, const Tensor& repeats, std::optional<int64_t> dim) {
  TZ_CHECK(repeats.dtype() == DType::I64 || repeats.dtype() == DType::I32, "repeat_interleave",
           "repeats has to be an int64 or int32 tensor, got ", describe(repeats));
  TZ_CHECK(repeats.dim() <= 1, "repeat_interleave", "repeats must be 0-dim or 1-dim tensor, got ", describe(repeats));
  const Tensor src = dim ? (x.dim() == 0 ? x.reshape({1}) : x) : x.reshape({-1});
  const int64_t d = dim ? wrap_dim(*dim, src.dim(), "repeat_interleave") : 0;
  const std::vector<int64_t> reps = repeats.to(DType::I64).to_vector<int64_t>();
  for (int64_t r : reps) TZ_CHECK(r >= 0, "repeat_interleave", "repeats can not be negative, got ", shape_str(reps));
  if (reps.size() == 1) return repeat_interleave(src, reps[0], d);
  const int64_t n = src.size(d);
  TZ_CHECK(int64_t(reps.size()) == n, "repeat_interleave",
           "repeats must have the same size as input along dim, but got repeats.size(0) = ", reps.size(),
           " and input.size(", d, ") = ", n);
  if (n > 0 && std::all_of(reps.begin(), reps.end(), [&](int64_t r) { return r == reps[0]; }))
    return repeat_interleave(src, reps[0], d);
  // Each element becomes an expanded slice and cat copies them; the backward sums each slice's
  // gradient over its copies (expand) and routes it back through narrow.
  TensorList parts;
  for (int64_t i = 0; i < n; ++i) {
    if (reps[size_t(i)] == 0) continue;
    Shape s = src.shape();
    s[size_t(d)] = reps[size_t(i)];
    parts.push_back(expand(narrow(src, d, i, 1), s));
  }
  if (parts.empty()) return clone(narrow(src, d, 0, 0));
  return cat(parts, d);
}

namespace {
/// Bool mask of the last two dims of x: keep (col - row) >= diagonal (triu) or <= (tril).
Tensor triangle(const Tensor& x, int64_t diagonal, bool lower, const char* op) {
  TZ_CHECK(x.dim() >= 2, op, "input tensor must have at least 2 dimensions, got ", describe(x));
  const int64_t rows = x.size(-2), cols = x.size(-1);
  const TensorOptions idx(DType::I64, x.device());
  const Tensor diff = arange(cols, idx).view({1, cols}) - arange(rows, idx).view({rows, 1});
  const Tensor keep = lower ? le(diff, diagonal) : ge(diff, diagonal);
  // A 0-d zero of x's own dtype keeps the result's dtype (a wrapped 0 would turn bool into int).
  return where(keep, x, dispatch::scalar_tensor(0, x.dtype(), x.device()));
}
}  // namespace

Tensor tril(const Tensor& x, int64_t diagonal) { return triangle(x, diagonal, true, "tril"); }
Tensor triu(const Tensor& x, int64_t diagonal) { return triangle(x, diagonal, false, "triu"); }

TensorList meshgrid(const TensorList& xs, const std::string& indexing) {
  TZ_CHECK(!xs.empty(), "meshgrid", "expects a non-empty list of tensors");
  TZ_CHECK(indexing == "ij" || indexing == "xy", "meshgrid", "indexing must be one of \"xy\" or \"ij\", but received: ",
           indexing);
  for (size_t i = 0; i < xs.size(); ++i) {
    TZ_CHECK(xs[i].dim() <= 1, "meshgrid", "expected 0-d or 1-d tensors, got ", describe(xs[i]), " at position ", i);
    TZ_CHECK(xs[i].dtype() == xs[0].dtype(), "meshgrid", "expects all tensors to have the same dtype, got ",
             describe(xs[0]), " and ", describe(xs[i]));
    dispatch::check_same_device("meshgrid", {&xs[0], &xs[i]});
  }
  // "xy" is "ij" with the first two inputs swapped, and the first two outputs swapped back.
  const bool swap = indexing == "xy" && xs.size() >= 2;
  TensorList in = xs;
  if (swap) std::swap(in[0], in[1]);
  Shape full;
  for (const Tensor& t : in) full.push_back(t.numel());
  TensorList out;
  for (size_t i = 0; i < in.size(); ++i) {
    Shape s(in.size(), 1);
    s[i] = full[i];
    out.push_back(expand(reshape(in[i], s), full));
  }
  if (swap) std::swap(out[0], out[1]);
  return out;
}

}  // namespace tz
