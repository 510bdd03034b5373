// Values of the functional NN ops against PyTorch 2.x numbers (pasted), batch_norm's running
// statistics, dropout mask statistics and determinism, and error messages.
#include <cmath>

#include "core/dispatch.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

Tensor x34() { return tensor({{0.5f, -1.25f, 2.f, 0.f}, {3.f, 1.5f, -0.5f, -2.f}, {0.25f, 0.75f, -1.f, 1.f}}); }
Tensor f(std::vector<float> v, Shape s) { return from_vector(v, s); }

TEST(NnFunctional, SoftmaxValues) {
  const Tensor x = x34();
  EXPECT_TENSOR_CLOSE(softmax(x, 1), f({0.1596936, 0.0277506, 0.7156968, 0.096859, 0.7936095, 0.1770782, 0.0239649,
                                        0.0053473, 0.1979325, 0.3263356, 0.0567086, 0.4190232}, {3, 4}), 1e-5, 1e-6);
  EXPECT_TENSOR_CLOSE(softmax(x, 0), f({0.0716266, 0.0416117, 0.8834921, 0.2594965, 0.8725905, 0.6509169, 0.0725214,
                                        0.035119, 0.0557828, 0.3074714, 0.0439865, 0.7053845}, {3, 4}), 1e-5, 1e-6);
  EXPECT_TENSOR_CLOSE(log_softmax(x, -1), f({-1.8344986, -3.5844986, -0.3344986, -2.3344986, -0.2311638, -1.7311637,
                                             -3.7311637, -5.231164, -1.6198289, -1.1198289, -2.8698289, -0.869829}, {3, 4}),
                      1e-5, 1e-5);
  // Non-contiguous input and 16-bit dtypes.
  EXPECT_TENSOR_CLOSE(softmax(x.t(), 0), softmax(x, 1).t(), 1e-6, 1e-7);
  EXPECT_TENSOR_CLOSE(softmax(x.to(DType::F16), 1).to(DType::F32), softmax(x, 1), 1e-3, 1e-3);
  EXPECT_TENSOR_CLOSE(log_softmax(x.to(DType::BF16), 0).to(DType::F32), log_softmax(x, 0), 1e-2, 1e-2);
  // Large logits stay finite (shifted by the row max).
  EXPECT_TENSOR_CLOSE(softmax(tensor({1000.f, 1000.f}), 0), tensor({0.5f, 0.5f}));
  EXPECT_FLOAT_EQ(softmax(scalar_tensor(3.0), 0).item<float>(), 1.f);
  EXPECT_EQ(softmax(zeros({2, 0}), 1).shape(), Shape({2, 0}));
}

TEST(NnFunctional, SoftmaxBackwardFusedMatchesComposite) {
  // create_graph=false may use the fused kernel; create_graph=true uses the composite: same numbers.
  const Tensor x = make_input({5, 7}, DType::F64, -2, 2, 1).requires_grad_();
  const Tensor w = make_input({5, 7}, DType::F64, -1, 1, 2);
  for (bool log : {false, true}) {
    auto loss = [&] { return sum((log ? log_softmax(x, 1) : softmax(x, 1)) * w); };
    TensorList g1 = grad({loss()}, {x});
    TensorList g2 = grad({loss()}, {x}, {}, false, true);
    EXPECT_TENSOR_CLOSE(g1[0], g2[0], 1e-12, 1e-12);
  }
}

TEST(NnFunctional, MaskedSoftmax) {
  const Tensor x = x34();
  const Tensor mask = tensor({true, false, true, true, false, false, false, false, true, true, true, true}).reshape({3, 4});
  const Tensor y = masked_softmax(x, mask, 1);
  const Tensor kept = softmax(tensor({0.5f, 2.f, 0.f}), 0);
  EXPECT_TENSOR_CLOSE(y[0], tensor({kept[0].item<float>(), 0.f, kept[1].item<float>(), kept[2].item<float>()}));
  EXPECT_TENSOR_EQ(y[1], zeros({4}));  // fully masked row: zeros, not NaN
  EXPECT_TENSOR_CLOSE(y[2], softmax(x[2], 0));
  // Broadcast mask (one per column) and the gradient of a fully masked row is finite (zero).
  const Tensor xg = x.to(DType::F64).requires_grad_();
  Tensor l = sum(masked_softmax(xg, tensor({false, false, false, false}), 1) * 2.0);
  l.backward();
  EXPECT_TENSOR_EQ(xg.grad(), zeros({3, 4}, DType::F64));
  EXPECT_TZ_ERROR(masked_softmax(x, tensor({1.f, 0.f, 1.f, 1.f}), 1), "[masked_softmax] mask must be bool");
}

TEST(NnFunctional, LayerNormValues) {
  const Tensor x = x34();
  const Tensor w = tensor({1.5f, -0.5f, 2.f, 1.f}), b = tensor({0.1f, 0.2f, -0.3f, 0.f});
  EXPECT_TENSOR_CLOSE(layer_norm(x, {4}, w, b),
                      f({0.3415718, 0.8710327, 2.5988615, -0.2684131, 2.0695937, -0.0626125, -1.3504498, -1.3130624, 0.1,
                         -0.1244401, -3.5444012, 0.9733204}, {3, 4}), 1e-5, 1e-5);
  EXPECT_TENSOR_CLOSE(layer_norm(x, {3, 4}),
                      f({0.1066619, -1.1732813, 1.2037562, -0.2590361, 1.9351522, 0.8380581, -0.6247342, -1.7218285,
                         -0.0761871, 0.289511, -0.9904323, 0.47236}, {3, 4}), 1e-5, 1e-5);
  // The fused kernel and the composite agree: strided input, f64, and f16 against f32.
  const Tensor big = make_input({6, 33}, DType::F64, -3, 3, 1);
  const Tensor xc = big - mean(big, {1}, true);
  EXPECT_TENSOR_CLOSE(layer_norm(big, {33}), xc * rsqrt(mean(xc * xc, {1}, true) + 1e-5), 1e-12, 1e-12);
  EXPECT_TENSOR_CLOSE(layer_norm(x.t(), {3}), layer_norm(x.t().contiguous(), {3}));
  EXPECT_TENSOR_CLOSE(layer_norm(x.to(DType::F16), {4}, w.to(DType::F16), b.to(DType::F16)).to(DType::F32),
                      layer_norm(x, {4}, w, b), 1e-2, 1e-2);
  EXPECT_TZ_ERROR(layer_norm(x, {3}), "[layer_norm] given normalized_shape=[3]");
  EXPECT_TZ_ERROR(layer_norm(x, {4}, tensor({1.f, 2.f})), "[layer_norm] weight");
}

TEST(NnFunctional, RmsNormValues) {
  const Tensor x = x34();
  const Tensor w = tensor({1.5f, -0.5f, 2.f, 1.f});
  EXPECT_TENSOR_CLOSE(rms_norm(x, {4}, w), f({0.622171, 0.5184758, 3.3182454, 0.0, 2.2860022, -0.3810004, -0.5080005,
                                              -1.016001, 0.46291, -0.46291, -2.4688532, 1.2344266}, {3, 4}), 1e-5, 1e-5);
  EXPECT_TENSOR_CLOSE(rms_norm(x, {4}), f({0.4147807, -1.0369517, 1.6591227, 0.0, 1.5240015, 0.7620007, -0.2540002,
                                           -1.016001, 0.3086067, 0.92582, -1.2344266, 1.2344266}, {3, 4}), 1e-5, 1e-5);
  // The default eps is the dtype's epsilon: an all-zero row gives 0, a tiny row is ~ +-1.
  EXPECT_TENSOR_EQ(rms_norm(zeros({1, 3}), {3}), zeros({1, 3}));
  EXPECT_NEAR(rms_norm(full({1, 2}, 1e-3, DType::F64), {2})[0][0].item<double>(), 1.0, 1e-9);
  EXPECT_NEAR(rms_norm(full({1, 2}, 1e-3, DType::F64), {2}, {}, 1e-6)[0][0].item<double>(), 1.0 / std::sqrt(2.0), 1e-9);
}

TEST(NnFunctional, BatchNormTrainingUpdatesRunningStats) {
  const Tensor x = f({1, 2, 0.5, -1, 3, 0, -2, 0.5, 1.5, 2.5, 1, -1}, {2, 3, 2});
  Tensor rm = tensor({0.1f, -0.2f, 0.3f}), rv = tensor({1.f, 0.5f, 2.f});
  const Tensor w = tensor({1.f, 2.f, -1.f}), b = tensor({0.f, 0.5f, 1.f});
  const Tensor y = batch_norm(x, rm, rv, w, b, true, 0.2, 1e-5);
  EXPECT_TENSOR_CLOSE(y, f({0.4240935, 1.102643, -0.0800402, -2.4002008, -0.5212741, 1.5070914, -1.6115553, 0.0848187,
                            1.4667337, 3.0135074, 0.8309696, 2.1832132}, {2, 3, 2}), 1e-5, 1e-5);
  EXPECT_TENSOR_CLOSE(rm, tensor({0.155f, 0.015f, 0.39f}), 1e-5, 1e-6);
  EXPECT_TENSOR_CLOSE(rv, tensor({1.3791667f, 0.8458334f, 2.1833334f}), 1e-5, 1e-6);  // unbiased variance
  const Tensor ye = batch_norm(x, rm, rv, w, b, false, 0.2, 1e-5);
  EXPECT_TENSOR_CLOSE(ye, f({0.7195264, 1.5710371, 1.5546948, -1.7072476, -0.7663611, 1.263939, -1.8350053, 0.2937711,
                             3.7293229, 5.9039512, 0.5871723, 1.9407058}, {2, 3, 2}), 1e-5, 1e-5);
  EXPECT_TENSOR_CLOSE(rm, tensor({0.155f, 0.015f, 0.39f}), 1e-5, 1e-6);  // eval leaves them alone
  // Without running stats training still normalises with batch statistics.
  EXPECT_EQ(batch_norm(x, {}, {}, {}, {}, true).shape(), x.shape());
  EXPECT_TZ_ERROR(batch_norm(x, {}, {}, {}, {}, false), "must be defined in evaluation mode");
  EXPECT_TZ_ERROR(batch_norm(zeros({1, 3}), {}, {}, {}, {}, true), "more than 1 value per channel");
  EXPECT_TZ_ERROR(batch_norm(x, zeros({2}), ones({2}), {}, {}, true), "[batch_norm] per-channel tensors must be [3]");
}

TEST(NnFunctional, GroupNormValues) {
  const Tensor x = sin(arange(24, TensorOptions(DType::F32))).reshape({2, 4, 3});
  const Tensor y = group_norm(x, 2, tensor({1.f, 2.f, 0.5f, -1.f}), tensor({0.f, 1.f, 0.f, -1.f}));
  EXPECT_TENSOR_CLOSE(y, f({-0.0412342, 1.140545, 1.2358018, 1.3139154, -1.2082064, -1.7759345, -0.2273633, 0.4409082,
                            0.6781082, -1.5323119, -0.1675972, 0.4832154, -0.8431333, 0.5418377, 1.3676037, 2.7499185,
                            0.0336787, -1.9162134, -0.5831955, 0.0736196, 0.6299681, -2.1486914, -0.915783, 0.305259},
                           {2, 4, 3}), 1e-5, 1e-5);
  EXPECT_TZ_ERROR(group_norm(x, 3), "to be divisible by num_groups=3");
}

TEST(NnFunctional, Dropout) {
  const Tensor x = ones({200, 500});
  manual_seed(7);
  const Tensor y = dropout(x, 0.3);
  const double dropped = sum(eq(y, 0.0)).item<double>() / double(x.numel());
  EXPECT_NEAR(dropped, 0.3, 0.01);
  // Survivors are scaled by 1/(1-p).
  EXPECT_NEAR(sum(y).item<double>() / double(x.numel()), 1.0, 0.02);
  EXPECT_TENSOR_CLOSE(where(eq(y, 0.0), 1.0 / 0.7, y), full({200, 500}, 1.0 / 0.7), 1e-6, 1e-6);
  manual_seed(7);
  EXPECT_TENSOR_EQ(dropout(x, 0.3), y);  // same seed, same mask
  EXPECT_GT(sum(ne(dropout(x, 0.3), y)).item<int64_t>(), 0);  // the stream moved on
  EXPECT_TRUE(dropout(x, 0.3, false).is_same(x));
  EXPECT_TENSOR_EQ(dropout(x, 1.0), zeros({200, 500}));
  EXPECT_TENSOR_EQ(dropout(x, 0.0), x);
  EXPECT_TZ_ERROR(dropout(x, 1.5), "[dropout] probability has to be between 0 and 1");
}

}  // namespace
}  // namespace tz::test
