#pragma once
/// Helpers for the concurrency tests: run one body on several std::threads that start together,
/// and small-integer tensors (sums of small integers are exact in float, so a result computed
/// by N threads can be compared with N times the single-threaded one without tolerances).
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_support.h"

namespace tz::test {

/// Runs body(thread_index) on `n` threads released together by a latch (to maximise overlap);
/// rethrows the first exception a thread raised, after all joined. gtest assertions are
/// thread-safe, but a fatal ASSERT only returns from the body, so bodies use EXPECT_*.
inline void run_concurrently(int n, const std::function<void(int)>& body) {
  std::latch start(n);
  std::mutex mu;
  std::exception_ptr first;
  std::vector<std::thread> threads;
  threads.reserve(size_t(n));
  for (int t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        body(t);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!first) first = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  if (first) std::rethrow_exception(first);
}

/// Integers in [lo, hi) as `dtype`, drawn from a private generator (not the default one, which
/// other tests seed).
inline Tensor small_ints(const Shape& shape, int64_t lo, int64_t hi, DType dtype, uint64_t seed) {
  Generator gen(seed);
  return randint(lo, hi, shape, TensorOptions(DType::I64), &gen).to(dtype);
}

inline Tensor leaf_ints(const Shape& shape, int64_t lo, int64_t hi, DType dtype, uint64_t seed) {
  Tensor t = small_ints(shape, lo, hi, dtype, seed);
  t.requires_grad_(true);
  return t;
}

}  // namespace tz::test
