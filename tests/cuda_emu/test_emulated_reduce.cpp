// The CUDA reduction kernels (cuda_reduce.cu: sum, prod, max, min, any, all and arg max/min) on
// the CPU kernel emulator, driven by the public ops on the test device ext2 (emulated_device.h),
// whose reduce and arg_reduce are the emulated CUDA kernels, against the same ops on CPU
// tensors. Covers the row mode (32, 64, 128 and 256 threads per row), the generic mode (a
// reduced dim that is not the last, several reduced dims, short rows), the reduced range split
// across blocks with its partials kernel (the emulated GPU has kEmulatedSmCount SMs), every
// dtype, NaN propagation and arg ties. Both thread orders run the block-wide steps.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tensorzoo.h"
#include "backends/cuda/emu/cuda_emulator_control.h"
#include "tests/cuda_emu/emulated_device.h"
#include "tests/support/test_support.h"

namespace {

using namespace tz;
using cuda_emu_tests::EmulatedFamily;
using test::make_input;

Device emulated() { return cuda_emu_tests::emulated_device(EmulatedFamily::reduce); }
cuda_emu_tests::EmulatedCalls& calls() { return cuda_emu_tests::emulated_calls(EmulatedFamily::reduce); }

/// Float sums are accumulated in another order than on the CPU; the rest is exact.
double tolerance(DType dt) {
  switch (dt) {
    case DType::F32: return 2e-5;
    case DType::F16: return 2e-3;
    case DType::BF16: return 1.6e-2;
    case DType::F64: return 1e-12;
    default: return 0.0;
  }
}

/// Values for dtype dt: floats in [lo, hi]; integers rounded from [-50, 50] (bool: 0/1 with
/// some zeros, so any/all are not trivially true).
Tensor input(const Shape& shape, DType dt, uint64_t seed, double lo = -2, double hi = 2) {
  if (is_floating(dt)) return make_input(shape, dt, lo, hi, seed);
  const Tensor x = floor(make_input(shape, DType::F64, dt == DType::U8 ? 0 : -50, 50, seed));
  return dt == DType::Bool ? (x > 40.0) : x.to(dt);
}

void expect_same(const Tensor& got, const Tensor& want, DType dt, const std::string& what, double tol_scale = 1.0) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.dtype(), want.dtype());
  const double tol = tolerance(dt) * tol_scale;
  if (tol == 0.0) EXPECT_TENSOR_EQ(got.cpu(), want);
  else EXPECT_TENSOR_CLOSE(got.cpu().to(DType::F64), want.to(DType::F64), tol, tol);
}

/// Every reduction of x over dims, on ext2 and on the CPU; the emulated kernel must have run
/// (`strided`: with a non-contiguous view, i.e. the op layer's permuted input).
void check_reductions(const Tensor& x, const Dims& dims, const std::string& what, bool strided = false) {
  const DType dt = x.dtype();
  SCOPED_TRACE(what + " " + dtype_name(dt));
  const Tensor e = x.to(emulated());
  calls() = {};
  if (dt != DType::Bool) {
    expect_same(sum(e, dims), sum(x, dims), dt, "sum");
    expect_same(amax(e, dims), amax(x, dims), dt, "amax");
    expect_same(amin(e, dims), amin(x, dims), dt, "amin");
    // Products of values near 1 stay finite (rounding compounds over the factors: wider
    // tolerance); integer products wrap alike on both.
    const Tensor near_one = is_floating(dt) ? (x * 0.0005 + 1.0).to(dt) : x;
    expect_same(prod(near_one.to(emulated()), dims), prod(near_one, dims), dt, "prod", 10.0);
  }
  expect_same(any(e, dims), any(x, dims), dt, "any");
  expect_same(all(e, dims), all(x, dims), dt, "all");
  EXPECT_GT(calls().calls, 0) << "the emulated kernel did not run";
  if (strided) EXPECT_GT(calls().strided, 0) << "no strided view reached the kernel";
}

class EmulatedReduce : public ::testing::TestWithParam<DType> {};

// Row mode: the reduced dims are one contiguous run of at least 64 elements; the threads per
// row grow with its length (64: 300, 128: 1100, 256: 4100), several rows share a block.
TEST_P(EmulatedReduce, ContiguousRows) {
  const DType dt = GetParam();
  check_reductions(input({5, 300}, dt, 1), {1}, "[5, 300] over the last dim");
  check_reductions(input({3, 1100}, dt, 2), {1}, "[3, 1100] over the last dim");
  check_reductions(input({2, 2, 70}, dt, 3), {1, 2}, "[2, 2, 70] over two trailing dims");
}

// Generic mode: rows shorter than 64, a reduced dim that is not the last (x adjacent outputs,
// y split of the reduced range), and reduced dims that do not coalesce.
TEST_P(EmulatedReduce, GenericLayouts) {
  const DType dt = GetParam();
  check_reductions(input({7, 40}, dt, 4), {1}, "[7, 40] over the last dim");
  check_reductions(input({300, 5}, dt, 5), {0}, "[300, 5] over dim 0", true);
  check_reductions(input({9, 5, 6}, dt, 6), {0, 2}, "[9, 5, 6] over dims 0 and 2", true);
}

// Few outputs and long reduced ranges: the range is split across gridDim.y blocks and the
// partials merged by the second kernel (rows: 9000 with 256 threads; generic: 5000 down dim 0).
TEST_P(EmulatedReduce, SplitAcrossBlocks) {
  const DType dt = GetParam();
  check_reductions(input({2, 9000}, dt, 7, 0.5, 1.5), {1}, "[2, 9000] over the last dim");
  check_reductions(input({5000, 3}, dt, 8, 0.5, 1.5), {0}, "[5000, 3] over dim 0", true);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedReduce,
                         ::testing::Values(DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32,
                                           DType::I8, DType::U8, DType::Bool),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

class EmulatedArgReduce : public ::testing::TestWithParam<DType> {};

// Arg max/min along the last dim and along dim 0 (permuted by the op layer), with ties.
TEST_P(EmulatedArgReduce, ArgMaxMinAndTies) {
  const DType dt = GetParam();
  // Integers in [-50, 50) over 300 elements repeat, so the first extreme must win.
  for (const auto& [shape, dim] : {std::pair<Shape, int64_t>{{4, 300}, 1}, {{6, 37}, 1}, {{130, 3}, 0}}) {
    const Tensor x = is_floating(dt) ? round(input(shape, dt, 9, -20, 20)).to(dt) : input(shape, dt, 9);
    SCOPED_TRACE("shape " + std::to_string(shape[0]) + "x" + std::to_string(shape[1]) + " dim " + std::to_string(dim));
    calls() = {};
    EXPECT_TENSOR_EQ(argmax(x.to(emulated()), dim).cpu(), argmax(x, dim));
    EXPECT_TENSOR_EQ(argmin(x.to(emulated()), dim).cpu(), argmin(x, dim));
    const ValuesIndices got = max(x.to(emulated()), dim), want = max(x, dim);
    EXPECT_TENSOR_EQ(got.values.cpu(), want.values);
    EXPECT_TENSOR_EQ(got.indices.cpu(), want.indices);
    EXPECT_GT(calls().calls, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedArgReduce,
                         ::testing::Values(DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32,
                                           DType::U8),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// Max/min keep NaN; arg max/min take the first NaN; any/all count NaN as nonzero.
TEST(EmulatedReduceNaN, PropagatesLikeTheCpu) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = make_input({4, 300}, DType::F32, -2, 2, 10);
  x.select(0, 1).select(0, 17).fill_(nan);
  x.select(0, 1).select(0, 200).fill_(nan);
  x.select(0, 3).select(0, 299).fill_(nan);
  x.select(0, 2).fill_(0.0);
  x.select(0, 2).select(0, 5).fill_(nan);
  const Tensor e = x.to(emulated());
  EXPECT_TENSOR_CLOSE(amax(e, {1}).cpu(), amax(x, {1}), 0, 0);  // NaN matches NaN
  EXPECT_TENSOR_CLOSE(amin(e, {1}).cpu(), amin(x, {1}), 0, 0);
  EXPECT_TENSOR_EQ(argmax(e, 1).cpu(), argmax(x, 1));
  EXPECT_TENSOR_EQ(argmin(e, 1).cpu(), argmin(x, 1));
  EXPECT_TENSOR_EQ(any(e, {1}).cpu(), any(x, {1}));
  EXPECT_TENSOR_EQ(all(e, {1}).cpu(), all(x, {1}));
  EXPECT_TRUE(std::isnan(amax(e, {1}).cpu().to_vector<float>()[1]));
}

// The block-wide steps (shared-memory partials across warps, the generic tree) in the other
// thread orders (see cuda_emulator.h).
TEST(EmulatedReduceSchedule, OtherThreadOrdersGiveTheSameResults) {
  for (auto schedule : {cuda_emu::Schedule::reverse, cuda_emu::Schedule::warp_greedy}) {
    SCOPED_TRACE(schedule == cuda_emu::Schedule::reverse ? "reverse" : "warp_greedy");
    cuda_emu::set_schedule(schedule);
    const Tensor rows = input({3, 1100}, DType::F32, 11), cols = input({300, 5}, DType::I64, 12);
    expect_same(sum(rows.to(emulated()), {1}), sum(rows, {1}), DType::F32, "rows sum");
    expect_same(amax(rows.to(emulated()), {1}), amax(rows, {1}), DType::F32, "rows amax");
    expect_same(sum(cols.to(emulated()), {0}), sum(cols, {0}), DType::I64, "generic sum");
    EXPECT_TENSOR_EQ(argmin(cols.to(emulated()), 0).cpu(), argmin(cols, 0));
  }
  cuda_emu::set_schedule(cuda_emu::Schedule::forward);
}

}  // namespace
