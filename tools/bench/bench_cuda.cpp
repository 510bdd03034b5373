// GPU benchmarks of the CUDA backend, timed with tz::cuda::Event on the current stream. Prints
// one `name value unit` line per measurement; tools/bench/torch_cuda.py prints the same names
// measured with PyTorch, and `tools/bench/compare.py --cuda` shows them side by side.
//   build/bench/tz_bench_cuda [iterations]
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "tensorzoo.h"

namespace {

using tz::Tensor;

/// Mean milliseconds per call of fn over `iters` calls, after warm-up calls (allocator cache,
/// cuBLAS heuristics), measured between two events on the current stream.
double time_ms(const std::function<Tensor()>& fn, int iters) {
  for (int i = 0; i < 3; ++i) fn();
  tz::cuda::synchronize();
  const tz::cuda::Stream stream = tz::cuda::Stream::current();
  tz::cuda::Event start, end;
  start.record(stream);
  for (int i = 0; i < iters; ++i) fn();
  end.record(stream);
  end.synchronize();
  return double(start.elapsed_ms(end)) / iters;
}

void report(const std::string& name, double value, const char* unit) { std::printf("%s %.2f %s\n", name.c_str(), value, unit); }

/// Bandwidth of an elementwise op that reads `reads` and writes one tensor of `bytes` each.
void bandwidth(const std::string& name, const std::function<Tensor()>& fn, double bytes, int tensors, int iters) {
  report(name, tensors * bytes / (time_ms(fn, iters) * 1e-3) / 1e9, "GB/s");
}

}  // namespace

int main(int argc, char** argv) {
  if (!tz::cuda::is_available()) {
    std::fprintf(stderr, "no CUDA device\n");
    return 1;
  }
  const int iters = argc > 1 ? std::atoi(argv[1]) : 20;
  const tz::Device cuda(tz::DeviceType::CUDA, 0);
  std::printf("# %s\n", tz::cuda::device_name(0).c_str());

  const int64_t n = int64_t(64) << 20;  // 64M floats = 256 MiB per tensor
  const double bytes = double(n) * 4;
  const Tensor a = tz::rand({n}, tz::TensorOptions(tz::DType::F32, cuda));
  const Tensor b = tz::rand({n}, tz::TensorOptions(tz::DType::F32, cuda));
  bandwidth("copy_clone_f32_64m", [&] { return a.clone(); }, bytes, 2, iters);
  bandwidth("add_f32_64m", [&] { return a + b; }, bytes, 3, iters);
  bandwidth("mul_f32_64m", [&] { return a * b; }, bytes, 3, iters);
  bandwidth("gelu_f32_64m", [&] { return tz::gelu(a); }, bytes, 2, iters);
  bandwidth("gelu_tanh_f32_64m", [&] { return tz::gelu(a, "tanh"); }, bytes, 2, iters);
  const Tensor ah = a.to(tz::DType::BF16), bh = b.to(tz::DType::BF16);
  bandwidth("add_bf16_64m", [&] { return ah + bh; }, bytes / 2, 3, iters);
  bandwidth("cast_f32_to_bf16_64m", [&] { return a.to(tz::DType::BF16); }, bytes * 0.75, 2, iters);
  bandwidth("transpose_copy_f32_8kx8k", [&] { return a.view({8192, 8192}).t().contiguous(); }, bytes, 2, iters);
  bandwidth("randn_f32_64m", [&] { return tz::randn({n}, tz::TensorOptions(tz::DType::F32, cuda)); }, bytes, 1, iters);

  // GEMM through tz::matmul (cuBLAS); skipped with a note where the build has no CUDA matmul yet.
  try {
    const int64_t m = 4096;
    const Tensor x = tz::randn({m, m}, tz::TensorOptions(tz::DType::BF16, cuda));
    const Tensor y = tz::randn({m, m}, tz::TensorOptions(tz::DType::BF16, cuda));
    const double ms = time_ms([&] { return tz::matmul(x, y); }, iters);
    report("matmul_bf16_4096", 2.0 * double(m) * m * m / (ms * 1e-3) / 1e12, "TFLOP/s");
  } catch (const tz::Error& e) {
    std::printf("# matmul_bf16_4096 skipped: %s\n", e.what());
  }
  return 0;
}
