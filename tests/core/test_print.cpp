// Tensor printing: exact strings, taken from PyTorch 2.x's repr of the same tensors (with
// tensorzoo's dtype names "float64" for torch.float64 and node names without the trailing 0).
#include <limits>
#include <sstream>

#include "tests/support/test_support.h"

namespace tz::test {
namespace {

TEST(Print, FloatFixed) {
  EXPECT_EQ(tensor({{1.0f, 2.5f}, {-3.25f, 4.0f}}).str(), "tensor([[ 1.0000,  2.5000],\n        [-3.2500,  4.0000]])");
  EXPECT_EQ(tensor({0.1, 2.0}, DType::F16).str(), "tensor([0.1000, 2.0000], dtype=float16)");
  EXPECT_EQ(tensor({1.5, 2.0}, DType::F64).str(), "tensor([1.5000, 2.0000], dtype=float64)");
}

TEST(Print, FloatIntegerValued) {
  EXPECT_EQ(tensor({1.0f, 2.0f, -3.0f}).str(), "tensor([ 1.,  2., -3.])");
  EXPECT_EQ(zeros({2}).str(), "tensor([0., 0.])");
  EXPECT_EQ(tensor({-0.0f, 1.0f}).str(), "tensor([-0., 1.])");
}

TEST(Print, Scientific) {
  EXPECT_EQ(tensor({1e-5f, 1.0f}).str(), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(tensor({1.0f, 12345.0f}).str(), "tensor([1.0000e+00, 1.2345e+04])");
  EXPECT_EQ(tensor({1.0f, 2e9f}).str(), "tensor([1.0000e+00, 2.0000e+09])");
}

TEST(Print, NonFinite) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(tensor({0.0f, inf, nan, -inf}).str(), "tensor([0., inf, nan, -inf])");
  EXPECT_EQ(tensor({0.5f, -nan, -inf}).str(), "tensor([0.5000,    nan,   -inf])");
}

TEST(Print, Scalars) {
  EXPECT_EQ(scalar_tensor(2.5).str(), "tensor(2.5000)");
  EXPECT_EQ(scalar_tensor(3.0).str(), "tensor(3.)");
  EXPECT_EQ(scalar_tensor(7, DType::I64).str(), "tensor(7)");
}

TEST(Print, IntegersAndBool) {
  EXPECT_EQ(tensor({{1, -20}, {300, 4}}, DType::I32).str(), "tensor([[  1, -20],\n        [300,   4]], dtype=int32)");
  EXPECT_EQ(tensor({1, -20, 300}).str(), "tensor([  1, -20, 300])");
  EXPECT_EQ(tensor({true, false, true}).str(), "tensor([ True, False,  True])");
  EXPECT_EQ(tensor({1, 255}, DType::U8).str(), "tensor([  1, 255], dtype=uint8)");
  EXPECT_EQ(arange(8).view({2, 2, 2}).str(), "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])");
}

TEST(Print, Empty) {
  EXPECT_EQ(zeros({0}).str(), "tensor([])");
  EXPECT_EQ(zeros({0, 3}).str(), "tensor([], size=(0, 3))");
  EXPECT_EQ(zeros({0}, DType::I64).str(), "tensor([], dtype=int64)");
  EXPECT_EQ(zeros({2, 0}, DType::F64).str(), "tensor([], size=(2, 0), dtype=float64)");
}

TEST(Print, LineWrap) {
  EXPECT_EQ((arange(30, TensorOptions(DType::F32)) / 4.0).str(),
            "tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000, 1.2500, 1.5000, 1.7500, 2.0000,\n"
            "        2.2500, 2.5000, 2.7500, 3.0000, 3.2500, 3.5000, 3.7500, 4.0000, 4.2500,\n"
            "        4.5000, 4.7500, 5.0000, 5.2500, 5.5000, 5.7500, 6.0000, 6.2500, 6.5000,\n"
            "        6.7500, 7.0000, 7.2500])");
}

TEST(Print, Summarized) {
  EXPECT_EQ(arange(2000, TensorOptions(DType::F32)).str(),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])");
  EXPECT_EQ(arange(2000).view({40, 50}).str(),
            "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n"
            "        [  50,   51,   52,  ...,   97,   98,   99],\n"
            "        [ 100,  101,  102,  ...,  147,  148,  149],\n"
            "        ...,\n"
            "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n"
            "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n"
            "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]])");
  // The format only looks at the shown values: a hidden 1e6 in the middle of a non-contiguous
  // tensor must not switch the printout to scientific notation.
  Tensor t = (arange(2000, TensorOptions(DType::F32)) / 1000.0 + 1.0).view({40, 50}).t().contiguous().t();
  t = where(eq(arange(2000).view({40, 50}), 1025), full({}, 1e6), t);
  EXPECT_EQ(t.str(),
            "tensor([[1.0000, 1.0010, 1.0020,  ..., 1.0470, 1.0480, 1.0490],\n"
            "        [1.0500, 1.0510, 1.0520,  ..., 1.0970, 1.0980, 1.0990],\n"
            "        [1.1000, 1.1010, 1.1020,  ..., 1.1470, 1.1480, 1.1490],\n"
            "        ...,\n"
            "        [2.8500, 2.8510, 2.8520,  ..., 2.8970, 2.8980, 2.8990],\n"
            "        [2.9000, 2.9010, 2.9020,  ..., 2.9470, 2.9480, 2.9490],\n"
            "        [2.9500, 2.9510, 2.9520,  ..., 2.9970, 2.9980, 2.9990]])");
}

TEST(Print, Autograd) {
  Tensor x = tensor({1.0f, 2.0f});
  x.requires_grad_();
  EXPECT_EQ(x.str(), "tensor([1., 2.], requires_grad=True)");
  // The suffixes wrap onto a new line once they would pass 80 columns.
  Tensor y = arange(20, TensorOptions(DType::F64)).requires_grad_() * 1.5;
  EXPECT_EQ(y.str(),
            "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
            "        24.0000, 25.5000, 27.0000, 28.5000], dtype=float64,\n"
            "       grad_fn=<MulBackward>)");
  std::ostringstream os;
  os << tensor({1, 2});
  EXPECT_EQ(os.str(), "tensor([1, 2])");
}

}  // namespace
}  // namespace tz::test
