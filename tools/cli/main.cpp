// tensorzoo: the command-line front end of the model zoo.
//   tensorzoo list models|mixers
//   tensorzoo train <model> [--config f.json] [--set k=v ...] [--steps N] [--device cpu|cuda]
//                           [--out DIR] [--resume] [--print-config[=json]] [--detect-anomaly]
//   tensorzoo eval <model> [--out DIR]
//   tensorzoo sample <model> [--out DIR] [--prompt s] [--n N]
//   tensorzoo lra <task>|bench|table [options]   (tools/cli/lra.cpp)
// Exit codes: 0 success, 1 a run failed (tz::Error: bad config, missing checkpoint, ...),
// 2 the command line itself is wrong.
#include <csignal>
#include <filesystem>
#include <new>
#include <iostream>
#include <string>
#include <vector>

#include "autograd/anomaly.h"
#include "core/cuda.h"
#include "core/error.h"
#include "core/io/json_parse.h"
#include "core/registry.h"
#include "models/config.h"
#include "models/registry.h"
#include "models/trainer.h"
#include "tools/cli/args.h"
#include "tools/cli/blas_coretype.h"
#include "tools/cli/lra.h"

namespace {

using tz::cli::OptionSpec;
using tz::cli::ParsedArgs;
using tz::cli::UsageError;
using tz::models::json;

constexpr const char* kMainHelp = R"(usage: tensorzoo <command> [options]

commands:
  list models|mixers   show the registered models / token mixers
  train <model>        train (or --resume) a model into a run directory
  eval <model>         evaluate the checkpoint in a run directory
  sample <model>       generate from the checkpoint in a run directory
  lra <task>|bench|table  the mini Long Range Arena (docs/lra.md)
  help [command]       show help for a command

Run 'tensorzoo <command> --help' for the options of a command.
)";

constexpr const char* kListHelp = R"(usage: tensorzoo list models|mixers

  models   every registered model with a one-line description
  mixers   every registered token mixer (attention variants): what it supports (causal
           masking, key padding masks, cross-attention, a recurrent step, a maximum length),
           its cost, description and paper
)";

constexpr const char* kTrainHelp = R"(usage: tensorzoo train <model> [options]

options:
  --config FILE       JSON file overriding fields of the model's default config
  --set KEY=VALUE     override one field (dotted key, e.g. optim.lr=0.01); repeatable,
                      applied after --config in the order given
  --steps N           total training steps (same as --set steps=N)
  --device DEV        cpu (default), cuda, cuda:1, ...
  --out DIR           run directory (default runs/<model>): checkpoint.safetensors,
                      metrics.jsonl, curves.svg
  --resume            continue bit-exactly from DIR/checkpoint.safetensors, with the
                      config stored in it (--config/--set/--steps apply on top)
  --print-config[=json]  print the effective config (with docs) and exit
  --progress MODE     auto (bar on a terminal, lines otherwise), bar, lines, quiet
  --stop-after N      stop after step N as if interrupted (checkpoint saved)
  --detect-anomaly    check every op's outputs and every gradient for NaN/Inf and stop at
                      the first op that makes one, naming it (slow: for debugging)

Ctrl-C stops after the current step and saves a checkpoint; a second Ctrl-C aborts.
A NaN/Inf loss stops the run with exit code 1 and keeps the last good checkpoint
(--set allow_nonfinite=true trains on instead).
'tensorzoo train <model> --help' also lists the model's config fields.
)";

constexpr const char* kEvalHelp = R"(usage: tensorzoo eval <model> [options]

Evaluates DIR/checkpoint.safetensors with the config stored in it; prints metrics as JSON.

options:
  --out DIR           run directory (default runs/<model>)
  --set KEY=VALUE     override a config field for this evaluation (repeatable)
  --device DEV        cpu (default), cuda, ...
)";

constexpr const char* kSampleHelp = R"(usage: tensorzoo sample <model> [options]

Generates from DIR/checkpoint.safetensors with the config stored in it.

options:
  --out DIR           run directory (default runs/<model>)
  --prompt TEXT       what to continue / condition on (model specific)
  --n N               how many items to generate (default 100)
  --set KEY=VALUE     override a config field (repeatable)
  --device DEV        cpu (default), cuda, ...
)";

void on_sigint(int) {
  tz::models::request_stop();
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

// The cuda backend registers even without a GPU (with zero devices), so its name is listed.
bool cuda_backend_built() {
  for (const auto& name : tz::registered_backends())
    if (name == "cuda") return true;
  return false;
}

tz::Device parse_device(const std::string& spec) {
  tz::Device device;
  try {
    device = tz::Device(spec);
  } catch (const tz::Error& e) {
    throw UsageError(std::string("--device: ") + e.what());
  }
  if (device.type == tz::DeviceType::CUDA && !tz::has_backend(device.type) &&
      tz::cuda::device_count() == 0 && cuda_backend_built()) {
    TZ_FAIL("cli", "--device ", spec, ": no CUDA device is available (this build has the cuda backend, but no GPU "
            "or driver was found)");
  }
  if (!tz::has_backend(device.type)) {
    std::string available;
    for (const auto& name : tz::registered_backends()) available += (available.empty() ? "" : ", ") + name;
    TZ_FAIL("cli", "--device ", spec, ": no ", tz::device_type_name(device.type),
            " backend is registered in this build (available: ", available, ")",
            device.type == tz::DeviceType::CUDA ? "; rebuild with -DTZ_WITH_CUDA=ON on a machine with CUDA" : "");
  }
  return device;
}

const tz::models::ModelEntry& model_from(const ParsedArgs& args, const std::string& command) {
  if (args.positional.empty()) throw UsageError(command + ": which model? (tensorzoo list models)");
  if (args.positional.size() > 1) throw UsageError(command + ": unexpected argument '" + args.positional[1] + "'");
  return tz::models::find_model(args.positional[0]);
}

tz::models::RunOptions base_run(const tz::models::ModelEntry& entry, const ParsedArgs& args) {
  tz::models::RunOptions run;
  run.model = entry.name;
  run.out_dir = args.get("out", "runs/" + entry.name);
  run.device = parse_device(args.get("device", "cpu"));
  return run;
}

void apply_sets(json& config, const ParsedArgs& args, const tz::models::ConfigSchema& schema) {
  for (const auto& assignment : args.all("set")) tz::models::apply_set(config, assignment, schema);
}

int cmd_list(const std::vector<std::string>& rest) {
  const ParsedArgs args = tz::cli::parse_args(rest, {}, "list");
  if (args.has("help")) return std::cout << kListHelp, 0;
  if (args.positional.size() != 1) throw UsageError("list: say what to list: 'list models' or 'list mixers'");
  const std::string& what = args.positional[0];
  if (what == "models") {
    size_t width = 0;
    for (const auto& e : tz::models::model_registry()) width = std::max(width, e.name.size());
    for (const auto& e : tz::models::model_registry()) {
      std::cout << e.name << std::string(width - e.name.size() + 2, ' ') << e.description << "\n";
    }
  } else if (what == "mixers") {
    std::cout << tz::models::format_mixer_table(tz::models::mixer_list());
  } else {
    throw UsageError("list: unknown list '" + what + "' (models or mixers)");
  }
  return 0;
}

int cmd_train(const std::vector<std::string>& rest) {
  const ParsedArgs args = tz::cli::parse_args(
      rest,
      {{"config"}, {"set", true, true}, {"steps"}, {"device"}, {"out"}, {"resume", false},
       {"print-config", false, false, true}, {"progress"}, {"stop-after"}, {"detect-anomaly", false}},
      "train");
  if (args.has("help")) {
    std::cout << kTrainHelp;
    if (!args.positional.empty()) {
      const auto& entry = tz::models::find_model(args.positional[0]);
      std::cout << "\n" << entry.name << " config (defaults):\n"
                << tz::models::format_config(entry.schema.defaults, entry.schema);
    }
    return 0;
  }
  const auto& entry = model_from(args, "train");
  tz::models::RunOptions run = base_run(entry, args);
  run.resume = args.has("resume");

  json config = entry.schema.defaults;
  if (run.resume) {
    // The stored config is the run's config: a resumed run must rebuild the same model.
    const tz::nn::Checkpoint ck = tz::models::load_run_checkpoint(run);
    const json stored = tz::models::parse_stored_config(ck.config, tz::models::checkpoint_path(run.out_dir));
    config = tz::models::resolve_config(stored, entry.schema, "the checkpoint's config");
  }
  if (args.has("config")) {
    const std::string path = args.get("config");
    tz::models::merge_config(config, tz::models::load_config_file(path), entry.schema, path);
  }
  apply_sets(config, args, entry.schema);
  if (args.has("steps")) {
    TZ_CHECK(entry.schema.defaults.contains("steps"), "cli", "model '", entry.name, "' has no 'steps' config field");
    config["steps"] = tz::cli::parse_count("steps", args.get("steps"));
  }
  run.config = config;

  if (args.has("print-config")) {
    const std::string how = args.get("print-config");
    if (how == "json") {
      std::cout << config.dump(2) << "\n";
    } else if (how.empty()) {
      std::cout << "# " << entry.name << " effective config (each line is valid --set syntax)\n"
                << tz::models::format_config(config, entry.schema);
    } else {
      throw UsageError("train: --print-config takes no value or =json, got '" + how + "'");
    }
    return 0;
  }

  const std::string progress = args.get("progress", "auto");
  if (progress == "auto") run.progress = tz::models::ProgressStyle::Auto;
  else if (progress == "bar") run.progress = tz::models::ProgressStyle::Bar;
  else if (progress == "lines") run.progress = tz::models::ProgressStyle::Lines;
  else if (progress == "quiet") run.progress = tz::models::ProgressStyle::Quiet;
  else throw UsageError("train: --progress must be auto, bar, lines or quiet, got '" + progress + "'");
  if (args.has("stop-after")) run.stop_after = tz::cli::parse_count("stop-after", args.get("stop-after"));

  std::signal(SIGINT, on_sigint);
  // The models train on this thread, so a guard here covers every step of the loop.
  tz::autograd::DetectAnomaly anomaly(args.has("detect-anomaly"));
  entry.train(run);
  return 0;
}

/// eval / sample: the config comes from the checkpoint (plus --set).
tz::models::RunOptions inference_run(const tz::models::ModelEntry& entry, const ParsedArgs& args) {
  tz::models::RunOptions run = base_run(entry, args);
  const tz::nn::Checkpoint ck = tz::models::load_run_checkpoint(run);
  const json stored = tz::models::parse_stored_config(ck.config, tz::models::checkpoint_path(run.out_dir));
  run.config = tz::models::resolve_config(stored, entry.schema, "the checkpoint's config");
  apply_sets(run.config, args, entry.schema);
  return run;
}

int cmd_eval(const std::vector<std::string>& rest) {
  const ParsedArgs args = tz::cli::parse_args(rest, {{"out"}, {"set", true, true}, {"device"}}, "eval");
  if (args.has("help")) return std::cout << kEvalHelp, 0;
  const auto& entry = model_from(args, "eval");
  TZ_CHECK(bool(entry.eval), "cli", "model '", entry.name, "' has no eval");
  const auto run = inference_run(entry, args);
  std::cout << entry.eval(run).dump(2) << "\n";
  return 0;
}

int cmd_sample(const std::vector<std::string>& rest) {
  const ParsedArgs args =
      tz::cli::parse_args(rest, {{"out"}, {"prompt"}, {"n"}, {"set", true, true}, {"device"}}, "sample");
  if (args.has("help")) return std::cout << kSampleHelp, 0;
  const auto& entry = model_from(args, "sample");
  TZ_CHECK(bool(entry.sample), "cli", "model '", entry.name, "' has nothing to sample");
  const int64_t n = tz::cli::parse_count("n", args.get("n", "100"));
  const auto run = inference_run(entry, args);
  std::cout << entry.sample(run, args.get("prompt"), n);
  return 0;
}

int dispatch(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    std::cerr << kMainHelp;
    return 2;
  }
  const std::string& command = argv[0];
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (command == "-h" || command == "--help") return std::cout << kMainHelp, 0;
  if (command == "help") {
    const std::string topic = rest.empty() ? "" : rest[0];
    if (topic == "list") std::cout << kListHelp;
    else if (topic == "train") std::cout << kTrainHelp;
    else if (topic == "eval") std::cout << kEvalHelp;
    else if (topic == "sample") std::cout << kSampleHelp;
    else if (topic == "lra") std::cout << tz::cli::kLraHelp;
    else if (topic.empty()) std::cout << kMainHelp;
    else throw UsageError("help: unknown command '" + topic + "'");
    return 0;
  }
  if (command == "list") return cmd_list(rest);
  if (command == "train") return cmd_train(rest);
  if (command == "eval") return cmd_eval(rest);
  if (command == "sample") return cmd_sample(rest);
  if (command == "lra") return tz::cli::cmd_lra(rest);
  const std::string hint = tz::models::closest_match(command, {"list", "train", "eval", "sample", "lra", "help"});
  throw UsageError("unknown command '" + command + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                   "; see tensorzoo --help");
}

}  // namespace

/// One line for the terminal: user input inside messages (a --set value, a path) may hold
/// newlines or invalid UTF-8, and a runaway message must not flood the screen.
std::string one_line(const std::string& text) { return tz::io::printable(text, 2000); }

int main(int argc, char** argv) {
  tz::cli::ensure_fast_openblas_kernels(argv);
  // Every exception ends as one line and a non-zero exit: usage mistakes exit 2, everything a run
  // can hit (bad config or files, a full disk, no memory) exits 1. None is an "internal error":
  // the messages say what was wrong with the input or the system.
  try {
    return dispatch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& e) {
    std::cerr << "tensorzoo: " << one_line(e.what()) << "\n";
    return 2;
  } catch (const tz::Error& e) {
    std::cerr << "tensorzoo: error: " << one_line(e.what()) << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "tensorzoo: error: out of memory (try smaller sizes or batches)\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "tensorzoo: error: " << one_line(e.what()) << "\n";
    return 1;
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "tensorzoo: error: invalid JSON value: " << one_line(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tensorzoo: error: " << one_line(e.what()) << "\n";
    return 1;
  } catch (...) {
    std::cerr << "tensorzoo: error: unknown failure\n";
    return 1;
  }
}
