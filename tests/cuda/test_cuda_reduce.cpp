// CUDA reductions (reduce, arg_reduce) against the CPU backend: every dtype, every ReduceOp,
// non-contiguous and broadcast inputs, empty and size-1 dims, rows longer than a block, many
// rows, column reductions, split reductions (few outputs, long rows), NaN propagation, ties.
#include <cmath>

#include "tests/cuda/cuda_compare.h"

namespace tz::test {
namespace {

using TL = TensorList;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(CudaReduce, SumProdMaxMinEveryDtype) {
  TZ_REQUIRE_CUDA();
  for (DType dt : cuda_numeric_dtypes()) {
    SCOPED_TRACE(dtype_name(dt));
    const bool small = dt == DType::I8 || dt == DType::U8;
    const Tensor x = make_input({6, 7, 9}, dt, small ? 0 : -40, small ? 4 : 40, 3);
    expect_cuda_matches_cpu({x}, [](const TL& v) {
      const Tensor& a = v[0];
      return TL{sum(a),           sum(a, {1}),         sum(a, {0, 2}, true), amax(a, {2}),
                amin(a, {0, 1}),  amax(a),             amin(a.transpose(0, 2), {0}),
                sum(a.permute({2, 0, 1}), {1, 2})};
    }, 10.0);
    // Products of small magnitudes (no overflow in any dtype).
    const Tensor p = make_input({5, 8}, dt, small ? 1 : 0.5, small ? 2 : 1.5, 4);
    expect_cuda_matches_cpu({p}, [](const TL& v) { return TL{prod(v[0], {1}), prod(v[0].t(), {1}), prod(v[0], {0})}; });
  }
}

TEST(CudaReduce, AnyAllCountNonzero) {
  TZ_REQUIRE_CUDA();
  for (DType dt : cuda_numeric_dtypes()) {
    SCOPED_TRACE(dtype_name(dt));
    // Truncation toward zero makes roughly half the elements zero.
    const Tensor x = make_input({9, 33}, DType::F64, -1, 1.5, 5).to(DType::I64).to(dt);
    expect_cuda_matches_cpu({x}, [](const TL& v) {
      const Tensor b = ne(v[0], Scalar(0));
      return TL{any(v[0], {1}), all(v[0], {0}), any(v[0].t(), {0}, true), all(b), any(b, {1}),
                count_nonzero(v[0], {1}), count_nonzero(v[0])};
    });
  }
}

TEST(CudaReduce, NonContiguousBroadcastEmptyAndSizeOne) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::F16, DType::I64}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = make_input({1, 40}, dt, -5, 5, 6);
    const Tensor y = make_input({4, 6, 10}, dt, -5, 5, 7);
    expect_cuda_matches_cpu({x, y}, [](const TL& v) {
      const Tensor e = v[0].expand({300, 40});  // stride-0 rows
      return TL{sum(e, {0}),
                sum(e, {1}),
                amax(e),
                sum(v[0].narrow(1, 0, 0), {1}),  // empty reduced dim: identity
                prod(v[0].narrow(1, 0, 0), {1}),
                sum(v[0].narrow(1, 0, 0), {0}),  // empty kept dim: empty output
                sum(v[0], {0}),                  // size-1 reduced dim
                sum(v[1].narrow(2, 1, 7).transpose(0, 1), {1, 2}),
                amin(v[1].select(1, 2), {0}),
                sum(v[1], {}, true)};
    }, 10.0);
  }
}

TEST(CudaReduce, LongRowsManyRowsAndColumns) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::BF16, DType::F64, DType::I32}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor big = make_input({3, 300001}, dt, -2, 2, 8);      // rows >> a block: split reduction
    const Tensor many = make_input({70000, 5}, dt, -2, 2, 9);      // many short rows
    const Tensor mid = make_input({257, 1500}, dt, -2, 2, 10);     // block-per-row sizes
    expect_cuda_matches_cpu({big, many, mid}, [](const TL& v) {
      return TL{sum(v[0], {1}), amax(v[0], {1}), amin(v[0]),
                sum(v[1], {1}), sum(v[1], {0}), amax(v[1], {0}),  // column mode: [N, 5] over N
                sum(v[2], {1}), sum(v[2], {0}), amin(v[2].t(), {1}), sum(v[2].t(), {0})};
    }, 300.0);
  }
  // A full reduction of 2^22 ones is exact in f32 and counts every element once.
  const Tensor ones_big = ones({1 << 22}).to(cuda_device());
  EXPECT_EQ(sum(ones_big).cpu().item<float>(), float(1 << 22));
}

TEST(CudaReduce, MaxMinPropagateNaN) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::F64, DType::F16, DType::BF16}) {
    SCOPED_TRACE(dtype_name(dt));
    Tensor x = make_input({4, 2000}, DType::F64, -3, 3, 11);
    std::vector<double> v = x.contiguous().to_vector<double>();
    v[1 * 2000 + 1777] = kNaN;  // row 1 has one NaN late in the row
    v[3 * 2000 + 0] = kNaN;     // row 3 starts with one
    x = from_vector(v, Shape{4, 2000}).to(dt);
    expect_cuda_matches_cpu({x}, [](const TL& a) {
      return TL{amax(a[0], {1}), amin(a[0], {1}), amax(a[0], {0}), max(a[0]), sum(a[0], {1}), any(a[0], {1})};
    }, 100.0);
    const Tensor m = amax(x.to(cuda_device()), {1}).cpu().to(DType::F64);
    EXPECT_TRUE(std::isnan(m.to_vector<double>()[1]));
    EXPECT_TRUE(std::isnan(m.to_vector<double>()[3]));
    EXPECT_FALSE(std::isnan(m.to_vector<double>()[0]));
  }
}

TEST(CudaArgReduce, TiesGiveFirstIndexNaNWins) {
  TZ_REQUIRE_CUDA();
  for (DType dt : cuda_numeric_dtypes()) {
    SCOPED_TRACE(dtype_name(dt));
    // Few distinct values: many ties, so the first-index rule is exercised in every row.
    const Tensor x = make_input({37, 700}, DType::F64, 0, 4, 12).to(DType::I64).to(dt);
    expect_cuda_matches_cpu({x}, [](const TL& v) {
      const auto a = max(v[0], 1);
      const auto b = min(v[0].t(), 1, true);
      return TL{a.values, a.indices, b.values, b.indices, argmax(v[0]), argmin(v[0], 0),
                argmax(v[0].expand({3, 37, 700}), 0), argmin(v[0].narrow(1, 3, 1), 1)};
    });
  }
  for (DType dt : {DType::F32, DType::F16, DType::BF16, DType::F64}) {
    SCOPED_TRACE(dtype_name(dt));
    std::vector<double> v(3 * 5000, 1.0);
    v[0 * 5000 + 4000] = kNaN;
    v[0 * 5000 + 4500] = kNaN;   // the first NaN's index wins
    v[1 * 5000 + 2] = 7.0;
    v[1 * 5000 + 4999] = 7.0;    // tie of maxima: the first
    v[2 * 5000 + 4999] = -kNaN;
    const Tensor x = from_vector(v, Shape{3, 5000}).to(dt);
    expect_cuda_matches_cpu({x}, [](const TL& a) {
      const auto m = max(a[0], 1);
      const auto n = min(a[0], 1);
      return TL{m.values, m.indices, n.values, n.indices};
    });
    const auto m = max(x.to(cuda_device()), 1);
    EXPECT_EQ(m.indices.cpu().to_vector<int64_t>(), (std::vector<int64_t>{4000, 2, 4999}));
  }
  // One huge row: split into partials, the first maximum still wins across splits.
  std::vector<float> big(3000000, 0.0f);
  big[123] = 5.0f;
  big[2999999] = 5.0f;
  const Tensor b = from_vector(big, Shape{int64_t(big.size())}).to(cuda_device());
  EXPECT_EQ(argmax(b).cpu().item<int64_t>(), 123);
  EXPECT_EQ(argmin(b).cpu().item<int64_t>(), 0);
}

}  // namespace
}  // namespace tz::test
