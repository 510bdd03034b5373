// Values and errors of the shape ops (cat, stack, split, chunk, pad, roll, flip, repeat,
// repeat_interleave, tril/triu, meshgrid). Expected numbers come from PyTorch 2.x.
#include "autograd/shape_raw.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

Tensor f32(const std::vector<float>& v, const Shape& s) { return from_vector(v, s); }
Tensor i64(const std::vector<int64_t>& v, const Shape& s) { return from_vector(v, s); }

TEST(ShapeCat, PromotesAndConcatenates) {
  Tensor a = tensor({{1, 2}}, DType::I32), b = from_vector(std::vector<double>{0.5, 1.5}, Shape{1, 2});
  Tensor c = cat({a, b});
  EXPECT_EQ(c.dtype(), DType::F64);
  EXPECT_TENSOR_EQ(c, from_vector(std::vector<double>{1, 2, 0.5, 1.5}, Shape{2, 2}));
  EXPECT_EQ(cat({tensor({true}).view({1, 1}), tensor({2}, DType::U8).view({1, 1})}).dtype(), DType::U8);
  // Along dim 1 with a non-contiguous operand.
  Tensor x = arange(6).view({2, 3}), y = arange(4).view({2, 2}).t();
  EXPECT_TENSOR_EQ(cat({x, y}, -1), i64({0, 1, 2, 0, 2, 3, 4, 5, 1, 3}, {2, 5}));
}

TEST(ShapeCat, SkipsLegacyEmpty) {
  // A 1-d [0] tensor is skipped whatever the others' shapes, yet it still promotes.
  Tensor e = zeros({0}, DType::F64);
  Tensor c = cat({e, tensor({1, 2})});
  EXPECT_EQ(c.dtype(), DType::F64);
  EXPECT_TENSOR_EQ(c, tensor({1.0, 2.0}, DType::F64));
  EXPECT_TENSOR_EQ(cat({zeros({0}), ones({2, 3})}, 1), ones({2, 3}));
  EXPECT_EQ(cat({zeros({0}), zeros({0})}).shape(), Shape({0}));
  // Size-0 dims of other shapes take part normally.
  EXPECT_EQ(cat({zeros({0, 3}), ones({2, 3})}).shape(), Shape({2, 3}));
}

TEST(ShapeCat, Errors) {
  EXPECT_TZ_ERROR(cat({}), "[cat] expected a non-empty list");
  EXPECT_TZ_ERROR(cat({ones({2, 3}), ones({2, 4})}), "expected size 3 but got size 4 for tensor number 1");
  EXPECT_TZ_ERROR(cat({ones({2, 3}), ones({2, 3, 1})}), "same number of dimensions: got 2 and 3");
  EXPECT_TZ_ERROR(cat({ones({2, 3}), scalar_tensor(1.0)}), "zero-dimensional tensor (at position 1)");
  EXPECT_TZ_ERROR(cat({ones({2, 3})}, 2), "[cat]");
}

TEST(ShapeStack, Values) {
  Tensor a = tensor({1.f, 2.f}), b = tensor({3.f, 4.f});
  EXPECT_TENSOR_EQ(stack({a, b}), f32({1, 2, 3, 4}, {2, 2}));
  EXPECT_TENSOR_EQ(stack({a, b}, -1), f32({1, 3, 2, 4}, {2, 2}));
  EXPECT_EQ(stack({scalar_tensor(1.0), scalar_tensor(2.0)}).shape(), Shape({2}));
  EXPECT_TZ_ERROR(stack({ones({2, 3}), ones({2, 4})}), "but got [2, 3] at entry 0 and [2, 4] at entry 1");
  EXPECT_TZ_ERROR(stack({}), "[stack]");
}

TEST(ShapeSplit, SizesAndViews) {
  Tensor x = arange(5);
  TensorList p = split(x, 2);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_TENSOR_EQ(p[2], tensor({4}));
  EXPECT_EQ(p[1].storage(), x.storage());  // views
  TensorList q = split(arange(10).view({2, 5}), std::vector<int64_t>{1, 0, 4}, 1);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[1].shape(), Shape({2, 0}));
  EXPECT_TENSOR_EQ(q[2], i64({1, 2, 3, 4, 6, 7, 8, 9}, {2, 4}));
  EXPECT_EQ(split(zeros({0}), 2).size(), 1u);
  EXPECT_TZ_ERROR(split(x, std::vector<int64_t>{2, 2}), "to sum exactly to 5");
  EXPECT_TZ_ERROR(split(x, 0), "split_size can only be 0 if dimension size is 0");
  EXPECT_TZ_ERROR(split(x, -1), "non-negative");
}

TEST(ShapeChunk, Counts) {
  TensorList a = chunk(arange(6), 4);  // ceil(6/4) = 2 per piece: 3 pieces
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TENSOR_EQ(a[2], tensor({4, 5}));
  TensorList b = chunk(arange(5), 4);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TENSOR_EQ(b[2], tensor({4}));
  EXPECT_EQ(chunk(zeros({0}), 3).size(), 3u);
  EXPECT_TZ_ERROR(chunk(arange(5), 0), "greater than 0");
}

TEST(ShapePad, Modes) {
  Tensor x = arange(12, TensorOptions(DType::F32)).view({1, 3, 4});
  EXPECT_TENSOR_EQ(pad(x, {2, 1}, "reflect"),
                   f32({2, 1, 0, 1, 2, 3, 2, 6, 5, 4, 5, 6, 7, 6, 10, 9, 8, 9, 10, 11, 10}, {1, 3, 7}));
  EXPECT_TENSOR_EQ(pad(x, {2, 1}, "replicate"),
                   f32({0, 0, 0, 1, 2, 3, 3, 4, 4, 4, 5, 6, 7, 7, 8, 8, 8, 9, 10, 11, 11}, {1, 3, 7}));
  EXPECT_TENSOR_EQ(pad(x, {2, 1}, "circular"),
                   f32({2, 3, 0, 1, 2, 3, 0, 6, 7, 4, 5, 6, 7, 4, 10, 11, 8, 9, 10, 11, 8}, {1, 3, 7}));
  EXPECT_TENSOR_EQ(pad(x, {1, 2, 2, 1}, "reflect"),
                   f32({9, 8, 9, 10, 11, 10, 9, 5, 4, 5, 6, 7, 6, 5, 1, 0, 1, 2, 3, 2, 1, 5, 4, 5, 6, 7, 6,
                        5, 9, 8, 9, 10, 11, 10, 9, 5, 4, 5, 6, 7, 6, 5}, {1, 6, 7}));
  EXPECT_TENSOR_EQ(pad(x, {1, 2, 2, 1}, "replicate"),
                   f32({0, 0, 1, 2, 3, 3, 3, 0, 0, 1, 2, 3, 3, 3, 0, 0, 1, 2, 3, 3, 3, 4, 4, 5, 6, 7, 7,
                        7, 8, 8, 9, 10, 11, 11, 11, 8, 8, 9, 10, 11, 11, 11}, {1, 6, 7}));
  EXPECT_TENSOR_EQ(pad(x, {1, 2, 2, 1}, "circular"),
                   f32({7, 4, 5, 6, 7, 4, 5, 11, 8, 9, 10, 11, 8, 9, 3, 0, 1, 2, 3, 0, 1, 7, 4, 5, 6, 7, 4,
                        5, 11, 8, 9, 10, 11, 8, 9, 3, 0, 1, 2, 3, 0, 1}, {1, 6, 7}));
}

TEST(ShapePad, NegativePads) {
  Tensor x = arange(12, TensorOptions(DType::F32)).view({1, 3, 4});
  EXPECT_TENSOR_EQ(pad(x, {-1, 2, 1, -2}, "reflect"), f32({5, 6, 7, 6, 5, 1, 2, 3, 2, 1}, {1, 2, 5}));
  EXPECT_TENSOR_EQ(pad(x, {-1, 2, 1, -2}, "replicate"), f32({1, 2, 3, 3, 3, 1, 2, 3, 3, 3}, {1, 2, 5}));
  EXPECT_TENSOR_EQ(pad(x, {-1, 2, 1, -2}, "circular"), f32({1, 2, 3, 1, 2, 1, 2, 3, 1, 2}, {1, 2, 5}));
  // Replicate clamps indices even when a crop passes the far edge; circular repeats the cropped
  // data periodically, even past its own length (PyTorch 2.x).
  Tensor r = arange(1, 9, 1, TensorOptions(DType::F32)).view({4, 2});
  EXPECT_TENSOR_EQ(pad(r, {-3, 4}, "replicate"), f32({2, 2, 2, 4, 4, 4, 6, 6, 6, 8, 8, 8}, {4, 3}));
  Tensor c = arange(1, 9, 1, TensorOptions(DType::F32)).view({2, 4});
  EXPECT_TENSOR_EQ(pad(c, {-2, 3}, "circular"), f32({3, 4, 3, 4, 3, 7, 8, 7, 8, 7}, {2, 5}));
  EXPECT_EQ(pad(c, {1, -5}, "circular").shape(), Shape({2, 0}));
  EXPECT_TZ_ERROR(pad(c, {3, -4}, "circular"), "leaves nothing to wrap");
  EXPECT_TENSOR_EQ(pad(x, {1, -2, 0, 1}, "constant", -1.5),
                   f32({-1.5, 0, 1, -1.5, 4, 5, -1.5, 8, 9, -1.5, -1.5, -1.5}, {1, 4, 3}));
}

TEST(ShapePad, ConstantAnyDims) {
  Tensor x = arange(4).view({2, 2});
  Tensor y = pad(x, {1, 1, 0, 1}, "constant", 7);
  EXPECT_EQ(y.dtype(), DType::I64);
  EXPECT_TENSOR_EQ(y, i64({7, 0, 1, 7, 7, 2, 3, 7, 7, 7, 7, 7}, {3, 4}));
  EXPECT_FALSE(pad(x, {0, 0}).storage() == x.storage());  // always a new tensor
}

TEST(ShapePad, Errors) {
  Tensor x = arange(12, TensorOptions(DType::F32)).view({1, 3, 4});
  EXPECT_TZ_ERROR(pad(x, {4, 0}, "reflect"), "reflect padding size should be less than");
  EXPECT_TZ_ERROR(pad(x, {5, 0}, "circular"), "wraps around more than once");
  EXPECT_TZ_ERROR(pad(x, {1}), "divisible by 2");
  EXPECT_TZ_ERROR(pad(x, {1, 1, 1, 1, 1, 1, 1, 1}), "two times the input dimension");
  EXPECT_TZ_ERROR(pad(x, {-3, -3}), "[pad]");
  EXPECT_TZ_ERROR(pad(x, {1, 1}, "foo"), "unrecognised padding mode 'foo'");
}

TEST(ShapeRoll, Values) {
  Tensor y = arange(12).view({3, 4});
  EXPECT_TENSOR_EQ(roll(y, {1}), i64({11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {3, 4}));
  EXPECT_TENSOR_EQ(roll(y, {-1, 5}, {0, 1}), i64({7, 4, 5, 6, 11, 8, 9, 10, 3, 0, 1, 2}, {3, 4}));
  EXPECT_TENSOR_EQ(roll(y.t(), {1}, {1}), roll(y, {1}, {0}).t());
  EXPECT_TENSOR_EQ(roll(y, {1, 1}, {1, 1}), roll(y, {2}, {1}));  // repeated dims accumulate
  EXPECT_TENSOR_EQ(roll(scalar_tensor(5, DType::I64), {3}), scalar_tensor(5, DType::I64));
  EXPECT_EQ(roll(zeros({0, 3}), {2}, {0}).shape(), Shape({0, 3}));
  EXPECT_TZ_ERROR(roll(scalar_tensor(5, DType::I64), {3}, {0}), "0-d tensor");
  EXPECT_TZ_ERROR(roll(y, {1, 2}, {0}), "shifts and dimensions must align");
  EXPECT_TZ_ERROR(roll(y, {1, 2}), "shifts and dimensions must align");
}

TEST(ShapeFlip, Values) {
  Tensor y = arange(12).view({3, 4});
  EXPECT_TENSOR_EQ(flip(y, {0, 1}), i64({11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, {3, 4}));
  EXPECT_TENSOR_EQ(flip(y.t(), {0}), i64({3, 7, 11, 2, 6, 10, 1, 5, 9, 0, 4, 8}, {4, 3}));
  EXPECT_TENSOR_EQ(flip(scalar_tensor(5, DType::I64), {0}), scalar_tensor(5, DType::I64));
  EXPECT_TENSOR_EQ(flip(y, {}), y);
  EXPECT_TZ_ERROR(flip(y, {0, -2}), "appears multiple times");
  EXPECT_TZ_ERROR(flip(arange(4), {1}), "[flip]");
}

TEST(ShapeFlip, LongDims) {
  for (int64_t n : {33, 1009, 4096, 37 * 41, 100003}) {
    Tensor x = arange(n);
    EXPECT_TENSOR_EQ(flip(x, {0}), arange(n - 1, -1, -1)) << n;
  }
  Tensor m = arange(2 * 1009 * 3).view({2, 1009, 3});
  Tensor f = flip(m, {1});
  EXPECT_TENSOR_EQ(f.select(1, 0), m.select(1, 1008));
  EXPECT_TENSOR_EQ(f.select(1, 700), m.select(1, 308));
  EXPECT_TENSOR_EQ(flip(m.transpose(0, 2), {0, 2}).transpose(0, 2), flip(m, {0, 2}));
  EXPECT_TENSOR_EQ(flip(tensor({true, false, false}), {0}), tensor({false, false, true}));
}

// The copy-kernel composite that non-CPU backends use, run here on the CPU: short dims, long
// dims with small factors, primes (peeled) and products of large primes.
TEST(ShapeFlip, CopyKernelComposite) {
  for (int64_t n : {1, 2, 31, 33, 64, 1009, 4096, 37 * 41, 100003}) {
    Tensor x = arange(2 * n).view({n, 2}).t();  // non-contiguous source
    Tensor out = empty({2, n}, DType::I64);
    shape_raw::flip_into(out, x, 1);
    EXPECT_TENSOR_EQ(out, flip(x, {1})) << n;
  }
}

TEST(ShapeRepeat, Values) {
  Tensor x = tensor({{1, 2}, {3, 4}});
  EXPECT_TENSOR_EQ(repeat(x, {2, 1, 3}), i64({1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4},
                                            {2, 2, 6}));
  EXPECT_EQ(repeat(arange(4), {2, 1, 0}).shape(), Shape({2, 1, 0}));
  EXPECT_TENSOR_EQ(repeat(scalar_tensor(5.0), {2, 3}), full({2, 3}, 5.0));
  Tensor same = repeat(x, {1, 1});
  EXPECT_FALSE(same.storage() == x.storage());  // always a copy
  EXPECT_FALSE(repeat_interleave(x, 1, 0).storage() == x.storage());
  EXPECT_TZ_ERROR(repeat(x, {2}), "can not be smaller than number of dimensions");
}

TEST(ShapeRepeatInterleave, Values) {
  Tensor x = tensor({{1, 2}, {3, 4}});
  EXPECT_TENSOR_EQ(repeat_interleave(x, 2), tensor({1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_TENSOR_EQ(repeat_interleave(x, tensor({1, 2}), 0), i64({1, 2, 3, 4, 3, 4}, {3, 2}));
  EXPECT_TENSOR_EQ(repeat_interleave(x, tensor({0, 3}), 1), i64({2, 2, 2, 4, 4, 4}, {2, 3}));
  EXPECT_TENSOR_EQ(repeat_interleave(arange(4), tensor({2})), tensor({0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_TENSOR_EQ(repeat_interleave(scalar_tensor(5, DType::I64), 2, 0), tensor({5, 5}));
  EXPECT_TZ_ERROR(repeat_interleave(arange(4), tensor({1, 2})), "repeats.size(0) = 2 and input.size(0) = 4");
  EXPECT_TZ_ERROR(repeat_interleave(arange(4), tensor({1, 2, 0, -1})), "can not be negative");
  EXPECT_TZ_ERROR(repeat_interleave(arange(4), tensor({1.f, 2.f, 0.f, 1.f})), "int64 or int32");
  EXPECT_TZ_ERROR(repeat_interleave(arange(4), -1), "can not be negative");
}

TEST(ShapeTriangle, Batched) {
  Tensor z = arange(1, 25).view({2, 3, 4});
  EXPECT_TENSOR_EQ(tril(z, -1), i64({0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 21, 22, 0, 0}, {2, 3, 4}));
  EXPECT_TENSOR_EQ(triu(z, 1), i64({0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12, 0, 14, 15, 16, 0, 0, 19, 20, 0, 0, 0, 24}, {2, 3, 4}));
  EXPECT_TENSOR_EQ(tril(z, 2), i64({1, 2, 3, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 17, 18, 19, 20, 21, 22, 23, 24}, {2, 3, 4}));
  Tensor b = tensor({true, true, true, true}).view({2, 2});
  EXPECT_EQ(triu(b).dtype(), DType::Bool);
  EXPECT_TENSOR_EQ(triu(b), tensor({{1, 1}, {0, 1}}));
  EXPECT_TZ_ERROR(tril(arange(4)), "at least 2 dimensions");
}

TEST(ShapeMeshgrid, Indexing) {
  TensorList ij = meshgrid({tensor({1, 2, 3}), tensor({4, 5})});
  EXPECT_TENSOR_EQ(ij[0], i64({1, 1, 2, 2, 3, 3}, {3, 2}));
  EXPECT_TENSOR_EQ(ij[1], i64({4, 5, 4, 5, 4, 5}, {3, 2}));
  TensorList xy = meshgrid({tensor({1, 2, 3}), tensor({4, 5})}, "xy");
  EXPECT_TENSOR_EQ(xy[0], i64({1, 2, 3, 1, 2, 3}, {2, 3}));
  EXPECT_TENSOR_EQ(xy[1], i64({4, 4, 4, 5, 5, 5}, {2, 3}));
  TensorList three = meshgrid({arange(2), scalar_tensor(7, DType::I64), arange(3)}, "xy");
  EXPECT_EQ(three[0].shape(), Shape({1, 2, 3}));
  EXPECT_TZ_ERROR(meshgrid({ones({2, 2})}), "expected 0-d or 1-d");
  EXPECT_TZ_ERROR(meshgrid({ones({2}), ones({3}, DType::F64)}), "same dtype");
  EXPECT_TZ_ERROR(meshgrid({ones({2})}, "ab"), "indexing must be one of");
}

}  // namespace
}  // namespace tz::test
