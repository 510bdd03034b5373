// Convolution family values against PyTorch (numbers pasted from torch 2.x on the pattern inputs
// below), oneDNN against the reference loops, the composite path, and error messages.
#include "autograd/conv_internal.h"
#include "backends/cpu/cpu_conv.h"
#include "core/dispatch.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

/// ((i % m) - m / 2) * scale in row-major order: PyTorch's
/// ((torch.arange(n) % m) - m // 2) * scale, reshaped.
Tensor pat(const Shape& shape, int64_t m, double scale, DType dt = DType::F32) {
  std::vector<double> v(size_t(numel_of(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(int64_t(i) % m - m / 2) * scale;
  return from_vector<double>(v, shape).to(dt);
}

Tensor expect(const Shape& shape, std::vector<double> v) { return from_vector<double>(v, shape); }

/// Runs fn with oneDNN on and off (the reference loops), restoring the setting.
template <class F>
void both_paths(F fn) {
  for (bool onednn : {true, false}) {
    cpu::set_conv_onednn_enabled(onednn);
    SCOPED_TRACE(onednn ? "oneDNN" : "reference");
    fn();
  }
  cpu::set_conv_onednn_enabled(true);
}

const std::vector<DType> kExactish{DType::F32, DType::F64};

TEST(Conv, Conv2dStridePaddingBias) {
  for (DType dt : kExactish) both_paths([&] {
    Tensor y = conv2d(pat({1, 2, 4, 5}, 7, 0.25, dt), pat({3, 2, 3, 3}, 5, 0.1, dt), tensor({0.1, -0.2, 0.3}).to(dt), {2}, {1});
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_TENSOR_CLOSE(y, expect({1, 3, 2, 3}, {0.02500000037, -0.400000006, 0.400000006, -0.07500000112, 0.3250000048,
                                                 0.1250000019, -0.5500000082, 0.7500000112, -0.3750000056, 0, -0.400000006,
                                                 -0.6000000089, 1.050000023, -0.1749999952, 0.2750000115, 0.1250000093,
                                                 -0.07499999367, 1.100000024}), 1e-5, 1e-5);
  });
}

TEST(Conv, Conv2dGroupsDilationAsymmetricPadding) {
  for (DType dt : kExactish) both_paths([&] {
    // padding {top, bottom, left, right} = {1, 0, 2, 1}: PyTorch's F.pad(x, (2, 1, 1, 0)) then conv.
    Tensor y = conv2d(pat({1, 4, 5, 5}, 7, 0.25, dt), pat({4, 2, 2, 2}, 5, 0.1, dt), {}, {2}, {1, 0, 2, 1}, {2}, 2);
    EXPECT_TENSOR_CLOSE(y, expect({1, 4, 2, 3}, {0.05, -0.05, -0.05, -0.05, -0.175, 0.2, 0, -0.125, 0.075, 0.025, 0.275, -0.2,
                                                 0.15, 0.025, -0.125, 0.025, -0.15, 0.2, 0, -0.125, 0.025, -0.225, 0.275, -0.125}),
                        1e-5, 1e-5);
  });
}

TEST(Conv, Conv1dDepthwiseBatchless) {
  both_paths([&] {
    Tensor y = conv1d(pat({3, 7}, 7, 0.25), pat({3, 1, 3}, 5, 0.1), {}, {2}, {1}, {1}, 3);
    EXPECT_TENSOR_CLOSE(y, expect({3, 4}, {0.075, 0.125, -0.025, -0.175, -0.05, -0.1, -0.05, 0.2, -0.05, 0.05, 0.05, -0.05}),
                        1e-5, 1e-5);
  });
}

TEST(Conv, Conv3dBias) {
  for (DType dt : kExactish) both_paths([&] {
    Tensor y = conv3d(pat({1, 2, 3, 4, 4}, 7, 0.25, dt), pat({2, 2, 2, 2, 2}, 5, 0.1, dt), tensor({0.5, -0.5}).to(dt), {1, 2, 2});
    EXPECT_TENSOR_CLOSE(y, expect({1, 2, 2, 2, 2}, {0.45, 0.175, 0.75, 0.3, 0.175, 0.95, 0.3, 0.375, -0.3, -0.525, -0.5, -0.725,
                                                    -0.525, -0.4, -0.725, -0.425}), 1e-5, 1e-5);
  });
}

TEST(Conv, Conv2dSamePaddingEvenKernel) {
  Tensor x = pat({1, 1, 3, 4}, 7, 0.25), w = pat({1, 1, 2, 2}, 5, 0.1);
  Tensor y = conv2d(x, w, {}, {1}, std::string("same"));
  EXPECT_TENSOR_CLOSE(y, expect({1, 1, 3, 4}, {0.25, 0.2, -0.025, 0, -0.125, -0.175, -0.05, 0.15, 0.125, 0.05, -0.025, -0.05}),
                      1e-5, 1e-5);
  EXPECT_EQ(conv2d(x, w, {}, {1}, std::string("valid")).shape(), Shape({1, 1, 2, 3}));
}

TEST(Conv, ConvTranspose2dOutputPaddingBias) {
  for (DType dt : kExactish) both_paths([&] {
    Tensor y = conv_transpose2d(pat({1, 2, 2, 3}, 7, 0.25, dt), pat({2, 1, 3, 3}, 5, 0.1, dt), tensor({0.5}).to(dt), {2}, {1}, {1});
    EXPECT_TENSOR_CLOSE(y, expect({1, 1, 4, 6}, {0.425, 0.75, 0.325, 0.425, 0.4, 0.45, 0.475, 0.6, 0.55, 0.525, 0.45, 0.45,
                                                 0.475, 0.475, 0.55, 0.5, 0.625, 0.45, 0.525, 0.475, 0.5, 0.425, 0.475, 0.55}),
                        1e-5, 1e-5);
  });
}

TEST(Conv, ConvTranspose1dGroupsDilation) {
  both_paths([&] {
    Tensor y = conv_transpose1d(pat({1, 4, 3}, 7, 0.25), pat({4, 1, 2}, 5, 0.1), {}, {1}, {0}, {0}, 2, {2});
    EXPECT_TENSOR_CLOSE(y, expect({1, 2, 5}, {0.15, 0.1, 0.125, 0.075, 0.075, 0.175, -0.15, -0.275, 0.15, 0.1}), 1e-5, 1e-5);
  });
}

TEST(Conv, ConvTranspose3d) {
  both_paths([&] {
    Tensor y = conv_transpose3d(pat({1, 1, 2, 2, 2}, 7, 0.25), pat({1, 2, 2, 2, 2}, 5, 0.1), {}, {2}, {1});
    EXPECT_TENSOR_CLOSE(y, expect({1, 2, 2, 2, 2}, {0, 0.05, 0.05, 0, 0.025, 0, -0.075, 0.15, 0.15, -0.1, -0.025, 0, -0.025, -0.1,
                                                    0.15, -0.075}), 1e-5, 1e-5);
  });
}

TEST(Conv, Im2colAndFold) {
  Tensor cols = im2col(pat({1, 1, 3, 3}, 7, 0.25), {2}, {1}, {1}, {2});
  EXPECT_TENSOR_CLOSE(cols, expect({1, 4, 4}, {0, 0, 0, 0.25, 0, 0, 0, 0.5, 0, -0.5, 0, -0.75, -0.75, -0.25, 0.75, -0.5}), 0, 1e-6);
  Tensor y = fold(pat({1, 8, 4}, 7, 0.25), {3, 3}, {2});
  EXPECT_TENSOR_CLOSE(y, expect({1, 2, 3, 3}, {-0.75, -0.25, 0.5, -0.75, 1, 0, 0, -0.5, -0.5, -0.25, 0.75, -0.75, 0.25, -0.5, -0.75,
                                               0.5, 0.5, 0}), 0, 1e-6);
  // Batchless forms drop the batch dim.
  EXPECT_EQ(im2col(pat({2, 4, 4}, 7, 0.25), {3}).shape(), Shape({18, 4}));
  EXPECT_EQ(fold(pat({8, 4}, 7, 0.25), {3, 3}, {2}).shape(), Shape({2, 3, 3}));
}

TEST(Conv, GradientsMatchPyTorch) {
  for (DType dt : kExactish) both_paths([&] {
    Tensor x = pat({1, 2, 3, 3}, 7, 0.25, dt).requires_grad_(), w = pat({2, 1, 2, 2}, 5, 0.1, dt).requires_grad_();
    Tensor b = tensor({0.3, -0.1}).to(dt).requires_grad_();
    Tensor y = conv2d(x, w, b, {2}, {1}, {1}, 2);
    EXPECT_TENSOR_CLOSE(y, expect({1, 2, 2, 2}, {0.225, 0.275, 0.375, 0.15, -0.1, -0.1, -0.2, 0.225}), 1e-5, 1e-5);
    (y * pat(y.shape(), 3, 0.5, dt)).sum().backward();
    EXPECT_TENSOR_CLOSE(x.grad(), expect({1, 2, 3, 3}, {-0.05, 0, 0, -0.05, 0.1, 0.05, 0.05, 0, -0.05, 0, -0.05, 0, 0.1, 0, 0, 0, 0, 0}),
                        1e-5, 1e-5);
    EXPECT_TENSOR_CLOSE(w.grad(), expect({2, 1, 2, 2}, {-0.125, -0.25, 0.375, 1, 0, -0.25, 0, 0.375}), 1e-5, 1e-5);
    EXPECT_TENSOR_CLOSE(b.grad(), expect({2}, {-0.5, 0}), 1e-5, 1e-5);
  });
}

TEST(Conv, TransposedOutputPaddingBelowDilation) {
  // output_padding 1 >= stride 1 is allowed because it is below dilation 2; the extra output
  // column receives no input, and its adjoint drops the conv's extra output.
  both_paths([&] {
    Tensor x = pat({1, 1, 3}, 7, 0.25).requires_grad_(), w = pat({1, 1, 2}, 5, 0.1).requires_grad_();
    Tensor y = conv_transpose1d(x, w, {}, {1}, {0}, {1}, 1, {2});
    EXPECT_TENSOR_CLOSE(y, expect({1, 1, 6}, {0.15, 0.1, 0.125, 0.05, 0.025, 0}), 1e-5, 1e-5);
    (y * pat(y.shape(), 3, 0.5)).sum().backward();
    EXPECT_TENSOR_CLOSE(x.grad(), expect({1, 1, 3}, {0.05, 0.05, -0.1}), 1e-5, 1e-5);
    EXPECT_TENSOR_CLOSE(w.grad(), expect({1, 1, 2}, {0.25, -0.125}), 1e-5, 1e-5);
  });
}

TEST(Conv, NonContiguousInputs) {
  Tensor x = pat({1, 2, 5, 4}, 7, 0.25), w = pat({3, 2, 3, 3}, 5, 0.1);
  Tensor xt = x.transpose(2, 3);  // [1, 2, 4, 5], strided
  EXPECT_TENSOR_CLOSE(conv2d(xt, w, {}, {1}, {1}), conv2d(xt.contiguous(), w, {}, {1}, {1}), 1e-6, 1e-6);
}

TEST(Conv, HalfPrecisionFollowsFloat) {
  Tensor x = pat({2, 3, 6, 5}, 7, 0.25), w = pat({4, 3, 3, 3}, 5, 0.1), b = tensor({0.1, -0.2, 0.3, 0.0});
  Tensor ref = conv2d(x, w, b, {1}, {1});
  for (DType dt : {DType::F16, DType::BF16}) {
    Tensor y = conv2d(x.to(dt), w.to(dt), b.to(dt), {1}, {1});
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_TENSOR_CLOSE(y, ref, 2e-2, 2e-2);
    Tensor yt = conv_transpose2d(x.to(dt), w.transpose(0, 1).contiguous().to(dt), {}, {2}, {1}, {1});
    EXPECT_TENSOR_CLOSE(yt, conv_transpose2d(x, w.transpose(0, 1).contiguous(), {}, {2}, {1}, {1}), 2e-2, 2e-2);
  }
}

TEST(Conv, EmptyBatchAndChannels) {
  Tensor y = conv2d(zeros({0, 2, 4, 4}), ones({3, 2, 3, 3}));
  EXPECT_EQ(y.shape(), Shape({0, 3, 2, 2}));
  // Zero input channels: only the bias remains.
  Tensor z = conv2d(zeros({1, 0, 4, 4}), ones({2, 0, 3, 3}), tensor({1.5f, -2.f}));
  EXPECT_TENSOR_CLOSE(z, tensor({1.5f, -2.f}).view({1, 2, 1, 1}).expand({1, 2, 2, 2}), 0, 0);
}

/// oneDNN and the reference loops agree on forward, input and weight gradients over random
/// problems (groups, strides, dilations, asymmetric padding, transposed).
TEST(Conv, OneDnnMatchesReference) {
  if (!cpu::conv_onednn_available()) GTEST_SKIP() << "built without oneDNN";
  uint64_t seed = 11;
  int draws = 0;
  for (int n = 1; n <= 3; ++n) {
    for (int trial = 0; trial < 6; ++trial, ++seed) {
      auto pick = [&](int64_t lo, int64_t hi) { return lo + int64_t((seed * 2654435761u + uint64_t(draws++) * 40503u) % uint64_t(hi - lo + 1)); };
      const int64_t groups = pick(1, 2), cg = pick(1, 3), og = pick(1, 3), batch = pick(1, 2);
      const bool transposed = trial % 3 == 2;
      Shape xs{batch, groups * (transposed ? og : cg)}, ws;
      ws = transposed ? Shape{groups * og, cg} : Shape{groups * og, cg};
      ConvParams p;
      p.groups = groups;
      p.transposed = transposed;
      for (int d = 0; d < n; ++d) {
        const int64_t k = pick(1, 3);
        ws.push_back(k);
        p.stride.push_back(pick(1, 2));
        p.dilation.push_back(pick(1, 2));
        p.padding_begin.push_back(pick(0, 2));
        p.padding_end.push_back(transposed ? p.padding_begin.back() : pick(0, 2));
        p.output_padding.push_back(transposed ? pick(0, p.stride.back() - 1) : 0);
        xs.push_back(pick(5, 8));
      }
      Tensor x = make_input(xs, DType::F32, -1, 1, seed), w = make_input(ws, DType::F32, -1, 1, seed + 100);
      Tensor b = make_input({transposed ? groups * cg : groups * og}, DType::F32, -1, 1, seed + 200);
      TensorList results[2];
      for (int path = 0; path < 2; ++path) {
        cpu::set_conv_onednn_enabled(path == 0);
        Tensor xg = x.detach().requires_grad_(), wg = w.detach().requires_grad_();
        Tensor y = convolution(xg, wg, b, p);
        (y * make_input(y.shape(), DType::F32, -1, 1, seed + 300)).sum().backward();
        results[path] = {y, xg.grad(), wg.grad()};
      }
      cpu::set_conv_onednn_enabled(true);
      SCOPED_TRACE(cat_str("problem x", shape_str(xs), " w", shape_str(ws), " groups ", groups, " transposed ", transposed,
                           " stride ", shape_str(p.stride), " dilation ", shape_str(p.dilation), " pad ",
                           shape_str(p.padding_begin), shape_str(p.padding_end)));
      for (int i = 0; i < 3; ++i) EXPECT_TENSOR_CLOSE(results[0][size_t(i)], results[1][size_t(i)], 1e-4, 1e-4);
    }
  }
}

TEST(Conv, CompositeMatchesKernels) {
  // The composite path needs the backend matmul kernel (linalg family); skip until it lands.
  try {
    Tensor a = ones({1, 2, 2}, DType::F64), out = empty({1, 2, 2}, DType::F64);
    dispatch::backend_of(a).matmul(out.kernel_view(), a.kernel_view(), a.kernel_view(), false);
  } catch (const Error&) {
    GTEST_SKIP() << "matmul kernel not available yet";
  }
  ConvParams p{{2, 1}, {1, 0}, {0, 2}, {1, 2}, {0, 0}, 2, false};
  Tensor x = make_input({2, 4, 6, 7}, DType::F64, -1, 1, 1), w = make_input({6, 2, 3, 2}, DType::F64, -1, 1, 2);
  Tensor b = make_input({6}, DType::F64, -1, 1, 3);
  Tensor y = detail::raw_conv_forward(x, w, b, p);
  EXPECT_TENSOR_CLOSE(detail::conv_forward_composite(x, w, b, p), y, 1e-10, 1e-10);
  Tensor gy = make_input(y.shape(), DType::F64, -1, 1, 4);
  EXPECT_TENSOR_CLOSE(detail::conv_grad_input_composite(gy, w, p, x.shape()), detail::raw_conv_grad_input(gy, w, p, x.shape()),
                      1e-10, 1e-10);
  EXPECT_TENSOR_CLOSE(detail::conv_grad_weight_composite(gy, x, p, w.shape()), detail::raw_conv_grad_weight(gy, x, p, w.shape()),
                      1e-10, 1e-10);
}

TEST(Conv, Errors) {
  EXPECT_TZ_ERROR(conv2d(zeros({1, 3, 5, 5}), zeros({4, 2, 3, 3})), "[conv2d] expected input [1, 3, 5, 5]");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 3, 5, 5}), zeros({4, 2, 3, 3})), "to have 2 channels");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 4, 2, 2}), zeros({4, 4, 3, 3})), "smaller than the dilated kernel size 3");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3}), {}, {1}, {0}, {1}, 2), "not divisible by groups=2");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 2, 5, 5}), zeros({4, 2, 3, 3}), {}, {0}), "stride must be positive");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 2, 5, 5}), zeros({4, 2, 3, 3}), {}, {1}, {0}, {0}), "dilation must be positive");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 2, 5, 5}), zeros({4, 2, 3, 3}), {}, {1}, {0, 1, 2}), "padding expects 1, 2 or 4");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 2, 5, 5}), zeros({4, 2, 3, 3}), zeros({3})), "bias must be 1-d of size 4");
  EXPECT_TZ_ERROR(conv2d(zeros({2, 5, 5}, DType::F64), zeros({4, 2, 3, 3})), "must have the same dtype");
  EXPECT_TZ_ERROR(conv2d(zeros({5, 5}), zeros({4, 2, 3, 3})), "expected a 3-d (unbatched) or 4-d (batched) input");
  EXPECT_TZ_ERROR(conv1d(zeros({1, 2, 5}), zeros({4, 2, 3, 3})), "[conv1d] expects a 3-d weight");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 2, 5, 5}, DType::I64), zeros({4, 2, 3, 3}, DType::I64)), "expects a floating input");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 2, 5, 5}), zeros({4, 2, 3, 3}), {}, {2}, std::string("same")),
                  "not supported for strided convolutions");
  EXPECT_TZ_ERROR(conv2d(zeros({1, 2, 5, 5}), zeros({4, 2, 3, 3}), {}, {1}, std::string("full")), "\"same\", \"valid\"");
  EXPECT_TZ_ERROR(conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 2, 3, 3}), {}, {2}, {0}, {2}),
                  "[conv_transpose2d] output_padding must be smaller than either stride or dilation");
  EXPECT_TZ_ERROR(conv_transpose2d(zeros({1, 3, 3, 3}), zeros({2, 2, 3, 3})), "to have 2 channels");
  EXPECT_TZ_ERROR(conv_transpose1d(zeros({1, 1, 1}), zeros({1, 1, 1}), {}, {1}, {1}), "is not positive");
  EXPECT_TZ_ERROR(im2col(zeros({1, 1, 2, 2}), {3}), "[im2col] spatial size [2, 2]");
  EXPECT_TZ_ERROR(im2col(zeros({1, 1, 1, 2, 2}), {1}), "expects a 3-d [C, H, W] or 4-d");
  EXPECT_TZ_ERROR(fold(zeros({1, 6, 4}), {3, 3}, {2}), "divisible by the product of kernel_size");
  EXPECT_TZ_ERROR(fold(zeros({1, 8, 5}), {3, 3}, {2}), "has 5 blocks but output_size [3, 3]");
}

}  // namespace
}  // namespace tz::test
