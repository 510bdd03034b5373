// TrainSession / TrainLogger / curves, in process on the mlp-xor example: bit-exact resume,
// metrics.jsonl records, progress output, SVG structure.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/curves.h"
#include "models/registry.h"
#include "models/trainer.h"
#include "nn/checkpoint.h"
#include "tests/models/model_test_util.h"
#include "tests/support/test_support.h"

namespace tz::models {
namespace {

namespace fs = std::filesystem;
using test::read_jsonl;

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tz_trainer_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    clear_stop_request();
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunOptions run_in(const std::string& name, const std::vector<std::string>& sets = {}) {
    const ModelEntry& entry = find_model("mlp-xor");
    RunOptions run;
    run.model = entry.name;
    run.config = entry.schema.defaults;
    for (const auto& s : sets) apply_set(run.config, s, entry.schema);
    run.out_dir = (dir_ / name).string();
    run.progress = ProgressStyle::Quiet;
    return run;
  }
  fs::path dir_;
};

/// The records without the timing fields, which legitimately differ between runs.
std::vector<json> without_timing(std::vector<json> records) {
  for (auto& r : records) {
    r.erase("wall_s");
    r.erase("items_per_s");
  }
  return records;
}

const std::vector<std::string> kShortRun = {"steps=40", "log_every=1", "eval_every=10", "checkpoint_every=0"};

TEST_F(TrainerTest, InterruptedAndResumedRunIsBitExact) {
  const ModelEntry& entry = find_model("mlp-xor");
  RunOptions full = run_in("full", kShortRun);
  entry.train(full);

  RunOptions first = run_in("resumed", kShortRun);
  first.stop_after = 17;  // stops mid-way between evaluations
  entry.train(first);
  EXPECT_EQ(nn::load_checkpoint(checkpoint_path(first.out_dir)).step, 17);
  EXPECT_EQ(read_jsonl(fs::path(first.out_dir) / "metrics.jsonl").back()["step"], 17);
  RunOptions second = run_in("resumed", kShortRun);
  second.resume = true;
  entry.train(second);

  const auto a = without_timing(read_jsonl(fs::path(full.out_dir) / "metrics.jsonl"));
  const auto b = without_timing(read_jsonl(fs::path(second.out_dir) / "metrics.jsonl"));
  ASSERT_EQ(a.size(), 44u);  // 40 steps + 4 evaluations
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    // JSON numbers are printed with round-trip precision: equal text means equal doubles.
    EXPECT_EQ(a[i].dump(), b[i].dump()) << "record " << i;
  }
  // The final weights agree bit for bit too.
  const auto wa = nn::load_checkpoint(checkpoint_path(full.out_dir));
  const auto wb = nn::load_checkpoint(checkpoint_path(second.out_dir));
  ASSERT_EQ(wa.model.size(), wb.model.size());
  for (const auto& [name, t] : wa.model) EXPECT_TENSOR_EQ(t, wb.model.at(name));
  for (const auto& [name, t] : wa.optim) EXPECT_TENSOR_EQ(t, wb.optim.at(name));
  EXPECT_EQ(wa.step, 40);
  EXPECT_EQ(wb.step, 40);
  // Training actually learns XOR.
  EXPECT_LT(a.back()["eval_loss"].get<double>(), a.front()["loss"].get<double>());
}

TEST_F(TrainerTest, ResumeDropsRecordsWrittenPastTheCheckpoint) {
  const ModelEntry& entry = find_model("mlp-xor");
  RunOptions full = run_in("full", kShortRun);
  entry.train(full);

  RunOptions first = run_in("crashed", kShortRun);
  first.stop_after = 25;
  entry.train(first);
  {
    // What a run killed after its last checkpoint leaves behind: later records and a torn line.
    std::ofstream out(fs::path(first.out_dir) / "metrics.jsonl", std::ios::app);
    out << R"({"step": 26, "loss": 123.0, "lr": 0.1})" << "\n" << R"({"step": 27, "lo)";
  }
  RunOptions second = run_in("crashed", kShortRun);
  second.resume = true;
  entry.train(second);
  const auto a = without_timing(read_jsonl(fs::path(full.out_dir) / "metrics.jsonl"));
  const auto b = without_timing(read_jsonl(fs::path(second.out_dir) / "metrics.jsonl"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].dump(), b[i].dump()) << "record " << i;
}

TEST_F(TrainerTest, StopRequestSavesAndResumeWithMoreSteps) {
  const ModelEntry& entry = find_model("mlp-xor");
  RunOptions run = run_in("stop", {"steps=20", "log_every=5", "eval_every=0", "checkpoint_every=0"});
  request_stop();  // as if Ctrl-C arrived during the first step
  entry.train(run);
  clear_stop_request();
  EXPECT_EQ(nn::load_checkpoint(checkpoint_path(run.out_dir)).step, 1);
  // Resume past the end: nothing to do, the checkpoint stays at the end step.
  RunOptions rest = run;
  rest.resume = true;
  entry.train(rest);
  EXPECT_EQ(nn::load_checkpoint(checkpoint_path(run.out_dir)).step, 20);
  entry.train(rest);  // already done: no error, no change
  EXPECT_EQ(nn::load_checkpoint(checkpoint_path(run.out_dir)).step, 20);
  const auto records = read_jsonl(fs::path(run.out_dir) / "metrics.jsonl");
  std::vector<int64_t> steps;
  for (const auto& r : records) steps.push_back(r["step"].get<int64_t>());
  EXPECT_EQ(steps, (std::vector<int64_t>{5, 10, 15, 20, 20}));  // train records + the final eval
}

TEST_F(TrainerTest, ResumeErrors) {
  const ModelEntry& entry = find_model("mlp-xor");
  RunOptions run = run_in("nothing", kShortRun);
  run.resume = true;
  EXPECT_TZ_ERROR(entry.train(run), "[checkpoint] no checkpoint in '");
  fs::create_directories(run.out_dir);
  std::ofstream(checkpoint_path(run.out_dir)) << "garbage";
  EXPECT_TZ_ERROR(entry.train(run), "cannot read it (corrupt or truncated?)");
  // A checkpoint from another model.
  nn::Checkpoint other;
  other.metadata["model"] = "gpt-char";
  nn::save_checkpoint(checkpoint_path(run.out_dir), other);
  EXPECT_TZ_ERROR(entry.train(run), "was written by model 'gpt-char', not 'mlp-xor'");
}

TEST_F(TrainerTest, EvalAndSampleUseTheCheckpoint) {
  const ModelEntry& entry = find_model("mlp-xor");
  RunOptions run = run_in("trained", {"steps=300"});
  entry.train(run);
  const json metrics = entry.eval(run);
  EXPECT_EQ(metrics["step"], 300);
  EXPECT_GT(metrics["accuracy"].get<double>(), 0.9) << metrics.dump();
  const std::string one = entry.sample(run, "0.5,-0.5", 1);
  EXPECT_NE(one.find("(+0.500, -0.500)"), std::string::npos) << one;
  EXPECT_NE(one.find("predicted 1  true 1"), std::string::npos) << one;
  const std::string many = entry.sample(run, "", 5);
  EXPECT_EQ(std::count(many.begin(), many.end(), '\n'), 5);
  EXPECT_TZ_ERROR(entry.sample(run, "nonsense", 1), "--prompt must be a point");
}

TEST_F(TrainerTest, LoggerLinesAndRecords) {
  std::ostringstream out;
  LoggerOptions o;
  o.out_dir = (dir_ / "log").string();
  o.title = "demo";
  o.total_steps = 7;
  o.unit = "tokens";
  o.log_every = 3;
  o.style = ProgressStyle::Lines;
  o.out = &out;
  TrainLogger logger(o);
  logger.start(0);
  for (int64_t s = 1; s <= 7; ++s) logger.log_step(s, 1.0 / double(s), 0.01, 100);
  logger.log_eval(7, {{"loss", 0.5}, {"accuracy", 0.75}});
  logger.finish();
  const std::string text = out.str();
  EXPECT_NE(text.find("step 3/7  loss 0.333333  lr 0.01"), std::string::npos) << text;
  EXPECT_NE(text.find("tokens/s"), std::string::npos) << text;
  EXPECT_NE(text.find("eval @ step 7:  accuracy 0.75  loss 0.5"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);  // no bar when not asked for one
  const auto records = read_jsonl(dir_ / "log" / "metrics.jsonl");
  ASSERT_EQ(records.size(), 4u);  // steps 3, 6, 7 (the last one always) + eval
  EXPECT_EQ(records[0]["step"], 3);
  EXPECT_EQ(records[2]["step"], 7);
  for (const char* key : {"step", "loss", "lr", "items_per_s", "wall_s"}) EXPECT_TRUE(records[0].contains(key)) << key;
  EXPECT_DOUBLE_EQ(records[1]["loss"].get<double>(), 1.0 / 6.0);
  EXPECT_EQ(records[3]["eval_accuracy"], 0.75);
  EXPECT_TRUE(fs::exists(dir_ / "log" / "curves.svg"));
}

TEST_F(TrainerTest, LoggerBarOnTerminals) {
  std::ostringstream out;
  LoggerOptions o;
  o.total_steps = 4;
  o.unit = "images";
  o.style = ProgressStyle::Bar;
  o.out = &out;
  TrainLogger logger(o);
  logger.start(0);
  for (int64_t s = 1; s <= 4; ++s) logger.log_step(s, 0.25, 0.1, 10);
  logger.finish();
  const std::string text = out.str();
  EXPECT_NE(text.find("\r["), std::string::npos) << text;
  EXPECT_NE(text.find("4/4"), std::string::npos) << text;
  EXPECT_NE(text.find("images/s"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

TEST(Curves, NiceTicks) {
  const auto unit = nice_ticks(0, 1);
  ASSERT_EQ(unit.size(), 6u);
  for (size_t i = 0; i < unit.size(); ++i) EXPECT_NEAR(unit[i], 0.2 * double(i), 1e-12);
  const auto t = nice_ticks(3, 97);
  EXPECT_EQ(t.front(), 0);
  EXPECT_EQ(t.back(), 100);
  EXPECT_EQ(t[1] - t[0], 20);
  EXPECT_EQ(nice_ticks(5, 5), std::vector<double>{5});
}

TEST(Curves, SvgHasAxesSeriesAndLegend) {
  std::vector<json> records;
  for (int s = 1; s <= 100; ++s) records.push_back({{"step", s}, {"loss", 1.0 / s}, {"lr", 0.1}});
  records.push_back({{"step", 50}, {"eval_loss", 0.05}, {"eval_accuracy", 0.9}});
  records.push_back({{"step", 100}, {"eval_loss", 0.02}, {"eval_accuracy", 0.95}});
  const auto panels = panels_from_metrics(records);
  ASSERT_EQ(panels.size(), 3u);
  EXPECT_EQ(panels[0].series.size(), 2u);  // train loss + eval loss
  EXPECT_EQ(panels[1].series.size(), 1u);  // eval_accuracy
  const std::string svg = render_curves_svg(panels, "a < b & c");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_NE(svg.find("a &lt; b &amp; c"), std::string::npos);  // escaped title
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t p = svg.find(needle); p != std::string::npos; p = svg.find(needle, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<polyline"), 4u);  // train loss, eval loss, eval_accuracy, lr
  EXPECT_EQ(count("<g class=\"panel\">"), count("</g>"));
  EXPECT_NE(svg.find(">train loss</text>"), std::string::npos);
  EXPECT_NE(svg.find(">eval_accuracy</text>"), std::string::npos);
  EXPECT_NE(svg.find(">step</text>"), std::string::npos);
  // Empty input still gives a valid document.
  const std::string empty = render_curves_svg({});
  EXPECT_NE(empty.find("no data"), std::string::npos);
  EXPECT_EQ(empty.substr(empty.size() - 7), "</svg>\n");
}

}  // namespace
}  // namespace tz::models
