#pragma once
/// Shared test helpers: tensor comparison with readable failures, backends to run parity cases
/// on, and fixture paths.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tensorzoo.h"

namespace tz::test {

/// Per-dtype default tolerances (rtol, atol) for comparing against a reference.
struct Tolerance {
  double rtol;
  double atol;
};
Tolerance default_tolerance(DType dt);

/// gtest assertion: same shape and allclose (compared in f64 on the CPU); the failure message
/// lists shapes and the first mismatching elements.
::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected, double rtol, double atol);
::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected);
/// Exact equality (shape, values; dtype not compared).
::testing::AssertionResult tensors_equal(const Tensor& actual, const Tensor& expected);

/// Devices of every registered backend with a device (CPU first), except the reference
/// backend ext0 that the parity table compares against.
std::vector<Device> test_devices();

/// Path of a committed fixture under tests/data/.
std::string data_path(const std::string& name);

/// A deterministic f64/f32 tensor with values in [lo, hi) (seeded; for test inputs).
Tensor make_input(const Shape& shape, DType dtype = DType::F32, double lo = -1.0, double hi = 1.0, uint64_t seed = 0);

}  // namespace tz::test

#define EXPECT_TENSOR_CLOSE(a, b, ...) EXPECT_TRUE(::tz::test::tensors_close((a), (b), ##__VA_ARGS__))
#define ASSERT_TENSOR_CLOSE(a, b, ...) ASSERT_TRUE(::tz::test::tensors_close((a), (b), ##__VA_ARGS__))
#define EXPECT_TENSOR_EQ(a, b) EXPECT_TRUE(::tz::test::tensors_equal((a), (b)))
/// Expects a tz::Error whose message contains `substr`.
#define EXPECT_TZ_ERROR(stmt, substr)                                                        \
  do {                                                                                       \
    try {                                                                                    \
      stmt;                                                                                  \
      ADD_FAILURE() << "expected tz::Error containing '" << (substr) << "'";                \
    } catch (const ::tz::Error& e) {                                                         \
      EXPECT_NE(std::string(e.what()).find(substr), std::string::npos) << "message: " << e.what(); \
    }                                                                                        \
  } while (0)
