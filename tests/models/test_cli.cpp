// The tensorzoo CLI end to end: runs the built binary (TZ_CLI_PATH) on the mlp-xor example.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/registry.h"
#include "tests/models/model_test_util.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using tz::test::read_jsonl;
using tz::test::tensorzoo;

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(TZ_CLI_PATH).empty()) GTEST_SKIP() << "built without the tensorzoo CLI (TZ_BUILD_TOOLS=OFF)";
    dir_ = fs::temp_directory_path() /
           ("tz_cli_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string out(const std::string& name) const { return "--out '" + (dir_ / name).string() + "'"; }
  fs::path dir_;
};

TEST_F(Cli, ListAndHelp) {
  auto r = tensorzoo("list models");
  EXPECT_EQ(r.code, 0) << r.output;
  // Names are padded to the longest registered one, so match each line's name and its text.
  EXPECT_TRUE(contains(r.output, "mlp-xor ") && contains(r.output, "  2-layer MLP")) << r.output;
  EXPECT_TRUE(contains(r.output, "gpt-char ") && contains(r.output, "  character-level GPT")) << r.output;
  EXPECT_TRUE(contains(r.output, "vit-fmnist ")) << r.output;
  r = tensorzoo("list mixers");
  EXPECT_EQ(r.code, 0);
  // A header, then every registered mixer with its capabilities, complexity and paper.
  EXPECT_EQ(r.output.rfind("name ", 0), 0u) << r.output;
  EXPECT_TRUE(contains(r.output, "causal  mask  cross  recurrent  max_len  complexity\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "\nsoftmax ")) << r.output;
  EXPECT_TRUE(contains(r.output, " yes     yes   yes    no         -        O(N M D)\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "(paper: Attention Is All You Need)\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "\nsinkformer ")) << r.output;
  r = tensorzoo("list");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.output, "list models")) << r.output;
  r = tensorzoo("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.output, "usage: tensorzoo <command>"));
  for (const char* cmd : {"train", "eval", "sample", "list"}) {
    r = tensorzoo(std::string(cmd) + " --help");
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_TRUE(contains(r.output, std::string("usage: tensorzoo ") + cmd)) << r.output;
  }
  r = tensorzoo("train mlp-xor --help");
  EXPECT_TRUE(contains(r.output, "optim.lr = 0.5")) << r.output;
  r = tensorzoo("");
  EXPECT_EQ(r.code, 2);
  r = tensorzoo("trian mlp-xor");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.output, "unknown command 'trian' (did you mean 'train'?)")) << r.output;
}

TEST_F(Cli, PrintConfig) {
  auto r = tensorzoo("train mlp-xor --print-config --set optim.lr=0.25 --steps 7");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "optim.lr = 0.25")) << r.output;
  EXPECT_TRUE(contains(r.output, "# peak learning rate")) << r.output;
  EXPECT_TRUE(contains(r.output, "steps = 7")) << r.output;
  r = tensorzoo("train mlp-xor --print-config=json --set hidden=3");
  EXPECT_EQ(r.code, 0) << r.output;
  const json cfg = json::parse(r.output);
  EXPECT_EQ(cfg["hidden"], 3);
  // --config files are applied before --set.
  const auto file = (dir_ / "cfg.json").string();
  std::ofstream(file) << R"({"hidden": 5, "optim": {"lr": 0.125}})";
  r = tensorzoo("train mlp-xor --print-config=json --config '" + file + "' --set hidden=6");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(json::parse(r.output)["hidden"], 6);
  EXPECT_EQ(json::parse(r.output)["optim"]["lr"], 0.125);
}

TEST_F(Cli, ConfigAndUsageErrors) {
  const auto bad_file = (dir_ / "bad.json").string();
  std::ofstream(bad_file) << R"({"optim": {"momentum": "high"}})";
  // Exit code 1: a config or model error; 2: a usage error.
  const struct {
    std::string args;
    int code;
    std::string message;  // a part of the output
  } cases[] = {
      {"train mlp-xor --set optim.lrr=0.1 " + out("x"), 1, "[config] unknown key 'optim.lrr' (did you mean 'optim.lr'?)"},
      {"train mlp-xor --set steps=abc " + out("x"), 1, "[config] 'steps' must be an integer, got \"abc\""},
      {"train mlp-xor --set steps " + out("x"), 1, "--set expects key=value, got 'steps'"},
      {"train mlp-xor --config '" + bad_file + "' " + out("x"), 1,
       "'optim.momentum' must be a number, got \"high\" (in "},
      {"train mlp-xor --stpes 5", 2, "unknown option '--stpes' (did you mean '--steps'?)"},
      {"train mlp-xor --steps -3", 2, "needs a non-negative integer"},
      {"train mlp-xor --out", 2, "'--out' needs a value"},
      {"train mlp-xr", 1, "unknown model 'mlp-xr' (did you mean 'mlp-xor'?)"},
      {"train", 2, ""},
  };
  for (const auto& c : cases) {
    const auto r = tensorzoo(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, c.message)) << c.args << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(dir_ / "x"));  // nothing was written by failed commands
}

TEST_F(Cli, CudaWithoutBackend) {
  if (tz::has_backend(tz::DeviceType::CUDA)) GTEST_SKIP() << "this build has a CUDA backend";
  auto r = tensorzoo("train mlp-xor --device cuda --steps 1 " + out("gpu"));
  EXPECT_EQ(r.code, 1);
  // Built without CUDA, or built with it on a machine without a GPU: either way a clear message.
  EXPECT_TRUE(contains(r.output, "--device cuda: no cuda backend is registered in this build (available: cpu)") ||
              contains(r.output, "--device cuda: no CUDA device is available"))
      << r.output;
  r = tensorzoo("train mlp-xor --device tpu --steps 1 " + out("gpu"));
  EXPECT_EQ(r.code, 2) << r.output;
}

TEST_F(Cli, TrainWritesMetricsCurvesAndCheckpoint) {
  auto r = tensorzoo("train mlp-xor --steps 30 --set log_every=5 --set eval_every=10 --progress lines " + out("run"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "step 5/30  loss ")) << r.output;
  EXPECT_TRUE(contains(r.output, "samples/s")) << r.output;
  EXPECT_TRUE(contains(r.output, "eval @ step 10:  accuracy ")) << r.output;
  const auto records = read_jsonl(dir_ / "run" / "metrics.jsonl");
  ASSERT_EQ(records.size(), 9u);  // 6 training records + 3 evaluations
  for (const auto& rec : records) {
    ASSERT_TRUE(rec.contains("step")) << rec.dump();
    ASSERT_TRUE(rec.contains("wall_s")) << rec.dump();
    if (rec.contains("loss")) {
      for (const char* key : {"lr", "items_per_s"}) EXPECT_TRUE(rec[key].is_number()) << rec.dump();
    } else {
      EXPECT_TRUE(rec["eval_loss"].is_number()) << rec.dump();
      EXPECT_TRUE(rec["eval_accuracy"].is_number()) << rec.dump();
    }
  }
  std::ifstream svg_in(dir_ / "run" / "curves.svg");
  const std::string svg((std::istreambuf_iterator<char>(svg_in)), {});
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_TRUE(contains(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_TRUE(contains(svg, "<polyline"));
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_TRUE(fs::exists(dir_ / "run" / "checkpoint.safetensors"));

  r = tensorzoo("eval mlp-xor " + out("run"));
  ASSERT_EQ(r.code, 0) << r.output;
  const json metrics = json::parse(r.output);
  EXPECT_EQ(metrics["step"], 30);
  EXPECT_TRUE(metrics["accuracy"].is_number());
  r = tensorzoo("sample mlp-xor --prompt 0.5,0.5 " + out("run"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "(+0.500, +0.500)  p(xor)=")) << r.output;
  r = tensorzoo("sample mlp-xor --n 3 " + out("run"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 3);
}

TEST_F(Cli, ResumeIsBitExact) {
  const std::string common = "train mlp-xor --steps 40 --set log_every=1 --set eval_every=10 --progress quiet ";
  auto r = tensorzoo(common + out("full"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = tensorzoo(common + "--stop-after 23 " + out("split"));
  ASSERT_EQ(r.code, 0) << r.output;
  // The config comes from the checkpoint: no need to repeat --steps/--set.
  r = tensorzoo("train mlp-xor --resume --progress lines " + out("split"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "resumed from step 23 of 40")) << r.output;
  const auto a = read_jsonl(dir_ / "full" / "metrics.jsonl");
  const auto b = read_jsonl(dir_ / "split" / "metrics.jsonl");
  ASSERT_EQ(a.size(), 44u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["step"], b[i]["step"]);
    for (const char* key : {"loss", "lr", "eval_loss", "eval_accuracy"}) {
      if (!a[i].contains(key)) continue;
      // Bit-exact: identical doubles (JSON keeps full round-trip precision).
      EXPECT_EQ(a[i][key].get<double>(), b[i][key].get<double>()) << key << " at record " << i;
    }
  }
}

TEST_F(Cli, MissingAndCorruptCheckpoints) {
  auto r = tensorzoo("train mlp-xor --resume " + out("empty"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.output, "[checkpoint] no checkpoint in '")) << r.output;
  r = tensorzoo("eval mlp-xor " + out("empty"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.output, "train first: tensorzoo train mlp-xor")) << r.output;
  fs::create_directories(dir_ / "bad");
  std::ofstream(dir_ / "bad" / "checkpoint.safetensors") << "\x10\0\0\0\0\0\0\0{\"a\":";
  r = tensorzoo("train mlp-xor --resume " + out("bad"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.output, "checkpoint.safetensors: cannot read it (corrupt or truncated?)")) << r.output;
  r = tensorzoo("sample mlp-xor " + out("bad"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.output, "cannot read it")) << r.output;
}

}  // namespace
