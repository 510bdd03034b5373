#pragma once
/// Anomaly detection: find the op where a NaN or an infinity first appears (PyTorch's
/// torch.autograd.detect_anomaly()).
///
///   {
///     tz::autograd::DetectAnomaly guard;   // this thread only; nestable
///     Tensor loss = model(x).log().mean();  // throws at the first op that makes a NaN/Inf
///     loss.backward();                      // throws at the first node whose gradient is NaN/Inf
///   }
///
/// While enabled on a thread:
///  - forward: every op that records a node (autograd/record.cpp, i.e. some input requires
///    grad) has its floating outputs checked. It throws when the op *introduced* the value: an
///    output NaN while no input held a NaN, or an output infinity while no input held one. A
///    NaN arriving in a tensor without history (a parameter, the data) is reported at the first
///    op that uses it. Infinities made by masked_fill / where / constant padding are not errors
///    (a -inf fill is how attention masks are written);
///  - backward: every node's produced input-gradients are checked (autograd/engine.cpp); any
///    NaN or infinity throws.
/// Messages look like
///   "[anomaly] log forward produced NaN in output 0 (node LogBackward #12; inputs: float32[4, 3])"
///   "[anomaly] sqrt backward produced Inf in gradient 0 (node SqrtBackward #7; inputs: float32[3]);
///    the node was created in the forward after exp, mul"
/// Cost when disabled: one thread-local bool test per recorded op and per backward node. When
/// enabled: one reduction and one host sync per checked tensor (a debugging tool, not for
/// production runs).
#include <string>

#include "core/tensor.h"

namespace tz::autograd {

class Node;

/// True while a DetectAnomaly guard (enabled) is alive on this thread.
bool is_anomaly_enabled();

/// Turns anomaly detection on (or, with false, off) for this thread until destroyed; restores
/// the previous state, so guards nest. Other threads are unaffected.
class DetectAnomaly {
 public:
  explicit DetectAnomaly(bool enabled = true);
  ~DetectAnomaly();
  DetectAnomaly(const DetectAnomaly&) = delete;
  DetectAnomaly& operator=(const DetectAnomaly&) = delete;

 private:
  bool prev_;
};

/// Which non-finite values a tensor holds. Integer and bool tensors are always finite.
struct NonFiniteScan {
  bool nan = false;
  bool inf = false;
  bool finite() const { return !nan && !inf; }
  /// "NaN", "Inf" or "NaN and Inf" ("" when finite).
  std::string what() const;
};
/// Scans t with backend ops (works on every device): one reduction and one host sync when t is
/// finite, two more when it is not. Runs without recording a graph.
NonFiniteScan scan_nonfinite(const Tensor& t);
/// scan_nonfinite(t).finite().
bool all_finite(const Tensor& t);

/// "LogBackward" -> "log", "MaskedFillBackward" -> "masked_fill": the op a node name stands for.
std::string forward_op_name(const std::string& node_name);

namespace detail {
/// Called by record() while anomaly mode is on: remembers where `node` was created and throws
/// when an output holds a NaN/Inf the op introduced.
void anomaly_check_forward(Node& node, const TensorList& inputs, const TensorList& outputs);
/// Called by the engine after node.apply() while anomaly mode is on: throws when a produced
/// gradient holds a NaN/Inf. `grads_in` are the gradients the node received (for the message).
void anomaly_check_backward(const Node& node, const TensorList& grads_in, const TensorList& grads_out);
}  // namespace detail

}  // namespace tz::autograd
