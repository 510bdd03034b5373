#pragma once
/// DataLoader: batches a Dataset in a seeded, reproducible order, optionally preparing the next
/// batch on a background thread.
///
///   nn::data::DataLoader loader(ds, {.batch_size = 64, .shuffle = true, .seed = 1});
///   for (int epoch = 0; epoch < 10; ++epoch)
///     for (const nn::data::Batch& b : loader) train_step(b.input, b.target);
///
/// Order. Epoch e visits the examples in the order of randperm(size, gen) where gen is
/// Generator(seed) advanced to offset e * size: epoch e's permutation is the (e+1)-th permutation
/// drawn from a fresh Generator(seed), so it depends only on (seed, epoch) and never on the
/// backend, the thread count, or on how many epochs this process has run. Without shuffle the
/// order is 0, 1, ..., size-1.
///
/// Progress and resume. The loader keeps a position (epoch, batches already delivered in it).
/// Every delivered batch advances it; running off the end of an epoch moves to (epoch + 1, 0),
/// so consecutive range-for loops walk consecutive epochs. Leaving a loop early keeps the
/// position: the next loop continues the same epoch. state() / load_state() save and restore
/// the position, and a restored loader delivers exactly the batches the original would have.
///
/// One iteration at a time: the loader is not itself thread-safe, and all iterators of one
/// loader share its position.
#include <cstdint>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "nn/data/dataset.h"

namespace tz::nn::data {

/// A batch: collated examples plus the dataset indices they came from (in batch order).
struct Batch {
  Tensor input;
  Tensor target;
  std::vector<int64_t> indices;
};

/// Turns the examples of one batch into a batched Example.
using Collate = std::function<Example(const std::vector<Example>&)>;

/// The default collate: stacks inputs (and targets, when defined) along a new dim 0; every
/// example must have the same shapes and dtypes. A mix of defined and undefined targets throws.
Example stack_collate(const std::vector<Example>& examples);

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  /// Drop the last, smaller batch of an epoch (when size is not a multiple of batch_size).
  bool drop_last = false;
  uint64_t seed = 0;
  /// Prepare the next batch on a background thread while the caller uses the current one.
  /// Batches are identical either way; dataset errors surface when that batch is requested.
  bool prefetch = true;
  /// Empty: stack_collate.
  Collate collate;
};

/// A saved position: the epoch and the number of its batches already delivered.
struct DataLoaderState {
  int64_t epoch = 0;
  int64_t position = 0;
  bool operator==(const DataLoaderState&) const = default;
};

class DataLoader {
 public:
  /// Throws unless dataset is non-null and batch_size >= 1.
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// Batches per epoch (ceil or floor of size / batch_size, by drop_last).
  int64_t num_batches() const;
  const DataLoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return *dataset_; }

  /// Moves to the start of epoch e (reshuffled from (seed, e)).
  void set_epoch(int64_t epoch);
  int64_t epoch() const { return state().epoch; }
  /// The current position, normalised: after the last batch of epoch e it reads (e + 1, 0).
  DataLoaderState state() const;
  /// Restores a position saved by state() (with the same dataset size and options).
  void load_state(const DataLoaderState& state);

  /// The next batch of the current epoch, or nullopt once the epoch is exhausted (the position
  /// then moves to the next epoch, so the following call starts it).
  /// Throws "[DataLoader] the dataset is empty ..." when an epoch has no batch at all (an empty
  /// dataset, or drop_last with fewer examples than batch_size): a loop that skips to the next
  /// epoch would otherwise never end.
  std::optional<Batch> next();
  /// Dataset indices of batch `position` of `epoch` (what next() would collate there).
  std::vector<int64_t> batch_indices(int64_t epoch, int64_t position) const;

  /// Range-for support: iterates the rest of the current epoch.
  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    const Batch& operator*() const { return *current_; }
    const Batch* operator->() const { return &*current_; }
    Iterator& operator++() {
      current_ = loader_->next();
      return *this;
    }
    bool operator==(std::default_sentinel_t) const { return !current_.has_value(); }

   private:
    friend class DataLoader;
    explicit Iterator(DataLoader* loader) : loader_(loader), current_(loader->next()) {}
    DataLoader* loader_;
    std::optional<Batch> current_;
  };
  Iterator begin() { return Iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  const std::vector<int64_t>& permutation(int64_t epoch) const;
  void schedule_prefetch(int64_t epoch, int64_t position);
  void drop_prefetch();

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  // The permutation of one epoch, cached (recomputed when another epoch is asked for).
  mutable int64_t perm_epoch_ = -1;
  mutable std::vector<int64_t> perm_;
  // At most one batch in flight on the worker, tagged with the position it belongs to.
  class Worker;
  std::unique_ptr<Worker> worker_;
  std::optional<DataLoaderState> pending_at_;
  std::future<Batch> pending_;
};

}  // namespace tz::nn::data
