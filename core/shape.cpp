#include "core/shape.h"

#include <algorithm>

#include "core/error.h"

namespace tz {

int64_t numel_of(const Shape& s, const char* op) {
  // A zero size makes the tensor empty whatever the other sizes, as in PyTorch, where
  // empty([0, 2**62, 2**62]) is valid; only a non-empty product can overflow.
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : s) {
    if (d == 0) return 0;
    overflow |= __builtin_mul_overflow(n, d, &n);
  }
  TZ_CHECK(!overflow, op, "shape ", shape_str(s), " has more than INT64_MAX elements: integer multiplication overflow");
  return n;
}

int64_t nbytes_of(const Shape& s, int64_t itemsize, const char* op) {
  int64_t bytes = 0;
  TZ_CHECK(!__builtin_mul_overflow(numel_of(s, op), itemsize, &bytes), op, "storage size calculation overflowed: shape ",
           shape_str(s), " of ", itemsize, "-byte elements needs more than INT64_MAX bytes");
  return bytes;
}

Strides contiguous_strides(const Shape& s, const char* op) {
  Strides st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    // The product past the first dim is not a stride: skipping it keeps empty shapes such as
    // [2**62, 2**62, 0] valid (their numel is 0), as PyTorch.
    if (i > 0)
      TZ_CHECK(!__builtin_mul_overflow(acc, std::max<int64_t>(s[i], 1), &acc), op, "strides of shape ", shape_str(s),
               " overflow int64: integer multiplication overflow");
  }
  return st;
}

int64_t checked_mul(int64_t a, int64_t b, const char* op, const char* what) {
  int64_t r = 0;
  TZ_CHECK(!__builtin_mul_overflow(a, b, &r), op, what, " overflows int64 (", a, " * ", b, ")");
  return r;
}

int64_t checked_add(int64_t a, int64_t b, const char* op, const char* what) {
  int64_t r = 0;
  TZ_CHECK(!__builtin_add_overflow(a, b, &r), op, what, " overflows int64 (", a, " + ", b, ")");
  return r;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ", ";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1
  TZ_CHECK(dim >= -n && dim < n, op, "dim ", dim, " out of range for a ", ndim, "-d tensor");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TZ_CHECK(da == db || da == 1 || db == 1, op, "shapes ", shape_str(a), " and ", shape_str(b),
             " cannot be broadcast (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace tz
