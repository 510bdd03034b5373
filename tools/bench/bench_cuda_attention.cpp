// Fused (flash) attention on CUDA: forward and backward of the backend kernels at the sizes of
// tools/bench/torch_cuda_attention.py (causal, bf16, H = 16, D = 128, B * N = 16K tokens,
// N = 1K..16K), printing `name value unit` lines (ms and TFLOP/s) for side-by-side comparison.
// FLOPs follow the FlashAttention papers: forward 4 B H N^2 D (halved when causal), backward
// 2.5x the forward. The kernels are called through Backend::attention_forward/backward on
// tensors made on the host and copied over, so only the attention kernels are timed.
#include <cmath>
#include <cstdio>

#include "core/cuda.h"
#include "core/dispatch.h"
#include "tensorzoo.h"

namespace {

using namespace tz;

void bench(int64_t N) {
  const int64_t H = 16, D = 128, B = 16384 / N;
  const Device dev(DeviceType::CUDA, 0);
  auto make = [&] { return randn({B, H, N, D}, TensorOptions(DType::F32)).to(DType::BF16).to(dev); };
  const Tensor q = make(), k = make(), v = make(), dout = make();
  Tensor out = empty({B, H, N, D}, TensorOptions(DType::BF16, dev));
  Tensor lse = empty({B, H, N}, TensorOptions(DType::F32, dev));
  Tensor dq = empty({B, H, N, D}, TensorOptions(DType::BF16, dev));
  Tensor dk = empty({B, H, N, D}, TensorOptions(DType::BF16, dev));
  Tensor dv = empty({B, H, N, D}, TensorOptions(DType::BF16, dev));
  AttentionParams p;
  p.scale = 1.0 / std::sqrt(double(D));
  p.causal = true;
  Backend& be = dispatch::backend_of(q);
  auto forward = [&] {
    TZ_CHECK(be.attention_forward(out.kernel_view(), lse.kernel_view(), q.kernel_view(), k.kernel_view(),
                                  v.kernel_view(), {}, {}, p),
             "bench", "the backend declined the fused forward");
  };
  auto backward = [&] {
    TZ_CHECK(be.attention_backward(dq.kernel_view(), dk.kernel_view(), dv.kernel_view(), dout.kernel_view(),
                                   q.kernel_view(), k.kernel_view(), v.kernel_view(), out.kernel_view(),
                                   lse.kernel_view(), {}, {}, p),
             "bench", "the backend declined the fused backward");
  };
  for (int i = 0; i < 3; ++i) forward(), backward();
  cuda::synchronize(0);
  cuda::Event e0(0), e1(0), e2(0);
  const cuda::Stream s = cuda::Stream::current(0);
  double fwd = 0, bwd = 0;
  const int iters = 10;
  for (int i = 0; i < iters; ++i) {
    e0.record(s);
    forward();
    e1.record(s);
    backward();
    e2.record(s);
    e2.synchronize();
    fwd += e0.elapsed_ms(e1);
    bwd += e1.elapsed_ms(e2);
  }
  fwd /= iters, bwd /= iters;
  const double flops = 4.0 * double(B * H) * double(N) * double(N) * double(D) / 2;
  const struct {
    const char* name;
    double ms, mult;
  } rows[] = {{"fwd", fwd, 1.0}, {"bwd", bwd, 2.5}, {"fwd_bwd", fwd + bwd, 3.5}};
  for (const auto& r : rows) {
    std::printf("tz_flash_%s/N=%lld %.3f ms\n", r.name, static_cast<long long>(N), r.ms);
    std::printf("tz_flash_%s/N=%lld %.1f TFLOP/s\n", r.name, static_cast<long long>(N), r.mult * flops / r.ms / 1e9);
  }
}

}  // namespace

int main() {
  tz::init();
  if (!tz::cuda::is_available()) {
    std::fprintf(stderr, "bench_cuda_attention: no CUDA device\n");
    return 1;
  }
  for (int64_t n : {1024, 2048, 4096, 8192, 16384}) bench(n);
  return 0;
}
