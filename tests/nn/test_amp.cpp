// Mixed precision: autocast (which ops run in the lower dtype, which in f32, gradient dtypes,
// nesting, training a small MLP under bf16 autocast on the CPU) and the GradScaler (scaling,
// unscaling, skipped steps on inf, backoff and growth).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using test::make_input;

TEST(Autocast, MatmulFamilyRunsInTheAutocastDtype) {
  const Tensor x = make_input({4, 8}, DType::F32, -1, 1, 1), w = make_input({8, 3}, DType::F32, -1, 1, 2);
  const Tensor b = make_input({3}, DType::F32, -1, 1, 3);
  const Tensor ref = matmul(x, w);
  {
    autocast::Guard amp(DType::BF16);
    EXPECT_TRUE(autocast::is_enabled());
    const Tensor y = matmul(x, w);
    EXPECT_EQ(y.dtype(), DType::BF16);
    // Rounded inputs, f32 accumulation: within bf16 resolution of the f32 product.
    EXPECT_TENSOR_CLOSE(y.to(DType::F32), ref, 2e-2, 2e-2);
    EXPECT_EQ(mm(x, w).dtype(), DType::BF16);
    EXPECT_EQ(bmm(x.unsqueeze(0), w.unsqueeze(0)).dtype(), DType::BF16);
    // linear casts its bias too, so the output stays bf16 (no promotion back to f32).
    const Tensor lin = linear(x, w.t(), b);
    EXPECT_EQ(lin.dtype(), DType::BF16);
    EXPECT_TENSOR_CLOSE(lin.to(DType::F32), ref + b, 2e-2, 2e-2);
    EXPECT_EQ(einsum("ik,kj->ij", {x, w}).dtype(), DType::BF16);
    const Tensor img = make_input({1, 2, 5, 5}), k = make_input({3, 2, 3, 3});
    EXPECT_EQ(conv2d(img, k, Tensor()).dtype(), DType::BF16);
    // f64 is never cast (as PyTorch).
    EXPECT_EQ(matmul(x.to(DType::F64), w.to(DType::F64)).dtype(), DType::F64);
  }
  EXPECT_FALSE(autocast::is_enabled());
  EXPECT_EQ(matmul(x, w).dtype(), DType::F32);
}

TEST(Autocast, F16AndAttention) {
  autocast::Guard amp(DType::F16);
  const Tensor q = make_input({1, 2, 4, 8}, DType::F32, -1, 1, 4);
  const Tensor out = nn::scaled_dot_product_attention(q, q, q);
  EXPECT_EQ(out.dtype(), DType::F16);
  EXPECT_EQ(linear(make_input({2, 3}), make_input({5, 3}), Tensor()).dtype(), DType::F16);
}

TEST(Autocast, SoftmaxNormsAndLossesRunInF32) {
  autocast::Guard amp(DType::BF16);
  const Tensor x = make_input({3, 6}, DType::F32, -2, 2, 5);
  const Tensor xb = x.to(DType::BF16);
  EXPECT_EQ(softmax(x, -1).dtype(), DType::F32);
  // A bf16 input (e.g. a matmul output) is computed and returned in f32.
  const Tensor s = softmax(xb, -1);
  EXPECT_EQ(s.dtype(), DType::F32);
  {
    autocast::Suspend off;
    EXPECT_TENSOR_CLOSE(s, softmax(xb.to(DType::F32), -1), 1e-6, 1e-6);
  }
  EXPECT_EQ(log_softmax(xb, 1).dtype(), DType::F32);
  EXPECT_EQ(layer_norm(xb, {6}).dtype(), DType::F32);
  EXPECT_EQ(rms_norm(xb, {6}).dtype(), DType::F32);
  const Tensor target = tensor({0, 5, 2});
  EXPECT_EQ(nn::cross_entropy(xb, target).dtype(), DType::F32);
  EXPECT_EQ(nn::mse_loss(xb, zeros({3, 6}, DType::BF16)).dtype(), DType::F32);
  // Ops outside the lists keep their input dtype.
  EXPECT_EQ(relu(xb).dtype(), DType::BF16);
}

TEST(Autocast, NestedGuardDisablesAndRestores) {
  const Tensor x = make_input({2, 2}), w = make_input({2, 2});
  autocast::Guard amp(DType::BF16);
  {
    autocast::Guard off(DType::BF16, false);
    EXPECT_EQ(matmul(x, w).dtype(), DType::F32);
    {
      autocast::Guard half(DType::F16);
      EXPECT_EQ(matmul(x, w).dtype(), DType::F16);
    }
    EXPECT_EQ(matmul(x, w).dtype(), DType::F32);
  }
  EXPECT_EQ(matmul(x, w).dtype(), DType::BF16);
  EXPECT_TZ_ERROR(autocast::Guard bad(DType::F32), "bfloat16 or float16");
}

TEST(Autocast, GradientsOfF32ParametersAreF32) {
  const Tensor x = make_input({5, 4}, DType::F32, -1, 1, 6);
  Tensor w = make_input({4, 3}, DType::F32, -1, 1, 7).requires_grad_();
  Tensor w_ref = w.detach().clone().requires_grad_();
  {
    autocast::Guard amp(DType::BF16);
    const Tensor y = matmul(x, w);
    ASSERT_EQ(y.dtype(), DType::BF16);
    // Backward inside the scope: the engine suspends autocast, so nothing is re-cast.
    sum(softmax(y, -1) * arange(3, TensorOptions(DType::F32))).backward();
  }
  sum(softmax(matmul(x, w_ref), -1) * arange(3, TensorOptions(DType::F32))).backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(w.grad().dtype(), DType::F32);
  EXPECT_TENSOR_CLOSE(w.grad(), w_ref.grad(), 3e-2, 3e-2);
}

/// Trains y = sin(3 x0) + x1 x2 with a 3-32-32-1 MLP from a fixed init; returns the final loss.
double train_mlp(bool bf16_autocast) {
  manual_seed(11);
  nn::Sequential mlp({std::make_shared<nn::Linear>(3, 32), std::make_shared<nn::Tanh>(), std::make_shared<nn::Linear>(32, 32),
                      std::make_shared<nn::Tanh>(), std::make_shared<nn::Linear>(32, 1)});
  const Tensor x = make_input({128, 3}, DType::F32, -1, 1, 21);
  const Tensor y = (sin(x.select(1, 0) * 3.0) + x.select(1, 1) * x.select(1, 2)).unsqueeze(1);
  optim::AdamOptions o;
  o.lr = 1e-2;
  optim::Adam opt(mlp.parameters(), o);
  double last = 0;
  for (int step = 0; step < 150; ++step) {
    opt.zero_grad();
    Tensor loss;
    {
      autocast::Guard amp(DType::BF16, bf16_autocast);
      const Tensor pred = mlp.forward(x);
      EXPECT_EQ(pred.dtype(), bf16_autocast ? DType::BF16 : DType::F32);
      loss = nn::mse_loss(pred, y);
    }
    EXPECT_EQ(loss.dtype(), DType::F32);
    loss.backward();
    for (const Tensor& p : mlp.parameters()) EXPECT_EQ(p.grad().dtype(), DType::F32);
    opt.step();
    last = loss.item<double>();
  }
  for (const Tensor& p : mlp.parameters()) EXPECT_EQ(p.dtype(), DType::F32);
  return last;
}

TEST(Autocast, SmallMlpTrainsUnderBf16LikeF32) {
  const double f32 = train_mlp(false), bf16 = train_mlp(true);
  // The target's variance is about 0.6: both runs must have learnt it, to similar losses.
  EXPECT_LT(f32, 0.02);
  EXPECT_LT(bf16, 0.03);
  EXPECT_NEAR(bf16, f32, 0.015);
}

// ---- GradScaler -------------------------------------------------------------------------------

TEST(GradScaler, DefaultsFollowPyTorch) {
  optim::GradScaler s;
  EXPECT_EQ(s.get_scale(), 65536.0);
  EXPECT_EQ(s.options().growth_factor, 2.0);
  EXPECT_EQ(s.options().backoff_factor, 0.5);
  EXPECT_EQ(s.options().growth_interval, 2000);
  EXPECT_TZ_ERROR(optim::GradScaler(optim::GradScalerOptions{.init_scale = -1.0}), "init_scale");
}

TEST(GradScaler, ScalesUnscalesAndSteps) {
  Tensor w = tensor({1.0f, -2.0f}).requires_grad_();
  optim::SGDOptions o;
  o.lr = 0.5;
  optim::SGD opt({w}, o);
  amp::GradScaler scaler(amp::GradScalerOptions{.init_scale = 1024.0});
  const Tensor loss = sum(w * w);  // grad 2w = [2, -4]
  const Tensor scaled = scaler.scale(loss);
  EXPECT_DOUBLE_EQ(scaled.item<double>(), 1024.0 * 5.0);
  scaled.backward();
  EXPECT_TENSOR_CLOSE(w.grad(), tensor({2048.0f, -4096.0f}), 0.0, 0.0);
  scaler.unscale_(opt);
  EXPECT_TENSOR_CLOSE(w.grad(), tensor({2.0f, -4.0f}), 0.0, 0.0);
  EXPECT_TZ_ERROR(scaler.unscale_(opt), "already called");
  EXPECT_TRUE(scaler.step(opt));  // no second unscale
  EXPECT_TENSOR_CLOSE(w.detach(), tensor({0.0f, 0.0f}), 0.0, 1e-7);
  scaler.update();
  EXPECT_EQ(scaler.get_scale(), 1024.0);
  EXPECT_EQ(scaler.growth_tracker(), 1);
  // A 16-bit loss is widened before scaling: 2^16 * 2 overflows f16 but not f32.
  EXPECT_DOUBLE_EQ(amp::GradScaler().scale(tensor({2.0f}).reshape({}).to(DType::F16)).item<double>(), 131072.0);
}

TEST(GradScaler, SkipsStepsWithInfOrNanAndBacksOff) {
  Tensor w = tensor({1.0f, 3.0f}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions{.lr = 0.1});
  amp::GradScaler scaler(amp::GradScalerOptions{.init_scale = 256.0});
  for (const float bad : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    opt.zero_grad();
    w.set_grad(tensor({1.0f, bad}));
    const double before = scaler.get_scale();
    EXPECT_FALSE(scaler.step(opt));
    EXPECT_TENSOR_CLOSE(w.detach(), tensor({1.0f, 3.0f}), 0.0, 0.0);  // untouched
    scaler.update();
    EXPECT_EQ(scaler.get_scale(), before * 0.5);
    EXPECT_EQ(scaler.growth_tracker(), 0);
  }
}

TEST(GradScaler, GrowsAfterGrowthIntervalCleanSteps) {
  Tensor w = tensor({1.0f}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions{.lr = 0.0});
  amp::GradScaler scaler(amp::GradScalerOptions{.init_scale = 8.0, .growth_interval = 3});
  auto clean_step = [&] {
    opt.zero_grad();
    scaler.scale(sum(w * 2.0)).backward();
    EXPECT_TRUE(scaler.step(opt));
    EXPECT_TENSOR_CLOSE(w.grad(), tensor({2.0f}), 0.0, 0.0);
    scaler.update();
  };
  clean_step();
  clean_step();
  EXPECT_EQ(scaler.get_scale(), 8.0);
  clean_step();
  EXPECT_EQ(scaler.get_scale(), 16.0);
  EXPECT_EQ(scaler.growth_tracker(), 0);
  // An inf resets the run: three more clean steps are needed.
  opt.zero_grad();
  w.set_grad(tensor({std::numeric_limits<float>::infinity()}));
  EXPECT_FALSE(scaler.step(opt));
  scaler.update();
  EXPECT_EQ(scaler.get_scale(), 8.0);
  clean_step();
  clean_step();
  EXPECT_EQ(scaler.get_scale(), 8.0);
  clean_step();
  EXPECT_EQ(scaler.get_scale(), 16.0);
  scaler.update(4.0);
  EXPECT_EQ(scaler.get_scale(), 4.0);
}

TEST(GradScaler, DisabledIsATransparentWrapper) {
  Tensor w = tensor({1.0f}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions{.lr = 1.0});
  amp::GradScaler scaler(amp::GradScalerOptions{.enabled = false});
  const Tensor loss = sum(w * 3.0);
  EXPECT_DOUBLE_EQ(scaler.scale(loss).item<double>(), 3.0);
  scaler.scale(loss).backward();
  EXPECT_TRUE(scaler.step(opt));
  scaler.update();
  EXPECT_TENSOR_CLOSE(w.detach(), tensor({-2.0f}), 0.0, 0.0);
  EXPECT_EQ(scaler.get_scale(), 65536.0);
}

}  // namespace
}  // namespace tz
