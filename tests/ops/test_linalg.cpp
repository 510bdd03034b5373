// Values of matmul/mm/bmm/dot/outer/linear/einsum (expected numbers by hand or from PyTorch 2.x)
// and the CPU GEMM kernel against an f64 reference across layouts and dtypes.
#include <cmath>

#include "core/dispatch.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

/// f64 reference product by triple loop (independent of the kernel under test).
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const Tensor A = a.to(DType::F64).contiguous(), B = b.to(DType::F64).contiguous();
  const int64_t M = A.size(0), K = A.size(1), N = B.size(1);
  std::vector<double> av = A.to_vector<double>(), bv = B.to_vector<double>(), c(size_t(M * N), 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < K; ++k) c[size_t(i * N + j)] += av[size_t(i * K + k)] * bv[size_t(k * N + j)];
  return from_vector(c, Shape{M, N});
}

TEST(Linalg, MatmulTwoByTwoValues) {
  const Tensor a = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  const Tensor b = tensor({{0.5f, -1.f}, {2.f, 0.f}, {1.f, 3.f}});
  EXPECT_TENSOR_CLOSE(matmul(a, b), tensor({{7.5f, 8.f}, {18.f, 14.f}}));
  EXPECT_TENSOR_CLOSE(mm(a, b), tensor({{7.5f, 8.f}, {18.f, 14.f}}));
  // Integer GEMM is exact.
  EXPECT_TENSOR_EQ(matmul(tensor({{1, 2}, {3, 4}}), tensor({{5, 6}, {7, 8}})), tensor({{19, 22}, {43, 50}}));
  EXPECT_EQ(matmul(tensor({{1, 2}, {3, 4}}), tensor({{5, 6}, {7, 8}})).dtype(), DType::I64);
}

TEST(Linalg, MatmulVectorCases) {
  const Tensor v = tensor({1.f, 2.f, 3.f});
  const Tensor m = tensor({{1.f, 0.f}, {0.f, 1.f}, {1.f, 1.f}});
  Tensor d = matmul(v, v);
  EXPECT_EQ(d.dim(), 0);
  EXPECT_FLOAT_EQ(d.item<float>(), 14.f);
  EXPECT_TENSOR_CLOSE(matmul(v, m), tensor({4.f, 5.f}));                      // [3] x [3,2] -> [2]
  EXPECT_TENSOR_CLOSE(matmul(m.t(), v), tensor({4.f, 5.f}));                  // [2,3] x [3] -> [2]
  const Tensor batch = from_vector<float>({1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 2, 2}, Shape{2, 3, 2});  // [m, 2m]
  EXPECT_EQ(matmul(v, batch).shape(), Shape({2, 2}));                          // 1-d x batched
  EXPECT_TENSOR_CLOSE(matmul(v, batch), tensor({{4.f, 5.f}, {8.f, 10.f}}));
  EXPECT_EQ(matmul(batch.transpose(1, 2), v).shape(), Shape({2, 2}));         // batched x 1-d
  EXPECT_TENSOR_CLOSE(matmul(batch.transpose(1, 2), v), tensor({{4.f, 5.f}, {8.f, 10.f}}));
  EXPECT_FLOAT_EQ(dot(v, v).item<float>(), 14.f);
  EXPECT_TENSOR_CLOSE(outer(tensor({1.f, 2.f}), tensor({3.f, 4.f, 5.f})), tensor({{3.f, 4.f, 5.f}, {6.f, 8.f, 10.f}}));
}

TEST(Linalg, MatmulBroadcastBatch) {
  const Tensor a = make_input({2, 1, 4, 3}, DType::F64, -1, 1, 1);
  const Tensor b = make_input({5, 3, 2}, DType::F64, -1, 1, 2);
  const Tensor y = matmul(a, b);
  ASSERT_EQ(y.shape(), Shape({2, 5, 4, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j) EXPECT_TENSOR_CLOSE(y[i][j], naive_matmul(a[i][0], b[j]), 1e-12, 1e-12);
  // [..., M, K] x [K, N] folds the batch into rows; same values.
  const Tensor w = make_input({3, 6}, DType::F64, -1, 1, 3);
  const Tensor z = matmul(a, w);
  ASSERT_EQ(z.shape(), Shape({2, 1, 4, 6}));
  EXPECT_TENSOR_CLOSE(z[1][0], naive_matmul(a[1][0], w), 1e-12, 1e-12);
  // Stride-0 batch on the left operand (expanded view, never copied).
  const Tensor e = make_input({4, 3}, DType::F64, -1, 1, 4).expand({3, 4, 3});
  const Tensor eb = make_input({3, 3, 2}, DType::F64, -1, 1, 5);
  const Tensor ye = bmm(e, eb);
  for (int64_t i = 0; i < 3; ++i) EXPECT_TENSOR_CLOSE(ye[i], naive_matmul(e[i], eb[i]), 1e-12, 1e-12);
}

TEST(Linalg, MatmulLayoutsAndDtypes) {
  // Row-major, column-major (transposed) and fully strided (sliced) operands; sizes that cross
  // the blocked loop's tiles and the small-GEMM batch threshold.
  for (DType dt : {DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32}) {
    const bool fl = is_floating(dt);
    const Tensor a0 = fl ? make_input({70, 45}, dt, -1, 1, 1) : randint(-5, 5, {70, 45}, TensorOptions(dt));
    const Tensor b0 = fl ? make_input({45, 37}, dt, -1, 1, 2) : randint(-5, 5, {45, 37}, TensorOptions(dt));
    const double tol = dt == DType::F16 ? 3e-2 : dt == DType::BF16 ? 2e-1 : dt == DType::F32 ? 1e-4 : 1e-10;
    const Tensor ref = naive_matmul(a0, b0);
    SCOPED_TRACE(dtype_name(dt));
    EXPECT_TENSOR_CLOSE(matmul(a0, b0).to(DType::F64), ref, tol, tol);
    EXPECT_TENSOR_CLOSE(matmul(a0.t().contiguous().t(), b0.t().contiguous().t()).to(DType::F64), ref, tol, tol);
    const Tensor as = (fl ? make_input({70, 90}, dt, -1, 1, 1) : randint(-5, 5, {70, 90}, TensorOptions(dt))).slice(1, 0, 90, 2);
    EXPECT_TENSOR_CLOSE(matmul(as, b0).to(DType::F64), naive_matmul(as, b0), tol, tol);
    // Transposed output layout via the backend kernel directly (column-major out).
    Tensor out_t = empty({37, 70}, TensorOptions(dt)).t();
    TensorView ov = out_t.kernel_view();
    ov.sizes = {1, 70, 37};
    ov.strides = {0, out_t.stride(0), out_t.stride(1)};
    TensorView av = a0.kernel_view(), bv = b0.kernel_view();
    av.sizes = {1, 70, 45};
    av.strides = {0, 45, 1};
    bv.sizes = {1, 45, 37};
    bv.strides = {0, 37, 1};
    dispatch::backend_of(a0).matmul(ov, av, bv, false);
    EXPECT_TENSOR_CLOSE(out_t.to(DType::F64), ref, tol, tol);
    // accumulate=true adds the product to out.
    dispatch::backend_of(a0).matmul(ov, av, bv, true);
    EXPECT_TENSOR_CLOSE(out_t.to(DType::F64), ref * 2.0, tol * 2, tol * 2);
  }
}

TEST(Linalg, MatmulManySmallBatches) {
  const Tensor a = make_input({64, 5, 7}, DType::F32, -1, 1, 1), b = make_input({64, 7, 3}, DType::F32, -1, 1, 2);
  const Tensor y = bmm(a, b);
  for (int64_t i : {0, 31, 63}) EXPECT_TENSOR_CLOSE(y[i].to(DType::F64), naive_matmul(a[i], b[i]), 1e-5, 1e-5);
}

TEST(Linalg, EmptyDims) {
  EXPECT_TENSOR_EQ(matmul(zeros({2, 0}), zeros({0, 3})), zeros({2, 3}));
  EXPECT_EQ(matmul(zeros({0, 4}), zeros({4, 3})).shape(), Shape({0, 3}));
  EXPECT_EQ(matmul(zeros({2, 0, 4}), zeros({4, 3})).shape(), Shape({2, 0, 3}));
  EXPECT_EQ(bmm(zeros({0, 2, 4}), zeros({0, 4, 3})).shape(), Shape({0, 2, 3}));
  EXPECT_TENSOR_EQ(matmul(ones({2, 3, 0}), ones({0, 4})), zeros({2, 3, 4}));
  EXPECT_TENSOR_EQ(matmul(ones({2, 1, 1, 0}), ones({3, 0, 2})), zeros({2, 3, 1, 2}));
  EXPECT_TENSOR_EQ(matmul(ones({0}), ones({0})), zeros({}));
}

TEST(Linalg, LinearValues) {
  const Tensor x = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  const Tensor w = tensor({{0.5f, 2.f, 1.f}, {-1.f, 0.f, 3.f}});  // [out=2, in=3]
  EXPECT_TENSOR_CLOSE(linear(x, w, tensor({1.f, -1.f})), tensor({{8.5f, 7.f}, {19.f, 13.f}}));  // PyTorch
  EXPECT_TENSOR_CLOSE(linear(x, w), tensor({{7.5f, 8.f}, {18.f, 14.f}}));
  EXPECT_EQ(linear(zeros({4, 5, 3}), w).shape(), Shape({4, 5, 2}));
}

TEST(Linalg, EinsumEquations) {
  const Tensor a = make_input({3, 4}, DType::F64, -1, 1, 1), b = make_input({4, 5}, DType::F64, -1, 1, 2);
  const Tensor s = make_input({4, 4}, DType::F64, -1, 1, 3);
  const Tensor ba = make_input({2, 3, 4}, DType::F64, -1, 1, 4), bb = make_input({2, 4, 5}, DType::F64, -1, 1, 5);
  EXPECT_TENSOR_CLOSE(einsum("ij,jk->ik", {a, b}), matmul(a, b));
  EXPECT_TENSOR_CLOSE(einsum("ij,jk", {a, b}), matmul(a, b));                  // implicit output
  EXPECT_TENSOR_CLOSE(einsum("ij,jk->ki", {a, b}), matmul(a, b).t());
  EXPECT_TENSOR_CLOSE(einsum("ba", {a}), a.t());                               // implicit: sorted labels
  EXPECT_TENSOR_CLOSE(einsum("bij,bjk->bik", {ba, bb}), bmm(ba, bb));
  EXPECT_TENSOR_CLOSE(einsum("...ij,...jk", {ba, bb}), bmm(ba, bb));
  EXPECT_TENSOR_CLOSE(einsum("...ij,jk->...ik", {ba, b}), matmul(ba, b));
  EXPECT_TENSOR_CLOSE(einsum("ii->i", {s}), s.diagonal());
  EXPECT_TENSOR_CLOSE(einsum("ii", {s}), sum(s.diagonal()));                   // trace
  EXPECT_TENSOR_CLOSE(einsum("ij->", {a}), sum(a));
  EXPECT_TENSOR_CLOSE(einsum("ij->j", {a}), sum(a, {0}));
  EXPECT_TENSOR_CLOSE(einsum("i,j->ij", {a[0], b[0]}), outer(a[0], b[0]));
  EXPECT_TENSOR_CLOSE(einsum("i , i", {a[0], a[1]}), dot(a[0], a[1]));
  EXPECT_TENSOR_CLOSE(einsum("ij,jk,kl->il", {a, b, b.t()}), matmul(matmul(a, b), b.t()));
  EXPECT_TENSOR_CLOSE(einsum("bij,bkj->bik", {ba, ba}), matmul(ba, ba.transpose(1, 2)));
  EXPECT_TENSOR_CLOSE(einsum("ij,ij->i", {a, a}), sum(a * a, {1}));
  // i·A·j bilinear form by hand: [1, 2] A [1, .5, 2] with A = [[1,2,3],[4,5,6]] is 45.
  const Tensor A = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_FLOAT_EQ(einsum("i,ij,j->", {tensor({1.f, 2.f}), A, tensor({1.f, 0.5f, 2.f})}).item<float>(), 45.f);
  // Size-1 dims broadcast like PyTorch.
  const Tensor one = make_input({3, 1}, DType::F64, -1, 1, 6);
  EXPECT_TENSOR_CLOSE(einsum("ij,jk->ik", {one, b.slice(0, 0, 1)}), matmul(one, b.slice(0, 0, 1)));
  EXPECT_TENSOR_CLOSE(einsum("ij,jk->ik", {one, b}), matmul(one.expand({3, 4}), b));
  // Implicit output orders labels as ASCII (uppercase first), like PyTorch.
  EXPECT_TENSOR_CLOSE(einsum("Ba,ab", {a, b}), matmul(a, b));
  EXPECT_TENSOR_CLOSE(einsum("ba,aB", {a, b}), matmul(a, b).t());
  // Ellipsis in the middle, and an ellipsis left out of the output is summed.
  const Tensor x4 = make_input({2, 3, 4, 5}, DType::F64, -1, 1, 9);
  EXPECT_TENSOR_CLOSE(einsum("i...j->j...i", {x4}), x4.permute({3, 1, 2, 0}));
  EXPECT_TENSOR_CLOSE(einsum("...ij->ij", {x4}), sum(x4, {0, 1}));
  // Attention-style scores with a diagonal and a summed label together.
  const Tensor q = make_input({2, 3, 5, 4}, DType::F64, -1, 1, 7), k = make_input({2, 3, 6, 4}, DType::F64, -1, 1, 8);
  EXPECT_TENSOR_CLOSE(einsum("bhqd,bhkd->bhqk", {q, k}), matmul(q, k.transpose(-1, -2)));
}

TEST(Linalg, Errors) {
  EXPECT_TZ_ERROR(matmul(zeros({2, 3}), zeros({4, 5})), "[matmul] shapes [2, 3] and [4, 5] cannot be multiplied");
  EXPECT_TZ_ERROR(matmul(zeros({2, 3}), zeros({4, 5})), "inner dims 3 != 4");
  EXPECT_TZ_ERROR(matmul(zeros({2, 3}), zeros({3}, DType::F64)), "same dtype");
  EXPECT_TZ_ERROR(matmul(zeros({2, 2, 3}), zeros({3, 3, 2})), "cannot be broadcast");
  EXPECT_TZ_ERROR(matmul(zeros({}), zeros({3})), "[matmul] both arguments need at least 1 dim");
  EXPECT_TZ_ERROR(mm(zeros({2, 3, 4}), zeros({4, 2})), "[mm] expects 2-d operands");
  EXPECT_TZ_ERROR(bmm(zeros({2, 3, 4}), zeros({3, 4, 2})), "[bmm] batch sizes differ");
  EXPECT_TZ_ERROR(dot(zeros({3}), zeros({4})), "[dot] operands have different lengths");
  EXPECT_TZ_ERROR(matmul(zeros({2, 2}, DType::Bool), zeros({2, 2}, DType::Bool)), "bool");
  EXPECT_TZ_ERROR(linear(zeros({2, 3}), zeros({4, 5})), "[linear]");
  EXPECT_TZ_ERROR(einsum("ij,jk", {zeros({2, 3})}), "[einsum] equation \"ij,jk\" has 2 operand terms but 1");
  EXPECT_TZ_ERROR(einsum("ijk,jk->i", {zeros({2, 3}), zeros({3, 2})}), "no ellipsis was given");
  EXPECT_TZ_ERROR(einsum("ij,jk->iz", {zeros({2, 3}), zeros({3, 2})}), "output subscript z does not appear");
  EXPECT_TZ_ERROR(einsum("i1->i", {zeros({2, 3})}), "invalid subscript '1'");
  EXPECT_TZ_ERROR(einsum("ij,jk->ik", {zeros({2, 3}), zeros({4, 2})}), "subscript j has size 4");
  EXPECT_TZ_ERROR(einsum("ii->i", {zeros({2, 3})}), "repeated");
  EXPECT_TZ_ERROR(einsum("ij->ii", {zeros({2, 3})}), "appears more than once in the output");
}

}  // namespace
}  // namespace tz::test
