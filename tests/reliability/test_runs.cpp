// Runs lost: what used to train to the end and then lose the run (a config string the
// checkpoint cannot store), loop forever (an empty dataset), report NaN and exit 0 (zero
// sizes), silently ignore input (softmax mixer options, full disks) or leave litter behind
// (temp files of a crashed save). Each now fails up front with a message naming the key/file.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/io/safetensors.h"
#include "models/config.h"
#include "models/gpt_char.h"
#include "models/registry.h"
#include "models/train_logger.h"
#include "models/trainer.h"
#include "models/vit_fmnist.h"
#include "nn/data/dataloader.h"
#include "nn/data/idx.h"
#include "tensorzoo.h"
#include "tests/reliability/expect_error.h"
#include "tests/reliability/file_test_util.h"

namespace tz::test {
namespace {

using models::json;

// ---- empty datasets ---------------------------------------------------------------------------

class SizedDataset : public nn::data::Dataset {
 public:
  explicit SizedDataset(int64_t n) : n_(n) {}
  int64_t size() const override { return n_; }
  nn::data::Example get(int64_t i) const override { return {full({2}, double(i)), Tensor()}; }

 private:
  int64_t n_;
};

TEST(RunsLost, EmptyDatasetRaisesInsteadOfLoopingForever) {
  for (bool prefetch : {false, true}) {
    nn::data::DataLoader loader(std::make_shared<SizedDataset>(0), {.batch_size = 4, .prefetch = prefetch});
    // The vit-fmnist loop: `if (!b) continue;` spun forever on an empty loader.
    expect_op_error([&] { loader.next(); }, {"[DataLoader] the dataset is empty (0 examples)"});
  }
}

TEST(RunsLost, DropLastWithFewerExamplesThanABatchRaises) {
  nn::data::DataLoader loader(std::make_shared<SizedDataset>(3), {.batch_size = 4, .drop_last = true});
  expect_op_error([&] { loader.next(); }, {"[DataLoader] no batch in an epoch: 3 examples with batch_size 4"});
}

TEST(RunsLost, ValidButEmptyFashionMnistFilesAreAnError) {
  TempDir dir("fmnist");
  write_gzip(dir / "train-images-idx3-ubyte.gz", idx_header({0, 28, 28}));
  write_gzip(dir / "train-labels-idx1-ubyte.gz", idx_header({0}));
  nn::data::FashionMnistOptions o;
  o.root = dir.path().string();
  expect_op_error([&] { nn::data::FashionMnist(nn::data::Split::Train, o); },
                  {"[fashion_mnist] " + (dir / "train"), "holds no images"});
}

// ---- config values validated when applied -----------------------------------------------------

struct SetCase {
  const char* model;
  const char* assignment;
  const char* expect;
};

class BadConfigValue : public ::testing::TestWithParam<SetCase> {};

TEST_P(BadConfigValue, RejectedByApplySetAndByAConfigFile) {
  const SetCase& c = GetParam();
  const auto& entry = models::find_model(c.model);
  json config = entry.schema.defaults;
  expect_op_error([&] { models::apply_set(config, c.assignment, entry.schema); }, {"[config] ", c.expect});
  // The same value from a --config file (or a checkpoint's stored config) takes the same check.
  const std::string text = c.assignment;
  const std::string key = text.substr(0, text.find('='));
  const std::string value = text.substr(text.find('=') + 1);
  json overrides = json::object();
  json* node = &overrides;
  std::stringstream parts(key);
  std::vector<std::string> names;
  for (std::string part; std::getline(parts, part, '.');) names.push_back(part);
  for (size_t i = 0; i + 1 < names.size(); ++i) node = &(*node)[names[i]];
  (*node)[names.back()] = json::parse(value);
  json merged = entry.schema.defaults;
  expect_op_error([&] { models::merge_config(merged, overrides, entry.schema, "run.json"); },
                  {"[config] ", c.expect, "(in run.json)"});
}

INSTANTIATE_TEST_SUITE_P(
    RunsLost, BadConfigValue,
    ::testing::Values(SetCase{"mlp-xor", "hidden=0", "'hidden' must be >= 1, got 0"},
                      SetCase{"mlp-xor", "data.test_size=0", "'data.test_size' must be >= 1, got 0"},
                      SetCase{"mlp-xor", "data.train_size=-5", "'data.train_size' must be >= 1, got -5"},
                      SetCase{"mlp-xor", "batch_size=0", "'batch_size' must be >= 1, got 0"},
                      SetCase{"mlp-xor", "optim.lr=0", "'optim.lr' must be > 0, got 0"},
                      SetCase{"mlp-xor", "optim.momentum=1", "'optim.momentum' must be >= 0 and < 1, got 1"},
                      SetCase{"mlp-xor", "log_every=0", "'log_every' must be >= 1, got 0"},
                      SetCase{"mlp-xor", "steps=-1", "'steps' must be >= 0, got -1"},
                      SetCase{"gpt-char", "model.d_model=0", "'model.d_model' must be >= 1, got 0"},
                      SetCase{"gpt-char", "model.dropout=1", "'model.dropout' must be >= 0 and < 1, got 1"},
                      SetCase{"gpt-char", "data.train_fraction=0", "'data.train_fraction' must be > 0 and < 1, got 0"},
                      SetCase{"gpt-char", "sample.temperature=-1", "'sample.temperature' must be > 0, got -1"},
                      SetCase{"vit-fmnist", "model.depth=0", "'model.depth' must be >= 1, got 0"},
                      SetCase{"vit-fmnist", "eval_batch_size=0", "'eval_batch_size' must be >= 1, got 0"}),
    [](const auto& info) {
      std::string name = std::string(info.param.model) + "_" + info.param.assignment;
      for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return name;
    });

TEST(RunsLost, ValidValuesAtTheBoundsAreAccepted) {
  const auto& entry = models::find_model("mlp-xor");
  json config = entry.schema.defaults;
  models::apply_set(config, "hidden=1", entry.schema);
  models::apply_set(config, "optim.momentum=0", entry.schema);
  models::apply_set(config, "steps=0", entry.schema);
  EXPECT_EQ(config["hidden"], 1);
  EXPECT_EQ(config["optim"]["momentum"], 0.0);
}

// ---- strings the checkpoint could not store ------------------------------------------------------

TEST(RunsLost, InvalidUtf8SetStringIsRejectedAtConfigLoad) {
  const auto& entry = models::find_model("gpt-char");
  json config = entry.schema.defaults;
  expect_op_error([&] { models::apply_set(config, "sample.prompt=\xff", entry.schema); },
                  {"[config] 'sample.prompt' is not valid UTF-8 (byte 0xff at offset 0)"});
  expect_op_error([&] { models::apply_set(config, "sample.prompt=\"ab\xc3\"", entry.schema); },
                  {"[config] 'sample.prompt' is not valid UTF-8"});
  // Valid multi-byte text is fine.
  models::apply_set(config, "sample.prompt=caf\xc3\xa9", entry.schema);
  EXPECT_EQ(config["sample"]["prompt"], "caf\xc3\xa9");
}

TEST(RunsLost, InvalidUtf8InAWrongTypeValueIsATzErrorNotAJsonException) {
  const auto& entry = models::find_model("mlp-xor");
  json config = entry.schema.defaults;
  // The message used to dump the value as JSON, which throws on invalid UTF-8.
  const std::string msg = expect_op_error([&] { models::apply_set(config, "steps=\xff\xfe", entry.schema); },
                                          {"[config] 'steps' must be an integer, got \"\\xff\\xfe\""});
  expect_op_error([&] { models::apply_set(config, "optim=\xff", entry.schema); }, {"[config] 'optim'"});
  expect_op_error([&] { models::apply_set(config, "nosuch\xff=1", entry.schema); }, {"[config] unknown key 'nosuch\\xff'"});
}

TEST(RunsLost, TrainSessionRefusesAConfigItCouldNotCheckpoint) {
  TempDir dir("session");
  models::RunOptions run;
  run.model = "mlp-xor";
  run.out_dir = dir.path().string();
  run.config = {{"note", "bad \xff"}};
  std::ostringstream log;
  run.log = &log;
  expect_op_error([&] { models::TrainSession session(run, {.total_steps = 1}); },
                  {"[config] 'note' is not valid UTF-8", "checkpoint could not store"});
}

// ---- mixer options for softmax ---------------------------------------------------------------

TEST(RunsLost, UnknownSoftmaxMixerOptionsAreRejectedLikeEveryMixer) {
  expect_op_error([] { models::check_builtin_softmax_options({{"qkv_biass", false}}); },
                  {"[make_mixer softmax] unknown config key 'qkv_biass' (did you mean 'qkv_bias'?)"});
  expect_op_error([] { models::check_builtin_softmax_options({{"qkv_bias", false}}); },
                  {"[config] 'model.mixer_options' sets 'qkv_bias'", "leave 'model.mixer_options' as {}"});
  models::check_builtin_softmax_options(json::object());  // nothing to reject
}

TEST(RunsLost, GptCharAndVitRejectUnknownSoftmaxOptions) {
  models::GPTCharConfig g;
  g.vocab_size = 5, g.block_size = 4, g.n_layer = 1, g.n_head = 1, g.d_model = 4;
  g.mixer_options = {{"windw", 3}};
  expect_error([&] { models::GPTChar model(g); }, {"[make_mixer softmax] unknown config key 'windw'"});
  models::VitConfig v;
  v.dim = 8, v.depth = 1, v.heads = 1, v.mlp_dim = 8;
  v.mixer_options = {{"bogus", 1}};
  expect_error([&] { models::VisionTransformer model(v); }, {"[make_mixer softmax] unknown config key 'bogus'"});
}

// ---- temp files of a crashed save ---------------------------------------------------------------

TEST(RunsLost, StaleCheckpointTempFilesAreRemovedOnTheNextSave) {
  TempDir dir("stale");
  const std::string ck = dir / "checkpoint.safetensors";
  // A pid above any pid_max: its process cannot be running.
  write_bytes(ck + ".tmp.999999999.0", "partial");
  write_bytes(ck + ".tmp.999999998.12", "partial");
  const std::string ours = ck + ".tmp." + std::to_string(::getpid()) + ".77";  // a live writer's
  write_bytes(ours, "in flight");
  write_bytes(ck + ".tmp.notes", "not ours");
  write_bytes(dir / "other.safetensors.tmp.999999999.0", "another file's");
  io::save_safetensors(ck, {{"w", ones({2})}});
  EXPECT_FALSE(std::filesystem::exists(ck + ".tmp.999999999.0"));
  EXPECT_FALSE(std::filesystem::exists(ck + ".tmp.999999998.12"));
  EXPECT_TRUE(std::filesystem::exists(ours));
  EXPECT_TRUE(std::filesystem::exists(ck + ".tmp.notes"));
  EXPECT_TRUE(std::filesystem::exists(dir / "other.safetensors.tmp.999999999.0"));
  EXPECT_EQ(io::load_safetensors(ck).tensors.at("w").numel(), 2);
}

TEST(RunsLost, ResumeCleansStaleTempFilesToo) {
  TempDir dir("stale_resume");
  const std::string ck = models::checkpoint_path(dir.path().string());
  write_bytes(ck + ".tmp.999999997.3", "partial");
  EXPECT_EQ(io::remove_stale_temp_files(ck), 1);
  EXPECT_EQ(io::remove_stale_temp_files(ck), 0);
  write_bytes(ck + ".tmp.999999997.4", "partial");
  models::RunOptions run;
  run.model = "mlp-xor";
  run.out_dir = dir.path().string();
  run.config = json::object();
  std::ostringstream log;
  run.log = &log;
  run.progress = models::ProgressStyle::Quiet;
  models::TrainSession session(run, {.total_steps = 1});
  session.begin();
  EXPECT_FALSE(std::filesystem::exists(ck + ".tmp.999999997.4"));
}

// ---- a full disk -------------------------------------------------------------------------------------

TEST(RunsLost, MetricsWritesToAFullDiskFailTheRun) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TempDir dir("full");
  // start() writes metrics.jsonl.tmp and renames it over metrics.jsonl: with the temp name a
  // symlink to /dev/full, metrics.jsonl becomes one, and every append gets ENOSPC.
  std::filesystem::create_symlink("/dev/full", dir.path() / "metrics.jsonl.tmp");
  std::ostringstream log;
  models::TrainLogger logger({.out_dir = dir.path().string(), .total_steps = 2, .style = models::ProgressStyle::Quiet,
                              .out = &log});
  logger.start(0);
  expect_op_error([&] { logger.log_step(1, 0.5, 0.1, 4); },
                  {"[train] cannot write a metrics record to '", "metrics.jsonl", "No space left on device"});
}

TEST(RunsLost, CurvesWrittenToAFullDiskFailTheRun) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  TempDir dir("full_svg");
  std::filesystem::create_symlink("/dev/full", dir.path() / "curves.svg.tmp");
  std::ostringstream log;
  models::TrainLogger logger({.out_dir = dir.path().string(), .total_steps = 1, .style = models::ProgressStyle::Quiet,
                              .out = &log});
  logger.start(0);
  logger.log_step(1, 0.5, 0.1, 4);
  expect_op_error([&] { logger.finish(); }, {"[train] cannot write '", "curves.svg.tmp", "No space left on device"});
}

TEST(RunsLost, ResumeWithAFifoAsMetricsFailsInsteadOfBlocking) {
  // The resumed logger reads the earlier records back; a FIFO there blocked in open() before.
  TempDir dir("fifo_metrics");
  const std::string metrics = dir / "metrics.jsonl";
  ASSERT_EQ(::mkfifo(metrics.c_str(), 0600), 0);
  std::ostringstream sink;
  models::TrainLogger logger({.out_dir = dir.path().string(), .total_steps = 10, .style = models::ProgressStyle::Quiet,
                              .out = &sink});
  expect_op_error([&] { logger.start(5); }, {"[train]", metrics, "is a FIFO/pipe, not a regular file"});
}

}  // namespace
}  // namespace tz::test
