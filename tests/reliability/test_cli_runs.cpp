// The CLI end to end on bad input: every failure is one line, a non-zero exit, and never
// "internal error"; nothing blocks on a FIFO; a run is refused before it trains, not lost
// after. Runs the built binary (TZ_CLI_PATH) with tiny mlp-xor configs.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "tests/models/model_test_util.h"
#include "tests/reliability/file_test_util.h"

namespace tz::test {
namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

/// Quotes a path for the shell.
std::string q(const std::string& s) { return "'" + s + "'"; }

class CliRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(TZ_CLI_PATH).empty()) GTEST_SKIP() << "built without the tensorzoo CLI";
    dir_ = std::make_unique<TempDir>("cli");
  }
  std::string path(const std::string& name) const { return *dir_ / name; }
  /// Runs the CLI and checks the common contract of a failure.
  CliResult fails(const std::string& args, int code, const std::vector<std::string>& expect) {
    CliResult r = tensorzoo(args);
    EXPECT_EQ(r.code, code) << args << "\n" << r.output;
    EXPECT_FALSE(has(r.output, "internal error")) << r.output;
    for (const auto& piece : expect) EXPECT_TRUE(has(r.output, piece)) << "missing '" << piece << "' in: " << r.output;
    // One line: the message ends the output (progress lines of a run may come before it).
    const size_t last = r.output.rfind("tensorzoo: ");
    EXPECT_NE(last, std::string::npos) << r.output;
    if (last != std::string::npos) EXPECT_EQ(r.output.find('\n', last), r.output.size() - 1) << r.output;
    return r;
  }
  std::string tiny() const { return " --set hidden=4 --set data.train_size=16 --set data.test_size=8 --set optim.warmup_steps=1 --progress quiet"; }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(CliRuns, InvalidUtf8PromptIsRefusedBeforeTraining) {
  const auto r = fails("train gpt-char --out " + q(path("g")) + " --steps 1 --set \"sample.prompt=$(printf '\\377')\"", 1,
                       {"tensorzoo: error: [config] 'sample.prompt' is not valid UTF-8 (byte 0xff at offset 0)"});
  EXPECT_FALSE(std::filesystem::exists(path("g") + "/metrics.jsonl")) << "it trained before failing";
}

TEST_F(CliRuns, InvalidUtf8InANumberIsAConfigError) {
  fails("train mlp-xor --out " + q(path("u")) + " --set \"steps=$(printf '\\377')\"", 1,
        {"[config] 'steps' must be an integer, got \"\\xff\""});
}

TEST_F(CliRuns, ZeroSizesAreRefusedNamingKeyAndValue) {
  fails("train mlp-xor --out " + q(path("h")) + " --set hidden=0", 1, {"[config] 'hidden' must be >= 1, got 0"});
  fails("train mlp-xor --out " + q(path("t")) + " --set data.test_size=0", 1,
        {"[config] 'data.test_size' must be >= 1, got 0"});
  EXPECT_FALSE(std::filesystem::exists(path("h"))) << "a refused run must not create its directory";
}

TEST_F(CliRuns, EmptyOptionValuesAreUsageErrors) {
  for (const char* opt : {"--out=", "--out ''", "--config=", "--device=", "--steps=", "--set="}) {
    fails(std::string("train mlp-xor ") + opt, 2, {"needs a non-empty value"});
  }
  fails("eval mlp-xor --out=", 2, {"eval: option '--out' needs a non-empty value"});
}

TEST_F(CliRuns, SpecialFilesAsConfigDoNotBlock) {
  ASSERT_EQ(::mkfifo(path("fifo.json").c_str(), 0600), 0);
  fails("train mlp-xor --config " + q(path("fifo.json")), 1, {"[config] " + path("fifo.json") + ": is a FIFO/pipe"});
  fails("train mlp-xor --config " + q(dir_->path().string()), 1, {"is a directory, not a regular file"});
  fails("train mlp-xor --config /dev/zero", 1, {"[config] /dev/zero: is a character device"});
}

TEST_F(CliRuns, SpecialFileAsCheckpointDoesNotBlock) {
  std::filesystem::create_directories(path("run"));
  ASSERT_EQ(::mkfifo((path("run") + "/checkpoint.safetensors").c_str(), 0600), 0);
  fails("eval mlp-xor --out " + q(path("run")), 1, {"[checkpoint]", "checkpoint.safetensors", "is a FIFO/pipe"});
  fails("train mlp-xor --resume --out " + q(path("run")), 1, {"is a FIFO/pipe"});
}

TEST_F(CliRuns, NumberOutOfRangeInAConfigFileNamesTheKey) {
  write_bytes(path("lr.json"), R"({"optim": {"lr": 1e999}})");
  fails("train mlp-xor --config " + q(path("lr.json")), 1,
        {"[config] " + path("lr.json") + ": not valid JSON at 'optim.lr': number overflow parsing '1e999'"});
}

TEST_F(CliRuns, DeeplyNestedConfigIsOneLine) {
  write_bytes(path("deep.json"), std::string(100000, '['));
  fails("train mlp-xor --config " + q(path("deep.json")), 1, {"JSON nests deeper than 32 levels"});
  write_bytes(path("deep2.json"), "{\"optim\":" + std::string(100000, '[') + std::string(100000, ']') + "}");
  fails("train mlp-xor --config " + q(path("deep2.json")), 1, {"nests deeper", "at 'optim"});
}

TEST_F(CliRuns, InvalidUtf8ConfigFileIsAConfigError) {
  write_bytes(path("u.json"), "{\"note\xff\": 1}");
  fails("train mlp-xor --config " + q(path("u.json")), 1, {"[config] " + path("u.json") + ": not valid JSON"});
}

TEST_F(CliRuns, DeeplyNestedSetValueIsAConfigError) {
  fails("train mlp-xor --set 'optim=" + std::string(2000, '[') + "'", 1,
        {"[config] 'optim' must be a section", "JSON nests deeper than 32 levels"});
}

TEST_F(CliRuns, StaleTempFilesAreCleanedOnResume) {
  const std::string out = path("resume");
  auto r = tensorzoo("train mlp-xor --steps 2 --out " + q(out) + tiny());
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string stale = out + "/checkpoint.safetensors.tmp.999999999.0";
  write_bytes(stale, "half a checkpoint");
  r = tensorzoo("train mlp-xor --steps 3 --resume --out " + q(out) + tiny());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_FALSE(std::filesystem::exists(stale));
}

TEST_F(CliRuns, AFullDiskFailsTheRunWithAClearMessage) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string out = path("full");
  std::filesystem::create_directories(out);
  std::filesystem::create_symlink("/dev/full", out + "/metrics.jsonl.tmp");
  fails("train mlp-xor --steps 2 --set log_every=1 --out " + q(out) + tiny(), 1,
        {"[train] cannot write a metrics record to", "No space left on device"});
}

TEST_F(CliRuns, UnknownModelAndMissingCheckpointStayClear) {
  fails("eval mlp-xor --out " + q(path("none")), 1, {"[checkpoint] no checkpoint in"});
  fails("train mlp-xor --config " + q(path("absent.json")), 1, {"[config] " + path("absent.json") + ": cannot open"});
}

}  // namespace
}  // namespace tz::test
