// CUDA matmul (cuBLAS / cuBLASLt / the integer kernel) against the CPU: every dtype, transposed
// and non-BLAS strides, batched with broadcast batches, the accumulate flag, the TF32 switch.
#include <cmath>

#include "core/dispatch.h"
#include "tests/cuda/cuda_test_support.h"

namespace tz::test {
namespace {

const std::vector<DType> kMatmulDtypes{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I32, DType::I64};

/// Tolerances of a GEMM with inner size K in `dt` (16-bit results are rounded once at the end).
double rtol_for(DType dt) {
  switch (dt) {
    case DType::F16: return 5e-3;
    case DType::BF16: return 2e-2;
    case DType::F32: return 1e-5;
    default: return 1e-12;
  }
}

Tensor input(const Shape& s, DType dt, uint64_t seed) {
  return is_floating(dt) ? make_input(s, dt, -1, 1, seed) : make_input(s, dt, -20, 20, seed);
}

/// cuda(a) @ cuda(b) vs the CPU product of the same operands (their strides kept: .to() on a
/// view copies to a contiguous tensor, so views are made on the device).
void expect_matches_cpu(const Tensor& a, const Tensor& b, DType dt) {
  const Tensor ref = matmul(a, b);
  const Tensor got = matmul(a.to(cuda_device()), b.to(cuda_device())).cpu();
  const double tol = rtol_for(dt);
  EXPECT_TENSOR_CLOSE(got.to(DType::F64), ref.to(DType::F64), tol, tol * std::sqrt(double(a.size(-1))));
}

TEST(CudaMatmul, AllDtypesPlainAndBatched) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kMatmulDtypes) {
    SCOPED_TRACE(dtype_name(dt));
    expect_matches_cpu(input({17, 33}, dt, 1), input({33, 9}, dt, 2), dt);
    expect_matches_cpu(input({3, 17, 33}, dt, 3), input({3, 33, 9}, dt, 4), dt);
    expect_matches_cpu(input({1, 1}, dt, 5), input({1, 70}, dt, 6), dt);  // M = K = 1
    expect_matches_cpu(input({64}, dt, 7), input({64, 5}, dt, 8), dt);    // vector @ matrix
  }
}

TEST(CudaMatmul, TransposedAndStridedOperands) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kMatmulDtypes) {
    SCOPED_TRACE(dtype_name(dt));
    const Device dev = cuda_device();
    const Tensor a = input({2, 33, 17}, dt, 11), b = input({2, 9, 33}, dt, 12);
    // Column-major operands (transposed views) are read in place with a transpose flag.
    const Tensor ref = matmul(a.mT(), b.mT());
    EXPECT_TENSOR_CLOSE(matmul(a.to(dev).mT(), b.to(dev).mT()).cpu().to(DType::F64), ref.to(DType::F64), rtol_for(dt),
                        rtol_for(dt) * 6);
    // Every other column (gapped rows) and an expanded (stride-0) operand need packing.
    const Tensor wide = input({17, 66}, dt, 13), col = input({33, 1}, dt, 14);
    const Tensor ref2 = matmul(wide.slice(1, 0, 66, 2), col.expand({33, 5}));
    const Tensor got2 = matmul(wide.to(dev).slice(1, 0, 66, 2), col.to(dev).expand({33, 5})).cpu();
    EXPECT_TENSOR_CLOSE(got2.to(DType::F64), ref2.to(DType::F64), rtol_for(dt), rtol_for(dt) * 6);
  }
}

TEST(CudaMatmul, BroadcastBatches) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kMatmulDtypes) {
    SCOPED_TRACE(dtype_name(dt));
    expect_matches_cpu(input({4, 5, 6}, dt, 21), input({6, 7}, dt, 22), dt);              // folded into rows
    expect_matches_cpu(input({2, 1, 5, 6}, dt, 23), input({1, 3, 6, 7}, dt, 24), dt);     // stride-0 batches
    expect_matches_cpu(input({5, 6}, dt, 25), input({3, 6, 7}, dt, 26), dt);              // left operand shared
  }
}

TEST(CudaMatmul, AccumulateAddsIntoTheOutput) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kMatmulDtypes) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor a = input({2, 4, 8}, dt, 31), b = input({2, 8, 3}, dt, 32), c = input({2, 4, 3}, dt, 33);
    const Tensor ref = c.to(DType::F64) + matmul(a, b).to(DType::F64);
    Tensor out = c.to(cuda_device()).clone();
    const Tensor ad = a.to(cuda_device()), bd = b.to(cuda_device());
    dispatch::backend_of(out).matmul(out.kernel_view(), ad.kernel_view(), bd.kernel_view(), true);
    EXPECT_TENSOR_CLOSE(out.cpu().to(DType::F64), ref, rtol_for(dt), rtol_for(dt) * 4);
    // A transposed (column-major) output view is accumulated too.
    Tensor outT = c.mT().contiguous().to(cuda_device()).mT();
    dispatch::backend_of(outT).matmul(outT.kernel_view(), ad.kernel_view(), bd.kernel_view(), true);
    EXPECT_TENSOR_CLOSE(outT.cpu().to(DType::F64), ref, rtol_for(dt), rtol_for(dt) * 4);
  }
}

TEST(CudaMatmul, EmptyInnerDimGivesZeros) {
  TZ_REQUIRE_CUDA();
  const Tensor got = matmul(zeros({3, 0}, cuda_device()), zeros({0, 4}, cuda_device())).cpu();
  EXPECT_TENSOR_CLOSE(got, zeros({3, 4}), 0.0, 0.0);
}

TEST(CudaMatmul, Tf32IsOffByDefaultAndSwitchable) {
  TZ_REQUIRE_CUDA();
  EXPECT_FALSE(cuda::allow_tf32());
  const Tensor a = make_input({256, 1024}, DType::F32, -1, 1, 41), b = make_input({1024, 256}, DType::F32, -1, 1, 42);
  const Tensor ref = matmul(a.to(DType::F64), b.to(DType::F64));
  const Tensor ad = a.to(cuda_device()), bd = b.to(cuda_device());
  auto max_err = [&](const Tensor& got) { return amax(abs(got.cpu().to(DType::F64) - ref)).item<double>(); };
  const double err_fp32 = max_err(matmul(ad, bd));
  cuda::set_allow_tf32(true);
  const double err_tf32 = max_err(matmul(ad, bd));
  cuda::set_allow_tf32(false);
  // Full f32: ~1e-5 on sums of 1024 products of magnitude <= 1; TF32 (10-bit mantissa): ~1e-2.
  EXPECT_LT(err_fp32, 1e-4);
  EXPECT_LT(err_tf32, 0.1);
  EXPECT_GT(err_tf32, err_fp32);
}

}  // namespace
}  // namespace tz::test
