#pragma once
/// User-defined differentiable functions: a custom forward (any code, any kernel) with a
/// hand-written backward, for straight-through estimators, surrogate gradients or fused kernels.
///
///   struct StraightThroughSign {
///     static TensorList forward(tz::autograd::FunctionCtx& ctx, const TensorList& in) {
///       return {tz::sign(in[0])};                       // runs without recording a graph
///     }
///     static TensorList backward(tz::autograd::FunctionCtx& ctx, const TensorList& grads) {
///       return {grads[0]};                              // identity gradient ("straight through")
///     }
///   };
///   Tensor y = tz::autograd::apply<StraightThroughSign>({x})[0];
///
/// forward runs under NoGradGuard on the inputs; backward receives one gradient per output and
/// returns one per input (undefined where none). Tensors needed in backward go through
/// ctx.save_for_backward() (they are version-checked like built-in saved tensors); other state
/// can be kept in ctx.attrs. When backward is written with differentiable ops, create_graph
/// gives higher-order gradients through it (saved tensors keep their own history).
#include <map>
#include <memory>
#include <string>

#include "autograd/record.h"

namespace tz::autograd {

class FunctionCtx {
 public:
  void save_for_backward(const TensorList& ts) {
    saved_.clear();
    for (const Tensor& t : ts) saved_.push_back(SavedTensor::input(t));
  }
  /// The saved tensors (throws if one was modified in place since it was saved).
  TensorList saved_tensors() const {
    TensorList out;
    for (const SavedTensor& s : saved_) out.push_back(s.unpack());
    return out;
  }
  /// Whether input i needs a gradient (set before backward runs).
  bool needs_input_grad(size_t i) const { return i < needs_.size() && needs_[i]; }
  /// Free-form numeric state for backward.
  std::map<std::string, double> attrs;

 private:
  template <class F> friend TensorList apply(const TensorList& inputs);
  std::vector<SavedTensor> saved_;
  std::vector<bool> needs_;
};

/// Runs F::forward and, when any input requires grad, records a node calling F::backward.
template <class F>
TensorList apply(const TensorList& inputs) {
  auto ctx = std::make_shared<FunctionCtx>();
  TensorList outputs;
  {
    NoGradGuard no_grad;
    outputs = F::forward(*ctx, inputs);
  }
  if (!needs_grad(inputs)) return outputs;
  for (const Tensor& t : inputs) ctx->needs_.push_back(t.defined() && t.requires_grad());
  // Outputs that alias an input are re-wrapped so the node owns distinct tensors.
  for (Tensor& o : outputs)
    for (const Tensor& in : inputs)
      if (o.is_same(in)) o = o.detach();
  const size_t n_in = inputs.size();
  record("CustomFunctionBackward", inputs, outputs, [ctx, n_in](const BackwardArgs& a) {
    TensorList g = F::backward(*ctx, a.grads);
    TZ_CHECK(g.size() == n_in, "custom function", "backward returned ", g.size(), " gradients for ", n_in, " inputs");
    return g;
  });
  return outputs;
}

}  // namespace tz::autograd
