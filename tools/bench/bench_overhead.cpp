// Per-op host overhead: the time one op call costs on tiny CPU tensors (1-16 elements), where
// the kernel itself costs almost nothing, so what is measured is dispatch, checks, output
// allocation, autograd recording and optimizer bookkeeping. On a GPU this host time bounds how
// fast small and medium models can train (kernels are queued no faster than the host issues
// them). Run through `tools/bench/compare.py --overhead` to see it next to PyTorch eager
// (tools/bench/torch_overhead.py, same case names) on the same machine and thread count.
//
// Results (microseconds per call, best of 5 runs; 2-core Xeon VM shared with other jobs, so
// runs differ by up to +-30 %: view/reshape/transpose did not change; one thread; PyTorch 2.15
// eager, whose figures include the Python call; "before" is the tree before this work):
//
//   case                    before   after  pytorch   what changed it
//   add_16                     1.50    0.63     3.21   no OpenMP region for small work; block cache
//   mul_16                     1.51    0.65     2.98
//   add_scalar_16              1.63    0.92     6.00   + the number is stored in the tensor's dtype
//   add_broadcast_4x4          0.99    0.84     1.87
//   view_16                    0.17    0.21     1.29
//   reshape_16                 0.18    0.24     1.41
//   transpose_4x4              0.29    0.38     1.53
//   sum_16                     0.93    0.48     2.15
//   sum_dim_4x4                1.28    0.78     2.61
//   matmul_4x4                 1.24    1.12     2.09   (the BLAS call dominates)
//   linear_gelu_4x4            4.17    2.36    16.04
//   add_16_grad                1.66    1.05     2.90   + memoised op-list check in record()
//   mul_16_grad                1.64    1.00     3.05
//   matmul_4x4_grad            1.84    1.66     3.80
//   linear_gelu_4x4_grad       5.83    4.05    18.71
//   chain_backward            44.06   19.64   110.19
//   adamw_step_100          1795.58   55.47  3033.41   fused Backend::adam_step (CPU kernel)
//   sgd_momentum_step_100    467.45   33.80   784.60   fused Backend::sgd_step (CPU kernel)
//   zero_grad_100              1.63    1.57    52.20
//
// Where the time went before (perf, callgrind): every CPU kernel entered an OpenMP parallel
// region even when its if-clause was false, and libgomp then built and freed a one-thread team
// (a large allocation that also made glibc consolidate its heap); aligned_alloc for every small
// buffer takes glibc's slow path; a number in `x * 0.5` became a float64 0-d tensor (filled
// twice) that the op then cast; and AdamW (SGD) ran about twenty (six) small ops per
// parameter. Instructions per call (callgrind, free of that noise), before -> after: add 8.4k
// -> 5.7k, add of a number 13.2k -> 7.2k, recorded add 14.1k -> 11.0k, sum 7.9k -> 5.9k,
// chain_backward 259k -> 172k, AdamW over 100 parameters 11.3M -> 0.54M. What is left per op
// is mostly heap traffic for shape/stride vectors (TensorImpl, TensorView copies: about a
// dozen allocations per binary op), autograd node/metadata allocations when recording, and
// the storage counters' atomics.
#include <benchmark/benchmark.h>

#include "tensorzoo.h"

namespace {

using tz::Tensor;

/// Times f() (which returns the tensor it made, kept alive until the next call as in a
/// training loop) after one warm-up call.
template <class F>
void run(benchmark::State& st, F&& f) {
  f();
  for (auto _ : st) {
    Tensor r = f();
    benchmark::DoNotOptimize(r.impl());
  }
}

// ---- inference mode (no recording) ----------------------------------------------------------
void add_16(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({16}), b = tz::randn({16});
  run(st, [&] { return a + b; });
}
void mul_16(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({16}), b = tz::randn({16});
  run(st, [&] { return a * b; });
}
void add_scalar_16(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({16});
  run(st, [&] { return a + 1.5; });
}
void add_broadcast_4x4(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({4, 4}), b = tz::randn({4});
  run(st, [&] { return a + b; });
}
void view_16(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({16});
  run(st, [&] { return a.view({4, 4}); });
}
void reshape_16(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({4, 4});
  run(st, [&] { return a.reshape({2, 8}); });
}
void transpose_4x4(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({4, 4});
  run(st, [&] { return a.transpose(0, 1); });
}
void sum_16(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({16});
  run(st, [&] { return a.sum(); });
}
void sum_dim_4x4(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({4, 4});
  run(st, [&] { return a.sum({1}); });
}
void matmul_4x4(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor a = tz::randn({4, 4}), b = tz::randn({4, 4});
  run(st, [&] { return tz::matmul(a, b); });
}
void linear_gelu_4x4(benchmark::State& st) {
  tz::NoGradGuard ng;
  Tensor x = tz::randn({2, 4}), w = tz::randn({4, 4}), b = tz::randn({4});
  run(st, [&] { return tz::gelu(tz::linear(x, w, b)); });
}

// ---- recording (inputs require grad) ---------------------------------------------------------
void add_16_grad(benchmark::State& st) {
  Tensor a = tz::randn({16}).requires_grad_(), b = tz::randn({16}).requires_grad_();
  run(st, [&] { return a + b; });
}
void mul_16_grad(benchmark::State& st) {
  Tensor a = tz::randn({16}).requires_grad_(), b = tz::randn({16}).requires_grad_();
  run(st, [&] { return a * b; });
}
void matmul_4x4_grad(benchmark::State& st) {
  Tensor a = tz::randn({4, 4}).requires_grad_(), b = tz::randn({4, 4}).requires_grad_();
  run(st, [&] { return tz::matmul(a, b); });
}
void linear_gelu_4x4_grad(benchmark::State& st) {
  Tensor x = tz::randn({2, 4}), w = tz::randn({4, 4}).requires_grad_(), b = tz::randn({4}).requires_grad_();
  run(st, [&] { return tz::gelu(tz::linear(x, w, b)); });
}
/// Forward and backward of a chain of 5 ops: (gelu(x @ w + b) * c).sum().
void chain_backward(benchmark::State& st) {
  Tensor x = tz::randn({2, 4}), w = tz::randn({4, 4}).requires_grad_(), b = tz::randn({4}).requires_grad_(),
         c = tz::randn({2, 4}).requires_grad_();
  run(st, [&] {
    Tensor loss = (tz::gelu(tz::matmul(x, w) + b) * c).sum();
    loss.backward();
    w.zero_grad();
    b.zero_grad();
    c.zero_grad();
    return loss;
  });
}

// ---- optimizer -------------------------------------------------------------------------------
constexpr int kParams = 100;

tz::TensorList tiny_params_with_grads() {
  tz::TensorList ps;
  for (int i = 0; i < kParams; ++i) {
    Tensor p = tz::randn({16}).requires_grad_();
    p.set_grad(tz::randn({16}));
    ps.push_back(p);
  }
  return ps;
}
void adamw_step_100(benchmark::State& st) {
  tz::TensorList ps = tiny_params_with_grads();
  tz::optim::AdamW opt(ps, {});
  opt.step();
  for (auto _ : st) opt.step();
}
void sgd_momentum_step_100(benchmark::State& st) {
  tz::TensorList ps = tiny_params_with_grads();
  tz::optim::SGD opt(ps, {.lr = 0.01, .momentum = 0.9});
  opt.step();
  for (auto _ : st) opt.step();
}
/// Re-attaches 100 gradients and clears them (set_to_none, the default of both frameworks).
void zero_grad_100(benchmark::State& st) {
  tz::TensorList ps = tiny_params_with_grads();
  tz::TensorList grads;
  for (auto& p : ps) grads.push_back(p.grad());
  tz::optim::SGD opt(ps, {.lr = 0.01});
  for (auto _ : st) {
    for (int i = 0; i < kParams; ++i) ps[size_t(i)].set_grad(grads[size_t(i)]);
    opt.zero_grad();
  }
}

BENCHMARK(add_16);
BENCHMARK(mul_16);
BENCHMARK(add_scalar_16);
BENCHMARK(add_broadcast_4x4);
BENCHMARK(view_16);
BENCHMARK(reshape_16);
BENCHMARK(transpose_4x4);
BENCHMARK(sum_16);
BENCHMARK(sum_dim_4x4);
BENCHMARK(matmul_4x4);
BENCHMARK(linear_gelu_4x4);
BENCHMARK(add_16_grad);
BENCHMARK(mul_16_grad);
BENCHMARK(matmul_4x4_grad);
BENCHMARK(linear_gelu_4x4_grad);
BENCHMARK(chain_backward);
BENCHMARK(adamw_step_100);
BENCHMARK(sgd_momentum_step_100);
BENCHMARK(zero_grad_100);

}  // namespace

BENCHMARK_MAIN();
