#include <cmath>

#include "tests/support/test_support.h"

namespace tz::test {
namespace {

TEST(DType, PromotionFollowsPyTorch) {
  EXPECT_EQ(promote(DType::I32, DType::F16), DType::F16);
  EXPECT_EQ(promote(DType::F16, DType::BF16), DType::F32);
  EXPECT_EQ(promote(DType::Bool, DType::U8), DType::U8);
  EXPECT_EQ(promote(DType::U8, DType::I8), DType::I32);
  EXPECT_EQ(promote(DType::I64, DType::F32), DType::F32);
  EXPECT_EQ(promote(DType::F32, DType::F64), DType::F64);
  EXPECT_EQ(promote(DType::I32, DType::I64), DType::I64);
}

TEST(DType, ScalarsPromoteByCategory) {
  Tensor i = tensor({1, 2, 3});
  EXPECT_EQ((i + 1).dtype(), DType::I64);
  EXPECT_EQ((i * 1.5).dtype(), DType::F32);
  Tensor h = ones({2}, DType::F16);
  EXPECT_EQ((h * 2.5).dtype(), DType::F16);  // a float scalar never widens a float tensor
  Tensor b = tensor({true, false});
  EXPECT_EQ((b + 1).dtype(), DType::I64);
  // A 0-d tensor of the same category does not widen a dimensioned tensor.
  Tensor f = ones({2}, DType::F32);
  EXPECT_EQ((f + scalar_tensor(1.0, DType::F64)).dtype(), DType::F32);
  EXPECT_EQ((tensor({1, 2}) + scalar_tensor(1.0, DType::F64)).dtype(), DType::F64);
}

TEST(DType, IntegerTrueDivisionGivesFloat) {
  Tensor a = tensor({7, -7});
  Tensor b = tensor({2, 2});
  EXPECT_EQ(div(a, b).dtype(), DType::F32);
  EXPECT_TENSOR_EQ(div(a, b), tensor({3.5f, -3.5f}));
  EXPECT_TENSOR_EQ(div(a, b, "floor"), tensor({3, -4}));
  EXPECT_TENSOR_EQ(div(a, b, "trunc"), tensor({3, -3}));
  EXPECT_TENSOR_EQ(remainder(a, b), tensor({1, 1}));
  EXPECT_TZ_ERROR(div(a, tensor({0, 1}), "floor"), "division by zero");
}

TEST(DType, HalfAndBFloat16RoundTrip) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 1e-5f, 3.14159f}) {
    EXPECT_NEAR(float(Half(v)), v, std::abs(v) * 1e-3 + 1e-7);
    EXPECT_NEAR(float(BFloat16(v)), v, std::abs(v) * 1e-2 + 1e-7);
  }
  EXPECT_TRUE(std::isinf(float(Half(70000.0f))));
  EXPECT_EQ(Half(1.0f).bits, 0x3c00);
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3f80);
}

TEST(Elementwise, BroadcastingAndErrors) {
  Tensor a = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Tensor b = tensor({10.f, 20.f, 30.f});
  EXPECT_TENSOR_EQ(a + b, tensor({{11.f, 22.f, 33.f}, {14.f, 25.f, 36.f}}));
  EXPECT_TZ_ERROR(a + tensor({1.f, 2.f}), "[add] shapes [2, 3] and [2] cannot be broadcast");
}

TEST(Elementwise, UnaryValues) {
  Tensor x = tensor({-1.5f, 0.0f, 2.0f});
  EXPECT_TENSOR_CLOSE(exp(x), tensor({0.22313016f, 1.0f, 7.3890561f}));
  EXPECT_TENSOR_EQ(relu(x), tensor({0.0f, 0.0f, 2.0f}));
  EXPECT_TENSOR_EQ(round(tensor({0.5f, 1.5f, 2.5f, -0.5f})), tensor({0.0f, 2.0f, 2.0f, -0.0f}));
  EXPECT_TENSOR_CLOSE(gelu(x), tensor({-0.10021086f, 0.0f, 1.9544997f}));
  EXPECT_TENSOR_CLOSE(gelu(x, "tanh"), tensor({-0.10042843f, 0.0f, 1.9545977f}));
  EXPECT_TENSOR_EQ(clamp(tensor({1, 5, 9}), 2, 6), tensor({2, 5, 6}));
  EXPECT_EQ(exp(tensor({1, 2})).dtype(), DType::F32);  // integers promote for float functions
}

}  // namespace
}  // namespace tz::test
