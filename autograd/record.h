#pragma once
/// How a differentiable op attaches its backward. Pattern (see autograd/ops_unary.cpp):
///
///   Tensor exp(const Tensor& x) {
///     Tensor y = dispatch::unary(UnaryOp::Exp, x);
///     if (autograd::needs_grad({x}))
///       autograd::record("ExpBackward", {x}, {y}, [sy = SavedTensor::output(y, 0)](const BackwardArgs& a) {
///         return TensorList{a.grads[0] * sy.unpack(&a.node)};
///       });
///     return y;
///   }
///
/// Backward lambdas use public differentiable ops, so create_graph=true gives higher-order
/// gradients. They return one tensor per input (undefined where !needs_input_grad[i] or the
/// input is not differentiable); gradients for broadcast inputs are reduced with sum_to().
/// Every node name must appear in autograd/op_list.h (checked at record time).
#include <functional>
#include <initializer_list>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/saved.h"

namespace tz::autograd {

struct BackwardArgs {
  const TensorList& grads;                 // one per output, all defined
  const std::vector<bool>& needs_input_grad;  // one per input
  Node& node;                              // for SavedTensor::unpack of outputs
};
using BackwardFn = std::function<TensorList(const BackwardArgs&)>;

/// True when grad mode is on and some input requires grad.
bool needs_grad(std::initializer_list<Tensor> inputs);
bool needs_grad(const TensorList& inputs);

/// Creates the node `name` with edges to `inputs` and makes it the grad_fn of `outputs` (which
/// then require grad). Only floating outputs become differentiable. Returns the node.
std::shared_ptr<Node> record(const char* name, const TensorList& inputs, const TensorList& outputs, BackwardFn fn);

/// Sums `grad` down to `shape` (undoes broadcasting); the one place that does so.
Tensor sum_to(const Tensor& grad, const Shape& shape);
/// sum_to(grad, input's shape), then cast to the input's dtype (mixed-dtype ops).
Tensor grad_like(const Tensor& grad, const Tensor& input);
/// Same, given the input's shape and dtype (for nodes that need not keep the input alive).
Tensor grad_like(const Tensor& grad, const Shape& shape, DType dtype);

/// For in-place ops: writes `result` (computed out of place from a clone of self) into self and
/// moves self's autograd history to result's node. Checks the leaf/view rules and bumps the
/// version counter.
void commit_inplace(const Tensor& self, const Tensor& result, const char* op);
/// Throws if an in-place op on self would break autograd (leaf requiring grad, or a view that
/// requires grad while grad mode is on).
void check_inplace(const Tensor& self, const char* op, bool other_requires_grad = false);

}  // namespace tz::autograd
