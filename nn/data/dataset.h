#pragma once
/// Datasets: indexable collections of (input, target) examples that a DataLoader batches.
///
///   auto ds = std::make_shared<nn::data::TensorDataset>(x, y);   // x [N, ...], y [N, ...]
///   nn::data::Example e = ds->get(3);                             // x[3], y[3]
#include <cstdint>
#include <memory>

#include "core/tensor.h"

namespace tz::nn::data {

/// One example. `target` may be undefined (unsupervised data, or a dataset whose target is
/// part of the input); a DataLoader then leaves the batch's target undefined too.
struct Example {
  Tensor input;
  Tensor target;
};

/// The dataset contract. get() must be safe to call from another thread while the caller's
/// thread runs other tensor ops (the DataLoader's prefetch thread calls it), so it must not
/// mutate shared state without its own locking; const tensors and read-only tables qualify.
class Dataset {
 public:
  virtual ~Dataset() = default;
  /// Number of examples.
  virtual int64_t size() const = 0;
  /// Example i, 0 <= i < size(); out-of-range indices throw tz::Error.
  virtual Example get(int64_t index) const = 0;
};

/// Examples are the rows (dim 0) of `inputs` and of `targets` (optional: may be undefined).
/// get(i) returns views (inputs[i], targets[i]); the loader's collate copies them into a batch.
class TensorDataset : public Dataset {
 public:
  /// Throws unless inputs has at least one dim and targets (if defined) has as many rows.
  explicit TensorDataset(Tensor inputs, Tensor targets = {});
  int64_t size() const override;
  Example get(int64_t index) const override;
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_;
  Tensor targets_;
};

}  // namespace tz::nn::data
