#pragma once
/// nn::Ints: a per-spatial-dim argument (kernel_size, stride, padding, ...) written as PyTorch
/// writes it: one number for every dim (Conv2d(3, 8, 3)) or one per dim (Conv2d(3, 8, {3, 5})).
/// A plain IntList parameter would turn Conv2d(3, 8, 3) into a vector of three zeros.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/error.h"

namespace tz::nn {

struct Ints {
  std::vector<int64_t> values;
  Ints() = default;  // empty: "not given" (e.g. a pooling stride that defaults to kernel_size)
  Ints(int v) : values{int64_t(v)} {}                                    // NOLINT
  Ints(int64_t v) : values{v} {}                                         // NOLINT
  Ints(std::initializer_list<int64_t> v) : values(v) {}                  // NOLINT
  Ints(std::vector<int64_t> v) : values(std::move(v)) {}                 // NOLINT
  /// One value per dim (a single value repeated), or throws "[op] <what> expects 1 or n values".
  std::vector<int64_t> expand(size_t n, const char* op, const char* what) const {
    if (values.size() == 1) return std::vector<int64_t>(n, values[0]);
    TZ_CHECK(values.size() == n, op, what, " expects 1 or ", n, " values, got ", values.size());
    return values;
  }
};

/// "(3, 3)" / "(3,)": PyTorch's tuple printout, for extra_repr.
inline std::string tuple_str(const std::vector<int64_t>& v) {
  std::string out = "(";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + (v.size() == 1 ? ",)" : ")");
}

}  // namespace tz::nn
