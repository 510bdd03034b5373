#include "nn/data/dataset.h"

#include "core/error.h"

namespace tz::nn::data {

TensorDataset::TensorDataset(Tensor inputs, Tensor targets) : inputs_(std::move(inputs)), targets_(std::move(targets)) {
  TZ_CHECK(inputs_.defined(), "TensorDataset", "inputs must be a defined tensor");
  TZ_CHECK(inputs_.dim() >= 1, "TensorDataset", "inputs need a leading example dim, got ", describe(inputs_));
  if (targets_.defined()) {
    TZ_CHECK(targets_.dim() >= 1 && targets_.size(0) == inputs_.size(0), "TensorDataset",
             "inputs and targets must have the same number of rows, got ", describe(inputs_), " and ",
             describe(targets_));
  }
}

int64_t TensorDataset::size() const { return inputs_.size(0); }

Example TensorDataset::get(int64_t index) const {
  TZ_CHECK(index >= 0 && index < size(), "TensorDataset", "index ", index, " out of range for ", size(), " examples");
  return {inputs_.select(0, index), targets_.defined() ? targets_.select(0, index) : Tensor()};
}

}  // namespace tz::nn::data
