// Views: storage sharing and aliasing, in-place writes through views, version counters,
// contiguous/clone/item/to(dtype), and the error paths of every view op.
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

/// 0, 1, ..., n-1 as float32 in the given shape.
Tensor iota(const Shape& shape) { return arange(numel_of(shape), TensorOptions(DType::F32)).view(shape); }

bool shares_storage(const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); }

TEST(Views, ViewAndReshapeShareStorageWhenPossible) {
  const Tensor x = iota({3, 4});
  const Tensor v = x.view({4, 3});
  EXPECT_TRUE(shares_storage(v, x));
  EXPECT_EQ(v.strides(), (Strides{3, 1}));
  EXPECT_TENSOR_EQ(v.flatten(), x.flatten());
  const Tensor inferred = x.view({2, -1});
  EXPECT_EQ(inferred.shape(), (Shape{2, 6}));
  EXPECT_TRUE(shares_storage(inferred, x));
  EXPECT_TRUE(shares_storage(x.reshape({12}), x));
  // A transposed tensor cannot be viewed flat: reshape copies instead.
  const Tensor t = x.t();
  const Tensor r = t.reshape({12});
  EXPECT_FALSE(shares_storage(r, x));
  EXPECT_TENSOR_EQ(r, tensor({0.f, 4.f, 8.f, 1.f, 5.f, 9.f, 2.f, 6.f, 10.f, 3.f, 7.f, 11.f}));
  // ...but a reshape that keeps the transposed dims apart is still a view.
  const Tensor t3 = iota({2, 3, 4}).transpose(1, 2);  // [2, 4, 3] strides [12, 1, 4]
  EXPECT_TRUE(shares_storage(t3.reshape({2, 4, 3, 1}), t3));
  const Tensor b3 = iota({2, 3, 4});
  EXPECT_TRUE(shares_storage(b3.permute({1, 2, 0}).reshape({12, 2}), b3));  // [3,4] dims stay adjacent
  EXPECT_FALSE(shares_storage(b3.permute({2, 0, 1}).reshape({24}), b3));
}

TEST(Views, WriteThroughViewIsVisibleInBase) {
  Tensor x = iota({3, 4});
  x.view({4, 3})[1].fill_(-1.0);  // flat elements 3, 4, 5
  EXPECT_TENSOR_EQ(x.flatten().narrow(0, 2, 5), tensor({2.f, -1.f, -1.f, -1.f, 6.f}));
  x.t()[3].fill_(7.0);  // column 3 of x
  EXPECT_TENSOR_EQ(x.select(1, 3), tensor({7.f, 7.f, 7.f}));
  Tensor col = x.slice(1, 0, 1);
  col.copy_(tensor({10.f, 20.f, 30.f}).view({3, 1}));
  EXPECT_TENSOR_EQ(x.select(1, 0), tensor({10.f, 20.f, 30.f}));
  x.select(0, 2).mul_(tensor({1.f, 0.f, 1.f, 0.f}));
  EXPECT_TENSOR_EQ(x[2], tensor({30.f, 0.f, 10.f, 0.f}));
}

TEST(Views, PermuteAndTranspose) {
  const Tensor x = iota({2, 3, 4});
  const Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Strides{1, 12, 4}));
  EXPECT_TRUE(shares_storage(p, x));
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_EQ(p.select(0, 3).select(0, 1).select(0, 2).item<float>(), 1 * 12 + 2 * 4 + 3);
  const Tensor neg = x.permute({-1, -3, -2});
  EXPECT_EQ(neg.strides(), p.strides());
  const Tensor t = x.transpose(0, -1);
  EXPECT_EQ(t.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(t.strides(), (Strides{1, 4, 12}));
  EXPECT_TENSOR_EQ(t.transpose(0, 2), x);
  EXPECT_EQ(iota({5}).t().shape(), (Shape{5}));
}

TEST(Views, SliceNarrowSelect) {
  const Tensor x = arange(10, TensorOptions(DType::I64));
  const Tensor s = x.slice(0, 1, 8, 3);
  EXPECT_TENSOR_EQ(s, tensor({1, 4, 7}));
  EXPECT_EQ(s.stride(0), 3);
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_TRUE(shares_storage(s, x));
  EXPECT_TENSOR_EQ(x.slice(0, -3, std::nullopt), tensor({7, 8, 9}));
  EXPECT_EQ(x.slice(0, 8, 2).numel(), 0);      // end before start: empty
  EXPECT_TENSOR_EQ(x.slice(0, 5, 100), tensor({5, 6, 7, 8, 9}));  // clamped end
  const Tensor m = iota({3, 4});
  const Tensor n = m.narrow(1, 1, 2);
  EXPECT_EQ(n.shape(), (Shape{3, 2}));
  EXPECT_EQ(n.storage_offset(), 1);
  EXPECT_TENSOR_EQ(n, tensor({{1.f, 2.f}, {5.f, 6.f}, {9.f, 10.f}}));
  EXPECT_TENSOR_EQ(m.narrow(0, -1, 1), m.slice(0, 2, 3));
  const Tensor row = m.select(0, 1);
  EXPECT_EQ(row.shape(), (Shape{4}));
  EXPECT_EQ(row.storage_offset(), 4);
  EXPECT_TENSOR_EQ(m.select(1, -1), tensor({3.f, 7.f, 11.f}));
  EXPECT_EQ(m[2][3].item<float>(), 11.f);
  EXPECT_EQ(m[2][3].dim(), 0);
}

TEST(Views, ExpandUsesStrideZero) {
  Tensor x = tensor({1.f, 2.f, 3.f}).view({3, 1});
  const Tensor e = x.expand({2, 3, 4});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides(), (Strides{0, 1, 0}));
  EXPECT_TRUE(shares_storage(e, x));
  EXPECT_TENSOR_EQ(e[1][2], full({4}, 3.0));
  EXPECT_EQ(x.expand({-1, 5}).shape(), (Shape{3, 5}));
  EXPECT_TRUE(x.expand({3, 1}).is_same(x));  // no-op returns the tensor itself
  x.fill_(9.0);
  EXPECT_TENSOR_EQ(e, full({2, 3, 4}, 9.0));  // the expanded view sees the write
  EXPECT_TENSOR_EQ(e.contiguous(), full({2, 3, 4}, 9.0));
  EXPECT_FALSE(shares_storage(e.contiguous(), x));
}

TEST(Views, SqueezeUnsqueeze) {
  const Tensor x = iota({1, 3, 1, 2});
  EXPECT_EQ(x.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(x.squeeze(0).shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(x.squeeze(-2).shape(), (Shape{1, 3, 2}));
  EXPECT_TRUE(x.squeeze(1).is_same(x));  // size 3: nothing to squeeze
  EXPECT_TRUE(shares_storage(x.squeeze(), x));
  const Tensor u = x.squeeze().unsqueeze(-1);
  EXPECT_EQ(u.shape(), (Shape{3, 2, 1}));
  EXPECT_EQ(x.squeeze().unsqueeze(0).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(x.squeeze().unsqueeze(1).shape(), (Shape{3, 1, 2}));
  EXPECT_TRUE(shares_storage(u, x));
  EXPECT_EQ(scalar_tensor(5.0).unsqueeze(0).shape(), (Shape{1}));
}

TEST(Views, FlattenUnflatten) {
  const Tensor x = iota({2, 3, 4});
  const Tensor f = x.flatten(1);
  EXPECT_EQ(f.shape(), (Shape{2, 12}));
  EXPECT_TRUE(shares_storage(f, x));
  EXPECT_EQ(x.flatten().shape(), (Shape{24}));
  EXPECT_EQ(x.flatten(0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(scalar_tensor(1.0).flatten().shape(), (Shape{1}));
  const Tensor pt = x.permute({2, 1, 0});
  EXPECT_FALSE(shares_storage(pt.flatten(), x));  // non-contiguous: flatten copies
  EXPECT_TENSOR_EQ(pt.flatten().narrow(0, 0, 3), tensor({0.f, 12.f, 4.f}));
  const Tensor u = f.unflatten(1, {3, -1});
  EXPECT_EQ(u.shape(), (Shape{2, 3, 4}));
  EXPECT_TENSOR_EQ(u, x);
  EXPECT_TRUE(shares_storage(u, x));
}

TEST(Views, UnfoldDiagonalAsStrided) {
  Tensor x = arange(7, TensorOptions(DType::I64));
  const Tensor w = x.unfold(0, 3, 2);
  EXPECT_EQ(w.shape(), (Shape{3, 3}));
  EXPECT_EQ(w.strides(), (Strides{2, 1}));
  EXPECT_TENSOR_EQ(w, tensor({{0, 1, 2}, {2, 3, 4}, {4, 5, 6}}));
  x.narrow(0, 2, 1).fill_(-5);  // element 2 is in two windows
  EXPECT_TENSOR_EQ(w.select(1, 0), tensor({0, -5, 4}));
  EXPECT_TENSOR_EQ(w.select(1, 2), tensor({-5, 4, 6}));
  EXPECT_EQ(iota({2, 5}).unfold(1, 2, 2).shape(), (Shape{2, 2, 2}));

  const Tensor m = iota({3, 4});
  const Tensor d = m.diagonal();
  EXPECT_TENSOR_EQ(d, tensor({0.f, 5.f, 10.f}));
  EXPECT_EQ(d.stride(0), 5);
  EXPECT_TRUE(shares_storage(d, m));
  EXPECT_TENSOR_EQ(m.diagonal(1), tensor({1.f, 6.f, 11.f}));
  EXPECT_TENSOR_EQ(m.diagonal(-1), tensor({4.f, 9.f}));
  EXPECT_EQ(m.diagonal(10).numel(), 0);
  EXPECT_TENSOR_EQ(iota({2, 2, 3}).diagonal(0, 0, 2), tensor({{0.f, 7.f}, {3.f, 10.f}}));

  const Tensor base = iota({9});
  const Tensor a = base.as_strided({2, 2}, {3, 1}, 1);
  EXPECT_TENSOR_EQ(a, tensor({{1.f, 2.f}, {4.f, 5.f}}));
  EXPECT_TRUE(shares_storage(a, base));
  EXPECT_TENSOR_EQ(base.as_strided({3}, {0}), tensor({0.f, 0.f, 0.f}));  // overlapping, stride 0
}

TEST(Views, VersionCounterBumpsOnInPlaceWrites) {
  Tensor x = iota({2, 3});
  Tensor v = x.view({3, 2});
  const uint64_t v0 = x.storage()->version();
  v.fill_(1.0);
  EXPECT_EQ(x.storage()->version(), v0 + 1);
  x[0].add_(tensor({1.f, 1.f, 1.f}));
  EXPECT_EQ(v.storage()->version(), v0 + 2);
  x.copy_(zeros({2, 3}));
  EXPECT_EQ(x.storage()->version(), v0 + 3);
  // Out-of-place ops and new views leave it alone.
  (void)(x + 1.0);
  (void)x.t();
  EXPECT_EQ(x.storage()->version(), v0 + 3);
  // A clone has its own counter.
  Tensor c = x.clone();
  const uint64_t cv = c.storage()->version();
  c.zero_();
  EXPECT_EQ(x.storage()->version(), v0 + 3);
  EXPECT_EQ(c.storage()->version(), cv + 1);
}

TEST(Views, ContiguousCopiesOnlyWhenNeeded) {
  const Tensor x = iota({3, 4});
  EXPECT_TRUE(x.contiguous().is_same(x));
  const Tensor rows = x.narrow(0, 1, 2);
  EXPECT_TRUE(rows.is_contiguous());
  EXPECT_TRUE(rows.contiguous().is_same(rows));
  const Tensor t = x.t();
  EXPECT_FALSE(t.is_contiguous());
  const Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.strides(), (Strides{3, 1}));
  EXPECT_FALSE(shares_storage(c, x));
  EXPECT_TENSOR_EQ(c, t);
  EXPECT_FALSE(x.slice(1, 0, 4, 2).is_contiguous());
  const Tensor col = iota({3, 1});
  EXPECT_FALSE(col.expand({3, 2}).is_contiguous());
  EXPECT_FALSE(shares_storage(col.expand({3, 2}).contiguous(), col));
  EXPECT_TENSOR_EQ(col.expand({3, 2}).contiguous(), tensor({{0.f, 0.f}, {1.f, 1.f}, {2.f, 2.f}}));
  EXPECT_TRUE(iota({1, 4}).t().is_contiguous());  // size-1 dims do not break contiguity
}

TEST(Views, CloneIsIndependent) {
  Tensor x = iota({2, 3});
  Tensor c = x.t().clone();
  EXPECT_FALSE(shares_storage(c, x));
  EXPECT_TENSOR_EQ(c, x.t());
  c.fill_(0.0);
  EXPECT_TENSOR_EQ(x, iota({2, 3}));
  x.fill_(5.0);
  EXPECT_TENSOR_EQ(c, zeros({3, 2}));
}

TEST(Views, ItemAndToDType) {
  EXPECT_EQ(tensor({2.5f}).item<float>(), 2.5f);
  EXPECT_EQ(tensor({2.75f}).view({1, 1}).item<double>(), 2.75);
  EXPECT_EQ(tensor({-2.75f}).item<int64_t>(), -2);
  EXPECT_EQ(scalar_tensor(3).item<int32_t>(), 3);
  EXPECT_TRUE(tensor({true}).item<bool>());
  EXPECT_EQ(tensor({7}).item().to_int(), 7);
  EXPECT_TZ_ERROR(iota({2, 3}).item<float>(), "[item] a tensor with 6 elements (shape [2, 3]) cannot be converted to a scalar");
  EXPECT_TZ_ERROR(iota({0}).item<float>(), "a tensor with 0 elements");

  const Tensor f = tensor({2.7f, -2.7f, 0.0f, 255.5f});
  EXPECT_TENSOR_EQ(f.to(DType::I32), tensor({2, -2, 0, 255}));
  EXPECT_EQ(f.to(DType::I32).dtype(), DType::I32);
  EXPECT_TENSOR_EQ(f.to(DType::Bool), tensor({true, true, false, true}));
  EXPECT_TENSOR_EQ(f.to(DType::U8), tensor({2, 254, 0, 255}));  // -2 wraps through int64
  EXPECT_TENSOR_EQ(tensor({1, 2049}).to(DType::F16), tensor({1.f, 2048.f}));  // round to even
  EXPECT_TENSOR_EQ(tensor({0.1f}).to(DType::F64), tensor({double(0.1f)}, DType::F64));
  EXPECT_TRUE(f.to(DType::F32).is_same(f));  // same dtype: no copy
  const Tensor t = iota({2, 3}).t().to(DType::F64);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_TENSOR_EQ(t, iota({2, 3}).t());
}

TEST(Views, ErrorMessages) {
  const Tensor x = iota({3, 4});
  EXPECT_TZ_ERROR(x.view({5, -1}), "[view] shape [5, -1] is invalid for input of size 12");
  EXPECT_TZ_ERROR(x.view({5, 3}), "[view] shape [5, 3] is invalid for input of size 12");
  EXPECT_TZ_ERROR(x.view({-1, -1}), "[view] only one dimension can be inferred");
  EXPECT_TZ_ERROR(x.t().view({12}), "[view] size [12] is not compatible with the input's size [4, 3] and strides [1, 4]");
  EXPECT_TZ_ERROR(x.t().view({12}), "use reshape()");
  EXPECT_TZ_ERROR(x.reshape({7}), "[reshape] shape [7] is invalid for input of size 12");
  EXPECT_TZ_ERROR(x.select(0, 3), "[select] index 3 out of range for dim 0 of size 3");
  EXPECT_TZ_ERROR(x.select(1, -5), "[select] index -5 out of range for dim 1 of size 4");
  EXPECT_TZ_ERROR(scalar_tensor(1.0).select(0, 0), "[select] cannot select from a 0-d tensor");
  EXPECT_TZ_ERROR(x.expand({3, 5}), "[expand] cannot expand [3, 4] to [3, 5]");
  EXPECT_TZ_ERROR(x.expand({4}), "[expand] the target [4] has fewer dims than the input");
  EXPECT_TZ_ERROR(x.expand({-1, 3, 4}), "[expand] -1 is not allowed in a new leading dim");
  EXPECT_TZ_ERROR(x.permute({0, 0}), "[permute] repeated dim 0 in [0, 0]");
  EXPECT_TZ_ERROR(x.permute({1, -1}), "[permute] repeated dim -1");
  EXPECT_TZ_ERROR(x.permute({0}), "[permute] number of dims 1 does not match the input's 2");
  EXPECT_TZ_ERROR(x.transpose(0, 2), "[transpose] dim 2 out of range for a 2-d tensor");
  EXPECT_TZ_ERROR(x.slice(0, 0, 2, 0), "[slice] step must be positive, got 0");
  EXPECT_TZ_ERROR(x.narrow(1, 2, 3), "[narrow] start 2 + length 3 exceeds dimension size 4");
  EXPECT_TZ_ERROR(x.unfold(1, 5, 1), "[unfold] window size 5 exceeds dimension 1 of size 4");
  EXPECT_TZ_ERROR(x.unfold(1, 2, 0), "[unfold] step must be positive");
  EXPECT_TZ_ERROR(x.diagonal(0, 1, 1), "[diagonal] dim1 and dim2 must differ");
  EXPECT_TZ_ERROR(x.flatten(1, 0), "[flatten] start_dim 1 comes after end_dim 0");
  EXPECT_TZ_ERROR(x.unflatten(1, {3, -1}), "[unflatten] shape [3, -1] is invalid for input of size 4");
  EXPECT_TZ_ERROR(x.as_strided({4, 4}, {4, 1}), "[as_strided] view of [4, 4] with strides [4, 1] and offset 0 reaches outside the storage of 48 bytes");
  EXPECT_TZ_ERROR(x.as_strided({2}, {1, 1}), "[as_strided] sizes [2] and strides [1, 1] differ in length");
}

}  // namespace
}  // namespace tz::test
