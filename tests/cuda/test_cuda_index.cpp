// CUDA gather / scatter (every reduction, include_self both ways) / nonzero against the CPU
// backend: every dtype, non-contiguous operands, duplicates, out-of-range indices.
#include <cmath>

#include "tests/cuda/cuda_compare.h"

namespace tz::test {
namespace {

using TL = TensorList;

/// int64 indices in [0, n) (seeded), shaped `shape`.
Tensor random_index(const Shape& shape, int64_t n, uint64_t seed) {
  return make_input(shape, DType::F64, 0, double(n) - 1e-9, seed).to(DType::I64);
}

std::vector<DType> dtypes_with_bool() {
  std::vector<DType> d = cuda_numeric_dtypes();
  d.push_back(DType::Bool);
  return d;
}

Tensor input_of(DType dt, const Shape& shape, uint64_t seed) {
  if (dt == DType::Bool) return ne(make_input(shape, DType::F64, -1, 1.5, seed).to(DType::I64), Scalar(0));
  const bool small = dt == DType::I8 || dt == DType::U8;
  return make_input(shape, dt, small ? 0 : -9, small ? 5 : 9, seed);
}

TEST(CudaIndex, GatherEveryDtypeAndLayout) {
  TZ_REQUIRE_CUDA();
  for (DType dt : dtypes_with_bool()) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = input_of(dt, {7, 9, 5}, 31);
    const Tensor i1 = random_index({7, 4, 5}, 9, 32);
    const Tensor i0 = random_index({3, 9, 2}, 7, 33);
    const Tensor iv = random_index({100}, 9, 34);
    expect_cuda_matches_cpu({x, i1, i0, iv}, [](const TL& v) {
      return TL{gather(v[0], 1, v[1]), gather(v[0], 0, v[2]), gather(v[0].transpose(0, 2), 2, v[1].transpose(0, 2)),
                index_select(v[0], 1, v[3]), take_along_dim(v[0], v[1], 1)};
    });
  }
  // Many elements: more than one grid's worth of work per thread.
  const Tensor big = make_input({4096, 512}, DType::F32, -1, 1, 35);
  const Tensor bi = random_index({4096, 300}, 512, 36);
  expect_cuda_matches_cpu({big, bi}, [](const TL& v) { return TL{gather(v[0], 1, v[1])}; });
}

TEST(CudaIndex, GatherAndScatterRejectOutOfRangeIndices) {
  TZ_REQUIRE_CUDA();
  const Tensor x = zeros({4, 5}).to(cuda_device());
  const Tensor bad = from_vector<int64_t>({0, 5, 1}, Shape{1, 3}).to(cuda_device());
  EXPECT_TZ_ERROR(gather(x, 1, bad), "out of bounds");
  EXPECT_TZ_ERROR(scatter(x, 1, bad, ones({1, 3}).to(cuda_device())), "out of bounds");
  EXPECT_TZ_ERROR(scatter_reduce(x, 1, bad, ones({1, 3}).to(cuda_device()), "mean"), "out of bounds");
  // The device stays usable after the error.
  const Tensor ok = from_vector<int64_t>({4, 0, 1}, Shape{1, 3}).to(cuda_device());
  EXPECT_TENSOR_EQ(gather(x, 1, ok).cpu(), zeros({1, 3}));
}

TEST(CudaIndex, ScatterAssignUniqueIndices) {
  TZ_REQUIRE_CUDA();
  for (DType dt : dtypes_with_bool()) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = input_of(dt, {6, 8}, 37);
    const Tensor src = input_of(dt, {6, 8}, 38);
    // A permutation of each row: no duplicates, so the result is deterministic.
    const Tensor perm = argsort(make_input({6, 8}, DType::F32, 0, 1, 39), 1);
    expect_cuda_matches_cpu({x, src, perm}, [](const TL& v) {
      return TL{scatter(v[0], 1, v[2], v[1]), scatter(v[0], 1, v[2].narrow(1, 0, 3), v[1].t().contiguous().narrow(1, 0, 3)),
                scatter(v[0].t(), 0, v[2].t(), v[1].t()), scatter(v[0], 1, v[2], Scalar(1))};
    });
  }
}

TEST(CudaIndex, ScatterReduceEveryOpDtypeIncludeSelf) {
  TZ_REQUIRE_CUDA();
  const char* reductions[] = {"sum", "prod", "mean", "amax", "amin"};
  for (DType dt : dtypes_with_bool()) {
    for (const char* red : reductions) {
      for (bool include_self : {true, false}) {
        SCOPED_TRACE(std::string(dtype_name(dt)) + " " + red + (include_self ? " self" : " no-self"));
        // Few distinct values keep 8-bit products and sums small; duplicates collide by design.
        const bool small = dt == DType::I8 || dt == DType::U8 || dt == DType::Bool;
        const Tensor x = dt == DType::Bool ? input_of(dt, {5, 6}, 40) : make_input({5, 6}, dt, small ? 1 : -3, small ? 3 : 3, 40);
        const Tensor src = dt == DType::Bool ? input_of(dt, {5, 10}, 41) : make_input({5, 10}, dt, small ? 1 : -3, small ? 3 : 3, 41);
        const Tensor idx = random_index({5, 10}, 6, 42);
        const std::string r = red;
        expect_cuda_matches_cpu({x, src, idx}, [r, include_self](const TL& v) {
          return TL{scatter_reduce(v[0], 1, v[2], v[1], r, include_self),
                    scatter_reduce(v[0].t(), 0, v[2].t(), v[1].t(), r, include_self)};
        }, 10.0);
      }
    }
  }
}

TEST(CudaIndex, ScatterAddManyCollisions) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = zeros({4, 16}, TensorOptions(dt));
    const Tensor src = make_input({4, 20000}, dt, -1, 1, 43).to(dt);
    const Tensor idx = random_index({4, 20000}, 16, 44);
    expect_cuda_matches_cpu({x, src, idx}, [](const TL& v) {
      return TL{scatter_add(v[0], 1, v[2], v[1]), index_add(v[0], 1, v[2].select(0, 0), v[1])};
    }, dt == DType::F16 || dt == DType::BF16 ? 300.0 : 100.0);
  }
  // Integer counts are exact: a histogram of 10^6 draws into 7 bins.
  const Tensor idx = random_index({1000000}, 7, 45);
  const Tensor counts = scatter_add(zeros({7}, TensorOptions(DType::I64)).to(cuda_device()), 0, idx.to(cuda_device()),
                                    ones({1000000}, TensorOptions(DType::I64)).to(cuda_device()));
  EXPECT_TENSOR_EQ(counts.cpu(), bincount(idx, {}, 7));
}

TEST(CudaIndex, NonzeroEveryDtypeAndLayout) {
  TZ_REQUIRE_CUDA();
  for (DType dt : dtypes_with_bool()) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = make_input({6, 7, 5}, DType::F64, -1, 1.5, 46).to(DType::I64).to(dt);
    expect_cuda_matches_cpu({x}, [](const TL& v) {
      return TL{nonzero(v[0]), nonzero(v[0].transpose(0, 2)), nonzero(v[0].select(1, 3)), nonzero(v[0].narrow(0, 0, 0)),
                masked_select(v[0], ne(v[0], Scalar(0)))};
    });
  }
  const Tensor big = make_input({3000, 1001}, DType::F32, -0.2, 1.2, 47);  // ~15% nonzero after the cast
  expect_cuda_matches_cpu({big}, [](const TL& v) { return TL{nonzero(v[0].to(DType::I32))}; });
  const std::vector<double> special{0.0, -0.0, std::nan(""), 1e-30, 0.0};
  const Tensor s = from_vector(special, Shape{5});
  EXPECT_EQ(nonzero(s.to(cuda_device())).cpu().to_vector<int64_t>(), (std::vector<int64_t>{2, 3}));
}

}  // namespace
}  // namespace tz::test
