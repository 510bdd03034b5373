#include "nn/data/dataloader.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "autograd/grad_mode.h"
#include "autograd/ops_shape.h"
#include "core/error.h"
#include "core/factories.h"

namespace tz::nn::data {

Example stack_collate(const std::vector<Example>& examples) {
  TZ_CHECK(!examples.empty(), "stack_collate", "cannot collate an empty list of examples");
  TensorList inputs, targets;
  inputs.reserve(examples.size());
  for (const Example& e : examples) {
    TZ_CHECK(e.input.defined(), "stack_collate", "an example has an undefined input");
    inputs.push_back(e.input);
    if (e.target.defined()) targets.push_back(e.target);
  }
  TZ_CHECK(targets.empty() || targets.size() == examples.size(), "stack_collate", "only ", targets.size(), " of ",
           examples.size(), " examples have a target: either all or none must");
  return {stack(inputs, 0), targets.empty() ? Tensor() : stack(targets, 0)};
}

/// One background thread running queued jobs in order. A persistent thread (rather than one
/// std::async per batch) keeps thread start-up cost off the per-batch path.
class DataLoader::Worker {
 public:
  Worker() : thread_([this] { run(); }) {}
  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  std::future<Batch> submit(std::function<Batch()> fn) {
    std::packaged_task<Batch()> task(std::move(fn));
    std::future<Batch> result = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(std::move(task));
    }
    cv_.notify_one();
    return result;
  }

 private:
  void run() {
    for (;;) {
      std::packaged_task<Batch()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stop requested and nothing left
        task = std::move(jobs_.front());
        jobs_.pop_front();
      }
      task();  // exceptions are stored in the future
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<Batch()>> jobs_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  TZ_CHECK(dataset_ != nullptr, "DataLoader", "dataset is null");
  TZ_CHECK(options_.batch_size >= 1, "DataLoader", "batch_size must be >= 1, got ", options_.batch_size);
  if (!options_.collate) options_.collate = stack_collate;
  if (options_.prefetch) worker_ = std::make_unique<Worker>();
}

DataLoader::~DataLoader() { drop_prefetch(); }

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::set_epoch(int64_t epoch) {
  TZ_CHECK(epoch >= 0, "DataLoader", "epoch must be >= 0, got ", epoch);
  epoch_ = epoch;
  position_ = 0;
}

DataLoaderState DataLoader::state() const {
  const int64_t n = num_batches();
  if (n > 0 && position_ >= n) return {epoch_ + 1, 0};
  return {epoch_, position_};
}

void DataLoader::load_state(const DataLoaderState& s) {
  const int64_t n = num_batches();
  TZ_CHECK(s.epoch >= 0 && s.position >= 0 && s.position <= n, "DataLoader", "state (epoch ", s.epoch, ", position ",
           s.position, ") is invalid for a loader with ", n, " batches per epoch");
  epoch_ = s.epoch;
  position_ = s.position;
}

const std::vector<int64_t>& DataLoader::permutation(int64_t epoch) const {
  if (perm_epoch_ == epoch) return perm_;
  const int64_t n = dataset_->size();
  if (options_.shuffle) {
    // Epoch e owns counters [e * n, (e + 1) * n) of the seed's stream: randperm draws n of them.
    Generator gen(options_.seed);
    gen.set_state({options_.seed, uint64_t(epoch) * uint64_t(n)});
    perm_ = randperm(n, TensorOptions(DType::I64), &gen).to_vector<int64_t>();
  } else {
    perm_.resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) perm_[size_t(i)] = i;
  }
  perm_epoch_ = epoch;
  return perm_;
}

std::vector<int64_t> DataLoader::batch_indices(int64_t epoch, int64_t position) const {
  const int64_t n = num_batches();
  TZ_CHECK(epoch >= 0 && position >= 0 && position < n, "DataLoader", "batch ", position, " of epoch ", epoch,
           " does not exist (", n, " batches per epoch)");
  const std::vector<int64_t>& perm = permutation(epoch);
  const int64_t begin = position * options_.batch_size;
  const int64_t end = std::min<int64_t>(begin + options_.batch_size, int64_t(perm.size()));
  return {perm.begin() + begin, perm.begin() + end};
}

namespace {
Batch collate_batch(const Dataset& dataset, const Collate& collate, std::vector<int64_t> indices) {
  // Batches are data, never part of a graph, whichever thread builds them.
  NoGradGuard no_grad;
  std::vector<Example> examples;
  examples.reserve(indices.size());
  for (int64_t i : indices) examples.push_back(dataset.get(i));
  Example collated = collate(examples);
  return {std::move(collated.input), std::move(collated.target), std::move(indices)};
}
}  // namespace

void DataLoader::schedule_prefetch(int64_t epoch, int64_t position) {
  std::vector<int64_t> indices = batch_indices(epoch, position);
  // The job holds its own references: it may outlive a batch that the caller has dropped.
  std::shared_ptr<const Dataset> dataset = dataset_;
  Collate collate = options_.collate;
  pending_ = worker_->submit([dataset, collate, indices = std::move(indices)]() mutable {
    return collate_batch(*dataset, collate, std::move(indices));
  });
  pending_at_ = DataLoaderState{epoch, position};
}

void DataLoader::drop_prefetch() {
  if (pending_.valid()) pending_.wait();  // the job reads the dataset: let it finish first
  pending_ = {};
  pending_at_.reset();
}

std::optional<Batch> DataLoader::next() {
  const int64_t n = num_batches();
  // With no batch in an epoch every call would return nullopt, and a training loop that moves
  // on to the next epoch would spin forever: an empty loader is an error, not an empty epoch.
  TZ_CHECK(n > 0, "DataLoader",
           dataset_->size() == 0
               ? std::string("the dataset is empty (0 examples): there is nothing to load")
               : cat_str("no batch in an epoch: ", dataset_->size(), " examples with batch_size ", options_.batch_size,
                         " and drop_last"));
  if (position_ >= n) {
    ++epoch_;
    position_ = 0;
    return std::nullopt;
  }
  const DataLoaderState at{epoch_, position_};
  Batch batch;
  if (pending_at_ && *pending_at_ == at) {
    std::future<Batch> ready = std::move(pending_);
    pending_at_.reset();
    batch = ready.get();  // rethrows a dataset/collate error here, in the caller's thread
  } else {
    drop_prefetch();
    batch = collate_batch(*dataset_, options_.collate, batch_indices(epoch_, position_));
  }
  ++position_;
  if (worker_) {
    // Prefetch across the epoch boundary too: the next epoch's first batch is known.
    if (position_ < n) schedule_prefetch(epoch_, position_);
    else schedule_prefetch(epoch_ + 1, 0);
  }
  return batch;
}

}  // namespace tz::nn::data
