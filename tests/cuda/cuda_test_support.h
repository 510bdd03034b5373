#pragma once
/// Helpers of the CUDA tests (label cuda). Every test that needs a GPU starts with
/// TZ_REQUIRE_CUDA(); on machines without one (CI) it is skipped, not failed.
#include "core/cuda.h"
#include "tests/support/test_support.h"

#define TZ_REQUIRE_CUDA()                                                        \
  do {                                                                           \
    if (!::tz::cuda::is_available()) GTEST_SKIP() << "no CUDA device available"; \
  } while (0)

namespace tz::test {
inline Device cuda_device() { return Device(DeviceType::CUDA, 0); }
}  // namespace tz::test
