#pragma once
/// The mini Long Range Arena harness behind `tensorzoo lra` (Tay et al., "Long Range Arena: A
/// Benchmark for Efficient Transformers", ICLR 2021): train and test one token mixer on one task
/// (run_lra), measure training speed and peak memory against sequence length (run_lra_bench),
/// and write LRA's two tables from the results (models/lra_report.h).
///
/// Memory is measured with the core's storage counters (core/storage.h): the peak of live tensor
/// bytes during the run above the level before the model was built (so weights, gradients,
/// optimizer state and activations count; the data set does not). Speed is optimizer steps per
/// second of wall time over the training loop (no evaluation, no data generation).
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/device.h"
#include "models/config.h"

namespace tz::models {

struct LraRunOptions {
  std::string task;                       // lra_tasks()
  std::string mixer = "softmax";          // a registered mixer (tz::nn::mixer_registry())
  json mixer_config = json::object();     // the mixer's own keys
  std::string size = "ci";                // "ci" | "full"
  std::string config_file;                // optional JSON overrides of the task config
  std::vector<std::string> sets;          // "key=value" overrides, applied after config_file
  Device device = kCPU;
  std::ostream* log = nullptr;            // progress lines (none when null)
};

/// The task config after the overrides (validated against lra_schema(task, size)).
json lra_effective_config(const LraRunOptions& options);

struct LraResult {
  std::string task, mixer, size;
  double test_accuracy = 0, val_accuracy = 0;
  double majority = 0;             // accuracy of always predicting the commonest training label, on test
  double first_loss = 0, last_loss = 0;  // mean training loss of the first / last log window
  int64_t steps = 0, parameters = 0;
  double steps_per_s = 0;
  double data_s = 0, train_s = 0, eval_s = 0;
  int64_t peak_bytes = 0;
  bool padding_mask = false;       // the mixer masked the padding keys
  int64_t length = 0;              // sequence length of the task's examples
  json config;                     // the effective task config
  json mixer_config;
  json to_json() const;
};

/// Builds the data and model, trains, evaluates on val and test. Throws tz::Error for a bad
/// task/size/config/mixer (a mixer that cannot run the task, e.g. max_length too small, says why).
LraResult run_lra(const LraRunOptions& options);

struct LraBenchOptions {
  std::vector<std::string> mixers = {"softmax"};
  std::vector<int64_t> lengths = {1024, 2048, 3072, 4096};
  int64_t steps = 3;               // timed training steps per point (after one warm-up step)
  int64_t batch_size = 0;          // 0: the Text full config's batch size
  std::vector<std::string> sets;   // overrides of the Text full config (model.* keys matter)
  json mixer_configs = json::object();  // {"mixer name": {its keys}, ...}
  Device device = kCPU;
  std::ostream* log = nullptr;
};

struct LraBenchPoint {
  std::string mixer;
  int64_t length = 0;
  bool ok = false;
  std::string error;  // why the point could not run (the mixer's message)
  double steps_per_s = 0;
  int64_t peak_bytes = 0;
  json to_json() const;
};

/// Training-step speed and peak memory of the Text task's model at each length (random bytes,
/// no padding), for every mixer. A mixer that cannot run a length gets ok = false and its error.
std::vector<LraBenchPoint> run_lra_bench(const LraBenchOptions& options);

}  // namespace tz::models
