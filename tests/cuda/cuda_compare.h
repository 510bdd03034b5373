#pragma once
/// CUDA-vs-CPU comparison helpers of the kernel-family tests (reduce, scan, sort, index).
#include <functional>
#include <vector>

#include "tests/cuda/cuda_test_support.h"
#include "tensorzoo.h"

namespace tz::test {

/// Relative tolerance for comparing a cuda result with the CPU's: 16-bit floats may differ by
/// an ulp or two after accumulating in a different order, f32 by a few ulps, integers not at all.
inline double cuda_rtol(DType dt) {
  switch (dt) {
    case DType::F16: return 1e-2;
    case DType::BF16: return 2e-2;
    case DType::F32: return 1e-5;
    case DType::F64: return 1e-12;
    default: return 0.0;
  }
}

/// Runs `f` on `inputs` on the CPU and on copies on cuda:0; each output must match (same dtype,
/// shape and values within cuda_rtol of the output's dtype, atol = rtol * atol_scale).
inline void expect_cuda_matches_cpu(const TensorList& inputs, const std::function<TensorList(const TensorList&)>& f,
                                    double atol_scale = 1.0) {
  TensorList on_cuda;
  for (const Tensor& t : inputs) on_cuda.push_back(t.to(cuda_device()));
  const TensorList expected = f(inputs);
  const TensorList actual = f(on_cuda);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    SCOPED_TRACE("output " + std::to_string(k));
    EXPECT_EQ(actual[k].device(), cuda_device());
    EXPECT_EQ(actual[k].dtype(), expected[k].dtype());
    const double rtol = cuda_rtol(expected[k].dtype());
    EXPECT_TENSOR_CLOSE(actual[k].cpu(), expected[k], rtol, rtol * atol_scale);
  }
}

/// The dtypes the kernels support (bool inputs are built from these where an op takes them).
inline const std::vector<DType>& cuda_numeric_dtypes() {
  static const std::vector<DType> all{DType::F32, DType::F64, DType::F16, DType::BF16,
                                      DType::I64, DType::I32, DType::I8,  DType::U8};
  return all;
}

}  // namespace tz::test
