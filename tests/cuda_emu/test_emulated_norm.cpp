// The CUDA fused layer-norm and RMS-norm kernels (forward, input gradient and the weight/bias
// column sums) on the CPU kernel emulator, against a double-precision reference: warp-per-row
// and block-per-row modes, with and without affine parameters, every float dtype.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tensorzoo.h"
#include "backends/cuda/emu/cuda_emulator_control.h"
#include "tests/cuda_emu/emulated_compare.h"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace {

using namespace tz;
using cuda_emu_tests::relative_error;

struct NormReference {
  std::vector<double> out, rstd, mean, grad_in, grad_weight, grad_bias;
};


NormReference reference(const std::vector<double>& x, const std::vector<double>& go, const std::vector<double>* w,
                        const std::vector<double>* b, int64_t rows, int64_t n, double eps, bool rms) {
  NormReference r;
  r.out.resize(size_t(rows * n));
  r.grad_in.resize(r.out.size());
  r.grad_weight.assign(size_t(n), 0.0);
  r.grad_bias.assign(size_t(n), 0.0);
  for (int64_t i = 0; i < rows; ++i) {
    const double* xr = x.data() + i * n;
    double mu = 0, var = 0;
    if (!rms) {
      for (int64_t j = 0; j < n; ++j) mu += xr[j];
      mu /= double(n);
    }
    for (int64_t j = 0; j < n; ++j) var += (xr[j] - mu) * (xr[j] - mu);
    const double rstd = 1.0 / std::sqrt(var / double(n) + eps);
    r.mean.push_back(mu);
    r.rstd.push_back(rstd);
    double mean_gh = 0, mean_ghx = 0;
    for (int64_t j = 0; j < n; ++j) {
      const double xhat = (xr[j] - mu) * rstd, g = go[size_t(i * n + j)];
      r.out[size_t(i * n + j)] = xhat * (w ? (*w)[size_t(j)] : 1.0) + (b ? (*b)[size_t(j)] : 0.0);
      const double gh = g * (w ? (*w)[size_t(j)] : 1.0);
      mean_gh += gh / double(n);
      mean_ghx += gh * xhat / double(n);
      r.grad_weight[size_t(j)] += g * xhat;
      r.grad_bias[size_t(j)] += g;
    }
    if (rms) mean_gh = 0;
    for (int64_t j = 0; j < n; ++j) {
      const double xhat = (xr[j] - mu) * rstd;
      const double gh = go[size_t(i * n + j)] * (w ? (*w)[size_t(j)] : 1.0);
      r.grad_in[size_t(i * n + j)] = rstd * (gh - mean_gh - xhat * mean_ghx);
    }
  }
  return r;
}

double tolerance(DType dt) {
  switch (dt) {
    case DType::F64: return 1e-10;
    case DType::F32: return 1e-4;
    case DType::F16: return 6e-3;
    default: return 4e-2;
  }
}

void check(DType dt, int64_t rows, int64_t n, bool rms, bool affine) {
  SCOPED_TRACE(std::string(dtype_name(dt)) + (rms ? " rms" : " layer") + " rows " + std::to_string(rows) + " n " +
               std::to_string(n) + (affine ? " affine" : ""));
  manual_seed(uint64_t(rows * 1000 + n));
  const TensorOptions opts(dt);
  const Tensor x = (randn({rows, n}, opts) * 2.0 + 0.5).to(dt), go = randn({rows, n}, opts);
  const Tensor w = randn({n}, opts), b = randn({n}, opts);
  const auto vec = [](const Tensor& t) { return t.to(DType::F64).contiguous().to_vector<double>(); };
  const std::vector<double> xv = vec(x), gv = vec(go), wv = vec(w), bv = vec(b);
  const double eps = 1e-5;
  const NormReference want = reference(xv, gv, affine ? &wv : nullptr, affine && !rms ? &bv : nullptr, rows, n, eps, rms);

  const DType stat = dt == DType::F64 ? DType::F64 : DType::F32;
  Tensor out = empty({rows, n}, opts), mean = empty({rows}, TensorOptions(stat)), rstd = empty({rows}, TensorOptions(stat));
  const TensorView none;
  ASSERT_TRUE(cuda_emu_tests::norm_forward(out.kernel_view(), rms ? none : mean.kernel_view(), rstd.kernel_view(),
                                           x.kernel_view(), affine ? w.kernel_view() : none,
                                           affine && !rms ? b.kernel_view() : none, eps, rms));
  const double tol = tolerance(dt);
  EXPECT_LE(relative_error(out, want.out), tol) << "output";
  EXPECT_LE(relative_error(rstd, want.rstd), dt == DType::F64 ? 1e-12 : 1e-5) << "rstd";
  if (!rms) EXPECT_LE(relative_error(mean, want.mean), dt == DType::F64 ? 1e-12 : 1e-5) << "mean";

  Tensor gi = empty({rows, n}, opts), gw = empty({n}, opts), gb = empty({n}, opts);
  ASSERT_TRUE(cuda_emu_tests::norm_backward(gi.kernel_view(), affine ? gw.kernel_view() : none,
                                            affine && !rms ? gb.kernel_view() : none, go.kernel_view(), x.kernel_view(),
                                            affine ? w.kernel_view() : none, eps, rms));
  EXPECT_LE(relative_error(gi, want.grad_in), tol) << "grad_in";
  if (affine) EXPECT_LE(relative_error(gw, want.grad_weight), tol) << "grad_weight";
  if (affine && !rms) EXPECT_LE(relative_error(gb, want.grad_bias), tol) << "grad_bias";
}

class EmulatedNorm : public ::testing::TestWithParam<DType> {};

// n <= 1024: a warp per row, eight rows per block (13 rows leave the last block partly idle).
TEST_P(EmulatedNorm, WarpPerRow) {
  for (bool rms : {false, true})
    for (bool affine : {false, true}) check(GetParam(), 13, 100, rms, affine);
}

// n > 1024: a block of 512 threads per row, reduced through shared memory.
TEST_P(EmulatedNorm, BlockPerRow) {
  for (bool rms : {false, true}) check(GetParam(), 3, 1500, rms, true);
}

// Other thread orders (see cuda_emulator.h): the block reduction reuses its shared partials
// across calls, which only a barrier before the next write makes safe.
TEST(EmulatedNormSchedule, OtherThreadOrdersGiveTheSameResults) {
  for (auto schedule : {cuda_emu::Schedule::reverse, cuda_emu::Schedule::warp_greedy}) {
    cuda_emu::set_schedule(schedule);
    check(DType::F32, 3, 1500, false, true);
    check(DType::F16, 13, 100, true, true);
  }
  cuda_emu::set_schedule(cuda_emu::Schedule::forward);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedNorm, ::testing::Values(DType::F32, DType::F64, DType::F16, DType::BF16),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

}  // namespace
