// Per-op host overhead: the time one op call costs on tiny CPU tensors (1-16 elements), where
// the kernel itself costs almost nothing, so what is measured is dispatch, checks, output
// allocation, autograd recording and optimizer bookkeeping. On a GPU this host time bounds how
// fast small and medium models can train (kernels are queued no faster than the host issues
// them). Run through `tools/bench/compare.py --overhead` to see it next to PyTorch eager
// (tools/bench/torch_overhead.py, same case names) on the same machine and thread count.
//
// Results (microseconds per call, best of 5 runs; 2-core Xeon VM shared with other jobs, so
// expect +-20 %; one thread; PyTorch 2.15 eager, whose figures include the Python call):
//
//   case                    before  after  pytorch   what changed it
//   add_16                    1.02   0.50     2.21   no OpenMP region for small work; block cache
//   mul_16                    1.00   0.51     1.92
//   add_scalar_16             1.61   0.62     4.59   + the number is stored in the tensor's dtype
//   add_broadcast_4x4         1.11   0.56     2.12
//   view_16                   0.27   0.17     1.38
//   reshape_16                0.20   0.17     1.70
//   transpose_4x4             0.30   0.28     1.39
//   sum_16                    0.98   0.49     1.96
//   sum_dim_4x4               1.30   0.80     2.40
//   matmul_4x4                1.25   1.23     2.07   (BLAS call dominates)
//   linear_gelu_4x4           4.45   2.46    15.91
//   add_16_grad               1.73   1.06     2.75   + memoised op-list check in record()
//   mul_16_grad               1.62   1.30     2.89
//   matmul_4x4_grad           1.86   1.99     3.68
//   linear_gelu_4x4_grad      6.16   5.16    18.88
//   chain_backward           56.00  25.68   108.66
//   adamw_step_100         2050.25  66.82  2809.68   fused Backend::adam_step (CPU kernel)
//   sgd_momentum_step_100   580.35 227.53   748.06
//   zero_grad_100             1.82   2.01    56.61
//
// Where the time went before (perf, callgrind): every CPU kernel entered an OpenMP parallel
// region even when its if-clause was false, and libgomp then built and freed a one-thread team
// (a large allocation that also made glibc consolidate its heap); aligned_alloc for every small
// buffer takes glibc's slow path; a number in `x * 0.5` became a float64 0-d tensor (filled
// twice) that the op then cast; and AdamW ran about twenty small ops per parameter. What is
// left per op is mostly heap traffic for shape/stride vectors (TensorImpl, TensorView copies:
// about a dozen allocations per binary op) and the storage counters' atomics.
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
