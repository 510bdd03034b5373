#pragma once
/// Element access for the stub kernels: row-major multi-index iteration, strided addressing,
/// and the load/store conversions every kernel uses (floats as double, integers as int64).
/// Deliberately naive: an index vector per element, no coalescing, no threads.
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/backend.h"

namespace tz::stub {

using Index = std::vector<int64_t>;

/// Calls f(index) for every multi-index of `sizes` in row-major order (nothing when empty;
/// once with an empty index for a 0-d shape).
template <class F>
void for_each_index(const Shape& sizes, F&& f) {
  const int64_t n = numel_of(sizes);
  Index idx(sizes.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(static_cast<const Index&>(idx));
    for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
      if (++idx[size_t(d)] < sizes[size_t(d)]) break;
      idx[size_t(d)] = 0;
    }
  }
}

/// Element offset of `idx` in `v` (strides in elements).
inline int64_t offset_of(const TensorView& v, const Index& idx) {
  int64_t off = 0;
  for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * v.strides[d];
  return off;
}

template <class T>
T& at(const TensorView& v, const Index& idx) {
  return v.ptr<T>()[offset_of(v, idx)];
}

template <class T>
inline constexpr bool is_float_v = std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
template <class T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

/// A floating element widened to double (16-bit floats through their float value).
template <class T>
double load_f(T x) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return double(float(x));
  else return double(x);
}
/// A double rounded to the floating type T (16-bit floats through float).
template <class T>
T store_f(double v) {
  if constexpr (std::is_same_v<T, double>) return v;
  else if constexpr (std::is_same_v<T, float>) return float(v);
  else return T(float(v));
}
/// An int64 narrowed to the integer type T with two's-complement wrap (defined since C++20).
template <class T>
T store_i(int64_t v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0;
  else return static_cast<T>(v);
}
/// double -> int64 with truncation; NaN and out-of-range values give INT64_MIN, which is what
/// x86's conversion instruction (and therefore PyTorch on x86) produces.
inline int64_t trunc_to_i64(double v) {
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(v);
}
/// Integer arithmetic that wraps instead of overflowing (signed overflow is UB in C++).
inline int64_t wrap_add(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }
inline int64_t wrap_sub(int64_t a, int64_t b) { return int64_t(uint64_t(a) - uint64_t(b)); }
inline int64_t wrap_mul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }

/// Any element converted to double (bool/int exactly up to 2^53) — for comparisons and tests.
template <class T>
double to_double(T x) {
  if constexpr (is_float_v<T>) return load_f(x);
  else return double(x);
}

/// Element conversion used by copy and fill: float -> integer goes through int64 (so it wraps
/// like PyTorch), anything -> bool is "!= 0", integer -> float rounds once.
template <class D, class S>
D convert(S x) {
  if constexpr (std::is_same_v<D, S>) {
    return x;
  } else if constexpr (std::is_same_v<D, bool>) {
    if constexpr (is_float_v<S>) return load_f(x) != 0.0;
    else return x != 0;
  } else if constexpr (is_float_v<D>) {
    if constexpr (is_float_v<S>) return store_f<D>(load_f(x));
    else if constexpr (std::is_same_v<D, double>) return double(int64_t(x));
    else return D(float(int64_t(x)));
  } else {
    if constexpr (is_float_v<S>) return store_i<D>(trunc_to_i64(load_f(x)));
    else return store_i<D>(int64_t(x));
  }
}

}  // namespace tz::stub
