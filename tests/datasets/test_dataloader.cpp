// DataLoader: order, shuffling determinism from (seed, epoch), drop_last, prefetch, resume.
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using nn::data::Batch;
using nn::data::DataLoader;
using nn::data::DataLoaderOptions;
using nn::data::DataLoaderState;
using nn::data::Example;
using nn::data::TensorDataset;

/// n examples: input row i is [i, 10 i] (f32), target i (int64 0-d).
std::shared_ptr<TensorDataset> numbered(int64_t n) {
  const Tensor idx = arange(n);
  const Tensor inputs = stack({idx.to(DType::F32), (idx * 10).to(DType::F32)}, 1);
  return std::make_shared<TensorDataset>(inputs, idx);
}

std::vector<std::vector<int64_t>> epoch_targets(DataLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (const Batch& b : loader) out.push_back(b.target.to_vector<int64_t>());
  return out;
}

DataLoaderOptions opts(int64_t batch, bool shuffle, bool drop_last = false, uint64_t seed = 0, bool prefetch = true) {
  DataLoaderOptions o;
  o.batch_size = batch;
  o.shuffle = shuffle;
  o.drop_last = drop_last;
  o.seed = seed;
  o.prefetch = prefetch;
  return o;
}

TEST(DataLoader, SequentialBatchesAndDropLast) {
  DataLoader loader(numbered(10), opts(4, false));
  EXPECT_EQ(loader.num_batches(), 3);
  std::vector<Batch> batches;
  for (const Batch& b : loader) batches.push_back(b);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].input.shape(), (Shape{4, 2}));
  EXPECT_EQ(batches[0].target.shape(), (Shape{4}));
  EXPECT_EQ(batches[2].input.shape(), (Shape{2, 2}));
  EXPECT_EQ(batches[2].indices, (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(batches[1].input.to_vector<float>(), (std::vector<float>{4, 40, 5, 50, 6, 60, 7, 70}));
  EXPECT_EQ(loader.epoch(), 1);

  DataLoader dropping(numbered(10), opts(4, false, /*drop_last=*/true));
  EXPECT_EQ(dropping.num_batches(), 2);
  EXPECT_EQ(epoch_targets(dropping), (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  DataLoader exact(numbered(8), opts(4, false, true));
  EXPECT_EQ(exact.num_batches(), 2);
  DataLoader too_small(numbered(3), opts(4, true, true));
  EXPECT_EQ(too_small.num_batches(), 0);
  // No batch in an epoch: next() refuses instead of returning an endless run of empty epochs.
  EXPECT_TZ_ERROR(epoch_targets(too_small), "no batch in an epoch: 3 examples with batch_size 4 and drop_last");
}

TEST(DataLoader, ShuffleIsTheGeneratorsPermutationPerEpoch) {
  DataLoader loader(numbered(50), opts(50, true, false, /*seed=*/123));
  Generator gen(123);  // epoch e = the (e+1)-th randperm drawn from a fresh Generator(seed)
  std::vector<int64_t> previous;
  for (int epoch = 0; epoch < 3; ++epoch) {
    const std::vector<int64_t> expected = randperm(50, TensorOptions(DType::I64), &gen).to_vector<int64_t>();
    const auto got = epoch_targets(loader);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], expected) << "epoch " << epoch;
    EXPECT_NE(got[0], previous) << "epoch " << epoch << " was not reshuffled";
    previous = got[0];
    EXPECT_EQ(std::set<int64_t>(got[0].begin(), got[0].end()).size(), 50u);
  }
}

TEST(DataLoader, SameSeedSameOrderOtherSeedOtherOrder) {
  DataLoader a(numbered(37), opts(5, true, false, 9)), b(numbered(37), opts(5, true, false, 9, false)),
      c(numbered(37), opts(5, true, false, 10));
  for (int epoch = 0; epoch < 2; ++epoch) {
    const auto ta = epoch_targets(a), tb = epoch_targets(b), tc = epoch_targets(c);
    EXPECT_EQ(ta, tb);
    EXPECT_NE(ta, tc);
    std::multiset<int64_t> seen;
    for (const auto& batch : ta) seen.insert(batch.begin(), batch.end());
    EXPECT_EQ(seen.size(), 37u);
    EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 37u);
  }
  // set_epoch jumps straight to an epoch's order.
  DataLoader d(numbered(37), opts(5, true, false, 9));
  d.set_epoch(1);
  DataLoader e(numbered(37), opts(5, true, false, 9));
  epoch_targets(e);
  EXPECT_EQ(epoch_targets(d), epoch_targets(e));
  EXPECT_EQ(d.batch_indices(4, 0), e.batch_indices(4, 0));
  EXPECT_TZ_ERROR(d.set_epoch(-1), "[DataLoader] epoch must be >= 0");
}

TEST(DataLoader, PrefetchGivesIdenticalBatchesFromAnotherThread) {
  // Records the thread each example was read on.
  struct Recording : nn::data::Dataset {
    std::shared_ptr<TensorDataset> inner = numbered(20);
    mutable std::mutex m;
    mutable std::set<std::thread::id> threads;
    int64_t size() const override { return inner->size(); }
    Example get(int64_t i) const override {
      std::lock_guard<std::mutex> lock(m);
      threads.insert(std::this_thread::get_id());
      return inner->get(i);
    }
  };
  auto recorded = std::make_shared<Recording>();
  DataLoader with(recorded, opts(3, true, false, 4, true));
  DataLoader without(numbered(20), opts(3, true, false, 4, false));
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<Batch> x, y;
    for (const Batch& b : with) x.push_back(b);
    for (const Batch& b : without) y.push_back(b);
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_TENSOR_EQ(x[i].input, y[i].input);
      EXPECT_TENSOR_EQ(x[i].target, y[i].target);
      EXPECT_EQ(x[i].indices, y[i].indices);
    }
  }
  std::lock_guard<std::mutex> lock(recorded->m);
  EXPECT_TRUE(recorded->threads.size() == 2 && recorded->threads.count(std::this_thread::get_id()) == 1)
      << "expected reads on this thread (first batch) and on the prefetch thread";
}

TEST(DataLoader, PrefetchErrorSurfacesOnTheRightBatch) {
  struct Failing : nn::data::Dataset {
    int64_t size() const override { return 10; }
    Example get(int64_t i) const override {
      TZ_CHECK(i != 7, "failing", "example ", i, " is unreadable");
      return {full({2}, double(i)), {}};
    }
  };
  for (bool prefetch : {true, false}) {
    DataLoader loader(std::make_shared<Failing>(), opts(3, false, false, 0, prefetch));
    auto first = loader.next();
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(first->target.defined());  // no targets: the batch has none
    EXPECT_EQ(first->input.shape(), (Shape{3, 2}));
    ASSERT_TRUE(loader.next().has_value());
    EXPECT_TZ_ERROR(loader.next(), "[failing] example 7 is unreadable");
    EXPECT_EQ(loader.state(), (DataLoaderState{0, 2}));  // the failed batch was not consumed
    EXPECT_TZ_ERROR(loader.next(), "[failing] example 7 is unreadable");
  }
}

TEST(DataLoader, StateRestoreIsBitExact) {
  auto ds = numbered(23);
  const DataLoaderOptions o = opts(4, true, false, 77);
  DataLoader original(ds, o);
  // Run one and a half epochs, leaving the loop mid-epoch.
  epoch_targets(original);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(original.next().has_value());
  const DataLoaderState saved = original.state();
  EXPECT_EQ(saved, (DataLoaderState{1, 3}));
  std::vector<Batch> rest;
  for (const Batch& b : original) rest.push_back(b);  // continues epoch 1 from batch 3
  EXPECT_EQ(rest.size(), 3u);
  const auto next_epoch = epoch_targets(original);

  DataLoader resumed(ds, o);
  resumed.load_state(saved);
  std::vector<Batch> again;
  for (const Batch& b : resumed) again.push_back(b);
  ASSERT_EQ(again.size(), rest.size());
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_TENSOR_EQ(again[i].input, rest[i].input);
    EXPECT_EQ(again[i].indices, rest[i].indices);
  }
  EXPECT_EQ(epoch_targets(resumed), next_epoch);

  // After the last batch of an epoch the state already names the next epoch.
  DataLoader edge(ds, o);
  for (int i = 0; i < 6; ++i) edge.next();
  EXPECT_EQ(edge.state(), (DataLoaderState{1, 0}));
  EXPECT_FALSE(edge.next().has_value());
  EXPECT_EQ(edge.state(), (DataLoaderState{1, 0}));
  EXPECT_TZ_ERROR(edge.load_state({0, 7}), "[DataLoader] state (epoch 0, position 7) is invalid");
}

TEST(DataLoader, CollateOptions) {
  // Custom collate: sums the inputs of a batch.
  DataLoaderOptions o = opts(5, false);
  o.collate = [](const std::vector<Example>& ex) {
    Tensor s = zeros({2});
    for (const Example& e : ex) s = s + e.input;
    return Example{s, {}};
  };
  DataLoader loader(numbered(10), o);
  const auto b = loader.next();
  EXPECT_EQ(b->input.to_vector<float>(), (std::vector<float>{10, 100}));
  std::vector<Example> mixed = {{zeros({1}), zeros({})}, {zeros({1}), {}}};
  EXPECT_TZ_ERROR(nn::data::stack_collate(mixed), "[stack_collate] only 1 of 2 examples have a target");
  EXPECT_TZ_ERROR(nn::data::stack_collate({}), "cannot collate an empty list");
  EXPECT_TZ_ERROR(DataLoader(numbered(3), opts(0, false)), "[DataLoader] batch_size must be >= 1, got 0");
  EXPECT_TZ_ERROR(DataLoader(nullptr, opts(1, false)), "[DataLoader] dataset is null");
  EXPECT_TZ_ERROR(TensorDataset(zeros({3, 2}), zeros({4})), "[TensorDataset] inputs and targets must have the same number of rows");
  EXPECT_TZ_ERROR(numbered(3)->get(3), "[TensorDataset] index 3 out of range for 3 examples");
}

TEST(DataLoader, FashionMnistBatches) {
  auto ds = std::make_shared<nn::data::FashionMnist>(nn::data::Split::Test);
  DataLoader loader(ds, opts(64, true, true, 1));
  EXPECT_EQ(loader.num_batches(), 10000 / 64);
  const auto b = loader.next();
  EXPECT_EQ(b->input.shape(), (Shape{64, 1, 28, 28}));
  EXPECT_EQ(b->input.dtype(), DType::F32);
  EXPECT_EQ(b->target.shape(), (Shape{64}));
  EXPECT_EQ(b->target.dtype(), DType::I64);
  EXPECT_EQ(b->target[5].item<int64_t>(), ds->labels()[b->indices[5]].item<int64_t>());
  EXPECT_TENSOR_EQ(b->input[5], ds->get(b->indices[5]).input);
}

}  // namespace
}  // namespace tz
