// Anomaly detection (autograd/anomaly.h): the first op that makes a NaN/Inf is named, in the
// forward (record()) and in the backward (the engine), only while a guard is alive on this thread.
#include <cmath>
#include <thread>

#include "nn/layers/activation.h"
#include "nn/layers/container.h"
#include "nn/layers/linear.h"
#include "nn/losses.h"
#include "nn/optim/sgd.h"
#include "tests/reliability/expect_error.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

using autograd::DetectAnomaly;
using autograd::is_anomaly_enabled;

Tensor leaf(const Tensor& t) {
  Tensor l = t.clone();
  l.requires_grad_(true);
  return l;
}

TEST(Anomaly, ForwardNamesTheOpThatMadeANaN) {
  const Tensor x = leaf(full({4, 3}, -2.0));
  DetectAnomaly guard;
  expect_op_error([&] { (void)log(x); },
                  {"[anomaly] log forward produced NaN in output 0", "LogBackward", "inputs: float32[4, 3]"});
}

TEST(Anomaly, ForwardNamesTheOpThatMadeAnInfinity) {
  const Tensor a = leaf(tensor({1.0f, 2.0f}));
  const Tensor b = tensor({0.0f, 1.0f});
  DetectAnomaly guard;
  expect_op_error([&] { (void)(a / b); },
                  {"[anomaly] div forward produced Inf in output 0", "DivBackward", "inputs: float32[2], float32[2]"});
}

TEST(Anomaly, ForwardSaysWhichOpsRanJustBefore) {
  const Tensor x = leaf(tensor({1.0f, 2.0f}));
  DetectAnomaly guard;
  expect_op_error([&] { (void)log(exp(x) * -1.0); }, {"[anomaly] log forward produced NaN", "recorded after exp, mul"});
}

TEST(Anomaly, ValuesCarriedInAreReportedWhereTheyAppeared) {
  const Tensor scores = leaf(tensor({0.5f, 1.0f, 2.0f}));
  const Tensor mask = tensor({0.0f, -INFINITY, 0.0f});
  DetectAnomaly guard;
  // -inf masks are how attention is written: neither the fill nor carrying it on is an error.
  Tensor p = softmax(scores + mask, 0);
  p = softmax(masked_fill(scores, tensor({false, true, false}), -INFINITY), 0);
  EXPECT_TRUE(std::isfinite(p.sum().item<double>()));
  // A NaN arriving in a tensor without history (a parameter, the data) is named at its first use.
  const Tensor w = leaf(tensor({1.0f, NAN}));
  expect_op_error([&] { (void)(w * 2.0); }, {"[anomaly] mul forward: input 0 (float32[2]", "already holds NaN"});
}

TEST(Anomaly, BackwardNamesTheNodeAndWhereItWasCreated) {
  // sqrt is finite at 0 but its gradient 0.5 / sqrt(0) is not.
  const Tensor x = leaf(tensor({0.0f, 4.0f}));
  DetectAnomaly guard;
  const Tensor y = (exp(x) - 1.0).sqrt().sum();
  const std::string msg = expect_op_error(
      [&] { y.backward(); },
      {"[anomaly] sqrt backward produced Inf in gradient 0", "SqrtBackward #", "inputs: float32[2]",
       "created in the forward after exp, add"});  // x - 1 records an add
  EXPECT_EQ(msg.find("incoming gradient"), std::string::npos) << msg;
}

struct NanGradient {
  static TensorList forward(autograd::FunctionCtx&, const TensorList& in) { return {in[0] * 2.0}; }
  static TensorList backward(autograd::FunctionCtx&, const TensorList& grads) { return {grads[0] * NAN}; }
};

TEST(Anomaly, BackwardOfACustomFunction) {
  const Tensor x = leaf(ones({2, 2}));
  DetectAnomaly guard;
  const Tensor y = autograd::apply<NanGradient>({x})[0].sum();
  expect_op_error([&] { y.backward(); }, {"[anomaly] custom_function backward produced NaN in gradient 0",
                                          "CustomFunctionBackward", "inputs: float32[2, 2]"});
}

TEST(Anomaly, BackwardOfAGraphRecordedWithoutIt) {
  const Tensor x = leaf(tensor({0.0f, 1.0f}));
  const Tensor y = x.sqrt().sum();  // recorded with anomaly mode off: no creation record
  DetectAnomaly guard;
  expect_op_error([&] { y.backward(); }, {"[anomaly] sqrt backward produced Inf in gradient 0", "gradients: float32[2]",
                                          "run the forward under DetectAnomaly too"});
}

TEST(Anomaly, DisabledChangesNothing) {
  EXPECT_FALSE(is_anomaly_enabled());
  const Tensor x = leaf(tensor({-1.0f, 0.0f, 4.0f}));
  Tensor y = log(x) + x.sqrt();  // NaN, -inf and a finite value: no error without a guard
  y.sum().backward();
  EXPECT_TRUE(std::isnan(y.to_vector<float>()[0]));
  EXPECT_TRUE(std::isinf(x.grad().to_vector<float>()[1]));
  // Finite values: the same results with and without the guard.
  const Tensor a = leaf(tensor({0.5f, 1.5f, 2.5f}));
  const Tensor b = leaf(tensor({0.5f, 1.5f, 2.5f}));
  const Tensor ya = (log(a) * a.exp()).sum();
  ya.backward();
  Tensor yb;
  {
    DetectAnomaly guard;
    yb = (log(b) * b.exp()).sum();
    yb.backward();
  }
  EXPECT_TENSOR_EQ(ya, yb);
  EXPECT_TENSOR_EQ(a.grad(), b.grad());
}

TEST(Anomaly, GuardsNestAndRestore) {
  const Tensor x = leaf(tensor({-1.0f}));
  {
    DetectAnomaly outer;
    EXPECT_TRUE(is_anomaly_enabled());
    {
      DetectAnomaly off(false);
      EXPECT_FALSE(is_anomaly_enabled());
      EXPECT_NO_THROW((void)log(x));
    }
    EXPECT_TRUE(is_anomaly_enabled());
    { DetectAnomaly inner; }
    EXPECT_TRUE(is_anomaly_enabled());  // an inner guard restores "on", not "off"
    expect_error([&] { (void)log(x); }, {"[anomaly] log forward"});
  }
  EXPECT_FALSE(is_anomaly_enabled());
}

TEST(Anomaly, OtherThreadsAreUnaffected) {
  DetectAnomaly guard;
  bool enabled_there = true, threw_there = true;
  std::thread t([&] {
    enabled_there = is_anomaly_enabled();
    const Tensor x = leaf(tensor({-1.0f}));
    try {
      (void)log(x);
      threw_there = false;
    } catch (const Error&) {
    }
  });
  t.join();
  EXPECT_FALSE(enabled_there);
  EXPECT_FALSE(threw_there);
  EXPECT_TRUE(is_anomaly_enabled());
}

/// Three SGD steps of a small MLP classifier; returns the losses.
std::vector<double> train_mlp() {
  manual_seed(7);
  nn::Sequential mlp;
  mlp.push_back(std::make_shared<nn::Linear>(4, 8));
  mlp.push_back(std::make_shared<nn::ReLU>());
  mlp.push_back(std::make_shared<nn::Linear>(8, 3));
  optim::SGD sgd(mlp.parameters(), {.lr = 0.1, .momentum = 0.9});
  const Tensor x = randn({6, 4});
  const Tensor y = tensor({0L, 1L, 2L, 0L, 1L, 2L});
  std::vector<double> losses;
  for (int step = 0; step < 3; ++step) {
    const Tensor loss = nn::functional::cross_entropy(mlp(x), y);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
    losses.push_back(loss.item<double>());
  }
  return losses;
}

TEST(Anomaly, NoFalsePositiveOnAnMlpTrainingStep) {
  const std::vector<double> plain = train_mlp();
  DetectAnomaly guard;
  std::vector<double> checked;
  EXPECT_NO_THROW(checked = train_mlp());
  EXPECT_EQ(plain, checked);
}

TEST(Anomaly, ScanAndOpNames) {
  EXPECT_TRUE(autograd::all_finite(tensor({1.0f, 2.0f})));
  EXPECT_TRUE(autograd::all_finite(tensor({1L, 2L})));  // integers are always finite
  const auto s = autograd::scan_nonfinite(tensor({NAN, INFINITY, 1.0f}, DType::F16));
  EXPECT_TRUE(s.nan && s.inf);
  EXPECT_EQ(s.what(), "NaN and Inf");
  EXPECT_EQ(autograd::forward_op_name("LogBackward"), "log");
  EXPECT_EQ(autograd::forward_op_name("MaskedFillBackward"), "masked_fill");
}

}  // namespace
}  // namespace tz::test
