// Matmul (a triple loop per batch), gather and scatter of the stub backend.
#include <cmath>
#include <map>

#include "backends/stub/stub_backend.h"
#include "backends/stub/stub_elements.h"

namespace tz::stub {

namespace {

template <class T>
void matmul_typed(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) {
  TZ_CHECK(out.dim() == 3 && a.dim() == 3 && b.dim() == 3, "matmul", "the kernel expects [B,M,K] @ [B,K,N] views");
  const int64_t batches = out.sizes[0], m = out.sizes[1], n = out.sizes[2], k = a.sizes[2];
  TZ_CHECK(a.sizes[0] == batches && b.sizes[0] == batches && a.sizes[1] == m && b.sizes[1] == k && b.sizes[2] == n,
           "matmul", "kernel shapes ", shape_str(a.sizes), " @ ", shape_str(b.sizes), " -> ", shape_str(out.sizes),
           " do not match");
  for (int64_t bi = 0; bi < batches; ++bi)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        T& dst = at<T>(out, {bi, i, j});
        if constexpr (is_float_v<T>) {
          double s = 0.0;
          for (int64_t p = 0; p < k; ++p) s += load_f(at<T>(a, {bi, i, p})) * load_f(at<T>(b, {bi, p, j}));
          dst = store_f<T>(accumulate ? load_f(dst) + s : s);
        } else {
          int64_t s = 0;
          for (int64_t p = 0; p < k; ++p) s = wrap_add(s, wrap_mul(int64_t(at<T>(a, {bi, i, p})), int64_t(at<T>(b, {bi, p, j}))));
          dst = store_i<T>(accumulate ? wrap_add(int64_t(dst), s) : s);
        }
      }
}

/// index[i] checked against the size of `dim` in `target`.
int64_t checked_index(const char* op, const TensorView& index, const Index& i, const TensorView& target, int dim) {
  const int64_t v = at<int64_t>(index, i);
  TZ_CHECK(v >= 0 && v < target.sizes[size_t(dim)], op, "index ", v, " is out of bounds for dimension ", dim,
           " with size ", target.sizes[size_t(dim)]);
  return v;
}

void check_index_shape(const char* op, const TensorView& index, const TensorView& target, int dim) {
  TZ_CHECK(index.dtype == DType::I64, op, "index must be int64, got ", dtype_name(index.dtype));
  TZ_CHECK(index.dim() == target.dim() && dim >= 0 && dim < std::max<int64_t>(target.dim(), 1), op, "index ",
           shape_str(index.sizes), " and tensor ", shape_str(target.sizes), " must have the same number of dims");
  for (int64_t d = 0; d < index.dim(); ++d)
    TZ_CHECK(d == dim || index.sizes[size_t(d)] <= target.sizes[size_t(d)], op, "index ", shape_str(index.sizes),
             " is larger than tensor ", shape_str(target.sizes), " at dim ", d);
}

/// Running state of one scattered-to element.
struct Slot {
  double f = 0.0;     // floating accumulator
  int64_t i = 0;      // integer accumulator
  int64_t count = 0;  // values combined (for Mean)
};

template <class T>
void combine(ScatterReduce r, Slot& s, T v) {
  ++s.count;
  if constexpr (is_float_v<T>) {
    const double x = load_f(v);
    if (s.count == 1) { s.f = x; return; }
    switch (r) {
      case ScatterReduce::Sum: case ScatterReduce::Mean: s.f += x; break;
      case ScatterReduce::Prod: s.f *= x; break;
      case ScatterReduce::Amax: s.f = std::isnan(s.f) || std::isnan(x) ? std::nan("") : (x > s.f ? x : s.f); break;
      case ScatterReduce::Amin: s.f = std::isnan(s.f) || std::isnan(x) ? std::nan("") : (x < s.f ? x : s.f); break;
      case ScatterReduce::Assign: s.f = x; break;
    }
  } else {
    const int64_t x = int64_t(v);
    if (s.count == 1) { s.i = x; return; }
    switch (r) {
      case ScatterReduce::Sum: case ScatterReduce::Mean: s.i = wrap_add(s.i, x); break;
      case ScatterReduce::Prod: s.i = wrap_mul(s.i, x); break;
      case ScatterReduce::Amax: s.i = x > s.i ? x : s.i; break;
      case ScatterReduce::Amin: s.i = x < s.i ? x : s.i; break;
      case ScatterReduce::Assign: s.i = x; break;
    }
  }
}

template <class T>
T finish(ScatterReduce r, const Slot& s) {
  if constexpr (is_float_v<T>) {
    return store_f<T>(r == ScatterReduce::Mean ? s.f / double(s.count) : s.f);
  } else {
    if (r != ScatterReduce::Mean) return store_i<T>(s.i);
    // Integer mean rounds toward -inf, as PyTorch's scatter_reduce(reduce="mean").
    int64_t q = s.i / s.count;
    if (s.i % s.count != 0 && s.i < 0) --q;
    return store_i<T>(q);
  }
}

template <class T>
void scatter_typed(ScatterReduce r, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
                   bool include_self) {
  // Validate every index first so a failing scatter leaves `out` untouched.
  for_each_index(index.sizes, [&](const Index& i) { checked_index("scatter", index, i, out, dim); });
  if (r == ScatterReduce::Assign) {  // row-major order: the last write to an element wins
    for_each_index(index.sizes, [&](const Index& i) {
      Index target = i;
      target[size_t(dim)] = at<int64_t>(index, i);
      at<T>(out, target) = at<T>(src, i);
    });
    return;
  }
  std::map<int64_t, Slot> slots;  // keyed by the element offset in `out`
  for_each_index(index.sizes, [&](const Index& i) {
    Index target = i;
    target[size_t(dim)] = at<int64_t>(index, i);
    const int64_t off = offset_of(out, target);
    auto [it, fresh] = slots.try_emplace(off);
    if (fresh && include_self) combine<T>(r, it->second, out.ptr<T>()[off]);
    combine<T>(r, it->second, at<T>(src, i));
  });
  for (const auto& [off, slot] : slots) out.ptr<T>()[off] = finish<T>(r, slot);
}

}  // namespace

void StubBackend::matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) {
  TZ_DISPATCH(out.dtype, "matmul", [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) TZ_FAIL("matmul", "not implemented on ext0 for bool");
    else matmul_typed<T>(out, a, b, accumulate);
  });
}

void StubBackend::gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) {
  check_index_shape("gather", index, in, dim);
  TZ_CHECK(index.sizes == out.sizes, "gather", "index ", shape_str(index.sizes), " and output ", shape_str(out.sizes),
           " differ");
  // Validate first so a failing gather leaves `out` untouched.
  for_each_index(index.sizes, [&](const Index& i) { checked_index("gather", index, i, in, dim); });
  TZ_DISPATCH(in.dtype, "gather", [&]<class T>() {
    for_each_index(out.sizes, [&](const Index& i) {
      Index source = i;
      source[size_t(dim)] = at<int64_t>(index, i);
      at<T>(out, i) = at<T>(in, source);
    });
  });
}

void StubBackend::scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src,
                          int dim, bool include_self) {
  check_index_shape("scatter", index, out, dim);
  TZ_CHECK(index.sizes == src.sizes, "scatter", "index ", shape_str(index.sizes), " and src ", shape_str(src.sizes),
           " differ");
  TZ_DISPATCH(out.dtype, "scatter", [&]<class T>() { scatter_typed<T>(reduce, out, index, src, dim, include_self); });
}

}  // namespace tz::stub
