// The counter-based generator: reproducibility, thread-count independence, distributions.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "tests/support/test_support.h"

namespace tz::test {
namespace {

TEST(Random, SeedReproducesAndAdvances) {
  manual_seed(42);
  Tensor a = rand({100});
  Tensor b = rand({100});
  manual_seed(42);
  EXPECT_TENSOR_EQ(rand({100}), a);
  EXPECT_TENSOR_EQ(rand({100}), b);
  EXPECT_FALSE(equal(a, b));
}

TEST(Random, SameNumbersForAnyThreadCount) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  manual_seed(7);
  Tensor one = randn({300000});
  omp_set_num_threads(std::max(2, saved));
  manual_seed(7);
  Tensor many = randn({300000});
  omp_set_num_threads(saved);
  EXPECT_TENSOR_EQ(one, many);
}

TEST(Random, StridedOutputGetsRowMajorCounters) {
  // uniform_ into a transposed view fills logical row-major order of the view.
  Generator g1(5), g2(5);
  Tensor base = zeros({4, 3});
  Tensor view = base.t();
  uniform_(view, 0.0, 1.0, &g1);
  Tensor direct = rand({3, 4}, {}, &g2);
  EXPECT_TENSOR_EQ(view, direct);
}

TEST(Random, DistributionMoments) {
  manual_seed(1);
  Tensor u = rand({200000}, DType::F64);
  EXPECT_NEAR(u.mean().item<double>(), 0.5, 0.005);
  EXPECT_GE(u.to_vector<double>()[0], 0.0);
  Tensor n = randn({200000}, DType::F64);
  EXPECT_NEAR(n.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(((n - n.mean()).square()).mean().item<double>(), 1.0, 0.02);
  Tensor r = randint(-3, 4, {50000});
  const auto rv = r.to_vector<int64_t>();
  EXPECT_EQ(*std::min_element(rv.begin(), rv.end()), -3);
  EXPECT_EQ(*std::max_element(rv.begin(), rv.end()), 3);
  Tensor b = bernoulli({100000}, 0.3, DType::F32);
  EXPECT_NEAR(b.mean().item<double>(), 0.3, 0.01);
  Tensor h = randn({1000}, DType::BF16);
  EXPECT_EQ(h.dtype(), DType::BF16);
}

TEST(Random, RandpermIsAPermutation) {
  manual_seed(9);
  auto p = randperm(1000).to_vector<int64_t>();
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) EXPECT_EQ(sorted[size_t(i)], i);
  EXPECT_FALSE(std::is_sorted(p.begin(), p.end()));
}

TEST(Random, BadArgumentsAreRejected) {
  EXPECT_TZ_ERROR(randint(5, 5, {2}), "[randint] high (5) must exceed low (5)");
  EXPECT_TZ_ERROR(rand({2}, DType::I64), "[rand] expects a floating dtype");
  EXPECT_TZ_ERROR(bernoulli({2}, 1.5), "[bernoulli] p must be in [0, 1]");
}

TEST(Factories, ValuesShapesAndDtypes) {
  EXPECT_TENSOR_EQ(arange(5), tensor({0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(5).dtype(), DType::I64);
  EXPECT_TENSOR_CLOSE(arange(0.0, 1.0, 0.25), tensor({0.0f, 0.25f, 0.5f, 0.75f}));
  EXPECT_TENSOR_CLOSE(linspace(0, 1, 5), tensor({0.0f, 0.25f, 0.5f, 0.75f, 1.0f}));
  EXPECT_TENSOR_EQ(eye(2, 3), tensor({{1.f, 0.f, 0.f}, {0.f, 1.f, 0.f}}));
  EXPECT_TENSOR_EQ(full({2}, 7, DType::I32), tensor({7, 7}));
  EXPECT_EQ(zeros_like(eye(3), DType::F64).dtype(), DType::F64);
  float raw[4] = {1, 2, 3, 4};
  Tensor blob = from_blob(raw, {2, 2}, DType::F32);
  raw[3] = 9;
  EXPECT_EQ(blob.to_vector<float>()[3], 9.0f);  // no copy
  EXPECT_TENSOR_EQ(from_blob_copy(raw, {4}, DType::F32), tensor({1.f, 2.f, 3.f, 9.f}));
  EXPECT_TZ_ERROR(from_vector(std::vector<float>{1, 2, 3}, Shape{2, 2}), "needs 4 elements, got 3");
  EXPECT_TZ_ERROR(arange(0, 5, -1), "[arange] upper bound and step sign are inconsistent");
  EXPECT_TZ_ERROR(zeros({2, -1}), "negative dimension");
}

}  // namespace
}  // namespace tz::test
