#pragma once
/// Backward graph nodes. Each differentiable op that records creates one Node whose outputs are
/// the op's outputs (gradients flow in) and whose next_edges point at the nodes of its inputs
/// (gradients flow out). Op authors use autograd/record.h rather than subclassing Node.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace tz::autograd {

class Node;

/// Where a gradient goes: input slot `input_nr` of node `fn` (an invalid edge: nowhere).
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return bool(fn); }
};

using Hook = std::function<Tensor(const Tensor&)>;

/// Where a node was created, kept only for nodes recorded under anomaly mode
/// (autograd/anomaly.h) so that a backward error can point at the forward.
struct AnomalyRecord {
  std::string inputs;  // "float32[4, 3], int64[4]"
  std::string after;   // the ops recorded just before on this thread: "exp, mul"
};

/// Shape/dtype/device of one node output, for zero-filling gradients that did not flow.
struct OutputMeta {
  Shape shape;
  DType dtype = kDefaultFloat;
  Device device;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// "MulBackward", "AccumulateGrad", ... (used in errors and by the gradcheck coverage test).
  virtual std::string name() const = 0;
  /// Gradients w.r.t. the outputs (all defined) -> gradients w.r.t. the inputs, one per
  /// next_edges entry (undefined where an input needs none).
  virtual TensorList apply(TensorList&& grad_outputs) = 0;
  /// Frees saved state after the node ran, unless the caller asked to retain the graph.
  virtual void release_saved() {}

  std::vector<Edge> next_edges;
  std::vector<OutputMeta> outputs;
  /// Creation order: the engine runs ready nodes latest-first, like PyTorch.
  uint64_t sequence_nr;
  /// Hooks on the gradient of output `first` (tensor hooks of non-leaf tensors), by id.
  std::vector<std::pair<uint32_t, std::pair<int, Hook>>> pre_hooks;
  /// Set by anomaly mode at creation (null otherwise, so a node costs one pointer more).
  std::unique_ptr<AnomalyRecord> anomaly;
};

/// Per-tensor autograd state (absent on tensors that never took part in autograd).
///
/// Threads: a leaf (a parameter) is shared by every thread that runs forward and backward
/// through it, so the members that forward and backward *change* on a shared tensor are guarded
/// by `mutex`, as PyTorch guards its per-leaf accumulation: `grad` (accumulated by backward,
/// read by grad()/optimizers), `grad_accumulator` (re-created by the forward of each step once
/// the previous graph is freed), `hooks`. requires_grad, grad_fn and output_nr are set when the
/// tensor is made or marked, before it is shared, and are read without the lock.
struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                    // guarded by mutex
  std::shared_ptr<Node> grad_fn;  // null for leaves
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;     // guarded by mutex; leaves: created on demand
  std::vector<std::pair<int, Hook>> hooks;  // guarded by mutex; leaves: run before accumulation
  bool retains_grad = false;
  /// Per tensor, never held while a hook or any other user code runs (hooks may read .grad).
  std::mutex mutex;
};

/// Returns (creating if needed) the autograd metadata of t.
AutogradMeta& meta_of(const Tensor& t);
/// Where a gradient for t must be sent: its grad_fn output, or its leaf accumulator, or an
/// invalid edge when t does not require grad.
Edge gradient_edge(const Tensor& t);
/// A fresh id for hook handles.
int next_hook_id();

/// Writes incoming gradients into a leaf tensor's .grad, under the leaf's mutex (several threads
/// may back-propagate into one leaf at once; each addition must see the previous one).
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  std::string name() const override { return "AccumulateGrad"; }
  TensorList apply(TensorList&& grads) override;
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

}  // namespace tz::autograd
