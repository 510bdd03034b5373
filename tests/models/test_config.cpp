// Config validation: unknown keys (with "did you mean"), wrong types, --set syntax, files,
// documentation completeness of every registered model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "models/config.h"
#include "models/registry.h"
#include "tests/support/test_support.h"

namespace tz::models {
namespace {

ConfigSchema test_schema() {
  ConfigSchema s;
  s.defaults = {{"steps", 100},
                {"name", "run"},
                {"verbose", false},
                {"dims", {64, 128}},
                {"optim", {{"lr", 0.1}, {"momentum", 0.9}, {"betas", json::array({0.9, 0.999})}}}};
  s.doc = {{"steps", "steps"},        {"name", "a name"},           {"verbose", "chatty"}, {"dims", "widths"},
           {"optim.lr", "step size"}, {"optim.momentum", "momentum"}, {"optim.betas", "Adam betas"}};
  return s;
}

TEST(Config, SchemaIsDocumented) {
  EXPECT_NO_THROW(check_documented(test_schema()));
  ConfigSchema missing = test_schema();
  missing.doc.erase("optim.lr");
  EXPECT_TZ_ERROR(check_documented(missing), "'optim.lr' has no doc line");
  ConfigSchema stray = test_schema();
  stray.doc["optim.lrr"] = "typo";
  EXPECT_TZ_ERROR(check_documented(stray), "doc line for 'optim.lrr' names no config field");
  ConfigSchema null_default = test_schema();
  null_default.defaults["extra"] = nullptr;
  null_default.doc["extra"] = "x";
  EXPECT_TZ_ERROR(check_documented(null_default), "'extra' has a null default");
}

TEST(Config, EveryRegisteredModelIsDocumented) {
  ASSERT_FALSE(model_registry().empty());
  for (const auto& entry : model_registry()) {
    SCOPED_TRACE(entry.name);
    EXPECT_NO_THROW(check_documented(entry.schema));
    EXPECT_FALSE(entry.description.empty());
    EXPECT_TRUE(bool(entry.train));
  }
}

TEST(Config, SetParsesAsTheDefaultsType) {
  const auto s = test_schema();
  json c = s.defaults;
  apply_set(c, "steps=250", s);
  apply_set(c, "optim.lr=3e-4", s);
  apply_set(c, "optim.momentum=1", s);  // an int for a float field stays a float
  apply_set(c, "verbose=true", s);
  apply_set(c, "name=hello world", s);
  apply_set(c, "dims=[1, 2, 3]", s);
  EXPECT_EQ(c["steps"], 250);
  EXPECT_TRUE(c["steps"].is_number_integer());
  EXPECT_DOUBLE_EQ(c["optim"]["lr"].get<double>(), 3e-4);
  EXPECT_TRUE(c["optim"]["momentum"].is_number_float());
  EXPECT_EQ(c["verbose"], true);
  EXPECT_EQ(c["name"], "hello world");
  EXPECT_EQ(c["dims"], json::array({1, 2, 3}));
  apply_set(c, "name=\"quoted\"", s);  // the --print-config spelling round-trips
  EXPECT_EQ(c["name"], "quoted");
  apply_set(c, "optim={\"lr\": 0.5}", s);  // a section takes a JSON object, merged
  EXPECT_DOUBLE_EQ(c["optim"]["lr"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(c["optim"]["momentum"].get<double>(), 1.0);
}

TEST(Config, SetErrorsNameTheKey) {
  const auto s = test_schema();
  json c = s.defaults;
  EXPECT_TZ_ERROR(apply_set(c, "optim.lrr=0.1", s), "[config] unknown key 'optim.lrr' (did you mean 'optim.lr'?)");
  EXPECT_TZ_ERROR(apply_set(c, "steps=abc", s), "[config] 'steps' must be an integer, got \"abc\"");
  EXPECT_TZ_ERROR(apply_set(c, "steps=1.5", s), "'steps' must be an integer, got \"1.5\"");
  EXPECT_TZ_ERROR(apply_set(c, "optim.lr=fast", s), "'optim.lr' must be a number, got \"fast\"");
  EXPECT_TZ_ERROR(apply_set(c, "optim.lr=nan", s), "'optim.lr' must be a number");
  EXPECT_TZ_ERROR(apply_set(c, "verbose=maybe", s), "'verbose' must be a boolean");
  EXPECT_TZ_ERROR(apply_set(c, "dims=[1, \"x\"]", s), "'dims[1]' must be an integer, got \"x\"");
  EXPECT_TZ_ERROR(apply_set(c, "dims=1,2", s), "'dims' must be an array written as JSON");
  EXPECT_TZ_ERROR(apply_set(c, "optim=0.1", s), "'optim' is a section: set one of its fields (optim.betas, optim.lr, optim.momentum)");
  EXPECT_TZ_ERROR(apply_set(c, "completely_different=1", s), "unknown key 'completely_different'");
  // Far from every key: no misleading hint.
  try {
    apply_set(c, "completely_different=1", s);
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
  }
  // The config is untouched by failed assignments.
  EXPECT_EQ(c, s.defaults);
}

TEST(Config, BadSetSyntax) {
  const auto s = test_schema();
  json c = s.defaults;
  EXPECT_TZ_ERROR(apply_set(c, "steps", s), "[config] --set expects key=value, got 'steps'");
  EXPECT_TZ_ERROR(apply_set(c, "=5", s), "--set expects key=value, got '=5'");
  EXPECT_TZ_ERROR(apply_set(c, "optim..lr=1", s), "has an empty part");
  EXPECT_TZ_ERROR(apply_set(c, "steps.x=1", s), "unknown key 'steps.x'");
}

TEST(Config, MergeValidatesFiles) {
  const auto s = test_schema();
  json c = s.defaults;
  merge_config(c, json::parse(R"({"steps": 7, "optim": {"lr": 1}})"), s, "f.json");
  EXPECT_EQ(c["steps"], 7);
  EXPECT_TRUE(c["optim"]["lr"].is_number_float());
  EXPECT_DOUBLE_EQ(c["optim"]["momentum"].get<double>(), 0.9);  // untouched fields keep defaults
  EXPECT_TZ_ERROR(merge_config(c, json::parse(R"({"steps": "abc"})"), s, "f.json"),
                  "[config] 'steps' must be an integer, got \"abc\" (in f.json)");
  EXPECT_TZ_ERROR(merge_config(c, json::parse(R"({"optim": {"lrr": 1}})"), s, "f.json"),
                  "unknown key 'optim.lrr' (did you mean 'optim.lr'?) (in f.json)");
  EXPECT_TZ_ERROR(merge_config(c, json::parse(R"({"optim": 3})"), s, "f.json"), "'optim' is a section");
  EXPECT_TZ_ERROR(merge_config(c, json::parse(R"({"optim": {"betas": [0.9, true]}})"), s, "f.json"),
                  "'optim.betas[1]' must be a number, got true");
  EXPECT_TZ_ERROR(merge_config(c, json::parse("[1]"), s, "f.json"), "a config must be a JSON object");
  // 3.0 in a hand-written file is an integer.
  merge_config(c, json::parse(R"({"steps": 3.0})"), s, "f.json");
  EXPECT_EQ(c["steps"], 3);
}

TEST(Config, LoadConfigFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("tz_config_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto good = (dir / "good.json").string(), bad = (dir / "bad.json").string();
  std::ofstream(good) << R"({"steps": 5})";
  std::ofstream(bad) << R"({"steps": 5,)";
  EXPECT_EQ(load_config_file(good)["steps"], 5);
  EXPECT_TZ_ERROR(load_config_file(bad), "bad.json: not valid JSON");
  EXPECT_TZ_ERROR(load_config_file((dir / "absent.json").string()), "absent.json: cannot open");
  std::filesystem::remove_all(dir);
}

TEST(Config, FormatPrintsEveryLeafWithDocs) {
  const auto s = test_schema();
  const std::string text = format_config(s.defaults, s);
  EXPECT_NE(text.find("optim.lr = 0.1"), std::string::npos) << text;
  EXPECT_NE(text.find("# step size"), std::string::npos) << text;
  EXPECT_NE(text.find("name = \"run\""), std::string::npos) << text;
  EXPECT_NE(text.find("dims = [64,128]"), std::string::npos) << text;
  // Every printed line is valid --set input and round-trips.
  json c = s.defaults;
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto hash = line.find("  # ");
    std::string assignment = line.substr(0, hash);
    while (!assignment.empty() && assignment.back() == ' ') assignment.pop_back();
    const auto eq = assignment.find(" = ");
    ASSERT_NE(eq, std::string::npos) << line;
    assignment.replace(eq, 3, "=");
    EXPECT_NO_THROW(apply_set(c, assignment, s)) << assignment;
    ++n;
  }
  EXPECT_EQ(n, 7);
  EXPECT_EQ(c, s.defaults);
}

TEST(Config, ResolveFillsMissingKeysAndValidates) {
  const auto s = test_schema();
  const json r = resolve_config(json::parse(R"({"steps": 9})"), s);
  EXPECT_EQ(r["steps"], 9);
  EXPECT_EQ(r["name"], "run");
  EXPECT_TZ_ERROR(resolve_config(json::parse(R"({"stepz": 9})"), s, "checkpoint"),
                  "unknown key 'stepz' (did you mean 'steps'?) (in checkpoint)");
}

TEST(Config, ClosestMatch) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(closest_match("mlp-xr", {"mlp-xor", "gpt-char"}), "mlp-xor");
  EXPECT_EQ(closest_match("zzzzzz", {"mlp-xor", "gpt-char"}), "");
}

TEST(Registry, FindModel) {
  EXPECT_EQ(find_model("mlp-xor").name, "mlp-xor");
  EXPECT_TZ_ERROR(find_model("mlp-xro"), "[registry] unknown model 'mlp-xro' (did you mean 'mlp-xor'?)");
  EXPECT_TZ_ERROR(find_model("nope"), "known models: mlp-xor");
}

}  // namespace
}  // namespace tz::models
