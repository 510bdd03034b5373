// Size overflow: element counts, byte sizes, strides and offsets past int64, and requests
// larger than the machine. Each case is a tz::Error that starts with the user-facing op and
// shows the offending size, or PyTorch's result where PyTorch returns one. Nothing here really
// allocates more than a few bytes: impossible requests must be refused before allocating
// (views of huge shapes use stride 0 over a one-element storage).
#include <cmath>
#include <cstdint>
#include <limits>

#include "tests/reliability/expect_error.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t k2_31 = int64_t(1) << 31, k2_32 = int64_t(1) << 32, k2_40 = int64_t(1) << 40;
constexpr int64_t k2_61 = int64_t(1) << 61, k2_62 = int64_t(1) << 62;

// Each case: a tz::Error that starts with the op, names the size, and leaks no storage.
#define EXPECT_ERROR(stmt, ...) expect_op_error([&] { stmt; }, {__VA_ARGS__})

/// Out-of-memory cases need a machine smaller than the request (every machine today, but the
/// bound must be known: without it a request is left to the allocator).
#define SKIP_UNLESS_OVER_MEMORY(bytes)                                                            \
  if (Storage::host_memory_limit() == 0 || Storage::host_memory_limit() >= uint64_t(bytes))       \
  GTEST_SKIP() << "host memory limit " << Storage::host_memory_limit() << " is not below " << (bytes)

/// A float32 view of `shape` over a single element (stride 0 everywhere): huge but free.
Tensor huge_view(const Shape& shape) { return zeros(Shape(shape.size(), 1)).expand(shape); }

// ---- factories ----
TEST(SizeOverflow, EmptyByteSizeOverflows) {
  // 2**62 float32 elements fit int64, their 2**64 bytes do not (used to wrap to a 0-byte storage).
  EXPECT_ERROR(empty({k2_62}), "[empty]", "storage size calculation overflowed", "[4611686018427387904]");
}
TEST(SizeOverflow, EmptyElementCountOverflows) {
  EXPECT_ERROR(empty({k2_32, k2_32}), "[empty]", "[4294967296, 4294967296]", "integer multiplication overflow");
}
TEST(SizeOverflow, EmptyInt64BytesOverflow) {
  EXPECT_ERROR(empty({k2_61}, TensorOptions(DType::I64)), "[empty]", "2305843009213693952", "overflow");
}
TEST(SizeOverflow, EmptyStridesOverflowEvenWhenEmpty) {
  // numel is 0, but the stride of dim 0 would be 2**124 (PyTorch: "Stride calculation overflowed").
  EXPECT_ERROR(empty({0, k2_62, k2_62}), "[empty]", "[0, 4611686018427387904, 4611686018427387904]", "overflow");
  EXPECT_ERROR(empty({2, k2_62, k2_62, 0}), "[empty]", "4611686018427387904", "overflow");
}
TEST(SizeOverflow, EmptyWithAZeroDimAndHugeOthersIsValid) {
  // PyTorch accepts torch.empty(2**62, 2**62, 0) and torch.empty(0, 2**62): numel is 0 and
  // every stride fits.
  const Tensor t = empty({k2_62, k2_62, 0});
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(t.storage()->nbytes(), 0u);
  EXPECT_EQ(t.strides(), (Strides{k2_62, 1, 1}));
  EXPECT_EQ(empty({0, k2_62}).strides(), (Strides{k2_62, 1}));
}
TEST(SizeOverflow, EmptyOverMemoryIsOutOfMemoryError) {
  SKIP_UNLESS_OVER_MEMORY(4398046511104);
  EXPECT_ERROR(empty({k2_40}), "[empty] cannot allocate 4398046511104 bytes (shape [1099511627776], float32) on cpu: out of memory");
  EXPECT_THROW(empty({k2_40}), OutOfMemoryError);
}
TEST(SizeOverflow, ZerosOverflows) { EXPECT_ERROR(zeros({k2_32, k2_32}), "[zeros]", "4294967296", "overflow"); }
TEST(SizeOverflow, OnesSumDoesNotReturnZero) {
  // ones([2**32, 2**32]).sum() used to sum a 0-byte storage and return 0.
  EXPECT_ERROR(ones({k2_32, k2_32}).sum(), "[ones]", "4294967296", "overflow");
}
TEST(SizeOverflow, FullOverflows) { EXPECT_ERROR(full({k2_62, 4}, 1.5), "[full]", "[4611686018427387904, 4]", "overflow"); }
TEST(SizeOverflow, RandomFactoriesOverflow) {
  EXPECT_ERROR(rand({k2_62}), "[rand]", "4611686018427387904", "overflow");
  EXPECT_ERROR(randn({k2_32, k2_32}), "[randn]", "4294967296", "overflow");
  EXPECT_ERROR(randint(0, 10, {k2_61}), "[randint]", "2305843009213693952", "overflow");
  EXPECT_ERROR(bernoulli({k2_62}, 0.5), "[bernoulli]", "4611686018427387904", "overflow");
}
TEST(SizeOverflow, LikeFactoriesOfAHugeView) {
  const Tensor v = huge_view({k2_62});  // a valid view; a real tensor of its shape is 2**64 bytes
  EXPECT_ERROR(empty_like(v), "[empty]", "4611686018427387904", "overflow");
  EXPECT_ERROR(zeros_like(v), "[zeros]", "4611686018427387904", "overflow");
}
TEST(SizeOverflow, FromBlobOverflows) {
  float x = 0.f;
  EXPECT_ERROR(from_blob(&x, {k2_62}, DType::F32), "[from_blob]", "4611686018427387904", "overflow");
}
TEST(SizeOverflow, NumelOfOverflowIsAnError) {
  EXPECT_ERROR((void)numel_of({k2_32, k2_32}), "[numel]", "integer multiplication overflow");
  EXPECT_EQ(numel_of({k2_32, k2_32, 0}), 0);
}
TEST(SizeOverflow, StorageRefusesMoreThanTheMachine) {
  SKIP_UNLESS_OVER_MEMORY(k2_62);
  EXPECT_ERROR(std::make_shared<Storage>(size_t(k2_62), kCPU), "[storage] cannot allocate 4611686018427387904 bytes on cpu", "out of memory");
  EXPECT_ERROR(std::make_shared<Storage>(~size_t(0), kCPU), "[storage]", "more than INT64_MAX bytes");
}

// ---- arange / linspace / eye / randperm ----
TEST(SizeOverflow, ArangeOverMemory) {
  SKIP_UNLESS_OVER_MEMORY(4000000000000000000);
  EXPECT_ERROR(arange(0, 1e18), "[arange] cannot allocate 4000000000000000000 bytes", "[1000000000000000000]", "float32");
}
TEST(SizeOverflow, ArangeIntegerCountOverflows) {
  EXPECT_ERROR(arange(std::numeric_limits<int64_t>::min(), kMax), "[arange]", "possible overflow", "9223372036854775807");
}
TEST(SizeOverflow, ArangeFloatCountOverflows) {
  EXPECT_ERROR(arange(0.0, 1e300, 1e-10), "[arange]", "possible overflow", "1e+300");
  EXPECT_ERROR(arange(0.0, INFINITY), "[arange]", "unsupported range", "inf");
}
TEST(SizeOverflow, ArangeNearInt64MaxIsExact) {
  // PyTorch counts integer ranges exactly: 3 elements (as doubles both ends round to 2**63).
  const Tensor r = arange(kMax - 3, kMax);
  EXPECT_EQ(r.to_vector<int64_t>(), (std::vector<int64_t>{kMax - 3, kMax - 2, kMax - 1}));
  const Tensor w = arange(std::numeric_limits<int64_t>::min(), kMax, kMax);  // i * step leaves int64
  EXPECT_EQ(w.to_vector<int64_t>(), (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1, kMax - 1}));
}
TEST(SizeOverflow, LinspaceHugeSteps) {
  EXPECT_ERROR(linspace(0.0, 1.0, k2_62), "[linspace]", "4611686018427387904", "overflow");
}
TEST(SizeOverflow, LinspaceOverMemory) {
  SKIP_UNLESS_OVER_MEMORY(4 * k2_40);
  EXPECT_ERROR(linspace(0.0, 1.0, k2_40), "[linspace] cannot allocate 4398046511104 bytes", "out of memory");
}
TEST(SizeOverflow, EyeOverflows) { EXPECT_ERROR(eye(k2_32), "[eye]", "[4294967296, 4294967296]", "overflow"); }
TEST(SizeOverflow, RandpermOverflows) {
  EXPECT_ERROR(randperm(k2_61), "[randperm]", "[2305843009213693952]", "overflow");
}
TEST(SizeOverflow, RandpermOverMemory) {
  SKIP_UNLESS_OVER_MEMORY(8 * k2_40);
  EXPECT_ERROR(randperm(k2_40), "[randperm] cannot allocate 8796093022208 bytes", "int64", "out of memory");
}

// ---- views ----
TEST(SizeOverflow, ExpandElementCountOverflows) {
  EXPECT_ERROR(zeros({1}).expand({k2_32, k2_32}), "[expand]", "[4294967296, 4294967296]", "integer multiplication overflow");
  EXPECT_ERROR(zeros({1}).expand({-2}), "[expand]", "invalid size -2");
}
TEST(SizeOverflow, ExpandTo2Pow62IsAViewButCopiesFail) {
  // As in PyTorch, the view itself is fine (numel fits int64) ...
  const Tensor v = huge_view({k2_62});
  EXPECT_EQ(v.numel(), k2_62);
  EXPECT_EQ(v.storage()->nbytes(), 4u);
  // ... but anything that materialises it names the op and the size.
  EXPECT_ERROR(v.contiguous(), "[contiguous]", "4611686018427387904", "overflow");
  EXPECT_ERROR(v.clone(), "[clone]", "4611686018427387904", "overflow");
  EXPECT_ERROR(v + 1.f, "[add]", "4611686018427387904", "overflow");
  EXPECT_ERROR(v.exp(), "[exp]", "4611686018427387904", "overflow");
  EXPECT_ERROR(v.to(DType::F64), "[to]", "4611686018427387904", "overflow");
}
TEST(SizeOverflow, BroadcastResultOverflows) {
  const Tensor a = huge_view({k2_32, 1}), b = huge_view({1, k2_32});
  EXPECT_ERROR(a + b, "[add]", "[4294967296, 4294967296]", "overflow");
  EXPECT_ERROR(where(zeros({1, 1}, TensorOptions(DType::Bool)), a, b), "[where]", "4294967296", "overflow");
}
TEST(SizeOverflow, AsStridedHugeStrideDoesNotReadOutside) {
  // (2**62 + 1) * 4 bytes used to wrap to 4 and pass the bound check.
  const Tensor x = zeros({4});
  EXPECT_ERROR(x.as_strided({2}, {k2_62}), "[as_strided]", "strides [4611686018427387904]", "reaches outside", "overflows int64");
  EXPECT_ERROR(x.as_strided({3}, {kMax / 2}), "[as_strided]", "4611686018427387903", "reaches outside");
  EXPECT_ERROR(x.as_strided({1}, {1}, kMax), "[as_strided]", "offset 9223372036854775807", "reaches outside");
  EXPECT_ERROR(x.as_strided({k2_32, k2_32}, {0, 0}), "[as_strided]", "4294967296", "integer multiplication overflow");
  // In-bounds views still work, including huge stride-0 ones.
  EXPECT_EQ(x.as_strided({k2_62}, {0}).numel(), k2_62);
  EXPECT_EQ(x.as_strided({2}, {3}).to_vector<float>(), (std::vector<float>{0.f, 0.f}));
}
TEST(SizeOverflow, SliceHugeStepReturnsTheFirstElement) {
  // PyTorch: x[::2**63-1] is x[0:1]; x[2::2**63-1] is x[2:3].
  const Tensor x = arange(5, TensorOptions(DType::F32));
  const Tensor y = x.slice(0, std::nullopt, std::nullopt, kMax);
  EXPECT_EQ(y.shape(), (Shape{1}));
  EXPECT_TENSOR_EQ(y, tensor({0.f}));
  EXPECT_TENSOR_EQ(x.slice(0, 2, std::nullopt, kMax), tensor({2.f}));
  EXPECT_EQ(x.slice(0, 5, std::nullopt, kMax).numel(), 0);
  // Dim 0 of a 2-d tensor: stride 3 * step overflows but is never used to move.
  const Tensor m = arange(6, TensorOptions(DType::F32)).view({2, 3});
  EXPECT_TENSOR_EQ(m.slice(0, std::nullopt, std::nullopt, kMax), tensor({{0.f, 1.f, 2.f}}));
  EXPECT_TENSOR_EQ(m.slice(1, 1, kMax, kMax), tensor({1.f, 4.f}).view({2, 1}));
}
TEST(SizeOverflow, SliceExtremeBounds) {
  const Tensor x = arange(5, TensorOptions(DType::F32));
  EXPECT_TENSOR_EQ(x.slice(0, std::numeric_limits<int64_t>::min(), kMax), x);
  EXPECT_EQ(x.slice(0, kMax, std::numeric_limits<int64_t>::min()).numel(), 0);
}
TEST(SizeOverflow, NarrowHugeLength) {
  // PyTorch: "start (1) + length (9223372036854775807) exceeds dimension size (5)".
  const Tensor x = zeros({5});
  EXPECT_ERROR(x.narrow(0, 1, kMax), "[narrow]", "start 1 + length 9223372036854775807 exceeds dimension size 5");
  EXPECT_ERROR(x.narrow(0, 6, 0), "[narrow]", "start 6", "exceeds dimension size 5");
  EXPECT_TENSOR_EQ(x.narrow(0, 5, 0), zeros({0}));
}
TEST(SizeOverflow, ReshapeWithInferredDimOnHugeShapes) {
  const Tensor v = huge_view({k2_62});
  EXPECT_EQ(v.reshape({-1, 2}).shape(), (Shape{k2_61, 2}));
  EXPECT_EQ(v.view({k2_31, -1}).shape(), (Shape{k2_31, k2_31}));
  EXPECT_ERROR(v.reshape({k2_62, 4}), "[reshape]", "[4611686018427387904, 4]", "invalid for input of size 4611686018427387904");
  EXPECT_ERROR(zeros({0}).reshape({k2_32, k2_32, -1}), "[reshape]", "4294967296", "overflow");
}
TEST(SizeOverflow, ReshapeThatMustCopyAHugeView) {
  const Tensor t = zeros({2, 1}).expand({2, k2_61}).t();  // [2**61, 2], strides [0, 1]: not viewable flat
  EXPECT_ERROR(t.reshape({-1}), "[reshape]", "[4611686018427387904]", "overflow");
}
TEST(SizeOverflow, FlattenOfAnEmptyTensorWithHugeDims) {
  const Tensor e = empty({k2_62, k2_62, 0});
  EXPECT_ERROR(e.flatten(0, 1), "[flatten]", "4611686018427387904", "overflow");
  EXPECT_EQ(e.flatten().shape(), (Shape{0}));
}
TEST(SizeOverflow, UnfoldHugeStep) {
  const Tensor x = arange(12, TensorOptions(DType::F32)).view({4, 3});
  const Tensor u = x.unfold(0, 2, kMax);  // one window, as with any step >= 3
  EXPECT_EQ(u.shape(), (Shape{1, 3, 2}));
  EXPECT_TENSOR_EQ(u, x.unfold(0, 2, 3));
}

// ---- shape ops that copy ----
TEST(SizeOverflow, CatHugeSizes) {
  const Tensor a = huge_view({k2_62});
  EXPECT_ERROR(cat({a, a}), "[cat]", "overflows int64", "4611686018427387904");
  const Tensor b = huge_view({k2_61});
  EXPECT_ERROR(cat({b, b}), "[cat]", "[4611686018427387904]", "storage size calculation overflowed");
}
TEST(SizeOverflow, RepeatHuge) {
  EXPECT_ERROR(repeat(zeros({4}), {k2_62}), "[repeat]", "overflows int64", "4611686018427387904");
  EXPECT_ERROR(repeat(zeros({2}), {k2_61}), "[repeat]", "[4611686018427387904]", "overflow");
  EXPECT_ERROR(repeat(zeros({2}), {k2_32, k2_32}), "[repeat]", "4294967296", "overflow");
}
TEST(SizeOverflow, RepeatInterleaveHuge) {
  EXPECT_ERROR(repeat_interleave(zeros({4}), k2_62), "[repeat_interleave]", "4611686018427387904", "overflow");
  EXPECT_ERROR(repeat_interleave(zeros({2}), k2_61), "[repeat_interleave]", "[4611686018427387904]", "overflow");
}
TEST(SizeOverflow, SplitAndChunkWithHugeSizes) {
  const Tensor x = arange(5, TensorOptions(DType::F32));
  const TensorList one = split(x, kMax);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TENSOR_EQ(one[0], x);
  // ceil(5 / (2**63-1)) = 1: five chunks of one element.
  EXPECT_EQ(chunk(x, kMax).size(), 5u);
  EXPECT_ERROR(split(x, std::vector<int64_t>{kMax, 2}), "[split]", "overflows int64", "9223372036854775807");
}

// ---- ops whose size is an argument ----
TEST(SizeOverflow, OneHotHugeNumClasses) {
  const Tensor idx = tensor({0, 1});
  EXPECT_ERROR(one_hot(idx, k2_62), "[one_hot]", "[2, 4611686018427387904]", "overflow");
  EXPECT_ERROR(one_hot(tensor({int64_t(0)}), k2_61), "[one_hot]", "[1, 2305843009213693952]", "overflow");
  EXPECT_ERROR(one_hot(tensor({kMax})), "[one_hot]", "9223372036854775807", "overflows int64");
}
TEST(SizeOverflow, OneHotOverMemory) {
  SKIP_UNLESS_OVER_MEMORY(8 * k2_40);
  EXPECT_ERROR(one_hot(tensor({int64_t(0)}), k2_40), "[one_hot] cannot allocate 8796093022208 bytes", "[1, 1099511627776]");
}
TEST(SizeOverflow, InterpolateHugeScaleFactor) {
  const Tensor x = zeros({1, 1, 4});
  EXPECT_ERROR(interpolate(x, {}, {1e30}), "[interpolate]", "overflows int64", "1e+30");
  EXPECT_ERROR(interpolate(x, {k2_62}), "[interpolate]", "[1, 1, 4611686018427387904]", "overflow");
  SKIP_UNLESS_OVER_MEMORY(16000000000000);
  // 4e12 outputs: refused before the interpolation tables are built.
  EXPECT_ERROR(interpolate(x, {}, {1e12}), "[interpolate] cannot allocate 16000000000000 bytes", "[1, 1, 4000000000000]");
  EXPECT_ERROR(interpolate(x, {}, {1e12}, "linear"), "[interpolate] cannot allocate", "4000000000000");
}
TEST(SizeOverflow, LinearHugeFeatures) {
  EXPECT_ERROR(std::make_shared<nn::Linear>(k2_31, k2_31), "[Linear]", "[2147483648, 2147483648]", "overflow");
  SKIP_UNLESS_OVER_MEMORY(4 * k2_40);
  EXPECT_ERROR(std::make_shared<nn::Linear>(int64_t(1) << 20, int64_t(1) << 20), "[Linear] cannot allocate 4398046511104 bytes",
               "[1048576, 1048576]", "out of memory");
}
TEST(SizeOverflow, BilinearAndEmbeddingHugeSizes) {
  EXPECT_ERROR(std::make_shared<nn::Bilinear>(k2_31, k2_31, 4), "[Bilinear]", "2147483648", "overflow");
  EXPECT_ERROR(std::make_shared<nn::Embedding>(k2_32, k2_32), "[Embedding]", "[4294967296, 4294967296]", "overflow");
}

}  // namespace
}  // namespace tz::test
