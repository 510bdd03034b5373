// A NaN/Inf in training stops the run (tz::Error, exit code 1) and keeps the last good
// checkpoint; allow_nonfinite trains on; --detect-anomaly names the op that made the value.
// mlp-xor with lr 1e38 overflows deterministically: step 1 is finite, step 2's loss is not.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "models/registry.h"
#include "models/trainer.h"
#include "nn/checkpoint.h"
#include "nn/layers/linear.h"
#include "tests/models/model_test_util.h"
#include "tests/reliability/expect_error.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

namespace fs = std::filesystem;
using models::RunOptions;

const std::vector<std::string> kOverflowingRun = {"steps=4",           "optim.lr=1e38", "optim.warmup_steps=0",
                                                  "log_every=1",       "eval_every=0",  "checkpoint_every=1"};

class NonFiniteTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tz_nonfinite_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    models::clear_stop_request();
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunOptions mlp_xor(std::vector<std::string> sets) const {
    const models::ModelEntry& entry = models::find_model("mlp-xor");
    RunOptions run;
    run.model = entry.name;
    run.config = entry.schema.defaults;
    for (const auto& s : sets) models::apply_set(run.config, s, entry.schema);
    run.out_dir = dir_.string();
    run.progress = models::ProgressStyle::Quiet;
    return run;
  }
  std::string cli_sets() const {
    std::string out;
    for (const auto& s : kOverflowingRun) out += " --set " + s;
    return out + " --progress quiet --out '" + dir_.string() + "'";
  }
  fs::path dir_;
};

void expect_all_finite(const nn::StateDict& tensors) {
  ASSERT_FALSE(tensors.empty());
  for (const auto& [name, t] : tensors) EXPECT_TRUE(autograd::all_finite(t)) << name;
}

TEST_F(NonFiniteTraining, StopsOnANonFiniteLossAndKeepsTheLastGoodCheckpoint) {
  const RunOptions run = mlp_xor(kOverflowingRun);
  expect_error([&] { models::find_model("mlp-xor").train(run); },
               {"[train] loss is ", " at step 2 (lr ", "; stopped, last good checkpoint (step 1) kept at ",
                models::checkpoint_path(run.out_dir), "allow_nonfinite=true"});
  const nn::Checkpoint ck = models::load_run_checkpoint(run);
  EXPECT_EQ(ck.step, 1);
  expect_all_finite(ck.model);
  // The bad step is not a metrics record.
  const auto records = read_jsonl(dir_ / "metrics.jsonl");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["step"], 1);
}

TEST_F(NonFiniteTraining, AllowNonfiniteTrainsOnAndMarksTheRecords) {
  std::vector<std::string> sets = kOverflowingRun;
  sets.push_back("allow_nonfinite=true");
  EXPECT_NO_THROW(models::find_model("mlp-xor").train(mlp_xor(sets)));
  std::vector<nlohmann::json> records;  // the step records (not the final eval one)
  for (auto& r : read_jsonl(dir_ / "metrics.jsonl"))
    if (r.contains("lr")) records.push_back(r);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_FALSE(records[0].contains("loss_nonfinite"));
  EXPECT_TRUE(records[1]["loss"].is_null());
  EXPECT_TRUE(records[1]["loss_nonfinite"] == "inf" || records[1]["loss_nonfinite"] == "nan") << records[1];
}

TEST_F(NonFiniteTraining, SaveRefusesNonFiniteParametersAndGradients) {
  RunOptions run = mlp_xor({});
  models::TrainSession session(run, {.total_steps = 3});
  nn::Linear layer(2, 2);
  session.track_model(layer);
  {
    NoGradGuard no_grad;
    layer.weight.fill_(NAN);
  }
  expect_op_error([&] { session.save(3); }, {"[train] parameter 'weight' holds NaN at step 3", "checkpoint not saved",
                                             "no checkpoint was saved yet"});
  EXPECT_FALSE(fs::exists(models::checkpoint_path(run.out_dir)));
  {
    NoGradGuard no_grad;
    layer.weight.fill_(1.0);
  }
  layer.weight.set_grad(full({2, 2}, INFINITY));
  expect_op_error([&] { session.save(3); }, {"[train] gradient 'weight.grad' holds Inf at step 3"});
  EXPECT_FALSE(fs::exists(models::checkpoint_path(run.out_dir)));
  layer.weight.set_grad(zeros({2, 2}));
  session.save(3);
  EXPECT_TRUE(fs::exists(models::checkpoint_path(run.out_dir)));
}

TEST_F(NonFiniteTraining, CliExitsWithCode1) {
  if (std::string(TZ_CLI_PATH).empty()) GTEST_SKIP() << "built without the tensorzoo CLI";
  const CliResult r = tensorzoo("train mlp-xor" + cli_sets());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("tensorzoo: error: [train] loss is "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("last good checkpoint (step 1) kept at"), std::string::npos) << r.output;
}

TEST_F(NonFiniteTraining, CliDetectAnomalyNamesTheOp) {
  if (std::string(TZ_CLI_PATH).empty()) GTEST_SKIP() << "built without the tensorzoo CLI";
  CliResult r = tensorzoo("train mlp-xor --detect-anomaly" + cli_sets());
  EXPECT_EQ(r.code, 1) << r.output;
  // The op, the direction, the value and the node, e.g. "[anomaly] sum forward produced Inf".
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(error: \[anomaly\] [a-z_]+ (forward|backward) produced (NaN|Inf))")))
      << r.output;
  EXPECT_NE(r.output.find("Backward #"), std::string::npos) << r.output;

  // No false positive on a healthy run.
  fs::remove_all(dir_);
  r = tensorzoo("train mlp-xor --detect-anomaly --steps 3 --set optim.warmup_steps=1 --progress quiet --out '" +
                dir_.string() + "'");
  EXPECT_EQ(r.code, 0) << r.output;
}

}  // namespace
}  // namespace tz::test
