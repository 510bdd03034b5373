#pragma once
/// The model registry behind `tensorzoo list/train/eval/sample`.
///
/// Adding a model: write models/<name>.cpp exposing a factory `ModelEntry <name>_entry();`,
/// declare it in models/registry.cpp and append it to the explicit list there (no static
/// self-registration: static linking drops such objects). A ModelEntry carries
///   - name ("gpt-char") and a one-line description,
///   - schema: typed default config + a doc line for every field (models/config.h); the CLI
///     validates --config/--set against it and `--print-config` prints it,
///   - train / eval / sample callables that receive the validated config in RunOptions.
/// train() normally builds the model from run.config, wraps its loop in a TrainSession
/// (models/trainer.h: progress, metrics.jsonl, curves.svg, checkpoints, --resume) and returns;
/// eval() and sample() load DIR/checkpoint.safetensors (load_run_checkpoint) and report.
/// See models/mlp_xor.cpp for a complete, small example.
#include <cstdint>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "core/device.h"
#include "models/config.h"

namespace tz::models {

/// How the trainer reports progress: Auto = a progress bar when the log stream is a terminal
/// (isatty(stdout)), plain lines otherwise; Lines/Bar force one; Quiet prints only errors.
enum class ProgressStyle { Auto, Bar, Lines, Quiet };

/// Everything a command passes to a model's train/eval/sample.
struct RunOptions {
  std::string model;          // registry name (stored in checkpoints and checked on load)
  json config;                // effective config, already validated against the model's schema
  std::string out_dir;        // run directory: checkpoint.safetensors, metrics.jsonl, curves.svg
  Device device = kCPU;       // where to build the model and run
  bool resume = false;        // continue from out_dir/checkpoint.safetensors
  int64_t stop_after = 0;     // > 0: stop as if interrupted once this many steps are done
  ProgressStyle progress = ProgressStyle::Auto;
  std::ostream* log = &std::cout;  // progress and messages
};

struct ModelEntry {
  std::string name;
  std::string description;
  ConfigSchema schema;
  /// Trains (or resumes) into run.out_dir. Required.
  std::function<void(const RunOptions&)> train;
  /// Evaluates the checkpoint in run.out_dir; returns metrics ({"loss": .., "accuracy": ..}).
  std::function<json(const RunOptions&)> eval;
  /// Generates from the checkpoint in run.out_dir: `n` items (tokens, samples) after `prompt`.
  /// Empty when the model has nothing to sample.
  std::function<std::string(const RunOptions&, const std::string& prompt, int64_t n)> sample;
};

/// All registered models, in listing order.
const std::vector<ModelEntry>& model_registry();
/// The entry called `name`; throws "[registry] unknown model 'x' (did you mean 'y'?); known: a, b".
const ModelEntry& find_model(const std::string& name);

/// Token mixers available to models (every entry of nn::mixer_registry()), for
/// `tensorzoo list mixers`.
struct MixerInfo {
  std::string name;
  std::string description;
  std::string paper;
  bool causal = false, key_padding_mask = false, cross_attention = false, recurrent = false;
  int64_t max_length = 0;  // 0 = unbounded (the entry's default config)
  std::string complexity;
};
std::vector<MixerInfo> mixer_list();
/// The `list mixers` table: a header, then per mixer one row (name, causal, mask, cross,
/// recurrent, max length, complexity) and an indented line with its description and paper.
std::string format_mixer_table(const std::vector<MixerInfo>& mixers);
/// A model config's "mixer_options" string: a JSON object of the mixer's own keys (the config
/// schema has no free-form sections). Throws "[config] '<key>' must be a JSON object ...".
json parse_mixer_options(const std::string& text, const std::string& key = "model.mixer_options");
/// The built-in softmax blocks (GPTBlock, TransformerEncoderLayer) take their settings from the
/// model's own fields, so no mixer option can apply to them. Rejects unknown keys like every
/// mixer does ("[make_mixer softmax] unknown config key 'x' (did you mean ...)") and known
/// ones as not applicable, instead of silently ignoring them.
void check_builtin_softmax_options(const json& options, const std::string& key = "model.mixer_options");

}  // namespace tz::models
