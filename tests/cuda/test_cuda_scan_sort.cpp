// CUDA scans (cumsum/cumprod, reversed) and sort/argsort/topk/unique against the CPU backend:
// every dtype, strided lines, lines longer than a block, many lines, stability of ties, NaN and
// signed-zero ordering.
#include <cmath>

#include "tests/cuda/cuda_compare.h"

namespace tz::test {
namespace {

using TL = TensorList;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(CudaScan, CumsumCumprodEveryDtype) {
  TZ_REQUIRE_CUDA();
  for (DType dt : cuda_numeric_dtypes()) {
    SCOPED_TRACE(dtype_name(dt));
    const bool small = dt == DType::I8 || dt == DType::U8;
    const Tensor x = make_input({5, 12, 9}, dt, small ? 0 : 0.5, small ? 3 : 1.5, 21);
    expect_cuda_matches_cpu({x}, [](const TL& v) {
      const Tensor& a = v[0];
      return TL{cumsum(a, 2),          cumsum(a, 1, true),   cumsum(a, 0),  cumprod(a, 2), cumprod(a.transpose(0, 2), 1),
                cumprod(a, -1, true),  cumsum(a.narrow(1, 0, 0), 1), cumsum(a.select(1, 3), 0, true)};
    }, 10.0);
  }
}

TEST(CudaScan, LongLinesManyLinesStridedLines) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::F64, DType::BF16, DType::I64}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor longx = make_input({3, 70001}, dt, -2, 2, 22);   // many 256-element tiles per line
    const Tensor many = make_input({20000, 7}, dt, -2, 2, 23);    // line per thread
    const Tensor cols = make_input({300, 4096}, dt, -2, 2, 24);   // scan over dim 0: strided lines
    expect_cuda_matches_cpu({longx, many, cols}, [](const TL& v) {
      return TL{cumsum(v[0], 1), cumsum(v[0], 1, true), cumsum(v[1], 1), cumsum(v[1], 0, true),
                cumsum(v[2], 0), cumsum(v[2], 1, true), cumsum(v[0].t(), 0)};
    }, 1000.0);
  }
  // Integer sums of 2^20 ones along one line are exact at every position.
  const Tensor ones_line = ones({1, 1 << 20}, TensorOptions(DType::I64)).to(cuda_device());
  const Tensor c = cumsum(ones_line, 1).cpu();
  EXPECT_EQ(c.to_vector<int64_t>().back(), int64_t(1) << 20);
  EXPECT_TENSOR_EQ(c, arange(1, (1 << 20) + 1, 1, TensorOptions(DType::I64)).view({1, 1 << 20}));
}

TEST(CudaSort, EveryDtypeStableTies) {
  TZ_REQUIRE_CUDA();
  for (DType dt : cuda_numeric_dtypes()) {
    SCOPED_TRACE(dtype_name(dt));
    // Few distinct values: the indices check that equal keys keep their input order.
    const bool is_unsigned = dt == DType::U8;
    const Tensor x = make_input({6, 300}, DType::F64, is_unsigned ? 0 : -4, 5, 25).to(DType::I64).to(dt);
    expect_cuda_matches_cpu({x}, [](const TL& v) {
      const auto a = sort(v[0], -1);
      const auto b = sort(v[0], -1, true);
      const auto c = sort(v[0], 0);
      const auto d = sort(v[0].t(), 1, true);
      return TL{a.values, a.indices, b.values, b.indices, c.values, c.indices, d.values, d.indices, argsort(v[0], 1)};
    });
  }
  const Tensor bools = ne(make_input({4, 100}, DType::F64, -1, 1.5, 26).to(DType::I64), Scalar(0));
  expect_cuda_matches_cpu({bools}, [](const TL& v) {
    const auto a = sort(v[0], 1, true);
    return TL{a.values, a.indices, argsort(v[0], 1)};
  });
}

TEST(CudaSort, NaNInfAndSignedZeroOrder) {
  TZ_REQUIRE_CUDA();
  const std::vector<double> vals{1.0, kNaN, -0.0, kInf, 0.0, -kInf, -kNaN, -2.5, 0.0, kNaN, -0.0, 3.0};
  for (DType dt : {DType::F32, DType::F64, DType::F16, DType::BF16}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = from_vector(vals, Shape{int64_t(vals.size())}).to(dt);
    expect_cuda_matches_cpu({x}, [](const TL& v) {
      const auto a = sort(v[0]);
      const auto b = sort(v[0], -1, true);
      return TL{a.values, a.indices, b.values, b.indices};
    });
    // NaN last ascending (in input order), zeros of either sign tie in input order.
    const auto a = sort(x.to(cuda_device()));
    EXPECT_EQ(a.indices.cpu().to_vector<int64_t>(), (std::vector<int64_t>{5, 7, 2, 4, 8, 10, 0, 11, 3, 1, 6, 9}));
  }
}

TEST(CudaSort, LongRowsManyRowsTopkUnique) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::I32, DType::F16}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor longx = make_input({2, 100000}, dt, -1000, 1000, 27);
    const Tensor many = make_input({30000, 9}, dt, -10, 10, 28);
    expect_cuda_matches_cpu({longx, many}, [](const TL& v) {
      const auto a = sort(v[0], 1);
      const auto b = sort(v[1], 1, true);
      const auto t = topk(v[0], 17, 1);
      const auto u = topk(v[1], 3, 1, false);
      return TL{a.values, a.indices, b.values, b.indices, t.values, t.indices, u.values, u.indices};
    });
  }
  const Tensor y = make_input({5000}, DType::F64, 0, 50, 29).to(DType::I64);
  expect_cuda_matches_cpu({y}, [](const TL& v) {
    const auto u = unique(v[0], true, true);
    return TL{u.values, u.inverse, u.counts};
  });
}

}  // namespace
}  // namespace tz::test
