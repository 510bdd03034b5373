#pragma once
/// A tensor saved by a node for its backward. It remembers the storage version at save time, and
/// unpacking after an in-place write raises an error naming the node. Outputs of the node itself
/// are saved without their grad_fn (a reference cycle) and reattached to the node on unpack.
#include "autograd/node.h"

namespace tz::autograd {

class SavedTensor {
 public:
  SavedTensor() = default;
  /// Saves an input of the op (or any tensor not produced by it).
  static SavedTensor input(const Tensor& t);
  /// Saves an output of the op; unpack(owner) reattaches it to the owner node.
  static SavedTensor output(const Tensor& t, uint32_t output_nr);
  /// The saved tensor; for outputs, `owner` is the node that produced it.
  Tensor unpack(Node* owner = nullptr) const;
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;
  uint64_t version_ = 0;
  bool is_output_ = false;
  uint32_t output_nr_ = 0;
};

}  // namespace tz::autograd
