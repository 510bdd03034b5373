// Reductions, arg-reductions, scans, sort and nonzero of the stub backend.
#include <algorithm>
#include <cmath>

#include "backends/stub/stub_backend.h"
#include "backends/stub/stub_elements.h"

namespace tz::stub {

namespace {

/// [outer..., inner...] -> the full index of `in`.
Index join(const Index& outer, const Index& inner) {
  Index full = outer;
  full.insert(full.end(), inner.begin(), inner.end());
  return full;
}

/// Splits `sizes` into the leading `keep` dims and the rest.
std::pair<Shape, Shape> split_dims(const Shape& sizes, int64_t keep) {
  return {Shape(sizes.begin(), sizes.begin() + keep), Shape(sizes.begin() + keep, sizes.end())};
}

/// One row of `in` along its last dim, for the outer index `outer`.
template <class T>
std::vector<T> row_of(const TensorView& in, const Index& outer) {
  std::vector<T> row;
  const int64_t n = in.sizes.back();
  Index full = outer;
  full.push_back(0);
  for (int64_t k = 0; k < n; ++k) {
    full.back() = k;
    row.push_back(at<T>(in, full));
  }
  return row;
}

template <class T>
void reduce_typed(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) {
  const int64_t keep = in.dim() - reduce_ndim;
  const auto parts = split_dims(in.sizes, keep);
  const Shape& outer = parts.first;
  const Shape& inner = parts.second;
  const int64_t count = numel_of(inner);
  TZ_CHECK(count > 0 || (op != ReduceOp::Max && op != ReduceOp::Min), reduce_op_name(op),
           "cannot reduce an empty set of values");
  for_each_index(outer, [&](const Index& o) {
    std::vector<T> vals;
    for_each_index(inner, [&](const Index& k) { vals.push_back(at<T>(in, join(o, k))); });
    if (op == ReduceOp::Any || op == ReduceOp::All) {
      bool any = false, all = true;
      for (T v : vals) {
        const bool nz = to_double(v) != 0.0;  // NaN counts as nonzero
        any = any || nz;
        all = all && nz;
      }
      at<bool>(out, o) = op == ReduceOp::Any ? any : all;
      return;
    }
    if constexpr (is_float_v<T>) {
      double r = op == ReduceOp::Prod ? 1.0 : 0.0;
      if (op == ReduceOp::Max || op == ReduceOp::Min) r = load_f(vals[0]);
      for (size_t k = 0; k < vals.size(); ++k) {
        const double v = load_f(vals[k]);
        switch (op) {
          case ReduceOp::Sum: r += v; break;
          case ReduceOp::Prod: r *= v; break;
          case ReduceOp::Max: r = std::isnan(r) || std::isnan(v) ? std::nan("") : (v > r ? v : r); break;
          case ReduceOp::Min: r = std::isnan(r) || std::isnan(v) ? std::nan("") : (v < r ? v : r); break;
          case ReduceOp::Any: case ReduceOp::All: break;
        }
      }
      at<T>(out, o) = store_f<T>(r);
    } else {
      int64_t r = op == ReduceOp::Prod ? 1 : 0;
      if (op == ReduceOp::Max || op == ReduceOp::Min) r = int64_t(vals[0]);
      for (T tv : vals) {
        const int64_t v = int64_t(tv);
        switch (op) {
          case ReduceOp::Sum: r = wrap_add(r, v); break;
          case ReduceOp::Prod: r = wrap_mul(r, v); break;
          case ReduceOp::Max: r = v > r ? v : r; break;
          case ReduceOp::Min: r = v < r ? v : r; break;
          case ReduceOp::Any: case ReduceOp::All: break;
        }
      }
      at<T>(out, o) = store_i<T>(r);
    }
  });
}

/// Comparison key: double for everything but int64 (which double cannot hold exactly).
template <class T>
using key_t = std::conditional_t<std::is_same_v<T, int64_t>, int64_t, double>;
template <class T>
key_t<T> key_of(T v) {
  return key_t<T>(to_double(v));
}
template <class K>
bool is_nan_key(K k) {
  if constexpr (std::is_floating_point_v<K>) return std::isnan(k);
  else return false;
}

template <class T>
void arg_reduce_typed(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) {
  TZ_CHECK(op == ReduceOp::Max || op == ReduceOp::Min, reduce_op_name(op), "is not an arg-reduction");
  if (in.dim() == 0) {  // a 0-d input is a row of one element
    at<T>(values, {}) = at<T>(in, {});
    at<int64_t>(indices, {}) = 0;
    return;
  }
  TZ_CHECK(in.sizes.back() > 0, reduce_op_name(op), "arg-reduction over an empty dim of ", shape_str(in.sizes));
  const Shape outer(in.sizes.begin(), in.sizes.end() - 1);
  for_each_index(outer, [&](const Index& o) {
    const std::vector<T> row = row_of<T>(in, o);
    size_t best = 0;
    for (size_t k = 1; k < row.size(); ++k) {
      const auto v = key_of(row[k]), b = key_of(row[best]);
      if (is_nan_key(b)) break;  // the first NaN wins
      if (is_nan_key(v) || (op == ReduceOp::Max ? v > b : v < b)) best = k;
    }
    at<T>(values, o) = row[best];
    at<int64_t>(indices, o) = int64_t(best);
  });
}

template <class T>
void scan_typed(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) {
  if (in.dim() == 0) {
    at<T>(out, {}) = at<T>(in, {});
    return;
  }
  const Shape outer(in.sizes.begin(), in.sizes.end() - 1);
  const int64_t n = in.sizes.back();
  for_each_index(outer, [&](const Index& o) {
    Index full = o;
    full.push_back(0);
    double facc = 0.0;
    int64_t iacc = 0;
    switch (op) {
      case ScanOp::CumSum: facc = 0.0, iacc = 0; break;
      case ScanOp::CumProd: facc = 1.0, iacc = 1; break;
    }
    for (int64_t step = 0; step < n; ++step) {
      full.back() = reverse ? n - 1 - step : step;
      const T v = at<T>(in, full);
      switch (op) {
        case ScanOp::CumSum:
          if constexpr (is_float_v<T>) facc += load_f(v);
          else iacc = wrap_add(iacc, int64_t(v));
          break;
        case ScanOp::CumProd:
          if constexpr (is_float_v<T>) facc *= load_f(v);
          else iacc = wrap_mul(iacc, int64_t(v));
          break;
      }
      if constexpr (is_float_v<T>) at<T>(out, full) = store_f<T>(facc);
      else at<T>(out, full) = store_i<T>(iacc);
    }
  });
}

template <class T>
void sort_typed(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) {
  if (in.dim() == 0) {
    at<T>(values, {}) = at<T>(in, {});
    at<int64_t>(indices, {}) = 0;
    return;
  }
  const Shape outer(in.sizes.begin(), in.sizes.end() - 1);
  for_each_index(outer, [&](const Index& o) {
    const std::vector<T> row = row_of<T>(in, o);
    std::vector<int64_t> order(row.size());
    for (size_t k = 0; k < row.size(); ++k) order[k] = int64_t(k);
    // NaN sorts as the largest value (last ascending, first descending), as in PyTorch.
    auto less = [&](int64_t i, int64_t j) {
      const auto a = key_of(row[size_t(i)]), b = key_of(row[size_t(j)]);
      if (is_nan_key(a) || is_nan_key(b)) return !is_nan_key(a) && is_nan_key(b);
      return a < b;
    };
    std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return descending ? less(j, i) : less(i, j); });
    Index full = o;
    full.push_back(0);
    for (size_t k = 0; k < order.size(); ++k) {
      full.back() = int64_t(k);
      at<T>(values, full) = row[size_t(order[k])];
      at<int64_t>(indices, full) = order[k];
    }
  });
}

}  // namespace

void StubBackend::reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) {
  TZ_DISPATCH(in.dtype, reduce_op_name(op), [&]<class T>() { reduce_typed<T>(op, out, in, reduce_ndim); });
}

void StubBackend::arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) {
  TZ_DISPATCH(in.dtype, reduce_op_name(op), [&]<class T>() { arg_reduce_typed<T>(op, values, indices, in); });
}

void StubBackend::scan(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) {
  TZ_DISPATCH(in.dtype, scan_op_name(op), [&]<class T>() { scan_typed<T>(op, out, in, reverse); });
}

void StubBackend::sort(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) {
  TZ_DISPATCH(in.dtype, "sort", [&]<class T>() { sort_typed<T>(values, indices, in, descending); });
}

void StubBackend::nonzero(const TensorView& out, const TensorView& in) {
  TZ_DISPATCH(in.dtype, "nonzero", [&]<class T>() {
    const int64_t count = out.dim() >= 1 ? out.sizes[0] : 0;
    int64_t row = 0;
    for_each_index(in.sizes, [&](const Index& i) {
      if (to_double(at<T>(in, i)) == 0.0) return;  // exact for every dtype; NaN counts as nonzero
      TZ_CHECK(row < count, "nonzero", "more nonzero elements than the ", count, " the output holds");
      for (size_t d = 0; d < i.size(); ++d) at<int64_t>(out, {row, int64_t(d)}) = i[d];
      ++row;
    });
    TZ_CHECK(row == count, "nonzero", "found ", row, " nonzero elements, the output holds ", count);
  });
}

}  // namespace tz::stub
