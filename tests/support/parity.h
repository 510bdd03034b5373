#pragma once
/// The op-parity table: every case runs on every registered backend and is compared with the
/// reference backend (backends/stub, registered as ext0: plain single-threaded loops, no BLAS,
/// no oneDNN, no fused kernels, so the core's composite paths run there too).
///
/// Register cases in tests/ops/parity_<family>.cpp:
///   TZ_PARITY("add/broadcast", {DType::F32, DType::F64, DType::I64},
///             [](DType dt) { return TensorList{make_input({2, 3}, dt), make_input({3}, dt, -1, 1, 1)}; },
///             [](const TensorList& x) { return TensorList{add(x[0], x[1])}; });
/// Inputs are made on the CPU and copied to each device; include size-0/size-1 dims, broadcast
/// dims and non-contiguous inputs (transpose/slice inside fn) among a family's cases.
#include <functional>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace tz::test {

struct ParityCase {
  std::string name;
  std::vector<DType> dtypes;
  std::function<TensorList(DType)> make_inputs;
  std::function<TensorList(const TensorList&)> fn;
  /// Tolerance multiplier over default_tolerance(dtype) (e.g. 10 for long reductions).
  double tol_scale = 1.0;
};

std::vector<ParityCase>& parity_registry();
struct ParityRegistrar {
  explicit ParityRegistrar(ParityCase c) { parity_registry().push_back(std::move(c)); }
};

/// The device of the reference backend (ext0).
Device reference_device();

}  // namespace tz::test

#define TZ_PARITY_CAT2(a, b) a##b
#define TZ_PARITY_CAT(a, b) TZ_PARITY_CAT2(a, b)
#define TZ_PARITY(...) \
  static ::tz::test::ParityRegistrar TZ_PARITY_CAT(tz_parity_, __LINE__)(::tz::test::ParityCase{__VA_ARGS__})
