// CPU op benchmarks. Run through tools/bench/compare.py to see them side by side with PyTorch
// on the same machine and thread count; the case names match tools/bench/torch_ops.py.
#include <benchmark/benchmark.h>

#include "tensorzoo.h"

namespace {

using tz::Tensor;

template <class F>
void run(benchmark::State& st, F&& f) {
  f();  // warm-up (allocations, oneDNN primitive creation)
  for (auto _ : st) {
    Tensor r = f();
    benchmark::DoNotOptimize(r.data_ptr());
  }
}

void add_1m(benchmark::State& st) {
  Tensor a = tz::randn({1 << 20}), b = tz::randn({1 << 20});
  run(st, [&] { return a + b; });
}
void exp_1m(benchmark::State& st) {
  Tensor a = tz::randn({1 << 20});
  run(st, [&] { return tz::exp(a); });
}
void gelu_1m(benchmark::State& st) {
  Tensor a = tz::randn({1 << 20});
  run(st, [&] { return tz::gelu(a); });
}
void add_broadcast_rows(benchmark::State& st) {
  Tensor a = tz::randn({1024, 1024}), b = tz::randn({1024});
  run(st, [&] { return a + b; });
}
void transpose_copy(benchmark::State& st) {
  Tensor a = tz::randn({1024, 1024});
  run(st, [&] { return a.t().contiguous(); });
}
void sum_rows(benchmark::State& st) {
  Tensor a = tz::randn({1024, 1024});
  run(st, [&] { return a.sum({1}); });
}
void sum_cols(benchmark::State& st) {
  Tensor a = tz::randn({1024, 1024});
  run(st, [&] { return a.sum({0}); });
}
void matmul_512(benchmark::State& st) {
  Tensor a = tz::randn({512, 512}), b = tz::randn({512, 512});
  run(st, [&] { return tz::matmul(a, b); });
}
void bmm_64x128(benchmark::State& st) {
  Tensor a = tz::randn({64, 128, 64}), b = tz::randn({64, 64, 128});
  run(st, [&] { return tz::bmm(a, b); });
}
void softmax_rows(benchmark::State& st) {
  Tensor a = tz::randn({1024, 1024});
  run(st, [&] { return tz::softmax(a, -1); });
}
void layer_norm_rows(benchmark::State& st) {
  Tensor a = tz::randn({4096, 256}), w = tz::ones({256}), b = tz::zeros({256});
  run(st, [&] { return tz::layer_norm(a, {256}, w, b); });
}
void conv2d_3x3(benchmark::State& st) {
  Tensor x = tz::randn({8, 32, 32, 32}), w = tz::randn({64, 32, 3, 3});
  run(st, [&] { return tz::conv2d(x, w, {}, tz::IntList{1}, tz::IntList{1}); });
}
void max_pool2d(benchmark::State& st) {
  Tensor x = tz::randn({8, 64, 32, 32});
  run(st, [&] { return tz::max_pool2d(x, {2}); });
}
void mlp_train_step(benchmark::State& st) {
  Tensor x = tz::randn({64, 256}), w1 = tz::randn({256, 512}).requires_grad_(true),
         w2 = tz::randn({512, 10}).requires_grad_(true);
  run(st, [&] {
    Tensor loss = tz::matmul(tz::gelu(tz::matmul(x, w1)), w2).square().mean();
    loss.backward();
    w1.zero_grad();
    w2.zero_grad();
    return loss;
  });
}

BENCHMARK(add_1m);
BENCHMARK(exp_1m);
BENCHMARK(gelu_1m);
BENCHMARK(add_broadcast_rows);
BENCHMARK(transpose_copy);
BENCHMARK(sum_rows);
BENCHMARK(sum_cols);
BENCHMARK(matmul_512);
BENCHMARK(bmm_64x128);
BENCHMARK(softmax_rows);
BENCHMARK(layer_norm_rows);
BENCHMARK(conv2d_3x3);
BENCHMARK(max_pool2d);
BENCHMARK(mlp_train_step);

}  // namespace

BENCHMARK_MAIN();
