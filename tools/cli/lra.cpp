// tensorzoo lra <task> | bench | table: see kLraHelp.
#include "tools/cli/lra.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/error.h"
#include "core/io/file.h"
#include "core/registry.h"
#include "models/lra.h"
#include "models/lra_report.h"
#include "models/lra_tasks.h"
#include "nn/attention/registry.h"
#include "tools/cli/args.h"

namespace tz::cli {

const char* const kLraHelp = R"(usage: tensorzoo lra <task> [options]       train and test one mixer on one task
       tensorzoo lra bench [options]        training speed and memory against sequence length
       tensorzoo lra table [options]        LRA's two tables from result files
       tensorzoo lra mixers                 the registered mixers, one name a line

tasks: listops, text, retrieval, image, pathfinder (see docs/lra.md)

lra <task> options:
  --mixer NAME          token mixer (tensorzoo list mixers; default softmax)
  --mixer-config JSON   the mixer's own keys, e.g. '{"window": 128}'
  --size ci|full        ci: seconds (tests); full: the size of docs/lra.md (default full)
  --config FILE         JSON overrides of the task config
  --set KEY=VALUE       override one config field (repeatable), e.g. --set steps=100
  --print-config        print the effective task config and exit
  --device DEV          cpu (default), cuda, ...
  --results FILE        append the result as one JSON line (input of 'lra table')
  --quiet               print only the final result line
  Prints test accuracy (and validation accuracy, the majority-class rate), training steps/s
  and peak memory.

lra bench options:
  --mixers A,B,...      mixers to measure (default softmax)
  --lengths N,N,...     sequence lengths (default 1024,2048,3072,4096)
  --steps N             timed training steps per point after one warm-up step (default 3)
  --batch N             batch size (default: the Text full config's)
  --set KEY=VALUE       override a Text full config field (model.* sizes the model)
  --mixer-config NAME=JSON  keys for one mixer (repeatable)
  --device DEV, --results FILE   as above

lra table options:
  --results FILE        result file(s) written by --results (repeatable; later records win)
  --size ci|full        which runs to tabulate (default full)
  --update FILE         replace the results section of FILE (e.g. docs/lra.md) instead of printing
)";

namespace {

using models::json;

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

/// The command as typed, for the record (arguments with shell-special characters single-quoted).
std::string command_line(const std::vector<std::string>& rest) {
  std::string out = "build/tensorzoo lra";
  for (const auto& a : rest) {
    const bool plain = a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,=/:+") ==
                       std::string::npos && !a.empty();
    if (plain) {
      out += " " + a;
    } else {
      std::string q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += " " + q + "'";
    }
  }
  return out;
}

Device device_from(const ParsedArgs& args) {
  Device device;
  try {
    device = Device(args.get("device", "cpu"));
  } catch (const Error& e) {
    throw UsageError(std::string("--device: ") + e.what());
  }
  TZ_CHECK(has_backend(device.type), "cli", "--device ", args.get("device"), ": no such backend in this build");
  return device;
}

json parse_json_object(const std::string& option, const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw UsageError("--" + option + " needs a JSON object such as '{\"window\": 128}', got '" + text + "'");
  return j;
}

void append_record(const std::string& path, json record, const std::vector<std::string>& rest) {
  record["command"] = command_line(rest);
  std::ofstream out(path, std::ios::app);
  TZ_CHECK(out.good(), "lra", path, ": cannot open for appending");
  out << record.dump() << "\n";
}

int run_task(const std::string& task, const ParsedArgs& args, const std::vector<std::string>& rest) {
  models::LraRunOptions o;
  o.task = task;
  o.mixer = args.get("mixer", "softmax");
  o.size = args.get("size", "full");
  o.config_file = args.get("config");
  o.sets = args.all("set");
  if (args.has("mixer-config")) o.mixer_config = parse_json_object("mixer-config", args.get("mixer-config"));
  o.device = device_from(args);
  if (args.has("print-config")) {
    std::cout << "# lra " << task << " (" << o.size << ") effective config (each line is valid --set syntax)\n"
              << models::format_config(models::lra_effective_config(o), models::lra_schema(task, o.size));
    return 0;
  }
  nn::find_mixer(o.mixer);  // an unknown mixer fails before the data is built
  o.log = args.has("quiet") ? nullptr : &std::cout;
  const models::LraResult r = models::run_lra(o);
  std::printf("result: task=%s mixer=%s size=%s test_accuracy=%.4f val_accuracy=%.4f steps_per_s=%.3f peak_mb=%.1f\n",
              r.task.c_str(), r.mixer.c_str(), r.size.c_str(), r.test_accuracy, r.val_accuracy, r.steps_per_s,
              double(r.peak_bytes) / 1048576.0);
  if (args.has("results")) {
    json rec = r.to_json();
    rec["kind"] = "run";
    append_record(args.get("results"), rec, rest);
  }
  return 0;
}

int run_bench(const ParsedArgs& args, const std::vector<std::string>& rest) {
  models::LraBenchOptions o;
  if (args.has("mixers")) o.mixers = split_commas(args.get("mixers"));
  if (args.has("lengths")) {
    o.lengths.clear();
    for (const auto& n : split_commas(args.get("lengths"))) o.lengths.push_back(parse_count("lengths", n));
  }
  if (args.has("steps")) o.steps = parse_count("steps", args.get("steps"));
  if (args.has("batch")) o.batch_size = parse_count("batch", args.get("batch"));
  o.sets = args.all("set");
  for (const auto& spec : args.all("mixer-config")) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos) throw UsageError("lra bench: --mixer-config needs NAME=JSON, got '" + spec + "'");
    o.mixer_configs[spec.substr(0, eq)] = parse_json_object("mixer-config", spec.substr(eq + 1));
  }
  o.device = device_from(args);
  for (const auto& m : o.mixers) nn::find_mixer(m);
  o.log = &std::cout;
  const auto points = models::run_lra_bench(o);
  if (args.has("results")) {
    for (const auto& p : points) {
      json rec = p.to_json();
      rec["kind"] = "bench";
      rec["steps"] = o.steps;
      append_record(args.get("results"), rec, rest);
    }
  }
  return 0;
}

int run_table(const ParsedArgs& args) {
  if (!args.has("results")) throw UsageError("lra table: give --results FILE (written by 'lra <task> --results')");
  std::vector<json> records;
  for (const auto& f : args.all("results")) {
    auto r = models::read_lra_records(f);
    records.insert(records.end(), r.begin(), r.end());
  }
  const std::string section = models::lra_tables_markdown(records, args.get("size", "full"));
  if (!args.has("update")) {
    std::cout << section;
    return 0;
  }
  const std::string path = args.get("update");
  std::string doc;
  {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) doc = io::read_regular_file(path, "lra", uint64_t(64) << 20);
  }
  const std::string updated = models::replace_lra_section(doc, section);
  std::ofstream out(path, std::ios::trunc);
  TZ_CHECK(out.good(), "lra", path, ": cannot write");
  out << updated;
  std::cout << "updated " << path << "\n";
  return 0;
}

}  // namespace

int cmd_lra(const std::vector<std::string>& rest) {
  const ParsedArgs args = parse_args(rest,
                                     {{"mixer"}, {"mixer-config", true, true}, {"size"}, {"config"}, {"set", true, true},
                                      {"print-config", false}, {"device"}, {"results", true, true}, {"quiet", false},
                                      {"mixers"}, {"lengths"}, {"steps"}, {"batch"}, {"update"}},
                                     "lra");
  if (args.has("help") || args.positional.empty()) {
    std::cout << kLraHelp;
    return args.has("help") ? 0 : 2;
  }
  if (args.positional.size() > 1) throw UsageError("lra: unexpected argument '" + args.positional[1] + "'");
  const std::string what = args.positional[0];
  auto only = [&](const std::vector<std::string>& allowed) {
    for (const auto& [name, values] : args.values) {
      if (name == "help" || std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      throw UsageError("lra " + what + ": option '--" + name + "' does not apply here; see tensorzoo lra --help");
    }
  };
  if (what == "bench") {
    only({"mixers", "lengths", "steps", "batch", "set", "mixer-config", "device", "results"});
    return run_bench(args, rest);
  }
  if (what == "mixers") {
    only({});
    for (const auto& entry : nn::mixer_registry()) std::cout << entry.name << "\n";
    return 0;
  }
  if (what == "table") {
    only({"results", "size", "update"});
    return run_table(args);
  }
  only({"mixer", "mixer-config", "size", "config", "set", "print-config", "device", "results", "quiet"});
  if (args.all("results").size() > 1 || args.all("mixer-config").size() > 1)
    throw UsageError("lra " + what + ": --results and --mixer-config may be given once");
  models::lra_schema(what, args.get("size", "full"));  // unknown task or size: a clear error
  return run_task(what, args, rest);
}

}  // namespace tz::cli
