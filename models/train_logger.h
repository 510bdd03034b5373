#pragma once
/// TrainLogger: progress output, metrics.jsonl and curves.svg for one training run.
///
/// - Progress: a one-line bar (step/total, loss, lr, throughput in the model's unit, ETA) redrawn
///   in place when the log stream is a terminal, plain log lines every log_every steps otherwise.
/// - DIR/metrics.jsonl: one JSON object per line, flushed as written:
///     {"step": 10, "loss": 0.69, "lr": 0.1, "items_per_s": 5120.0, "wall_s": 0.31}   (training)
///     {"step": 100, "eval_loss": 0.02, "eval_accuracy": 1.0, "wall_s": 2.9}           (evaluation)
///   "loss" is the loss of that step (not an average over the interval), so a resumed run logs
///   exactly what the uninterrupted run logs; items_per_s is measured over the interval since
///   the previous training record. Every write is checked: a failed one (a full disk) throws
///   "[train] cannot write a metrics record to '<path>': No space left on device (the disk is
///   full)" instead of dropping records.
/// - DIR/curves.svg: written by finish() from every record (models/curves.h).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "models/registry.h"

namespace tz::models {

struct LoggerOptions {
  std::string out_dir;             // where metrics.jsonl and curves.svg go ("" = no files)
  std::string title;               // shown on the bar and the SVG (usually the model name)
  int64_t total_steps = 0;
  std::string unit = "items";      // throughput unit: "tokens", "images", "samples"
  int64_t log_every = 1;           // metrics.jsonl / plain-line cadence
  ProgressStyle style = ProgressStyle::Auto;
  std::ostream* out = &std::cout;
};

class TrainLogger {
 public:
  explicit TrainLogger(LoggerOptions options);
  ~TrainLogger();
  TrainLogger(const TrainLogger&) = delete;
  TrainLogger& operator=(const TrainLogger&) = delete;

  /// Starts logging after `step` finished steps. step == 0 starts a fresh metrics.jsonl; a
  /// resumed run keeps the records up to `step` (dropping any a crashed run wrote past it, and a
  /// torn last line) and appends after them.
  void start(int64_t step);
  /// Records one finished step (1-based). `items` = items processed by this step.
  void log_step(int64_t step, double loss, double lr, int64_t items);
  /// Records evaluation metrics at a step; keys are written as "eval_<key>".
  void log_eval(int64_t step, const std::map<std::string, double>& metrics);
  /// Prints a message line without tearing the progress bar.
  void message(const std::string& text);
  /// Ends the bar line and writes curves.svg. Idempotent.
  void finish();

  /// Every record of this run so far (the kept ones of a resumed run included).
  const std::vector<json>& records() const { return records_; }
  bool uses_bar() const { return bar_; }

 private:
  void append_record(const nlohmann::ordered_json& record);
  std::filesystem::path metrics_path() const;
  void draw_bar(int64_t step, double loss, double lr, double items_per_s, bool force);
  double wall_seconds() const;

  LoggerOptions opt_;
  bool bar_ = false;
  bool quiet_ = false;
  bool bar_open_ = false;
  bool finished_ = false;
  std::ofstream metrics_;
  std::vector<json> records_;
  int64_t bar_step_ = 0;          // latest step values, redrawn under messages
  double bar_loss_ = 0, bar_lr_ = 0;
  std::chrono::steady_clock::time_point t0_, last_record_time_, last_draw_;
  double wall_offset_ = 0;        // wall_s of the last kept record when resuming
  int64_t start_step_ = 0;        // steps done when this session started (for the ETA)
  int64_t items_since_record_ = 0;
  double last_items_per_s_ = 0;
};

/// Formats seconds as "1:02:03" / "2:03" / "12s" (ETA and elapsed time).
std::string format_duration(double seconds);
/// Formats a rate compactly ("950", "12.3k", "4.56M").
std::string format_rate(double per_second);

}  // namespace tz::models
