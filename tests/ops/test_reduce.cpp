// Forward values of the reductions and scans against numbers computed with PyTorch 2.x, plus
// dtype rules, ties, NaN propagation, gradients at ties/zeros and error paths.
#include <cmath>

#include "tests/support/test_support.h"

namespace tz::test {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor sample() {  // the 3x4 matrix the expected values below were computed from
  return from_vector<float>({1.5f, -2.0f, 3.25f, 0.5f, 4.0f, 0.25f, -1.0f, 2.0f, -3.0f, 1.0f, 0.5f, -0.5f}, Shape{3, 4});
}
Tensor f32(const std::vector<float>& v, std::optional<Shape> s = {}) { return from_vector<float>(v, s); }
Tensor i64(const std::vector<int64_t>& v, std::optional<Shape> s = {}) { return from_vector<int64_t>(v, s); }

TEST(Reduce, SumMeanProd) {
  const Tensor x = sample();
  EXPECT_TENSOR_CLOSE(sum(x, {0}), f32({2.5f, -0.75f, 2.75f, 2.0f}));
  EXPECT_TENSOR_CLOSE(sum(x, {-1}, true), f32({3.25f, 5.25f, -2.0f}, Shape{3, 1}));
  EXPECT_TENSOR_CLOSE(mean(x, {1}), f32({3.25f / 4, 5.25f / 4, -0.5f}));
  EXPECT_TENSOR_CLOSE(prod(x, {1}), f32({-4.875f, -2.0f, 0.75f}));
  EXPECT_TENSOR_CLOSE(prod(x), scalar_tensor(7.3125f));
  EXPECT_TENSOR_CLOSE(prod(x.t(), {0}, true), f32({-4.875f, -2.0f, 0.75f}, Shape{1, 3}));
  // Empty reductions give the identity.
  EXPECT_TENSOR_EQ(sum(zeros({0, 3}), {0}), zeros({3}));
  EXPECT_TENSOR_EQ(prod(zeros({2, 0}), {1}), ones({2}));
}

TEST(Reduce, IntegerAndBoolDtypes) {
  const Tensor i = from_vector<int32_t>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(sum(i).dtype(), DType::I64);
  EXPECT_EQ(sum(i).item<int64_t>(), 21);
  EXPECT_EQ(prod(i, {1}).dtype(), DType::I64);
  EXPECT_TENSOR_EQ(prod(i, {1}), i64({6, 120}));
  EXPECT_EQ(amax(i, {0}).dtype(), DType::I32);
  EXPECT_TENSOR_EQ(amax(i, {0}), i64({4, 5, 6}));
  EXPECT_EQ(cumsum(i, 1).dtype(), DType::I64);
  EXPECT_TENSOR_EQ(cumsum(i, 1), i64({1, 3, 6, 4, 9, 15}, Shape{2, 3}));
  const Tensor b = tensor({true, false, true, false, false, true}).view({2, 3});
  EXPECT_EQ(sum(b).item<int64_t>(), 3);
  EXPECT_EQ(any(b, {1}).dtype(), DType::Bool);
  EXPECT_TENSOR_EQ(any(b, {1}), tensor({true, true}));
  EXPECT_TENSOR_EQ(all(b, {0}), tensor({false, false, true}));
  EXPECT_EQ(cumprod(b, 1).dtype(), DType::I64);
  EXPECT_TENSOR_EQ(cumsum(b, 1), i64({1, 1, 2, 0, 0, 1}, Shape{2, 3}));
  EXPECT_EQ(count_nonzero(b, {1}).dtype(), DType::I64);
  EXPECT_TENSOR_EQ(count_nonzero(b, {1}), i64({2, 1}));
  EXPECT_EQ(count_nonzero(sample()).item<int64_t>(), 12);
  // uint8 any/all stay uint8, as in PyTorch.
  EXPECT_EQ(any(from_vector<uint8_t>({0, 3})).dtype(), DType::U8);
  EXPECT_EQ(all(from_vector<int32_t>({1, 2})).dtype(), DType::Bool);
  // Large int64 sums stay exact (no round trip through double).
  const int64_t big = (int64_t(1) << 53) + 1;
  EXPECT_EQ(sum(i64({big, 2})).item<int64_t>(), big + 2);
}

TEST(Reduce, Extrema) {
  const Tensor x = sample();
  EXPECT_TENSOR_EQ(amax(x, {0}), f32({4.0f, 1.0f, 3.25f, 2.0f}));
  EXPECT_TENSOR_EQ(amin(x, {1}), f32({-2.0f, -1.0f, -3.0f}));
  EXPECT_EQ(max(x).item<float>(), 4.0f);
  EXPECT_EQ(min(x).item<float>(), -3.0f);
  auto [mv, mi] = max(x, 1);
  EXPECT_TENSOR_EQ(mv, f32({3.25f, 4.0f, 1.0f}));
  EXPECT_TENSOR_EQ(mi, i64({2, 0, 1}));
  EXPECT_EQ(mi.dtype(), DType::I64);
  auto [nv, ni] = min(x, 0, true);
  EXPECT_TENSOR_EQ(nv, f32({-3.0f, -2.0f, -1.0f, -0.5f}, Shape{1, 4}));
  EXPECT_TENSOR_EQ(ni, i64({2, 0, 1, 2}, Shape{1, 4}));
  EXPECT_EQ(argmax(x).item<int64_t>(), 4);
  EXPECT_EQ(argmin(x).item<int64_t>(), 8);
  EXPECT_TENSOR_EQ(argmax(x, 0), i64({1, 2, 0, 1}));
  EXPECT_TENSOR_EQ(argmin(x, 1, true), i64({1, 2, 0}, Shape{3, 1}));
  EXPECT_EQ(argmax(x, {}, true).shape(), Shape({1, 1}));
  // Non-contiguous input.
  EXPECT_TENSOR_EQ(argmax(x.t(), -1), i64({1, 2, 0, 1}));
  // 0-d input: dim 0 is allowed.
  auto [sv, si] = max(scalar_tensor(5.0f), 0);
  EXPECT_EQ(sv.item<float>(), 5.0f);
  EXPECT_EQ(si.item<int64_t>(), 0);
}

TEST(Reduce, TiesGiveFirstIndex) {
  const Tensor t = f32({3, 1, 3, 1});
  EXPECT_EQ(argmax(t).item<int64_t>(), 0);
  EXPECT_EQ(argmin(t).item<int64_t>(), 1);
  EXPECT_EQ(max(t, 0).indices.item<int64_t>(), 0);
}

TEST(Reduce, NanPropagates) {
  const Tensor y = from_vector<float>({1, float(kNaN), 3, 2, 5, 4}, Shape{2, 3});
  const Tensor a = amax(y, {1});
  EXPECT_TRUE(std::isnan(a.to_vector<float>()[0]));
  EXPECT_EQ(a.to_vector<float>()[1], 5.0f);
  auto [v, i] = max(y, 1);
  EXPECT_TRUE(std::isnan(v.to_vector<float>()[0]));
  EXPECT_TENSOR_EQ(i, i64({1, 1}));
  EXPECT_TENSOR_EQ(argmin(y, 1), i64({1, 0}));
  EXPECT_TRUE(std::isnan(amin(y).item<float>()));
  EXPECT_TRUE(std::isnan(sum(y, {1}).to_vector<float>()[0]));
  const auto c = cumsum(y, 1).to_vector<float>();
  EXPECT_EQ(c[0], 1.0f);
  EXPECT_TRUE(std::isnan(c[1]) && std::isnan(c[2]));
  EXPECT_EQ(c[5], 11.0f);
  // NaN in a long row (vectorised lanes) still wins.
  Tensor long_row = ones({1000});
  long_row = where(eq(arange(1000), 777), kNaN, long_row);
  EXPECT_TRUE(std::isnan(amax(long_row).item<float>()));
  EXPECT_TRUE(std::isnan(amin(long_row).item<float>()));
  EXPECT_EQ(argmax(long_row).item<int64_t>(), 777);
}

TEST(Reduce, VarStd) {
  const Tensor x = sample();
  EXPECT_TENSOR_CLOSE(var(x, {1}), f32({4.8072915077f, 4.7239584923f, 3.1666667461f}));
  EXPECT_TENSOR_CLOSE(var(x, {0}, 0), f32({8.3888893127f, 1.625f, 3.0972223282f, 1.0555555820f}));
  EXPECT_TENSOR_CLOSE(var(x), scalar_tensor(4.1003789902f));
  EXPECT_TENSOR_CLOSE(std(x), scalar_tensor(2.0249392986f));
  EXPECT_TENSOR_CLOSE(std(x.t(), {0}, 1, true), sqrt(f32({4.8072915077f, 4.7239584923f, 3.1666667461f}, Shape{1, 3})));
  // One element with correction 1: 0/0.
  EXPECT_TRUE(std::isnan(var(f32({1.0f})).item<float>()));
}

TEST(Reduce, Logsumexp) {
  const Tensor x = sample();
  EXPECT_TENSOR_CLOSE(logsumexp(x, {1}), f32({3.4674870968f, 4.1532282829f, 1.6140911579f}));
  EXPECT_TENSOR_CLOSE(logsumexp(x, {0, 1}), scalar_tensor(4.6123294830f));
  // Stable for large values.
  EXPECT_TENSOR_CLOSE(logsumexp(f32({1000.f, 1000.5f, -1000.f}), {0}), scalar_tensor(1000.9740600586f));
  // All -inf gives -inf; an empty reduction gives -inf; integers promote to float.
  EXPECT_EQ(logsumexp(f32({-INFINITY, -INFINITY}), {0}).item<float>(), -INFINITY);
  EXPECT_EQ(logsumexp(zeros({0, 3}), {0}).to_vector<float>(), std::vector<float>(3, -INFINITY));
  EXPECT_TENSOR_CLOSE(logsumexp(i64({1, 2}), {0}), scalar_tensor(2.3132616875f));
  EXPECT_EQ(logsumexp(i64({1, 2}), {0}).dtype(), kDefaultFloat);
}

TEST(Reduce, Norms) {
  const Tensor x = sample();
  EXPECT_TENSOR_CLOSE(norm(x), scalar_tensor(6.9731626511f));
  EXPECT_TENSOR_CLOSE(norm(x, 1.0, {1}), f32({7.25f, 7.25f, 5.0f}));
  EXPECT_TENSOR_CLOSE(norm(x, 3.0, {0}), f32({4.5528745651f, 2.0812869072f, 3.2851221561f, 2.0206201077f}));
  EXPECT_TENSOR_CLOSE(norm(x, INFINITY, {1}), f32({3.25f, 4.0f, 3.0f}));
  EXPECT_TENSOR_CLOSE(norm(x, -INFINITY), scalar_tensor(0.25f));
  EXPECT_TENSOR_CLOSE(norm(x, 0.0), scalar_tensor(12.0f));
  EXPECT_TENSOR_CLOSE(norm(x, 0.5, {1}), f32({26.5105628967f, 24.1494960785f, 17.1915092468f}));
  EXPECT_TENSOR_CLOSE(norm(x.t(), 2.0, {0}, true), sqrt(sum(x * x, {1})).view({1, 3}));
}

TEST(Reduce, Scans) {
  const Tensor x = sample();
  EXPECT_TENSOR_CLOSE(cumsum(x, 1), f32({1.5f, -0.5f, 2.75f, 3.25f, 4.0f, 4.25f, 3.25f, 5.25f, -3.0f, -2.0f, -1.5f, -2.0f}, Shape{3, 4}));
  EXPECT_TENSOR_CLOSE(cumprod(x, 0), f32({1.5f, -2.0f, 3.25f, 0.5f, 6.0f, -0.5f, -3.25f, 1.0f, -18.0f, -0.5f, -1.625f, -0.5f}, Shape{3, 4}));
  EXPECT_TENSOR_CLOSE(cumsum(x, -1, true), f32({3.25f, 1.75f, 3.75f, 0.5f, 5.25f, 1.25f, 1.0f, 2.0f, -2.0f, 1.0f, 0.0f, -0.5f}, Shape{3, 4}));
  EXPECT_TENSOR_CLOSE(cumprod(x, 0, true), f32({-18.0f, -0.5f, -1.625f, -0.5f, -12.0f, 0.25f, -0.5f, -1.0f, -3.0f, 1.0f, 0.5f, -0.5f}, Shape{3, 4}));
  // Transposed input: the same numbers, transposed.
  EXPECT_TENSOR_CLOSE(cumsum(x.t(), 0), cumsum(x, 1).t());
  // Scans over the leading dim of a wide tensor (row-accumulation path) match the line path.
  const Tensor w = make_input({5, 40}, DType::F64, -1, 1, 3);
  EXPECT_TENSOR_CLOSE(cumsum(w, 0), cumsum(w.t().contiguous(), 1).t());
  EXPECT_TENSOR_CLOSE(cumprod(w, 0, true), cumprod(w.t().contiguous(), 1, true).t());
  EXPECT_EQ(cumsum(zeros({0, 2}), 0).shape(), Shape({0, 2}));
  EXPECT_EQ(cumsum(scalar_tensor(2.0f), 0).item<float>(), 2.0f);
}

// Large reductions exercise the vectorised, column and split-across-threads kernel paths; each
// is compared with a double-precision reference reduced another way.
TEST(Reduce, KernelPathsAgree) {
  const Tensor x = make_input({300, 700}, DType::F32, -1, 1, 5);
  const Tensor xd = x.to(DType::F64);
  const Tensor row_ref = sum(xd, {1});
  EXPECT_TENSOR_CLOSE(sum(x, {1}), row_ref.to(DType::F32), 1e-5, 1e-5);
  EXPECT_TENSOR_CLOSE(sum(x, {0}), sum(xd.t().contiguous(), {1}).to(DType::F32), 1e-5, 1e-5);  // column mode
  EXPECT_TENSOR_CLOSE(sum(x.t(), {0}), row_ref.to(DType::F32), 1e-5, 1e-5);
  EXPECT_TENSOR_CLOSE(sum(x), sum(row_ref).to(DType::F32), 1e-5, 1e-4);  // one long row, split
  EXPECT_TENSOR_CLOSE(amax(x, {0}), amax(x.t().contiguous(), {1}));
  EXPECT_TENSOR_CLOSE(amin(x.view({300, 7, 100}), {0, 2}), amin(x.view({300, 7, 100}).permute({1, 0, 2}).contiguous().view({7, -1}), {1}));
  // A few columns over very many rows: split across threads, then merged.
  const Tensor tall = make_input({200000, 9}, DType::F32, -1, 1, 6);
  EXPECT_TENSOR_CLOSE(sum(tall, {0}), sum(tall.to(DType::F64).t().contiguous(), {1}).to(DType::F32), 1e-5, 1e-3);
  EXPECT_TENSOR_CLOSE(amax(tall, {0}), amax(tall.t().contiguous(), {1}));
  // Accuracy of a long f32 sum: a naive float loop stalls at 2^21 here (relative error 25%).
  const double exact = double(0.1f) * (1 << 24);
  EXPECT_NEAR(sum(full({1 << 24}, 0.1f)).item<float>(), exact, exact * 1e-6);
  // Integer and bool columns.
  const Tensor ints = randint(-50, 50, {1000, 16});
  EXPECT_TENSOR_EQ(sum(ints, {0}), sum(ints.t().contiguous(), {1}));
  EXPECT_TENSOR_EQ(any(ints > 48, {0}), any(ints.t().contiguous() > 48, {1}));
}

TEST(Reduce, GradientsAtTiesAndZeros) {
  Tensor a = from_vector<float>({1, 3, 3, 2, 0, 2}, Shape{2, 3});
  a.requires_grad_(true);
  sum(amax(a, {1})).backward();
  EXPECT_TENSOR_CLOSE(a.grad(), f32({0, 0.5f, 0.5f, 0.5f, 0, 0.5f}, Shape{2, 3}));
  a.zero_grad();
  sum(max(a, 1).values).backward();
  EXPECT_TENSOR_EQ(a.grad(), f32({0, 1, 0, 1, 0, 0}, Shape{2, 3}));
  a.zero_grad();
  max(a).backward();
  EXPECT_TENSOR_CLOSE(a.grad(), f32({0, 0.5f, 0.5f, 0, 0, 0}, Shape{2, 3}));
  EXPECT_FALSE(max(a, 1).indices.requires_grad());
  EXPECT_FALSE(argmax(a).requires_grad());

  Tensor p = f32({2, 0, 3, 0.5f});
  p.requires_grad_(true);
  prod(p).backward();
  EXPECT_TENSOR_EQ(p.grad(), f32({0, 3, 0, 0}));
  Tensor p2 = f32({2, 0, 3, 0});
  p2.requires_grad_(true);
  prod(p2).backward();
  EXPECT_TENSOR_EQ(p2.grad(), f32({0, 0, 0, 0}));
  // Second derivatives at a zero: d2 prod / dx_j dx_k = product of the other two elements.
  Tensor h = from_vector<double>({0.5, 0.0, 1.5, -2.0});
  h.requires_grad_(true);
  const Tensor gh = grad({prod(h)}, {h}, {}, true, true)[0];
  EXPECT_TENSOR_CLOSE(gh, from_vector<double>({0, -1.5, 0, 0}));
  const std::vector<std::vector<double>> hessian{{0, -3, 0, 0}, {-3, 0, -1, 0.75}, {0, -1, 0, 0}, {0, 0.75, 0, 0}};
  for (int64_t k = 0; k < 4; ++k)
    EXPECT_TENSOR_CLOSE(grad({gh.select(0, k)}, {h}, {}, true)[0], from_vector<double>(hessian[size_t(k)])) << "row " << k;
  Tensor c = f32({2, 0, 3, 0.5f});
  c.requires_grad_(true);
  cumprod(c, 0).backward(f32({1, 2, 3, 4}));
  EXPECT_TENSOR_EQ(c.grad(), f32({1, 34, 0, 0}));
  c.zero_grad();
  cumprod(c, 0, true).backward(f32({1, 2, 3, 4}));
  EXPECT_TENSOR_CLOSE(c.grad(), f32({0, 6, 1.5f, 13}));
  Tensor z = zeros({3});
  z.requires_grad_(true);
  norm(z).backward();
  EXPECT_TENSOR_EQ(z.grad(), zeros({3}));
}

TEST(Reduce, Errors) {
  const Tensor x = sample();
  EXPECT_TZ_ERROR(amax(zeros({0, 3}), {0}), "[amax] cannot reduce over an empty dim");
  EXPECT_TZ_ERROR(max(zeros({0})), "[max] cannot reduce over an empty dim");
  EXPECT_TZ_ERROR(max(zeros({2, 0}), 1), "[max] cannot reduce over an empty dim");
  EXPECT_TZ_ERROR(min(zeros({0})), "[min] cannot reduce over an empty dim");
  EXPECT_TZ_ERROR(argmax(zeros({0})), "[argmax] cannot reduce an empty tensor");
  EXPECT_EQ(amax(zeros({0, 3}), {1}).shape(), Shape({0}));
  EXPECT_TZ_ERROR(sum(x, {2}), "[sum] dim 2 out of range");
  EXPECT_TZ_ERROR(prod(x, {0, -2}), "[prod] dim 0 appears more than once");
  EXPECT_TZ_ERROR(argmax(tensor({true, false})), "[argmax] does not support bool input");
  EXPECT_TZ_ERROR(var(i64({1, 2})), "[var] expects a floating input");
  EXPECT_TZ_ERROR(norm(i64({1, 2})), "[norm] expects a floating input");
  EXPECT_TZ_ERROR(mean(i64({1, 2})), "[mean] expects a floating input");
  EXPECT_TZ_ERROR(cumsum(x, 2), "[cumsum] dim 2 out of range");
  EXPECT_TZ_ERROR(cumprod(x, -3), "[cumprod] dim -3 out of range");
  EXPECT_TZ_ERROR(max(x, 5), "[max] dim 5 out of range");
  EXPECT_TZ_ERROR(norm(zeros({0}), INFINITY), "[norm] cannot reduce over an empty dim");
}

}  // namespace
}  // namespace tz::test
