#pragma once
/// The op-parity comparison: the samples of the op table (tests/support/op_info.h) run on every
/// registered backend and are compared with the reference backend (backends/stub, registered as
/// ext0: plain single-threaded loops, no BLAS, no oneDNN, no fused kernels, so the core's
/// composite paths run there too). tests/ops/test_parity_table.cpp runs them.
#include "tests/support/test_support.h"

namespace tz::test {

/// The device of the reference backend (ext0).
Device reference_device();

}  // namespace tz::test
