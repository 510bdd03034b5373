#pragma once
/// Finite-difference gradient checks. The cases are the grad samples of the op table
/// (tests/support/op_info.h); tests/autograd/test_gradcheck_table.cpp runs them.
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

/// f64 input of the given shape with values in [lo, hi), requiring grad.
Tensor gc_input(const Shape& shape, double lo = -1.0, double hi = 1.0, uint64_t seed = 0);
/// Backward node names in the graph of `out` (walked iteratively).
std::vector<std::string> graph_node_names(const Tensor& out);

}  // namespace tz::test
