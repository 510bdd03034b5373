#pragma once
/// Finite-difference gradient checks and the one table of gradcheck cases.
///
/// Every differentiable op registers at least one case with TZ_GRADCHECK(...) in
/// tests/autograd/gradcheck_<family>.cpp. The coverage test walks each case's graph, collects
/// the backward node names it produced, and fails when a name listed in autograd/op_list.h is
/// produced by no case.
#include <functional>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace tz::test {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  /// Also check second derivatives (grad of grad).
  bool gradgrad = true;
};

using GradFn = std::function<Tensor(const TensorList&)>;

/// Compares tz::grad of sum(fn(inputs) * w) (fixed random w) with central differences, for
/// every floating input that requires grad. Inputs must be f64 CPU tensors.
::testing::AssertionResult gradcheck(const GradFn& fn, const TensorList& inputs, const GradcheckOptions& o = {});
/// Checks the derivatives of the first-order gradients (create_graph) the same way.
::testing::AssertionResult gradgradcheck(const GradFn& fn, const TensorList& inputs, const GradcheckOptions& o = {});

struct GradcheckCase {
  std::string name;                          // "mul/broadcast"
  std::function<TensorList()> make_inputs;   // f64 inputs; those to check have requires_grad
  GradFn fn;
  GradcheckOptions options;
};

std::vector<GradcheckCase>& gradcheck_registry();
struct GradcheckRegistrar {
  explicit GradcheckRegistrar(GradcheckCase c) { gradcheck_registry().push_back(std::move(c)); }
};

/// f64 input of the given shape with values in [lo, hi), requiring grad.
Tensor gc_input(const Shape& shape, double lo = -1.0, double hi = 1.0, uint64_t seed = 0);
/// Backward node names in the graph of `out` (walked iteratively).
std::vector<std::string> graph_node_names(const Tensor& out);

}  // namespace tz::test

#define TZ_GC_CAT2(a, b) a##b
#define TZ_GC_CAT(a, b) TZ_GC_CAT2(a, b)
/// TZ_GRADCHECK("name", inputs-lambda, fn-lambda [, GradcheckOptions])
#define TZ_GRADCHECK(...) \
  static ::tz::test::GradcheckRegistrar TZ_GC_CAT(tz_gc_, __LINE__)(::tz::test::GradcheckCase{__VA_ARGS__})
