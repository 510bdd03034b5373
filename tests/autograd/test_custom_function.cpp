// User-defined functions (autograd/custom_function.h).
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

/// sign() forward with an identity ("straight-through") gradient.
struct StraightThroughSign {
  static TensorList forward(autograd::FunctionCtx&, const TensorList& in) { return {sign(in[0])}; }
  static TensorList backward(autograd::FunctionCtx&, const TensorList& g) { return {g[0]}; }
};

/// x^3 with a hand-written, differentiable backward (so grad-of-grad works through it).
struct Cube {
  static TensorList forward(autograd::FunctionCtx& ctx, const TensorList& in) {
    ctx.save_for_backward({in[0]});
    ctx.attrs["power"] = 3.0;
    return {in[0] * in[0] * in[0]};
  }
  static TensorList backward(autograd::FunctionCtx& ctx, const TensorList& g) {
    Tensor x = ctx.saved_tensors()[0];
    return {g[0] * x * x * ctx.attrs["power"]};
  }
};

/// Surrogate spike: Heaviside forward, fast-sigmoid derivative backward.
struct SurrogateSpike {
  static TensorList forward(autograd::FunctionCtx& ctx, const TensorList& in) {
    ctx.save_for_backward({in[0]});
    return {(in[0] > 0.0).to(in[0].dtype())};
  }
  static TensorList backward(autograd::FunctionCtx& ctx, const TensorList& g) {
    Tensor x = ctx.saved_tensors()[0];
    Tensor d = 1.0 + abs(x) * 10.0;
    return {g[0] / (d * d)};
  }
};

TEST(CustomFunction, StraightThroughEstimator) {
  Tensor x = tensor({-0.5, 0.25, 2.0}, DType::F64).requires_grad_(true);
  Tensor y = autograd::apply<StraightThroughSign>({x})[0];
  EXPECT_TENSOR_EQ(y.detach(), tensor({-1.0, 1.0, 1.0}, DType::F64));
  (y * tensor({1.0, 2.0, 3.0}, DType::F64)).sum().backward();
  EXPECT_TENSOR_EQ(x.grad(), tensor({1.0, 2.0, 3.0}, DType::F64));
}

TEST(CustomFunction, SurrogateGradient) {
  Tensor x = tensor({-0.1, 0.2}, DType::F64).requires_grad_(true);
  autograd::apply<SurrogateSpike>({x})[0].sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({1.0 / 4.0, 1.0 / 9.0}, DType::F64));
}

TEST(CustomFunction, SavedTensorVersionIsChecked) {
  Tensor x0 = tensor({1.0, 2.0}, DType::F64).requires_grad_(true);
  Tensor x = x0 * 1.0;
  Tensor y = autograd::apply<Cube>({x})[0].sum();
  x.mul_(2.0);
  EXPECT_TZ_ERROR(y.backward(), "modified by an in-place operation");
}

TEST(CustomFunction, NoRecordingWithoutGrad) {
  Tensor x = tensor({1.0, 2.0}, DType::F64);
  EXPECT_FALSE(autograd::apply<Cube>({x})[0].requires_grad());
}

// The op table's entry for user-defined functions (its node is CustomFunctionBackward); it lives
// here, next to Cube, and is linked into the gradcheck binary only.
TZ_OPINFO(custom_function) {
  op.grad("cube", gc({5}, -1, 1, 3), [](const TensorList& x) { return autograd::apply<Cube>({x[0]})[0]; });
}

}  // namespace
}  // namespace tz::test
