// The CUDA gather / scatter / nonzero kernels (cuda_index.cu) on the CPU kernel emulator, driven
// by the public ops on the test device ext1 (emulated_device.h), whose gather, scatter and
// nonzero are the emulated CUDA kernels, against the same ops on CPU tensors: every element
// size of gather (its kernel moves bits), every scatter reduction with and without the self
// values, duplicate indices (Assign keeps the last, as on the CPU), every dtype's atomics
// (native adds/max/min and the compare-and-swap loops on 8- and 16-bit elements and bool),
// strided operands, out-of-range indices, and nonzero over several dtypes (NaN is nonzero).
// The emulator runs the threads of a block one after another between barriers, so the
// atomics never actually collide here: this checks their arithmetic and addressing, not races;
// the reverse thread order checks that Assign's result does not depend on the write order.
#include <gtest/gtest.h>

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

Device emulated() { return cuda_emu_tests::emulated_device(EmulatedFamily::index); }
cuda_emu_tests::EmulatedCalls& calls() { return cuda_emu_tests::emulated_calls(EmulatedFamily::index); }

const std::vector<DType> kAllDTypes{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64,
                                    DType::I32, DType::I8,  DType::U8,  DType::Bool};

/// Values of dtype dt: floats in [-4, 4] on a 1/8 grid (sums of a few stay exact, and there
/// are ties for amax/amin), integers in [-9, 9] ([0, 9] for U8), bools with some true.
Tensor values(const Shape& shape, DType dt, uint64_t seed) {
  const Tensor x = floor(make_input(shape, DType::F64, dt == DType::U8 ? 0 : -9, 9, seed));
  if (dt == DType::Bool) return x > 3.0;
  return is_floating(dt) ? (x * 0.45).to(dt) : x.to(dt);
}

/// Indices in [0, n) of the given shape (with repeats).
Tensor indices(const Shape& shape, int64_t n, uint64_t seed) {
  return floor(make_input(shape, DType::F64, 0, double(n) - 1e-9, seed)).to(DType::I64);
}

void expect_same(const Tensor& got, const Tensor& want, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.device(), emulated());
  ASSERT_EQ(got.dtype(), want.dtype());
  // Float sums over duplicates round per add in index order on both, but compare with a
  // tolerance so that a different (valid) order of the atomics would not fail the test.
  if (is_floating(want.dtype()))
    EXPECT_TENSOR_CLOSE(got.cpu().to(DType::F64), want.to(DType::F64), 1e-2, 1e-2);
  else
    EXPECT_TENSOR_EQ(got.cpu(), want);
}

class EmulatedIndex : public ::testing::TestWithParam<DType> {};

// Along every dim of a 3-d tensor, with an index smaller than x in the other dims, and from a
// transposed (strided) x.
TEST_P(EmulatedIndex, GatherEveryDimAndStrided) {
  const DType dt = GetParam();
  const Tensor x = values({4, 6, 5}, dt, 1);
  calls() = {};
  for (int64_t dim = 0; dim < 3; ++dim) {
    const Tensor idx = indices({3, 4, 5}, x.size(dim), uint64_t(10 + dim));
    expect_same(gather(x.to(emulated()), dim, idx.to(emulated())), gather(x, dim, idx), "dim " + std::to_string(dim));
  }
  const Tensor xt = x.transpose(0, 2);  // [5, 6, 4]
  const Tensor idx = indices({5, 2, 4}, 6, 13);
  expect_same(gather(x.to(emulated()).transpose(0, 2), 1, idx.to(emulated())), gather(xt, 1, idx), "transposed x");
  EXPECT_GE(calls().calls, 4);
  EXPECT_GT(calls().strided, 0);
}

// Every reduction, with and without the self values, duplicate indices along dim 1 and dim 0.
TEST_P(EmulatedIndex, ScatterReduceEveryReduction) {
  const DType dt = GetParam();
  const Tensor x = values({4, 7}, dt, 2), src = values({4, 9}, dt, 3), src0 = values({6, 7}, dt, 4);
  const Tensor idx1 = indices({4, 9}, 7, 5), idx0 = indices({6, 7}, 4, 6);
  calls() = {};
  for (const char* reduce : {"sum", "prod", "mean", "amax", "amin"}) {
    if (dt == DType::Bool && std::string(reduce) == "mean") continue;  // no mean of bools
    for (bool self : {true, false}) {
      const std::string what = std::string(reduce) + (self ? " include_self" : " exclude_self");
      expect_same(scatter_reduce(x.to(emulated()), 1, idx1.to(emulated()), src.to(emulated()), reduce, self),
                  scatter_reduce(x, 1, idx1, src, reduce, self), what + " dim 1");
      expect_same(scatter_reduce(x.to(emulated()), 0, idx0.to(emulated()), src0.to(emulated()), reduce, self),
                  scatter_reduce(x, 0, idx0, src0, reduce, self), what + " dim 0");
    }
  }
  EXPECT_GE(calls().calls, 10);
}

// Assign with duplicates keeps the last write in index order; scatter_add; a strided self.
TEST_P(EmulatedIndex, ScatterAssignDuplicatesAndAdd) {
  const DType dt = GetParam();
  const Tensor x = values({5, 6}, dt, 7), src = values({5, 8}, dt, 8);
  const Tensor idx = indices({5, 8}, 6, 9);
  expect_same(scatter(x.to(emulated()), 1, idx.to(emulated()), src.to(emulated())), scatter(x, 1, idx, src),
              "assign with duplicates");
  expect_same(scatter_add(x.to(emulated()), 1, idx.to(emulated()), src.to(emulated())), scatter_add(x, 1, idx, src),
              "scatter_add");
  const Tensor xt = values({6, 5}, dt, 10).transpose(0, 1);
  expect_same(scatter_add(xt.to(emulated()), 1, idx.to(emulated()), src.to(emulated())), scatter_add(xt, 1, idx, src),
              "scatter_add into a transposed self");
}

TEST_P(EmulatedIndex, NonzeroCoordinates) {
  const DType dt = GetParam();
  const Tensor x = values({3, 4, 5}, dt, 11);
  calls() = {};
  expect_same(nonzero(x.to(emulated())), nonzero(x), "3-d");
  expect_same(nonzero(x.to(emulated()).transpose(0, 2)), nonzero(x.transpose(0, 2)), "transposed");
  expect_same(nonzero(zeros({4, 3}, TensorOptions(dt)).to(emulated())), nonzero(zeros({4, 3}, TensorOptions(dt))),
              "all zero");
  EXPECT_GT(calls().calls, 0);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedIndex, ::testing::ValuesIn(kAllDTypes),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// The threads of a block in reverse order: without the election, duplicates of an Assign would
// keep the first value in index order instead of the last; sums of duplicates add in another order.
TEST(EmulatedIndexSchedule, ReverseThreadOrderKeepsAssignsLastWrite) {
  cuda_emu::set_schedule(cuda_emu::Schedule::reverse);
  for (DType dt : {DType::F32, DType::I64, DType::U8}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = values({5, 6}, dt, 14), src = values({5, 8}, dt, 15);
    const Tensor idx = indices({5, 8}, 6, 16);
    expect_same(scatter(x.to(emulated()), 1, idx.to(emulated()), src.to(emulated())), scatter(x, 1, idx, src),
                "assign with duplicates");
    expect_same(scatter_reduce(x.to(emulated()), 1, idx.to(emulated()), src.to(emulated()), "sum"),
                scatter_reduce(x, 1, idx, src, "sum"), "sum");
  }
  cuda_emu::set_schedule(cuda_emu::Schedule::forward);
}

// amax/amin keep NaN through the compare-and-swap loop; nonzero counts NaN as nonzero.
TEST(EmulatedIndexNaN, ScatterMaxKeepsNaNAndNonzeroCountsIt) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = zeros({2, 4}, TensorOptions(DType::F32));
  Tensor src = make_input({2, 6}, DType::F32, -1, 1, 12);
  src.select(0, 1).select(0, 2).fill_(nan);
  const Tensor idx = tensor({{0, 1, 2, 3, 0, 1}, {3, 2, 1, 0, 1, 2}}, DType::I64);
  for (const char* reduce : {"amax", "amin"})
    EXPECT_TENSOR_CLOSE(scatter_reduce(x.to(emulated()), 1, idx.to(emulated()), src.to(emulated()), reduce).cpu(),
                        scatter_reduce(x, 1, idx, src, reduce), 0, 0)
        << reduce;
  EXPECT_TENSOR_EQ(nonzero(src.to(emulated())).cpu(), nonzero(src));
}

// An index out of range is reported by the kernel and raised after it.
TEST(EmulatedIndexErrors, OutOfRangeIndexIsRaised) {
  const Tensor x = make_input({3, 5}, DType::F32, -1, 1, 13);
  const Tensor bad = tensor({{0, 7}, {1, 2}, {4, 0}}, DType::I64);
  calls() = {};
  EXPECT_TZ_ERROR(gather(x.to(emulated()), 1, bad.to(emulated())), "index 7 is out of bounds for dim 1 with size 5");
  EXPECT_TZ_ERROR(scatter_add(x.to(emulated()), 1, bad.to(emulated()), make_input({3, 2}).to(emulated())),
                  "index 7 is out of bounds for dim 1 with size 5");
  EXPECT_EQ(calls().calls, 2) << "the op layer rejected the index before the kernel";
}

}  // namespace
