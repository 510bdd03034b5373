// Bad values: the integer division overflow T_MIN / -1 (SIGFPE before), bool fills (an invalid
// bool load before), set_grad mismatches, malformed device strings and NaN in
// binary_cross_entropy (all accepted before). Expected results are PyTorch's.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensorzoo.h"
#include "tests/reliability/expect_error.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

namespace F = tz::nn::functional;

/// Every device the division kernels run on here: the CPU, any other test device (cuda when
/// present) and the reference backend, which all must agree with PyTorch.
std::vector<Device> division_devices() {
  std::vector<Device> d = test_devices();
#if defined(TZ_TEST_WITH_STUB_BACKEND)
  d.push_back(Device(DeviceType::Ext0, 0));
#endif
  return d;
}

/// An int64 literal stored as `dt` on `dev` (the values must fit dt).
Tensor ints(const std::vector<int64_t>& v, DType dt, Device dev) {
  return from_vector(v, std::nullopt, kCPU).to(dt).to(dev);
}

std::vector<int64_t> values(const Tensor& t) { return t.to_vector<int64_t>(); }

// ---- T_MIN / -1 ------------------------------------------------------------------------------
// The quotient of T_MIN by -1 is T_MAX + 1, which does not fit: x86's idiv traps (SIGFPE) for
// int32 and int64. PyTorch wraps the quotient to T_MIN and gives remainder 0. int8 promotes to
// int in C++ and never trapped; it is checked for the same values.

struct IntCase {
  DType dtype;
  int64_t min, max;
};

void PrintTo(const IntCase& c, std::ostream* os) { *os << dtype_name(c.dtype); }

class IntMinByMinusOne : public ::testing::TestWithParam<IntCase> {};

TEST_P(IntMinByMinusOne, FloorDivideWrapsToMin) {
  const auto [dt, lo, hi] = GetParam();
  for (Device dev : division_devices()) {
    SCOPED_TRACE(dev.str());
    const Tensor x = ints({lo, hi, -7, 7, 0, -1, lo, 7}, dt, dev);
    const Tensor y = ints({-1, -1, -1, -1, -1, -1, 3, -2}, dt, dev);
    // lo // 3 rounds toward -inf: -(|lo| / 3) - 1 since 3 does not divide 2^k.
    EXPECT_EQ(values(floor_divide(x, y)), (std::vector<int64_t>{lo, -hi, 7, -7, 0, 1, lo / 3 - 1, -4}));
  }
}

TEST_P(IntMinByMinusOne, RemainderIsZero) {
  const auto [dt, lo, hi] = GetParam();
  for (Device dev : division_devices()) {
    SCOPED_TRACE(dev.str());
    const Tensor x = ints({lo, hi, -7, 7, 0, -1, lo, 7}, dt, dev);
    const Tensor y = ints({-1, -1, -1, -1, -1, -1, 3, -2}, dt, dev);
    // Python's %: the sign follows the divisor. lo = -(3k + 2) for these powers of two.
    EXPECT_EQ(values(remainder(x, y)), (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 1, -1}));
  }
}

TEST_P(IntMinByMinusOne, TruncAndFloorDivWrapToMin) {
  const auto [dt, lo, hi] = GetParam();
  for (Device dev : division_devices()) {
    SCOPED_TRACE(dev.str());
    const Tensor x = ints({lo, hi, -7, lo}, dt, dev);
    const Tensor y = ints({-1, -1, 2, 3}, dt, dev);
    EXPECT_EQ(values(div(x, y, "trunc")), (std::vector<int64_t>{lo, -hi, -3, lo / 3}));
    EXPECT_EQ(values(div(x, y, "floor")), (std::vector<int64_t>{lo, -hi, -4, lo / 3 - 1}));
  }
}

TEST_P(IntMinByMinusOne, BroadcastScalarDivisor) {
  // A 0-d divisor takes the kernels' broadcast fast path (one divisor hoisted out of the loop).
  const auto [dt, lo, hi] = GetParam();
  for (Device dev : division_devices()) {
    SCOPED_TRACE(dev.str());
    const Tensor x = ints({lo, hi, 5}, dt, dev);
    const Tensor m1 = scalar_tensor(-1, TensorOptions(dt, dev));
    EXPECT_EQ(values(floor_divide(x, m1)), (std::vector<int64_t>{lo, -hi, -5}));
    EXPECT_EQ(values(remainder(x, m1)), (std::vector<int64_t>{0, 0, 0}));
    EXPECT_EQ(values(div(x, m1, "trunc")), (std::vector<int64_t>{lo, -hi, -5}));
    // And a 0-d dividend over a vector of -1s.
    const Tensor mn = scalar_tensor(lo, TensorOptions(dt, dev));
    EXPECT_EQ(values(floor_divide(mn, ints({-1, -1}, dt, dev))), (std::vector<int64_t>{lo, lo}));
    EXPECT_EQ(values(remainder(mn, ints({-1, 1}, dt, dev))), (std::vector<int64_t>{0, 0}));
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, IntMinByMinusOne,
                         ::testing::Values(IntCase{DType::I8, INT8_MIN, INT8_MAX},
                                           IntCase{DType::I32, INT32_MIN, INT32_MAX},
                                           IntCase{DType::I64, INT64_MIN, INT64_MAX}),
                         [](const ::testing::TestParamInfo<IntCase>& i) { return std::string(dtype_name(i.param.dtype)); });

TEST(IntDivision, ZeroDivisorStillRaises) {
  // The -1 special case must not swallow the division-by-zero check next to it.
  for (DType dt : {DType::I8, DType::I32, DType::I64}) {
    expect_error([&] { (void)floor_divide(ints({INT8_MIN, 1}, dt, kCPU), ints({-1, 0}, dt, kCPU)); },
                 {"[floor_divide]", "integer division by zero"});
    expect_error([&] { (void)remainder(ints({1}, dt, kCPU), ints({0}, dt, kCPU)); },
                 {"[remainder]", "integer division by zero"});
  }
}

TEST(IntDivision, UnsignedMaxIsNotMinusOne) {
  // For uint8 the divisor 255 is the bit pattern of -1: it must divide normally.
  const Tensor x = ints({255, 254, 7}, DType::U8, kCPU);
  const Tensor y = ints({255, 255, 255}, DType::U8, kCPU);
  EXPECT_EQ(values(floor_divide(x, y)), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(values(remainder(x, y)), (std::vector<int64_t>{0, 254, 7}));
}

// ---- bool fills ------------------------------------------------------------------------------
// The CPU fill kernel loaded each output byte as a bool before overwriting it; fresh memory
// holds arbitrary bytes, and loading one other than 0/1 as a bool is undefined behaviour. A
// plain build cannot observe that load: these tests fail (abort) under -fsanitize=bool (UBSan)
// with the old kernel, and check the bytes written in every build.

/// The tensor's bytes: each bool element must be stored as exactly 0 or 1.
std::vector<unsigned char> bool_bytes(const Tensor& t) {
  EXPECT_EQ(t.dtype(), DType::Bool);
  Tensor c = t.contiguous();
  std::vector<unsigned char> out(size_t(c.numel()));
  if (!out.empty()) std::memcpy(out.data(), c.data_ptr(), out.size());
  return out;
}

/// Leaves freed CPU blocks full of 0xAB bytes, so that the next allocation of that size starts
/// with bytes that are not valid bools.
void dirty_allocator(int64_t nbytes) {
  for (int i = 0; i < 4; ++i) {
    Tensor junk = full({nbytes}, 0xAB, DType::U8);
    (void)junk;
  }
}

TEST(BoolFill, OnesWritesOnes) {
  for (int64_t n : {1, 7, 64, 4096, 100000}) {
    dirty_allocator(n);
    EXPECT_EQ(bool_bytes(ones({n}, DType::Bool)), std::vector<unsigned char>(size_t(n), 1)) << n;
  }
}

TEST(BoolFill, FullTrueAndFalse) {
  for (int64_t n : {3, 4096}) {
    dirty_allocator(n);
    EXPECT_EQ(bool_bytes(full({n}, true, DType::Bool)), std::vector<unsigned char>(size_t(n), 1));
    dirty_allocator(n);
    EXPECT_EQ(bool_bytes(full({n}, false, DType::Bool)), std::vector<unsigned char>(size_t(n), 0));
    dirty_allocator(n);
    EXPECT_EQ(bool_bytes(zeros({n}, DType::Bool)), std::vector<unsigned char>(size_t(n), 0));
  }
}

TEST(BoolFill, NonBoolScalarsBecomeZeroOrOne) {
  // torch.full((2,), 2, dtype=torch.bool) is True; 0.5 is True; 0.0 is False.
  EXPECT_EQ(bool_bytes(full({2}, 2, DType::Bool)), (std::vector<unsigned char>{1, 1}));
  EXPECT_EQ(bool_bytes(full({2}, 0.5, DType::Bool)), (std::vector<unsigned char>{1, 1}));
  EXPECT_EQ(bool_bytes(full({2}, -1, DType::Bool)), (std::vector<unsigned char>{1, 1}));
  EXPECT_EQ(bool_bytes(full({2}, 0.0, DType::Bool)), (std::vector<unsigned char>{0, 0}));
}

TEST(BoolFill, FillInPlaceOverInvalidBytes) {
  // Storage whose bytes are 0xAB, viewed as bool: fill_ must overwrite without reading them.
  Tensor bytes = full({2, 5}, 0xAB, DType::U8);
  auto impl = std::make_shared<TensorImpl>(*bytes.impl());
  impl->dtype = DType::Bool;
  Tensor b(impl);
  b.fill_(true);
  EXPECT_EQ(bool_bytes(b), std::vector<unsigned char>(10, 1));
  EXPECT_EQ(b.to_vector<int64_t>(), std::vector<int64_t>(10, 1));
  // A strided (non-contiguous) view: only its elements change.
  bytes.fill_(0xAB);
  Tensor col = b.select(1, 2);
  col.fill_(false);
  const auto raw = bytes.to_vector<int64_t>();
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(raw[size_t(i)], i % 5 == 2 ? 0 : 0xAB) << i;
}

TEST(BoolFill, ReadBackThroughOps) {
  const Tensor t = ones({4}, DType::Bool);
  EXPECT_TRUE(all(t).item<bool>());
  EXPECT_EQ(sum(t).item<int64_t>(), 4);
  EXPECT_FALSE(any(logical_not(t)).item<bool>());
  EXPECT_EQ(full({3}, true, DType::Bool).to_vector<bool>(), (std::vector<bool>{true, true, true}));
}

// ---- set_grad --------------------------------------------------------------------------------
// PyTorch's .grad setter: "assigned grad has data of a different type / size / located on a
// different device". Before, only the shape was checked, so an int64 grad reached the optimizer.

TEST(SetGrad, RejectsIntegerGradOnFloatParameter) {
  Tensor p = zeros({3}).requires_grad_();
  expect_error([&] { p.set_grad(zeros({3}, DType::I64)); }, {"[set_grad]", "different type", "int64", "float32"});
  EXPECT_FALSE(p.grad().defined());  // nothing assigned
}

TEST(SetGrad, RejectsOtherFloatDtype) {
  Tensor p = zeros({3}).requires_grad_();
  expect_error([&] { p.set_grad(zeros({3}, DType::F64)); }, {"[set_grad]", "different type", "float64"});
  Tensor h = zeros({3}, DType::F16);
  expect_error([&] { h.set_grad(zeros({3})); }, {"[set_grad]", "different type"});
}

TEST(SetGrad, RejectsWrongShape) {
  Tensor p = zeros({2, 3}).requires_grad_();
  expect_error([&] { p.set_grad(zeros({3, 2})); }, {"[set_grad]", "different size", "[3, 2]", "[2, 3]"});
  expect_error([&] { p.set_grad(zeros({6})); }, {"[set_grad]", "different size"});
  expect_error([&] { p.set_grad(zeros({})); }, {"[set_grad]", "different size"});
}

TEST(SetGrad, RejectsOtherDevice) {
#if defined(TZ_TEST_WITH_STUB_BACKEND)
  Tensor p = zeros({3}).requires_grad_();
  expect_error([&] { p.set_grad(zeros({3}, Device(DeviceType::Ext0, 0))); },
               {"[set_grad]", "different device", "ext0:0", "cpu"});
#else
  GTEST_SKIP() << "needs a second device (the reference backend ext0)";
#endif
}

TEST(SetGrad, RejectsItselfAndAcceptsAMatch) {
  Tensor p = zeros({3}).requires_grad_();
  expect_error([&] { p.set_grad(p); }, {"[set_grad]", "own grad"});
  p.set_grad(ones({3}));
  EXPECT_EQ(p.grad().to_vector<float>(), (std::vector<float>{1.f, 1.f, 1.f}));
  p.set_grad(Tensor());  // undefined clears it, as `p.grad = None`
  EXPECT_FALSE(p.grad().defined());
}

// ---- device strings --------------------------------------------------------------------------
// torch.device accepts "type" or "type:N" with N a plain non-negative decimal. std::stoi took
// "-1", and read "0x" as 0.

class BadDeviceString : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(BadDeviceString, IsRejected) {
  const std::string spec = GetParam().first, why = GetParam().second;
  expect_error([&] { (void)Device(spec); }, {"[device]", "'" + spec + "'", why});
}

INSTANTIATE_TEST_SUITE_P(
    Specs, BadDeviceString,
    ::testing::Values(std::pair<std::string, std::string>{"cuda:-1", "non-negative decimal"},
                      std::pair<std::string, std::string>{"cpu:0x", "non-negative decimal"},
                      std::pair<std::string, std::string>{"cuda:", "non-negative decimal"},
                      std::pair<std::string, std::string>{"gpu", "unknown device"},
                      std::pair<std::string, std::string>{"cuda:99999999999999999999", "out of range"},
                      std::pair<std::string, std::string>{"cuda:2147483648", "out of range"},
                      std::pair<std::string, std::string>{"cuda:+1", "non-negative decimal"},
                      std::pair<std::string, std::string>{"cuda: 1", "non-negative decimal"},
                      std::pair<std::string, std::string>{"cuda:1 ", "non-negative decimal"},
                      std::pair<std::string, std::string>{"cuda:01", "leading zeros"},
                      std::pair<std::string, std::string>{"cuda:0:1", "non-negative decimal"},
                      std::pair<std::string, std::string>{"cpu:1", "CPU device index must be 0"},
                      std::pair<std::string, std::string>{"", "unknown device"}),
    [](const ::testing::TestParamInfo<std::pair<std::string, std::string>>& i) {
      return "case" + std::to_string(i.index);
    });

TEST(DeviceString, ValidSpecsStillParse) {
  EXPECT_EQ(Device("cpu"), kCPU);
  EXPECT_EQ(Device("cpu:0"), kCPU);
  EXPECT_EQ(Device("cuda"), Device(DeviceType::CUDA, 0));
  EXPECT_EQ(Device("cuda:0"), Device(DeviceType::CUDA, 0));
  EXPECT_EQ(Device("cuda:10"), Device(DeviceType::CUDA, 10));
  EXPECT_EQ(Device("cuda:2147483647"), Device(DeviceType::CUDA, 2147483647));
  EXPECT_EQ(Device("ext0:3"), Device(DeviceType::Ext0, 3));
  EXPECT_EQ(Device("ext3"), Device(DeviceType::Ext3, 0));
}

// ---- binary_cross_entropy ---------------------------------------------------------------------
// PyTorch: "all elements of input should be between 0 and 1", and NaN is not between them.
// The old test (x < 0 || x > 1) was false for NaN, which then produced a NaN loss.

TEST(BinaryCrossEntropy, NanInputThrows) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  expect_error([&] { (void)F::binary_cross_entropy(tensor({0.5f, nan}), tensor({1.f, 0.f})); },
               {"[binary_cross_entropy]", "all elements of input should be between 0 and 1"});
  expect_error([&] { (void)F::binary_cross_entropy(tensor({nan}), tensor({1.f})); },
               {"[binary_cross_entropy]", "between 0 and 1"});
}

TEST(BinaryCrossEntropy, NanInputThrowsInFloat64AndWithGrad) {
  const Tensor x = tensor({0.25, std::numeric_limits<double>::quiet_NaN(), 0.75}, DType::F64).requires_grad_();
  expect_error([&] { (void)F::binary_cross_entropy(x, zeros({3}, DType::F64)); },
               {"[binary_cross_entropy]", "between 0 and 1"});
}

TEST(BinaryCrossEntropy, OutOfRangeInputThrows) {
  const float inf = std::numeric_limits<float>::infinity();
  for (float bad : {-0.1f, 1.5f, inf, -inf}) {
    expect_error([&] { (void)F::binary_cross_entropy(tensor({0.5f, bad}), tensor({1.f, 0.f})); },
                 {"[binary_cross_entropy]", "between 0 and 1"});
  }
}

TEST(BinaryCrossEntropy, BoundsAreAllowed) {
  // 0 and 1 are valid; the logs are clamped at -100 as in PyTorch.
  const Tensor loss = F::binary_cross_entropy(tensor({0.f, 1.f, 0.5f}), tensor({1.f, 1.f, 0.f}));
  EXPECT_NEAR(loss.item<double>(), (100.0 + 0.0 + std::log(2.0)) / 3.0, 1e-5);
  // NaN in the target is not checked (PyTorch does not check it either).
  EXPECT_TRUE(std::isnan(
      F::binary_cross_entropy(tensor({0.5f}), tensor({std::numeric_limits<float>::quiet_NaN()})).item<double>()));
}

}  // namespace
}  // namespace tz::test
