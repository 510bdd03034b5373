// Values of the indexing ops against numbers computed with PyTorch 2.x (pasted by hand), and
// their main error paths.
#include <cmath>

#include "tests/support/test_support.h"

namespace tz::test {
namespace {

Tensor f(std::initializer_list<float> v) { return tensor(v); }
Tensor f2(std::initializer_list<std::initializer_list<float>> v) { return tensor(v); }
Tensor l(std::initializer_list<int> v) { return tensor(v); }
Tensor l2(std::initializer_list<std::initializer_list<int>> v) { return tensor(v); }

TEST(IndexGather, MatchesTorch) {
  Tensor x = f2({{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}});
  EXPECT_TENSOR_EQ(gather(x, 1, l2({{0, 4, 1}, {3, 3, 2}})), f2({{1, 5, 2}, {9, 9, 8}}));
  EXPECT_TENSOR_EQ(gather(x, -1, l2({{0, 4, 1}, {3, 3, 2}})), f2({{1, 5, 2}, {9, 9, 8}}));
  EXPECT_TENSOR_EQ(gather(x.t(), 0, l2({{1, 0}})), f2({{2, 6}}));
  EXPECT_EQ(gather(x, 1, zeros({2, 0}, DType::I64)).shape(), Shape({2, 0}));
}

TEST(IndexGather, Errors) {
  Tensor x = f2({{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}});
  EXPECT_TZ_ERROR(gather(x, 1, l2({{0, 7}})), "[gather] index 7 is out of bounds for dim 1 with size 5");
  EXPECT_TZ_ERROR(gather(x, 1, l2({{0, -1}})), "[gather] index -1 is out of bounds for dim 1 with size 5");
  EXPECT_TZ_ERROR(gather(x, 1, f2({{0, 1}})), "[gather] expected an int64 index");
  EXPECT_TZ_ERROR(gather(x, 1, l({0, 1})), "must have as many dims");
  EXPECT_TZ_ERROR(gather(x, 2, l2({{0}})), "dim 2 out of range");
}

TEST(IndexTakeAlongDim, Broadcasts) {
  Tensor x = f2({{10, 20, 30}, {40, 50, 60}});
  EXPECT_TENSOR_EQ(take_along_dim(x, l2({{2}, {0}}), 1), f2({{30}, {40}}));
  EXPECT_TENSOR_EQ(take_along_dim(x, l2({{2, 0}}), 1), f2({{30, 10}, {60, 40}}));
  EXPECT_TENSOR_EQ(take_along_dim(x, l({5, 0})), f({60, 10}));
}

TEST(IndexScatter, AssignAddAndScalar) {
  Tensor x = zeros({2, 4});
  EXPECT_TENSOR_EQ(scatter(x, 1, l2({{3, 0}, {1, 1}}), f2({{1, 2, 9}, {3, 4, 9}})), f2({{2, 0, 0, 1}, {0, 4, 0, 0}}));
  EXPECT_TENSOR_EQ(scatter(x, 0, l2({{1, 0, 1, 1}}), Scalar(5)), f2({{0, 5, 0, 0}, {5, 0, 5, 5}}));
  EXPECT_TENSOR_EQ(scatter_add(x, 1, l2({{3, 3}, {1, 1}}), f2({{1, 2}, {3, 4}})), f2({{0, 0, 0, 3}, {0, 7, 0, 0}}));
  // int64 self and scatter_add on a 1-d tensor of bins.
  EXPECT_TENSOR_EQ(scatter_add(zeros({3}, DType::I64), 0, l({2, 2, 0}), l({1, 1, 1})), l({1, 0, 2}));
}

TEST(IndexScatter, LargeParallelMatchesSerialLoop) {
  // Big enough to take the OpenMP paths of gather, scatter (with reductions) and sort.
  const int64_t rows = 400, cols = 300, bins = 50;
  Tensor src = make_input({rows, cols}, DType::F64, -1, 1, 3);
  Tensor index = randint(0, bins, {rows, cols});
  const auto s = src.to_vector<double>();
  const auto ix = index.to_vector<int64_t>();
  std::vector<double> sum(size_t(bins * cols), 0.0), mx(size_t(bins * cols), -INFINITY);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const size_t o = size_t(ix[size_t(r * cols + c)] * cols + c);
      sum[o] += s[size_t(r * cols + c)];
      mx[o] = std::max(mx[o], s[size_t(r * cols + c)]);
    }
  Tensor z = zeros({bins, cols}, DType::F64);
  EXPECT_TENSOR_CLOSE(scatter_add(z, 0, index, src), from_vector(sum, Shape{bins, cols}), 1e-12, 1e-12);
  Tensor m = scatter_reduce(z, 0, index, src, "amax", false);
  std::vector<double> mx_or_zero = mx;
  for (double& v : mx_or_zero) if (std::isinf(v)) v = 0.0;
  EXPECT_TENSOR_CLOSE(m, from_vector(mx_or_zero, Shape{bins, cols}), 0, 0);
  // gather back and sort rows: each sorted row is non-decreasing and a permutation.
  Tensor g = gather(src, 1, index);
  EXPECT_EQ(g.to_vector<double>()[5], s[size_t(ix[5])]);
  auto sorted = sort(src, 1);
  const auto sv = sorted.values.to_vector<double>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 1; c < cols; ++c) ASSERT_LE(sv[size_t(r * cols + c - 1)], sv[size_t(r * cols + c)]);
  EXPECT_TENSOR_EQ(gather(src, 1, sorted.indices), sorted.values);
}

TEST(IndexScatter, Errors) {
  Tensor x = zeros({2, 4});
  EXPECT_TZ_ERROR(scatter(x, 1, l2({{4}}), f2({{1}})), "[scatter] index 4 is out of bounds for dim 1 with size 4");
  EXPECT_TZ_ERROR(scatter_add(x, 1, l2({{-1}}), f2({{1}})), "[scatter_add] index -1 is out of bounds");
  EXPECT_TZ_ERROR(scatter_add(x, 1, l2({{0}}), zeros({1, 1}, DType::F64)), "must have the input's dtype");
  EXPECT_TZ_ERROR(scatter_reduce(x, 1, l2({{0}}), f2({{1}}), "max"), "reduce must be");
  EXPECT_TZ_ERROR(scatter(x, 1, f2({{0}}), Scalar(1)), "expected an int64 index");
}

TEST(IndexScatterReduce, IncludeSelfVariantsMatchTorch) {
  Tensor self = f({1, 2, 3, 4}), src = f({5, 1, 7, 2, 3}), i = l({0, 1, 0, 1, 2});
  auto sr = [&](const char* r, bool inc) { return scatter_reduce(self, 0, i, src, r, inc); };
  EXPECT_TENSOR_CLOSE(sr("sum", true), f({13, 5, 6, 4}));
  EXPECT_TENSOR_CLOSE(sr("sum", false), f({12, 3, 3, 4}));
  EXPECT_TENSOR_CLOSE(sr("prod", true), f({35, 4, 9, 4}));
  EXPECT_TENSOR_CLOSE(sr("prod", false), f({35, 2, 3, 4}));
  EXPECT_TENSOR_CLOSE(sr("mean", true), f({4.333333492279053f, 1.6666666269302368f, 3, 4}));
  EXPECT_TENSOR_CLOSE(sr("mean", false), f({6, 1.5, 3, 4}));
  EXPECT_TENSOR_CLOSE(sr("amax", true), f({7, 2, 3, 4}));
  EXPECT_TENSOR_CLOSE(sr("amax", false), f({7, 2, 3, 4}));
  EXPECT_TENSOR_CLOSE(sr("amin", true), f({1, 1, 3, 4}));
  EXPECT_TENSOR_CLOSE(sr("amin", false), f({5, 1, 3, 4}));
  // Integer mean rounds toward -inf.
  EXPECT_TENSOR_EQ(scatter_reduce(l({4, 7, 1, 3}), 0, l({0, 0, 1, 3}), l({1, 2, -6, 4}), "mean"), l({2, 0, 1, 3}));
  EXPECT_TENSOR_EQ(scatter_reduce(l({4, 7, 1, 3}), 0, l({1, 1}), l({-6, -2}), "mean"), l({4, -1, 1, 3}));
  EXPECT_TENSOR_EQ(scatter_reduce(l({4, 7, 1, 3}), 0, l({1, 1}), l({-6, -2}), "mean", false), l({4, -4, 1, 3}));
  // amax propagates NaN.
  Tensor m = scatter_reduce(f({0, 0}), 0, l({0, 0}), f({NAN, 1}), "amax");
  EXPECT_TRUE(std::isnan(m.to_vector<float>()[0]));
}

TEST(IndexScatterReduce, GradientsMatchTorch) {
  // prod with zeros in the groups, and amax with ties (shared evenly).
  Tensor x = f({1, 2, 0, 4}).to(DType::F64).requires_grad_(), s = f({5, 0, 7, 2, 3}).to(DType::F64).requires_grad_();
  scatter_reduce(x, 0, l({0, 1, 0, 1, 2}), s, "prod").backward(f({1, 2, 3, 4}).to(DType::F64));
  EXPECT_TENSOR_CLOSE(x.grad(), f({35, 0, 9, 4}));
  EXPECT_TENSOR_CLOSE(s.grad(), f({7, 8, 5, 0, 0}));
  Tensor a = f({1, 5, 3, 4}).to(DType::F64).requires_grad_(), b = f({5, 1, 7, 5, 3}).to(DType::F64).requires_grad_();
  scatter_reduce(a, 0, l({0, 1, 0, 1, 2}), b, "amax").backward(f({1, 2, 3, 4}).to(DType::F64));
  EXPECT_TENSOR_CLOSE(a.grad(), f({0, 1, 1.5, 4}));
  EXPECT_TENSOR_CLOSE(b.grad(), f({0, 0, 1, 1, 1.5}));
}

TEST(IndexSelectAdd, MatchesTorch) {
  Tensor x = f2({{1, 2}, {3, 4}, {5, 6}});
  EXPECT_TENSOR_EQ(index_select(x, 0, l({2, 0, 2})), f2({{5, 6}, {1, 2}, {5, 6}}));
  EXPECT_TENSOR_EQ(index_select(x, 1, tensor({1}, DType::I32)), f2({{2}, {4}, {6}}));
  EXPECT_TENSOR_EQ(index_add(ones({3, 2}), 0, l({0, 2, 0}), f2({{1, 2}, {3, 4}, {5, 6}}), 2),
                   f2({{13, 17}, {1, 1}, {7, 9}}));
  EXPECT_TZ_ERROR(index_select(x, 0, l({3})), "[index_select] index 3 is out of bounds for dim 0 with size 3");
  EXPECT_TZ_ERROR(index_select(x, 0, f({0})), "must be long, int or bool");
  EXPECT_TZ_ERROR(index_add(x, 0, l({0}), ones({2, 2})), "source");
}

TEST(IndexAdvanced, IntegerIndicesMatchTorch) {
  Tensor a = arange(24.0).reshape({2, 3, 4});
  // Non-adjacent advanced indices: the broadcast index dims go first.
  Tensor r1 = index(a, {l({1, 0}), Tensor(), l({3, 2})});
  EXPECT_TENSOR_EQ(r1, f2({{15, 19, 23}, {2, 6, 10}}));
  // Adjacent: they stay in place, broadcasting [2,1] with [2].
  Tensor r2 = index(a, {Tensor(), l2({{2}, {0}}), l({1, 3})});
  EXPECT_EQ(r2.shape(), Shape({2, 2, 2}));
  EXPECT_EQ(r2.to_vector<float>(), std::vector<float>({9, 11, 1, 3, 21, 23, 13, 15}));
  // Negative indices wrap.
  EXPECT_TENSOR_EQ(index(a, {l({-1}), l({-3, 2})}), f2({{12, 13, 14, 15}, {20, 21, 22, 23}}));
  EXPECT_TENSOR_EQ(index(a, {}), a);
}

TEST(IndexAdvanced, BoolMasksMatchTorch) {
  Tensor a = arange(24.0).reshape({2, 3, 4});
  Tensor m = tensor({true, false, true, false, false, true}).view({2, 3});
  Tensor r = index(a, {m});
  EXPECT_EQ(r.shape(), Shape({3, 4}));
  EXPECT_EQ(r.to_vector<float>(), std::vector<float>({0, 1, 2, 3, 8, 9, 10, 11, 20, 21, 22, 23}));
  // A mask on a later dim, and a 0-d mask (adds a size-1 dim).
  EXPECT_EQ(index(a, {Tensor(), tensor({false, true, false})}).shape(), Shape({2, 1, 4}));
  EXPECT_EQ(index(a, {tensor({true, false}).select(0, 0)}).shape(), Shape({1, 2, 3, 4}));
  EXPECT_EQ(masked_select(f2({{1, 2, 3}, {4, 5, 6}}), tensor({true, false, true})).to_vector<float>(),
            std::vector<float>({1, 3, 4, 6}));
}

TEST(IndexAdvanced, Errors) {
  Tensor a = arange(24.0).reshape({2, 3, 4});
  EXPECT_TZ_ERROR(index(a, {Tensor(), l({3})}), "[index] index 3 is out of bounds for dim 1 with size 3");
  EXPECT_TZ_ERROR(index(a, {l({-3})}), "[index] index -3 is out of bounds for dim 0 with size 2");
  EXPECT_TZ_ERROR(index(a, {f({0})}), "[index] tensors used as indices must be long, int or bool tensors");
  EXPECT_TZ_ERROR(index(a, {tensor({true, false, true})}), "the shape of the mask [3] at index 0 does not match");
  EXPECT_TZ_ERROR(index(a, {l({0}), l({0}), l({0}), l({0})}), "too many indices");
  EXPECT_TZ_ERROR(index(a, {l({0, 1}), l({0, 1, 2})}), "index");
  EXPECT_TZ_ERROR(masked_select(a, l({1})), "expected a bool mask");
}

TEST(IndexPut, MatchesTorch) {
  Tensor z = zeros({3, 4});
  TensorList ij{l({0, 2, 0}), l({1, 3, 1})};
  EXPECT_TENSOR_EQ(index_put(z, ij, f({1, 2, 3}), true), f2({{0, 4, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 2}}));
  EXPECT_TENSOR_EQ(index_put(z, ij, f({1, 2, 3})), f2({{0, 3, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 2}}));
  EXPECT_TENSOR_EQ(index_put(z, {tensor({true, false, true})}, f({7})), f2({{7, 7, 7, 7}, {0, 0, 0, 0}, {7, 7, 7, 7}}));
  Tensor y = zeros({2, 3});
  index_put_(y, {Tensor(), l({2})}, f({5}));
  EXPECT_TENSOR_EQ(y, f2({{0, 0, 5}, {0, 0, 5}}));
  EXPECT_TZ_ERROR(index_put(z, ij, f({1, 2})), "shape mismatch");
  EXPECT_TZ_ERROR(index_put(z, ij, zeros({3}, DType::F64)), "dtype");
}

TEST(IndexEmbeddingOneHotNonzero, MatchesTorch) {
  Tensor w = arange(8.0).reshape({4, 2}).to(DType::F64).requires_grad_();
  Tensor e = embedding(w, l2({{0, 2}, {2, 1}}), 2);
  EXPECT_EQ(e.shape(), Shape({2, 2, 2}));
  EXPECT_EQ(e.to_vector<double>(), std::vector<double>({0, 1, 4, 5, 4, 5, 2, 3}));
  e.backward(ones({2, 2, 2}, DType::F64));
  EXPECT_TENSOR_EQ(w.grad(), f2({{1, 1}, {1, 1}, {0, 0}, {0, 0}}));
  EXPECT_TZ_ERROR(embedding(w, l({4})), "[embedding] index 4 is out of bounds for dim 0 with size 4");
  EXPECT_TENSOR_EQ(one_hot(l({2, 0, 1})), l2({{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}));
  EXPECT_EQ(one_hot(l({1}), 4).shape(), Shape({1, 4}));
  EXPECT_TZ_ERROR(one_hot(l({3}), 3), "class values must be in [0, 3)");
  EXPECT_TENSOR_EQ(nonzero(f2({{0, 1.5}, {2, 0}, {0, 0.1f}})), l2({{0, 1}, {1, 0}, {2, 1}}));
  EXPECT_EQ(nonzero(zeros({2, 3})).shape(), Shape({0, 2}));
  EXPECT_EQ(nonzero(scalar_tensor(3.0)).shape(), Shape({1, 0}));
}

TEST(IndexSort, StableWithNaNLargest) {
  Tensor v = f({3, 1, 2, 1, 3, NAN, 2, 1});
  auto s = sort(v);
  EXPECT_TENSOR_EQ(s.indices, l({1, 3, 7, 2, 6, 0, 4, 5}));
  auto d = sort(v, 0, true);
  EXPECT_TENSOR_EQ(d.indices, l({5, 0, 4, 2, 6, 1, 3, 7}));
  EXPECT_TRUE(std::isnan(d.values.to_vector<float>()[0]));
  EXPECT_TENSOR_EQ(argsort(f2({{3, 1}, {0, 2}}), 0), l2({{1, 0}, {0, 1}}));
  EXPECT_TENSOR_EQ(sort(l({5, -1, 3})).values, l({-1, 3, 5}));
}

TEST(IndexTopk, MatchesTorch) {
  Tensor x = f2({{1, 5, 3, 5, 2}, {0, -1, 4, 4, 9}});
  auto t = topk(x, 3, 1);
  EXPECT_TENSOR_EQ(t.values, f2({{5, 5, 3}, {9, 4, 4}}));
  EXPECT_TENSOR_EQ(t.indices, l2({{1, 3, 2}, {4, 2, 3}}));
  auto s = topk(x, 2, 1, false);
  EXPECT_TENSOR_EQ(s.values, f2({{1, 2}, {-1, 0}}));
  EXPECT_TENSOR_EQ(s.indices, l2({{0, 4}, {1, 0}}));
  EXPECT_TZ_ERROR(topk(x, 6, 1), "[topk] k (6) is out of range for dim 1 of size 5");
}

TEST(IndexUnique, InverseAndCountsMatchTorch) {
  auto u = unique(l2({{3, 1, 2}, {1, 3, 5}}), true, true);
  EXPECT_TENSOR_EQ(u.values, l({1, 2, 3, 5}));
  EXPECT_TENSOR_EQ(u.inverse, l2({{2, 0, 1}, {0, 2, 3}}));
  EXPECT_TENSOR_EQ(u.counts, l({2, 1, 2, 1}));
  auto r = unique(l2({{1, 2}, {0, 5}, {1, 2}, {0, 3}}), true, true, 0);
  EXPECT_TENSOR_EQ(r.values, l2({{0, 3}, {0, 5}, {1, 2}}));
  EXPECT_TENSOR_EQ(r.inverse, l({2, 1, 2, 0}));
  EXPECT_TENSOR_EQ(r.counts, l({1, 1, 2}));
  auto c = unique(l2({{1, 2, 1}, {0, 5, 0}}), true, true, 1);
  EXPECT_TENSOR_EQ(c.values, l2({{1, 2}, {0, 5}}));
  EXPECT_TENSOR_EQ(c.inverse, l({0, 1, 0}));
  EXPECT_TENSOR_EQ(c.counts, l({2, 1}));
  EXPECT_EQ(unique(zeros({0})).values.shape(), Shape({0}));
}

TEST(IndexBincount, MatchesTorch) {
  EXPECT_TENSOR_EQ(bincount(l({0, 2, 2, 5}), {}, 7), l({1, 0, 2, 0, 0, 1, 0}));
  Tensor w = bincount(l({0, 2, 2, 5}), f({0.5, 1, 2, 3}));
  EXPECT_EQ(w.dtype(), DType::F32);
  EXPECT_TENSOR_EQ(w, f({0.5, 0, 3, 0, 0, 3}));
  EXPECT_EQ(bincount(l({1}), l({1})).dtype(), DType::F64);
  EXPECT_TZ_ERROR(bincount(l({1, -1})), "[bincount] input must be non-negative");
  EXPECT_TZ_ERROR(bincount(f({1})), "expects a 1-d integer tensor");
}

}  // namespace
}  // namespace tz::test
