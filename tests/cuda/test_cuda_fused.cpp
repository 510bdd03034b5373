// The CUDA backend's fused kernels against the CPU: softmax / log-softmax, layer_norm and
// rms_norm (forward and backward, warp-per-row and block-per-row lengths), cuDNN convolution
// and pooling, and the resampling kernel behind interpolate / adaptive pooling.
#include <functional>

#include "tests/cuda/cuda_test_support.h"

namespace tz::test {
namespace {

const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};

double tol_for(DType dt) {
  switch (dt) {
    case DType::F16: return 4e-3;
    case DType::BF16: return 3e-2;
    case DType::F32: return 2e-5;
    default: return 1e-10;
  }
}

/// Runs f on CPU leaves and on their CUDA copies; compares the outputs and the gradients of
/// sum(out * probe) with respect to every input.
void expect_fwd_bwd_match(const TensorList& inputs, const std::function<Tensor(const TensorList&)>& f, DType dt,
                          double tol_scale = 1.0) {
  TensorList cpu_in, dev_in;
  for (const Tensor& t : inputs) {
    cpu_in.push_back(t.detach().clone().requires_grad_());
    dev_in.push_back(t.detach().to(cuda_device()).requires_grad_());
  }
  const Tensor y_cpu = f(cpu_in), y_dev = f(dev_in);
  const double tol = tol_for(dt) * tol_scale;
  EXPECT_TENSOR_CLOSE(y_dev.cpu().to(DType::F64), y_cpu.to(DType::F64), tol, tol);
  const Tensor probe = make_input(y_cpu.shape(), y_cpu.dtype(), -1, 1, 99);
  sum(y_cpu * probe).backward();
  sum(y_dev * probe.to(cuda_device())).backward();
  for (size_t i = 0; i < inputs.size(); ++i) {
    SCOPED_TRACE("grad of input " + std::to_string(i));
    ASSERT_TRUE(dev_in[i].grad().defined());
    EXPECT_TENSOR_CLOSE(dev_in[i].grad().cpu().to(DType::F64), cpu_in[i].grad().to(DType::F64), tol * 4, tol * 4);
  }
}

TEST(CudaFused, SoftmaxAndLogSoftmaxShortAndLongRows) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kFloats)
    for (int64_t n : {1, 37, 1024, 3001}) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " n=" + std::to_string(n));
      const Tensor x = make_input({5, n}, dt, -4, 4, uint64_t(n));
      expect_fwd_bwd_match({x}, [](const TensorList& t) { return softmax(t[0], -1); }, dt);
      expect_fwd_bwd_match({x}, [](const TensorList& t) { return log_softmax(t[0], -1); }, dt);
    }
  // Softmax over a non-last dim (moved to the last dim by the op layer).
  expect_fwd_bwd_match({make_input({4, 9, 6}, DType::F32, -3, 3, 7)}, [](const TensorList& t) { return softmax(t[0], 1); },
                       DType::F32);
}

TEST(CudaFused, SoftmaxOfInfinities) {
  TZ_REQUIRE_CUDA();
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = tensor({{0.0f, -inf, 1.0f}, {-inf, -inf, -inf}});
  EXPECT_TENSOR_CLOSE(softmax(x.to(cuda_device()), -1).cpu(), softmax(x, -1), 1e-6, 1e-6);
}

TEST(CudaFused, LayerNormForwardBackward) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kFloats)
    for (int64_t n : {8, 96, 2048}) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " n=" + std::to_string(n));
      const Tensor x = make_input({6, n}, dt, -2, 2, uint64_t(n) + 1), w = make_input({n}, dt, 0.5, 1.5, 2),
                   b = make_input({n}, dt, -1, 1, 3);
      expect_fwd_bwd_match({x, w, b}, [](const TensorList& t) { return layer_norm(t[0], {t[0].size(-1)}, t[1], t[2]); }, dt,
                           dt == DType::BF16 ? 2.0 : 1.0);
      expect_fwd_bwd_match({x}, [](const TensorList& t) { return layer_norm(t[0], {t[0].size(-1)}); }, dt);
    }
  // Normalising over two trailing dims.
  expect_fwd_bwd_match({make_input({3, 4, 5}, DType::F32, -1, 1, 5), make_input({4, 5}, DType::F32, -1, 1, 6)},
                       [](const TensorList& t) { return layer_norm(t[0], {4, 5}, t[1]); }, DType::F32);
}

TEST(CudaFused, RmsNormForwardBackward) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kFloats)
    for (int64_t n : {8, 96, 2048}) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " n=" + std::to_string(n));
      const Tensor x = make_input({6, n}, dt, -2, 2, uint64_t(n) + 11), w = make_input({n}, dt, 0.5, 1.5, 12);
      expect_fwd_bwd_match({x, w}, [](const TensorList& t) { return rms_norm(t[0], {t[0].size(-1)}, t[1]); }, dt,
                           dt == DType::BF16 ? 2.0 : 1.0);
      expect_fwd_bwd_match({x}, [](const TensorList& t) { return rms_norm(t[0], {t[0].size(-1)}); }, dt);
    }
}

TEST(CudaFused, NormDoubleBackwardUsesTheDifferentiableForm) {
  TZ_REQUIRE_CUDA();
  // create_graph=true: the backward must itself be differentiable (the fused backward is not,
  // so the op layer takes the composite form).
  for (int rms = 0; rms < 2; ++rms) {
    auto run = [&](const Device& dev) {
      Tensor x = make_input({3, 16}, DType::F64, -1, 1, 31).to(dev).requires_grad_();
      const Tensor y = rms ? rms_norm(x, {16}) : layer_norm(x, {16});
      const Tensor g = tz::grad({sum(y * y * y)}, {x}, {}, std::nullopt, true)[0];
      sum(g * g).backward();
      return x.grad().cpu();
    };
    EXPECT_TENSOR_CLOSE(run(cuda_device()), run(kCPU), 1e-9, 1e-9);
  }
}

TEST(CudaFused, Convolutions) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kFloats) {
    SCOPED_TRACE(dtype_name(dt));
    const double s = dt == DType::F32 || dt == DType::F64 ? 1.0 : 4.0;
    const Tensor x = make_input({2, 4, 9, 8}, dt, -1, 1, 41), w = make_input({6, 2, 3, 3}, dt, -1, 1, 42),
                 b = make_input({6}, dt, -1, 1, 43);
    expect_fwd_bwd_match({x, w, b}, [](const TensorList& t) { return conv2d(t[0], t[1], t[2], {2, 1}, {1, 2}, {1, 2}, 2); },
                         dt, s);
    const Tensor x1 = make_input({2, 3, 20}, dt, -1, 1, 44), w1 = make_input({5, 3, 4}, dt, -1, 1, 45);
    expect_fwd_bwd_match({x1, w1}, [](const TensorList& t) { return conv1d(t[0], t[1], Tensor(), {2}, {1}); }, dt, s);
    const Tensor wt = make_input({4, 3, 3, 3}, dt, -1, 1, 46), bt = make_input({3}, dt, -1, 1, 47);
    expect_fwd_bwd_match({x, wt, bt},
                         [](const TensorList& t) { return conv_transpose2d(t[0], t[1], t[2], {2}, {1}, {1}); }, dt, s);
    const Tensor x3 = make_input({1, 2, 5, 6, 4}, dt, -1, 1, 48), w3 = make_input({3, 2, 2, 3, 2}, dt, -1, 1, 49);
    expect_fwd_bwd_match({x3, w3}, [](const TensorList& t) { return conv3d(t[0], t[1], Tensor(), {1}, {1}); }, dt, s);
  }
}

TEST(CudaFused, PoolingMatchesCpu) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kFloats) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = make_input({2, 3, 11, 10}, dt, -3, 3, 51);
    const Tensor xd = x.to(cuda_device());
    {
      NoGradGuard no_grad;  // no indices wanted: the cuDNN path
      EXPECT_TENSOR_CLOSE(max_pool2d(xd, {3}, {2}, {1}).cpu(), max_pool2d(x, {3}, {2}, {1}), 0.0, 0.0);
      EXPECT_TENSOR_CLOSE(avg_pool2d(xd, {3}, {2}, {1}, false, true).cpu().to(DType::F64),
                          avg_pool2d(x, {3}, {2}, {1}, false, true).to(DType::F64), tol_for(dt), tol_for(dt));
      EXPECT_TENSOR_CLOSE(avg_pool2d(xd, {3}, {2}, {1}, false, false).cpu().to(DType::F64),
                          avg_pool2d(x, {3}, {2}, {1}, false, false).to(DType::F64), tol_for(dt), tol_for(dt));
      // ceil_mode and dilation fall back to the composite; results still match.
      EXPECT_TENSOR_CLOSE(max_pool2d(xd, {2}, {2}, {0}, {2}, true).cpu(), max_pool2d(x, {2}, {2}, {0}, {2}, true), 0.0, 0.0);
    }
    expect_fwd_bwd_match({x}, [](const TensorList& t) { return max_pool2d(t[0], {2}, {2}); }, dt);
    expect_fwd_bwd_match({x}, [](const TensorList& t) { return avg_pool2d(t[0], {3}, {1}, {1}); }, dt);
  }
  // NaN propagates through max pooling.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor xn = tensor({1.0f, nan, 3.0f, 4.0f}).reshape({1, 1, 2, 2});
  NoGradGuard no_grad;
  EXPECT_TRUE(std::isnan(max_pool2d(xn.to(cuda_device()), {2}).cpu().item<float>()));
}

TEST(CudaFused, InterpolateAndAdaptivePooling) {
  TZ_REQUIRE_CUDA();
  for (DType dt : kFloats) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = make_input({2, 3, 7, 5}, dt, -1, 1, 61);
    expect_fwd_bwd_match({x}, [](const TensorList& t) { return interpolate(t[0], {11, 4}, {}, "bilinear", false); }, dt);
    expect_fwd_bwd_match({x}, [](const TensorList& t) { return interpolate(t[0], {14, 10}, {}, "nearest"); }, dt);
    expect_fwd_bwd_match({x}, [](const TensorList& t) { return interpolate(t[0], {9, 9}, {}, "bicubic", true); }, dt, 2.0);
    expect_fwd_bwd_match({x}, [](const TensorList& t) { return adaptive_avg_pool2d(t[0], {3, 2}); }, dt);
  }
  // Non-contiguous input (a transposed view made on the device).
  const Tensor x = make_input({2, 3, 6, 5}, DType::F32, -1, 1, 62);
  const Tensor got = interpolate(x.to(cuda_device()).transpose(2, 3), {8, 9}, {}, "bilinear", false).cpu();
  EXPECT_TENSOR_CLOSE(got, interpolate(x.transpose(2, 3), {8, 9}, {}, "bilinear", false), 1e-5, 1e-5);
}

}  // namespace
}  // namespace tz::test
