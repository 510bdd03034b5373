#include "tests/support/gradcheck.h"

#include <cmath>
#include <sstream>
#include <unordered_set>

#include "autograd/node.h"
#include "core/philox.h"

namespace tz::test {

Tensor gc_input(const Shape& shape, double lo, double hi, uint64_t seed) {
  Tensor t = make_input(shape, DType::F64, lo, hi, seed + 1);
  t.requires_grad_(true);
  return t;
}

std::vector<std::string> graph_node_names(const Tensor& out) {
  std::vector<std::string> names;
  if (!out.grad_fn()) return names;
  std::unordered_set<autograd::Node*> seen;
  std::vector<autograd::Node*> stack{out.grad_fn().get()};
  seen.insert(stack[0]);
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    names.push_back(n->name());
    for (auto& e : n->next_edges)
      if (e.fn && seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
  }
  return names;
}

namespace {

/// Fixed projection weights so non-scalar outputs reduce to a scalar with a generic gradient.
Tensor projection(const Tensor& y, uint64_t seed) {
  std::vector<double> w(size_t(y.numel()));
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.5 + philox::uniform_f64(philox::draw(seed, i));
  return from_vector(w, y.shape()).to(y.dtype());
}

Tensor scalar_of(const GradFn& fn, const TensorList& inputs, Tensor& w) {
  Tensor y = fn(inputs);
  if (!w.defined()) w = projection(y, 777);
  return (y * w).sum();
}

::testing::AssertionResult compare(const char* what, size_t input, int64_t elem, double analytic, double numeric,
                                   const GradcheckOptions& o) {
  if (std::abs(analytic - numeric) <= o.atol + o.rtol * std::abs(numeric)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": input " << input << " element " << elem << ": analytic "
                                       << analytic << " vs numeric " << numeric;
}

/// Central differences of scalar_fn w.r.t. every element of every input requiring grad,
/// compared with `analytic`.
::testing::AssertionResult check_against_fd(const std::function<double()>& scalar_fn, const TensorList& inputs,
                                            const TensorList& analytic, const GradcheckOptions& o, const char* what) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    if (x.dtype() != DType::F64 || !x.is_contiguous() || !x.device().is_cpu())
      return ::testing::AssertionFailure() << "gradcheck inputs must be contiguous f64 CPU tensors, got " << describe(x);
    const std::vector<double> an = analytic[i].defined() ? analytic[i].to_vector<double>()
                                                          : std::vector<double>(size_t(x.numel()), 0.0);
    double* p = static_cast<double*>(x.data_ptr());
    for (int64_t k = 0; k < x.numel(); ++k) {
      const double orig = p[k];
      p[k] = orig + o.eps;
      x.bump_version();
      const double fp = scalar_fn();
      p[k] = orig - o.eps;
      x.bump_version();
      const double fm = scalar_fn();
      p[k] = orig;
      x.bump_version();
      auto r = compare(what, i, k, an[size_t(k)], (fp - fm) / (2 * o.eps), o);
      if (!r) return r;
    }
  }
  return ::testing::AssertionSuccess();
}

TensorList with_grad_inputs(const TensorList& inputs) {
  TensorList used;
  for (auto& t : inputs)
    if (t.defined() && t.requires_grad()) used.push_back(t);
  return used;
}

TensorList scatter_back(const TensorList& inputs, const TensorList& grads) {
  TensorList out(inputs.size());
  size_t j = 0;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) out[i] = grads[j++];
  return out;
}

}  // namespace

::testing::AssertionResult gradcheck(const GradFn& fn, const TensorList& inputs, const GradcheckOptions& o) {
  Tensor w;
  Tensor loss = scalar_of(fn, inputs, w);
  TensorList wrt = with_grad_inputs(inputs);
  if (wrt.empty()) return ::testing::AssertionFailure() << "no input requires grad";
  if (!loss.requires_grad()) return ::testing::AssertionFailure() << "output does not require grad";
  TensorList g = scatter_back(inputs, grad({loss}, wrt, {}, false, false, /*allow_unused=*/true));
  auto scalar_fn = [&] {
    NoGradGuard ng;
    return scalar_of(fn, inputs, w).item<double>();
  };
  return check_against_fd(scalar_fn, inputs, g, o, "gradient");
}

::testing::AssertionResult gradgradcheck(const GradFn& fn, const TensorList& inputs, const GradcheckOptions& o) {
  TensorList wrt = with_grad_inputs(inputs);
  Tensor w;
  // u: fixed directions for the first-order gradients; h(x) = sum_i <dL/dx_i, u_i>.
  TensorList u;
  for (size_t i = 0; i < wrt.size(); ++i) u.push_back(projection(wrt[i], 99 + i));
  auto h = [&](bool create) {
    Tensor loss = scalar_of(fn, inputs, w);
    TensorList g = grad({loss}, wrt, {}, create, create, true);
    Tensor acc = zeros({}, DType::F64);
    for (size_t i = 0; i < g.size(); ++i)
      if (g[i].defined()) acc = acc + (g[i] * u[i]).sum();
    return acc;
  };
  Tensor hv = h(true);
  if (!hv.requires_grad()) {
    // Second derivatives are identically zero (linear op): compare with finite differences of h.
    TensorList zeros_g(inputs.size());
    return check_against_fd([&] { return h(false).item<double>(); }, inputs, zeros_g, o, "grad-of-grad");
  }
  TensorList gg = scatter_back(inputs, grad({hv}, wrt, {}, false, false, true));
  return check_against_fd([&] { return h(false).item<double>(); }, inputs, gg, o, "grad-of-grad");
}

}  // namespace tz::test
