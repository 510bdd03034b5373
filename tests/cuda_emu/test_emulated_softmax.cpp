// The CUDA fused softmax / log-softmax kernels (forward and backward) on the CPU kernel emulator,
// against a double-precision reference: warp-per-row (n <= 1024) and block-per-row (n > 1024)
// modes, every float dtype, rows with -inf entries and an all -inf row, both thread orders.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tensorzoo.h"
#include "backends/cuda/emu/cuda_emulator_control.h"
#include "tests/cuda_emu/emulated_compare.h"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace {

using namespace tz;
using cuda_emu_tests::relative_error;

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Softmax (or log-softmax) of each n-long row of x, in double.
std::vector<double> reference_forward(const std::vector<double>& x, int64_t rows, int64_t n, bool log) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = x.data() + r * n;
    double m = -kInf;
    for (int64_t j = 0; j < n; ++j) m = std::max(m, xr[j]);
    double s = 0;
    for (int64_t j = 0; j < n; ++j) s += std::exp(xr[j] - m);
    for (int64_t j = 0; j < n; ++j) y[size_t(r * n + j)] = log ? xr[j] - m - std::log(s) : std::exp(xr[j] - m) / s;
  }
  return y;
}

/// Input gradient from the forward output y and the output gradient g, in double.
std::vector<double> reference_backward(const std::vector<double>& y, const std::vector<double>& g, int64_t rows,
                                       int64_t n, bool log) {
  std::vector<double> gi(y.size());
  for (int64_t r = 0; r < rows; ++r) {
    const size_t at = size_t(r * n);
    double s = 0;
    for (int64_t j = 0; j < n; ++j) s += log ? g[at + size_t(j)] : g[at + size_t(j)] * y[at + size_t(j)];
    for (int64_t j = 0; j < n; ++j) {
      const double gv = g[at + size_t(j)], yv = y[at + size_t(j)];
      gi[at + size_t(j)] = log ? gv - std::exp(yv) * s : yv * (gv - s);
    }
  }
  return gi;
}

double tolerance(DType dt) {
  switch (dt) {
    case DType::F64: return 1e-12;
    case DType::F32: return 2e-6;
    case DType::F16: return 2e-3;
    default: return 1.6e-2;
  }
}

/// Rows of randn * scale; with `masked`, every third row has -inf at every fifth entry and row 1 is
/// all -inf (NaN throughout, as the composite gives).
void check(DType dt, int64_t rows, int64_t n, bool log, bool masked, double scale = 3.0) {
  SCOPED_TRACE(std::string(dtype_name(dt)) + (log ? " log_softmax" : " softmax") + " rows " + std::to_string(rows) +
               " n " + std::to_string(n) + (masked ? " masked" : ""));
  manual_seed(uint64_t(rows * 7919 + n * 2 + (log ? 1 : 0)));
  const Tensor x_f64 = (randn({rows, n}, TensorOptions(DType::F64)) * scale).to(dt).to(DType::F64);
  std::vector<double> xv = x_f64.to_vector<double>();
  if (masked) {
    for (int64_t r = 0; r < rows; r += 3)
      for (int64_t j = r % 5; j < n; j += 5) xv[size_t(r * n + j)] = -kInf;
    for (int64_t j = 0; j < n; ++j) xv[size_t(n + j)] = -kInf;
  }
  const Tensor x = from_vector(xv, Shape{rows, n}).to(dt);
  const std::vector<double> want_y = reference_forward(xv, rows, n, log);
  Tensor y = empty({rows, n}, TensorOptions(dt));
  ASSERT_TRUE(cuda_emu_tests::softmax_forward(y.kernel_view(), x.kernel_view(), log));
  EXPECT_LE(relative_error(y, want_y), tolerance(dt)) << "output";

  // The backward reads the forward output: give it the reference rounded to dt (so both sides
  // see the same y) and compare with the reference computed from those rounded values.
  const Tensor y_in = from_vector(want_y, Shape{rows, n}).to(dt);
  const Tensor go = (randn({rows, n}, TensorOptions(DType::F64))).to(dt);
  const std::vector<double> want_gi = reference_backward(y_in.to(DType::F64).to_vector<double>(),
                                                         go.to(DType::F64).to_vector<double>(), rows, n, log);
  Tensor gi = empty({rows, n}, TensorOptions(dt));
  ASSERT_TRUE(cuda_emu_tests::softmax_backward(gi.kernel_view(), go.kernel_view(), y_in.kernel_view(), log));
  EXPECT_LE(relative_error(gi, want_gi), tolerance(dt)) << "grad_in";
}

class EmulatedSoftmax : public ::testing::TestWithParam<DType> {};

// n <= 1024: a warp per row, eight rows per block (23 rows leave the third block partly idle);
// 100 leaves lanes with fewer elements, 1024 is the longest warp row.
TEST_P(EmulatedSoftmax, WarpPerRow) {
  for (bool log : {false, true}) {
    check(GetParam(), 23, 100, log, false);
    check(GetParam(), 13, 37, log, true);
  }
  check(GetParam(), 3, 1024, true, true);
}

// n > 1024: a block of 512 threads per row, reduced through shared memory.
TEST_P(EmulatedSoftmax, BlockPerRow) {
  for (bool log : {false, true}) check(GetParam(), 3, 1500, log, true);
  check(GetParam(), 2, 1025, false, false);
}

// Other thread orders (see cuda_emulator.h): the block reduction reuses its shared partials
// between the max and the sum, which only the barrier before the next write makes safe. A warp
// that wrote its sum early would hand the others a wrong maximum; that shows in the results
// only where the row sum exceeds the row max, hence inputs of scale 1 (sum ~ 80 > max ~ 3.5).
TEST(EmulatedSoftmaxSchedule, OtherThreadOrdersGiveTheSameResults) {
  for (auto schedule : {cuda_emu::Schedule::reverse, cuda_emu::Schedule::warp_greedy}) {
    SCOPED_TRACE(schedule == cuda_emu::Schedule::reverse ? "reverse" : "warp_greedy");
    cuda_emu::set_schedule(schedule);
    check(DType::F32, 3, 1500, false, true, 1.0);
    check(DType::F32, 3, 1500, true, false, 1.0);
    check(DType::BF16, 13, 100, true, true);
  }
  cuda_emu::set_schedule(cuda_emu::Schedule::forward);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedSoftmax, ::testing::Values(DType::F32, DType::F64, DType::F16, DType::BF16),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

}  // namespace
