// Registers the test-only backends in every test binary before any test (or test-table
// generator) runs: the reference backend ext0 (backends/stub, in its kernel-recording form for the
// parity coverage test). Built-in backends (cpu, cuda)
// register themselves lazily through tz::init().
//
// This file is compiled into each test executable rather than into tz_test_support: a static
// initialiser in a static library is dropped when nothing else in its object file is referenced.
#include "tests/support/test_support.h"

#if defined(TZ_TEST_WITH_STUB_BACKEND)
#include "backends/stub/stub_coverage.h"

namespace {
const bool g_stub_registered = [] {
  tz::register_recording_stub_backend();
  return true;
}();
}  // namespace
#endif
