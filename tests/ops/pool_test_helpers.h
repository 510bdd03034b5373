#pragma once
// Helpers shared by tests/ops/test_pool.cpp and test_interpolate.cpp.
#include <vector>

#include "autograd/pool_support.h"
#include "backends/cpu/cpu_pool.h"
#include "tests/support/test_support.h"

namespace tz::test {

/// The deterministic pattern the expected values were computed from in PyTorch:
/// ((torch.arange(n) * 37) % 101 / 10).reshape(shape), in `dtype`.
inline Tensor pat(const Shape& shape, DType dtype = DType::F32) {
  const Tensor flat = remainder(arange(numel_of(shape), TensorOptions(dtype)) * 37.0, scalar_tensor(101.0, TensorOptions(dtype))) / 10.0;
  return flat.reshape(shape);
}

inline void expect_values(const Tensor& actual, const Shape& shape, const std::vector<double>& expected,
                          double rtol = 1e-5, double atol = 1e-5) {
  EXPECT_TENSOR_CLOSE(actual, from_vector(expected, shape).to(DType::F32), rtol, atol);
}

/// Runs the ops' composites (no backend pool/resample kernels) within a scope.
struct ForceComposite {
  ForceComposite() { detail::g_force_pool_composite = true; }
  ~ForceComposite() { detail::g_force_pool_composite = false; }
};
/// Runs the CPU pool kernel's reference loops instead of oneDNN within a scope.
struct NoOneDnn {
  NoOneDnn() { cpu::g_pool_disable_onednn = true; }
  ~NoOneDnn() { cpu::g_pool_disable_onednn = false; }
};

}  // namespace tz::test
