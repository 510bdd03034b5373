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

/// Product of the sizes (1 for a 0-d shape).
int64_t numel_of(const Shape& s);
/// Row-major strides for a shape.
Strides contiguous_strides(const Shape& s);
/// "[2, 3, 4]".
std::string shape_str(const Shape& s);
/// Wraps a possibly negative dim into [0, ndim); throws "[op] dim d out of range for a k-d tensor".
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
/// NumPy broadcasting of two shapes; throws "[op] shapes ... cannot be broadcast" otherwise.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << shape_str(s); }

}  // namespace tz
