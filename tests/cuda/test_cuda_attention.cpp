// The fused (flash) attention kernels of the CUDA backend against the CPU's exact f64 reference
// kernels (backends/cpu/cpu_attention.cpp) on the same inputs: the tensor-core path (f16/bf16,
// head dims 64 and 128), the SIMT path (f32, f64, other head dims), causal, key padding, bias,
// GQA/MQA, L != S and lengths that are not multiples of the 64-row tiles. The Kernel* tests
// call Backend::attention_forward/backward directly (they need only host<->device copies); the
// Sdpa* tests go through scaled_dot_product_attention and autograd on the device.
#include <algorithm>
#include <cmath>

#include "core/dispatch.h"
#include "tests/cuda/cuda_test_support.h"
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

struct AttnCase {
  int64_t B, Hq, Hk, L, S, D;
  bool causal = false;
  bool key_padding = false;
  bool bias = false;
  bool strided = false;  // q/k/v as [B, N, H, D] transposed to [B, H, N, D]
};

struct Inputs {
  Tensor q, k, v, dout, bias, kpm;  // CPU, rounded to the tested dtype
};

Tensor rounded(const Shape& shape, DType dt, uint64_t seed, bool strided) {
  if (!strided) return make_input(shape, DType::F32, -1, 1, seed).to(dt);
  const Shape t{shape[0], shape[2], shape[1], shape[3]};
  return make_input(t, DType::F32, -1, 1, seed).to(dt).transpose(1, 2);
}

Inputs make_inputs(const AttnCase& c, DType dt) {
  Inputs in;
  in.q = rounded({c.B, c.Hq, c.L, c.D}, dt, 1, c.strided);
  in.k = rounded({c.B, c.Hk, c.S, c.D}, dt, 2, c.strided);
  in.v = rounded({c.B, c.Hk, c.S, c.D}, dt, 3, c.strided);
  in.dout = make_input({c.B, c.Hq, c.L, c.D}, DType::F32, -1, 1, 4).to(dt);
  if (c.bias) {
    // Broadcast over the batch; a few -inf entries exclude keys.
    Tensor b = make_input({1, c.Hq, c.L, c.S}, DType::F32, -2, 2, 5);
    in.bias = masked_fill(b, gt(b, Scalar(1.8)), -INFINITY);
  }
  if (c.key_padding) {
    // Batch b pads its last b * 7 keys (batch 0 none), the whole sequence at most.
    std::vector<double> host(size_t(c.B * c.S));
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t j = 0; j < c.S; ++j) host[size_t(b * c.S + j)] = j >= c.S - std::min(c.S, b * 7);
    in.kpm = ne(from_vector(host, Shape{c.B, c.S}), Scalar(0));
  }
  return in;
}

TensorView maybe(const Tensor& t, const Shape& shape) {
  return t.defined() ? dispatch::broadcast_view(t, shape, "test") : TensorView{};
}

struct Result {
  Tensor out, lse, dq, dk, dv;
};

/// Runs forward and backward of the backend of `device` on copies of `in` (cast to dt).
Result run_kernels(const Inputs& in, const AttnCase& c, DType dt, Device device, bool backward = true) {
  auto put = [&](const Tensor& t) {
    // Transposed inputs keep their strides on the device: copy the contiguous base, re-transpose.
    if (c.strided && t.dim() == 4 && !t.is_contiguous()) return t.transpose(1, 2).to(dt).contiguous().to(device).transpose(1, 2);
    return t.to(dt).contiguous().to(device);
  };
  const Tensor q = put(in.q), k = put(in.k), v = put(in.v), g = put(in.dout);
  const Tensor bias = in.bias.defined() ? in.bias.to(device) : Tensor{};
  const Tensor kpm = in.kpm.defined() ? in.kpm.to(device) : Tensor{};
  AttentionParams p;
  p.scale = 1.0 / std::sqrt(double(c.D));
  p.causal = c.causal;
  Backend& be = dispatch::backend_of(q);
  Result r;
  r.out = empty({c.B, c.Hq, c.L, c.D}, TensorOptions(dt, device));
  r.lse = empty({c.B, c.Hq, c.L}, TensorOptions(DType::F32, device));
  const TensorView bv = maybe(bias, {c.B, c.Hq, c.L, c.S}), mv = maybe(kpm, {c.B, c.S});
  EXPECT_TRUE(be.attention_forward(r.out.kernel_view(), r.lse.kernel_view(), q.kernel_view(), k.kernel_view(),
                                   v.kernel_view(), bv, mv, p));
  if (backward) {
    r.dq = empty(q.shape(), TensorOptions(dt, device));
    r.dk = empty(k.shape(), TensorOptions(dt, device));
    r.dv = empty(v.shape(), TensorOptions(dt, device));
    EXPECT_TRUE(be.attention_backward(r.dq.kernel_view(), r.dk.kernel_view(), r.dv.kernel_view(), g.kernel_view(),
                                      q.kernel_view(), k.kernel_view(), v.kernel_view(), r.out.kernel_view(),
                                      r.lse.kernel_view(), bv, mv, p));
  }
  for (Tensor* t : {&r.out, &r.lse, &r.dq, &r.dk, &r.dv})
    if (t->defined()) *t = t->cpu().to(DType::F64);
  return r;
}

/// Tolerances relative to the f64 reference: 16-bit kernels round P to the input dtype before
/// the second matmul, as every flash kernel does.
double tol_for(DType dt) {
  switch (dt) {
    case DType::F64: return 1e-9;
    case DType::F32: return 2e-5;
    case DType::F16: return 6e-3;
    default: return 4e-2;  // bf16
  }
}

void check_case(const AttnCase& c, DType dt, bool backward = true) {
  const Inputs in = make_inputs(c, dt);
  const Result ref = run_kernels(in, c, DType::F64, kCPU, backward);
  const Result got = run_kernels(in, c, dt, cuda_device(), backward);
  const double tol = tol_for(dt);
  EXPECT_TENSOR_CLOSE(got.out, ref.out, tol, tol) << "out";
  // lse: -inf rows must agree exactly; finite ones to f32 rounding.
  EXPECT_TENSOR_CLOSE(got.lse, ref.lse, 1e-5, 1e-5) << "lse";
  if (!backward) return;
  // Gradients sum over up to S (or group * L) terms: scale the tolerance with the magnitude.
  EXPECT_TENSOR_CLOSE(got.dq, ref.dq, 2 * tol, 2 * tol) << "dq";
  EXPECT_TENSOR_CLOSE(got.dk, ref.dk, 2 * tol, 2 * tol) << "dk";
  EXPECT_TENSOR_CLOSE(got.dv, ref.dv, 2 * tol, 2 * tol) << "dv";
}

class CudaAttentionKernel : public ::testing::TestWithParam<DType> {};

TEST_P(CudaAttentionKernel, PlainAndCausalHeadDims64And128) {
  TZ_REQUIRE_CUDA();
  for (int64_t D : {64, 128})
    for (bool causal : {false, true}) {
      SCOPED_TRACE("D=" + std::to_string(D) + " causal=" + std::to_string(causal));
      check_case({2, 3, 3, 130, 130, D, causal}, GetParam());
    }
}

TEST_P(CudaAttentionKernel, LengthsNotMultipleOfTilesAndLNotEqualS) {
  TZ_REQUIRE_CUDA();
  for (bool causal : {false, true}) {
    SCOPED_TRACE("causal=" + std::to_string(causal));
    check_case({1, 2, 2, 77, 45, 64, causal}, GetParam());
    check_case({1, 2, 2, 33, 150, 128, causal}, GetParam());
    check_case({2, 1, 1, 1, 5, 64, causal}, GetParam());
  }
}

TEST_P(CudaAttentionKernel, KeyPaddingBiasAndGqa) {
  TZ_REQUIRE_CUDA();
  AttnCase c{3, 4, 2, 70, 90, 64};
  c.key_padding = true;
  check_case(c, GetParam());
  c.bias = true;
  c.causal = true;
  check_case(c, GetParam());
  check_case({2, 8, 1, 65, 64, 128, true}, GetParam());  // MQA
  AttnCase padded_all{2, 2, 2, 20, 7, 64};  // batch 1 pads every key: zero rows, lse -inf
  padded_all.key_padding = true;
  check_case(padded_all, GetParam());
}

TEST_P(CudaAttentionKernel, StridedInputsAndOtherHeadDims) {
  TZ_REQUIRE_CUDA();
  AttnCase c{2, 4, 4, 96, 96, 64, true};
  c.strided = true;
  check_case(c, GetParam());
  check_case({1, 2, 1, 40, 50, 40, true}, GetParam());  // SIMT path for every dtype
  check_case({1, 2, 2, 17, 19, 200, false}, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Dtypes, CudaAttentionKernel,
                         ::testing::Values(DType::F16, DType::BF16, DType::F32, DType::F64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST(CudaAttentionKernel, DeclinesDropout) {
  TZ_REQUIRE_CUDA();
  const Tensor q = make_input({1, 1, 4, 64}, DType::F32).to(cuda_device());
  Tensor out = empty({1, 1, 4, 64}, TensorOptions(DType::F32, cuda_device()));
  Tensor lse = empty({1, 1, 4}, TensorOptions(DType::F32, cuda_device()));
  AttentionParams p;
  p.dropout_p = 0.1;
  EXPECT_FALSE(dispatch::backend_of(q).attention_forward(out.kernel_view(), lse.kernel_view(), q.kernel_view(),
                                                         q.kernel_view(), q.kernel_view(), {}, {}, p));
}

// ---- through scaled_dot_product_attention (needs the device's elementwise kernels too) ---------

TEST(CudaAttentionSdpa, FusedNodeMatchesCompositeValuesAndGradients) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::BF16}) {
    SCOPED_TRACE(dtype_name(dt));
    const Device dev = cuda_device();
    Tensor q = make_input({2, 4, 70, 64}, DType::F32, -1, 1, 1).to(dev, dt).requires_grad_();
    Tensor k = make_input({2, 2, 90, 64}, DType::F32, -1, 1, 2).to(dev, dt).requires_grad_();
    Tensor v = make_input({2, 2, 90, 64}, DType::F32, -1, 1, 3).to(dev, dt).requires_grad_();
    std::vector<double> keep_host(180, 1.0);  // batch 1 pads its last 45 keys
    std::fill(keep_host.begin() + 135, keep_host.end(), 0.0);
    const Tensor keep = ne(from_vector(keep_host, Shape{2, 1, 1, 90}), Scalar(0)).to(dev);
    const Tensor fused = nn::scaled_dot_product_attention(q, k, v, keep, 0.0, false, {}, true);
    const auto names = graph_node_names(fused);
    EXPECT_NE(std::find(names.begin(), names.end(), "ScaledDotProductAttentionBackward"), names.end());
    const Tensor comp = nn::scaled_dot_product_attention_with_weights(q, k, v, keep, 0.0, false, {}, true).output;
    const double tol = dt == DType::F32 ? 1e-5 : 3e-2;
    EXPECT_TENSOR_CLOSE(fused.cpu(), comp.cpu(), tol, tol);
    const Tensor w = make_input(fused.shape(), DType::F32, -1, 1, 9).to(dev, dt);
    const TensorList gf = grad({fused}, {q, k, v}, {w});
    const TensorList gc = grad({comp}, {q, k, v}, {w});
    for (size_t i = 0; i < 3; ++i) EXPECT_TENSOR_CLOSE(gf[i].cpu(), gc[i].cpu(), 2 * tol, 2 * tol) << "input " << i;
  }
}

}  // namespace
}  // namespace tz::test
