#pragma once
/// Inputs and tolerances of the CUDA elementwise tests: deterministic CPU tensors of every dtype
/// that include the values kernels get wrong first (NaN, +-inf, -0, ties for round, dtype
/// extremes), and the layouts that select each kernel path (contiguous with a vector tail,
/// misaligned, transposed, broadcast).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/dispatch.h"
#include "tests/cuda/cuda_test_support.h"

namespace tz::test {

inline const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> v{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64,
                                    DType::I32, DType::I8,  DType::U8,  DType::Bool};
  return v;
}

/// Tolerance of a cuda-vs-cpu comparison: the GPU's math functions differ from the CPU's by a
/// few ulp in the compute type (float for the 16-bit floats), so one rounding step of the
/// output type may flip; integers and bools are exact.
inline Tolerance cuda_tolerance(DType dt) {
  switch (dt) {
    case DType::F64: return {1e-12, 1e-14};
    case DType::F32: return {3e-5, 1e-6};
    case DType::F16: return {2e-3, 1e-4};
    case DType::BF16: return {1.6e-2, 1e-3};
    default: return {0.0, 0.0};
  }
}

/// `n` values of dtype dt on the CPU (floats in [lo, hi) with special values in front).
inline Tensor sample_values(DType dt, int64_t n, uint64_t seed, double lo = -3.0, double hi = 3.0) {
  std::vector<double> v = make_input({n}, DType::F64, lo, hi, seed).to_vector<double>();
  if (is_floating(dt)) {
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<double> specials{std::nan(""), inf, -inf, 0.0, -0.0, 0.5, 2.5, -2.5, 1.5, 60.0, -60.0, 1e-3};
    for (size_t i = 0; i < specials.size() && i < v.size(); ++i) v[i * 7 % v.size()] = specials[i];
    return from_vector(v).to(dt);
  }
  if (dt == DType::Bool) {
    for (double& x : v) x = x > (lo + hi) / 2 ? 1.0 : 0.0;
    return from_vector(v).to(dt);
  }
  // Integers: a spread of small values plus the dtype's extremes (int64's exceed double).
  double lo_i = -100, hi_i = 100, min_v = -128, max_v = 127;
  if (dt == DType::U8) lo_i = 0, hi_i = 255, min_v = 0, max_v = 255;
  if (dt == DType::I32) min_v = -2147483648.0, max_v = 2147483647.0;
  if (dt == DType::I64) min_v = -1e15, max_v = 1e15;
  for (double& x : v) x = std::floor(lo_i + (x - lo) / (hi - lo) * (hi_i - lo_i));
  if (v.size() > 20) v[3] = min_v, v[11] = max_v, v[17] = 0.0;
  return from_vector(v).to(dt);
}

/// How an operand is laid out on both devices.
enum class Layout { Contiguous, Misaligned, Transposed, Broadcast };
inline const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Contiguous: return "contiguous";
    case Layout::Misaligned: return "misaligned";
    case Layout::Transposed: return "transposed";
    case Layout::Broadcast: return "broadcast";
  }
  return "?";
}
inline constexpr int64_t kRows = 37, kCols = 129;  // 4773 elements: not a multiple of any vector width

/// The same [kRows, kCols] operand on the CPU and on cuda, laid out as `layout` on both.
struct Operand {
  Tensor cpu, cuda;
};
inline Operand make_operand(const Tensor& flat_values, Layout layout) {
  // flat_values holds at least kRows * kCols + 1 elements.
  const Tensor on_cuda = flat_values.to(cuda_device());
  auto shape = [&](const Tensor& t) -> Tensor {
    switch (layout) {
      case Layout::Contiguous: return t.narrow(0, 0, kRows * kCols).view({kRows, kCols});
      case Layout::Misaligned: return t.narrow(0, 1, kRows * kCols).view({kRows, kCols});
      case Layout::Transposed: return t.narrow(0, 0, kRows * kCols).view({kCols, kRows}).t();
      case Layout::Broadcast: return t.narrow(0, 0, kCols).view({1, kCols}).expand({kRows, kCols});
    }
    return t;
  };
  return {shape(flat_values), shape(on_cuda)};
}
inline const std::vector<Layout>& all_layouts() {
  static const std::vector<Layout> v{Layout::Contiguous, Layout::Misaligned, Layout::Transposed, Layout::Broadcast};
  return v;
}

inline std::string case_name(const std::string& op, DType dt, Layout l) {
  return op + " " + dtype_name(dt) + " " + layout_name(l);
}

}  // namespace tz::test
