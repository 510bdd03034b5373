// The CUDA resampling kernel (cuda_resample.cu) on the CPU kernel emulator, driven by the public
// ops: on the test device ext3 (emulated_device.h) every kernel is the CPU backend's except
// `resample`, which is the emulated CUDA kernel, so interpolate (every mode, align_corners both
// ways, sizes and scale factors, up and down, odd sizes), adaptive average/max pooling and the
// pooling composites' padding and window sums build their real tap tables, and the autograd
// backward runs the transposed tables through the same kernel. Outputs and input gradients are compared
// with the same ops on CPU tensors (the CPU resample kernel). Direct calls add strided views, a
// middle dim, and zero-weight taps over inf/NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "tensorzoo.h"
#include "tests/cuda_emu/emulated_device.h"
#include "tests/cuda_emu/emulated_entry_points.h"
#include "tests/support/test_support.h"

namespace {

using namespace tz;
using test::make_input;

using cuda_emu_tests::EmulatedFamily;

Device emulated() { return cuda_emu_tests::emulated_device(EmulatedFamily::resample); }
cuda_emu_tests::EmulatedCalls& calls() { return cuda_emu_tests::emulated_calls(EmulatedFamily::resample); }

double tolerance(DType dt) {
  switch (dt) {
    case DType::F64: return 1e-12;
    case DType::F32: return 1e-5;
    case DType::F16: return 2e-3;
    default: return 1.6e-2;
  }
}

/// f on CPU leaves and on their ext3 copies: same output, same gradient of sum(out * probe);
/// and the emulated kernel ran in the forward and again in the backward.
void expect_same_on_both(const Tensor& x, const std::function<Tensor(const Tensor&)>& f, const std::string& what) {
  SCOPED_TRACE(what + " " + dtype_name(x.dtype()));
  const Tensor x_cpu = x.detach().clone().requires_grad_(true);
  const Tensor x_emu = x.detach().to(emulated()).requires_grad_(true);
  calls() = {};
  const Tensor y_cpu = f(x_cpu), y_emu = f(x_emu);
  ASSERT_GT(calls().calls, 0) << "the emulated kernel did not run";
  const double tol = tolerance(x.dtype());
  EXPECT_TENSOR_CLOSE(y_emu.cpu().to(DType::F64), y_cpu.to(DType::F64), tol, tol);
  const Tensor probe = make_input(y_cpu.shape(), y_cpu.dtype(), -1, 1, 99);
  const int forward_calls = calls().calls;
  sum(y_cpu * probe).backward();
  sum(y_emu * probe.to(emulated())).backward();
  EXPECT_GT(calls().calls, forward_calls) << "the backward did not resample";
  ASSERT_TRUE(x_emu.grad().defined());
  EXPECT_TENSOR_CLOSE(x_emu.grad().cpu().to(DType::F64), x_cpu.grad().to(DType::F64), 4 * tol, 4 * tol);
}

class EmulatedResample : public ::testing::TestWithParam<DType> {};

TEST_P(EmulatedResample, NearestUpDownAndScale) {
  const Tensor x = make_input({2, 3, 5, 7}, GetParam(), -2, 2, 1);
  expect_same_on_both(x, [](const Tensor& t) { return interpolate(t, {9, 4}); }, "nearest 9x4");
  expect_same_on_both(x, [](const Tensor& t) { return interpolate(t, {}, {1.7, 0.6}); }, "nearest scale 1.7, 0.6");
  expect_same_on_both(make_input({2, 3, 7}, GetParam(), -2, 2, 2), [](const Tensor& t) { return interpolate(t, {3}); },
                      "nearest 1d 7->3");
  expect_same_on_both(make_input({1, 2, 3, 4, 5}, GetParam(), -2, 2, 3),
                      [](const Tensor& t) { return interpolate(t, {5, 3, 6}); }, "nearest 3d");
}

TEST_P(EmulatedResample, LinearModesBothAlignCorners) {
  for (bool corners : {false, true}) {
    const std::string c = corners ? " align_corners" : "";
    expect_same_on_both(make_input({2, 3, 7}, GetParam(), -2, 2, 4),
                        [corners](const Tensor& t) { return interpolate(t, {11}, {}, "linear", corners); },
                        "linear 7->11" + c);
    expect_same_on_both(make_input({2, 3, 7}, GetParam(), -2, 2, 5),
                        [corners](const Tensor& t) { return interpolate(t, {3}, {}, "linear", corners); },
                        "linear 7->3" + c);
    expect_same_on_both(make_input({2, 2, 5, 6}, GetParam(), -2, 2, 6),
                        [corners](const Tensor& t) { return interpolate(t, {9, 3}, {}, "bilinear", corners); },
                        "bilinear 5x6->9x3" + c);
    expect_same_on_both(make_input({1, 2, 3, 4, 5}, GetParam(), -2, 2, 7),
                        [corners](const Tensor& t) { return interpolate(t, {5, 3, 7}, {}, "trilinear", corners); },
                        "trilinear" + c);
  }
  expect_same_on_both(make_input({2, 2, 5, 6}, GetParam(), -2, 2, 8),
                      [](const Tensor& t) { return interpolate(t, {}, {1.5, 0.7}, "bilinear", false); },
                      "bilinear scale 1.5, 0.7");
}

TEST_P(EmulatedResample, BicubicBothAlignCorners) {
  for (bool corners : {false, true}) {
    // Four taps, clamped at both borders (5 -> 9 up, 6 -> 3 down).
    expect_same_on_both(make_input({1, 2, 5, 6}, GetParam(), -2, 2, 9),
                        [corners](const Tensor& t) { return interpolate(t, {9, 3}, {}, "bicubic", corners); },
                        std::string("bicubic") + (corners ? " align_corners" : ""));
  }
}

TEST_P(EmulatedResample, AreaAndAdaptivePooling) {
  const Tensor x = make_input({2, 3, 7, 5}, GetParam(), -2, 2, 10);
  expect_same_on_both(x, [](const Tensor& t) { return interpolate(t, {3, 4}, {}, "area"); }, "area 7x5->3x4");
  expect_same_on_both(x, [](const Tensor& t) { return adaptive_avg_pool2d(t, {4, 3}); }, "adaptive avg 7x5->4x3");
  expect_same_on_both(make_input({2, 3, 9}, GetParam(), -2, 2, 11),
                      [](const Tensor& t) { return adaptive_avg_pool1d(t, {4}); }, "adaptive avg 1d 9->4");
  expect_same_on_both(make_input({1, 2, 5, 4, 3}, GetParam(), -2, 2, 12),
                      [](const Tensor& t) { return adaptive_avg_pool3d(t, {2, 3, 2}); }, "adaptive avg 3d");
  expect_same_on_both(x, [](const Tensor& t) { return adaptive_max_pool2d(t, {3, 2}); }, "adaptive max 7x5->3x2");
}

// The pooling composites (the test backend has no pool kernel) pad and sum windows by resampling.
TEST_P(EmulatedResample, PoolingCompositesPadAndSumWindows) {
  const Tensor x = make_input({2, 3, 7, 6}, GetParam(), -2, 2, 13);
  expect_same_on_both(x, [](const Tensor& t) { return avg_pool2d(t, {3, 2}, {2, 2}, {1, 1}); }, "avg pool padded");
  expect_same_on_both(x, [](const Tensor& t) { return avg_pool2d(t, {3, 3}, {2, 2}, {1, 0}, true, false); },
                      "avg pool ceil_mode, pad excluded");
  expect_same_on_both(x, [](const Tensor& t) { return max_pool2d(t, {3, 2}, {2, 1}, {1, 1}); }, "max pool padded");
}

// Inputs that are not contiguous: the kernel's offset calculator walks their strides.
TEST_P(EmulatedResample, StridedInputs) {
  const Tensor nhwc = make_input({2, 5, 6, 3}, GetParam(), -2, 2, 14);
  calls() = {};
  expect_same_on_both(
      nhwc, [](const Tensor& t) { return interpolate(t.permute({0, 3, 1, 2}), {8, 4}, {}, "bilinear", false); },
      "bilinear of a channels-last view");
  expect_same_on_both(nhwc, [](const Tensor& t) { return interpolate(t.permute({0, 3, 2, 1}), {3, 7}, {}, "nearest"); },
                      "nearest of a transposed view");
  EXPECT_GT(calls().strided, 0) << "the views reached the kernel contiguous";
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedResample, ::testing::Values(DType::F32, DType::F64, DType::F16, DType::BF16),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

/// The kernel called directly on a middle dim of strided views, against a loop written here;
/// zero-weight taps point at inf and NaN, which must not reach the output.
TEST(EmulatedResampleDirect, MiddleDimOfStridedViewsSkipsZeroWeightTaps) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  // in: [3, 4, 5] viewed from a [3, 5, 4] buffer (last two dims swapped), resampled along dim 1.
  Tensor base = make_input({3, 5, 4}, DType::F64, -2, 2, 15);
  base.select(2, 3).fill_(inf);  // in[:, 3, :] = inf
  base.select(1, 4).select(1, 2).fill_(nan);  // in[:, 2, 4] = NaN
  const Tensor in = base.transpose(1, 2);
  ResampleParams p;
  p.dim = 1;
  p.taps = 3;
  // Six outputs, three taps each; every tap on row 3 (inf) or row 2 (NaN in column 4) has weight 0.
  p.index = {0, 3, 1, 1, 2, 3, 3, 0, 2, 2, 2, 1, 0, 0, 0, 3, 3, 3};
  p.weight = {0.5, 0.0, 0.25, -1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.75, 1.0, -0.5, 0.125, 0.0, 0.0, 0.0};
  // out: [3, 6, 5] stored as [6, 5, 3] and permuted: its strides differ from in's in every dim.
  Tensor out_storage = full({6, 5, 3}, 7.0, TensorOptions(DType::F64));
  Tensor out = out_storage.permute({2, 0, 1});
  ASSERT_TRUE(cuda_emu_tests::resample(out.kernel_view(), in.kernel_view(), p));
  const std::vector<double> got = out.contiguous().to_vector<double>(), src = in.contiguous().to_vector<double>();
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t o = 0; o < 6; ++o)
      for (int64_t c = 0; c < 5; ++c) {
        double want = 0;
        for (int64_t t = 0; t < 3; ++t) {
          const double w = p.weight[size_t(o * 3 + t)];
          if (w != 0.0) want += w * src[size_t((a * 4 + p.index[size_t(o * 3 + t)]) * 5 + c)];
        }
        EXPECT_NEAR(got[size_t((a * 6 + o) * 5 + c)], want, 1e-14) << "a " << a << " o " << o << " c " << c;
      }
}

}  // namespace
