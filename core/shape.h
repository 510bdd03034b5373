#pragma once
/// Shapes and strides (row-major, in elements) and the helpers that every op uses.
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace tz {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

/// Product of the sizes (1 for a 0-d shape; 0 when any size is 0, however large the others).
/// Throws "[op] ... integer multiplication overflow" when it exceeds int64 (PyTorch's "numel:
/// integer multiplication overflow"), so no caller ever sees a wrapped count. `op` names the
/// user-facing op for shapes that come from the user; existing tensors never overflow.
int64_t numel_of(const Shape& s, const char* op = "numel");
/// Bytes of a contiguous tensor of shape s with `itemsize`-byte elements; throws "[op] storage
/// size calculation overflowed ..." past INT64_MAX (offsets are int64 bytes everywhere). Sizes
/// must be non-negative. The one place allocation sizes are computed (dispatch::empty, from_blob).
int64_t nbytes_of(const Shape& s, int64_t itemsize, const char* op);
/// Row-major strides for a shape; throws "[op] ... overflow" when a stride exceeds int64.
Strides contiguous_strides(const Shape& s, const char* op = "strides");
/// a * b and a + b, throwing "[op] <what> overflows int64 (a * b)" instead of wrapping.
int64_t checked_mul(int64_t a, int64_t b, const char* op, const char* what);
int64_t checked_add(int64_t a, int64_t b, const char* op, const char* what);
/// "[2, 3, 4]".
std::string shape_str(const Shape& s);
/// Wraps a possibly negative dim into [0, ndim); throws "[op] dim d out of range for a k-d tensor".
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
/// NumPy broadcasting of two shapes; throws "[op] shapes ... cannot be broadcast" otherwise.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << shape_str(s); }

}  // namespace tz
