#pragma once
/// Comparison of an emulated kernel's output with a double-precision reference, shared by the
/// tests in tests/cuda_emu that write their own reference.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/tensor.h"

namespace tz::cuda_emu_tests {

/// Largest |got - want| over the largest finite |want| (at least 1): a scale-free error.
/// Infinities in `want` must be matched exactly and NaN by NaN; NaN anywhere else (e.g. from
/// unwritten shared memory) makes the error infinite.
inline double relative_error(const std::vector<double>& g, const std::vector<double>& want) {
  double err = 0, scale = 1;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!std::isfinite(want[i])) {
      const bool same = std::isnan(want[i]) ? std::isnan(g[i]) : g[i] == want[i];
      if (!same) err = INFINITY;
      continue;
    }
    const double d = std::abs(g[i] - want[i]);
    err = std::isnan(d) ? INFINITY : std::max(err, d);
    scale = std::max(scale, std::abs(want[i]));
  }
  return err / scale;
}

inline double relative_error(const Tensor& got, const std::vector<double>& want) {
  return relative_error(got.to(DType::F64).contiguous().to_vector<double>(), want);
}

}  // namespace tz::cuda_emu_tests
