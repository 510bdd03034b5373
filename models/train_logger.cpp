#include "models/train_logger.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/io/file.h"
#include "models/curves.h"

namespace tz::models {

namespace {

namespace fs = std::filesystem;

/// Throws "[train] cannot <what> '<path>': <reason>" once a stream has failed (ENOSPC, EIO, ...).
void check_stream(const std::ios& stream, const fs::path& path, const std::string& what) {
  if (!stream.fail()) return;
  const int err = errno;
  TZ_FAIL("train", "cannot ", what, " '", path.string(), "': ",
          err != 0 ? std::strerror(err) : "write failed", err == ENOSPC ? " (the disk is full)" : "");
}

std::string fmt(const char* pattern, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), pattern, v);
  return buf;
}

/// Reads the records of an earlier run, keeping those at or before `step` (with their original
/// text, so the rewritten file keeps its key order). A line that does not parse (the torn tail
/// of a killed run) ends the kept part.
std::vector<std::pair<std::string, json>> read_records_until(const fs::path& path, int64_t step) {
  std::vector<std::pair<std::string, json>> kept;
  std::error_code ec;
  if (!fs::exists(path, ec)) return kept;
  // A FIFO or device named metrics.jsonl must fail, not block the resume.
  std::istringstream in(io::read_regular_file(path.string(), "train", uint64_t(1) << 30));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json record = json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object() || !record.contains("step")) break;
    if (!record["step"].is_number_integer() || record["step"].get<int64_t>() > step) continue;
    kept.emplace_back(line, std::move(record));
  }
  return kept;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = int64_t(std::llround(seconds));
  if (s < 60) return std::to_string(s) + "s";
  char buf[32];
  if (s < 3600) {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                  (long long)(s % 60));
  }
  return buf;
}

std::string format_rate(double r) {
  if (!std::isfinite(r)) return "?";
  if (r >= 1e9) return fmt("%.2fG", r / 1e9);
  if (r >= 1e6) return fmt("%.2fM", r / 1e6);
  if (r >= 1e4) return fmt("%.1fk", r / 1e3);
  if (r >= 100) return fmt("%.0f", r);
  return fmt("%.3g", r);
}

TrainLogger::TrainLogger(LoggerOptions options) : opt_(std::move(options)) {
  TZ_CHECK(opt_.out != nullptr, "train", "logger needs an output stream");
  TZ_CHECK(opt_.log_every >= 1, "train", "log_every must be >= 1, got ", opt_.log_every);
  quiet_ = opt_.style == ProgressStyle::Quiet;
  bar_ = opt_.style == ProgressStyle::Bar ||
         (opt_.style == ProgressStyle::Auto && opt_.out == &std::cout && ::isatty(STDOUT_FILENO));
  t0_ = last_record_time_ = std::chrono::steady_clock::now();
}

TrainLogger::~TrainLogger() {
  // Never throw from a destructor: an exception is already unwinding if finish() was skipped.
  if (bar_open_) *opt_.out << "\n" << std::flush;
}

double TrainLogger::wall_seconds() const {
  return wall_offset_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

void TrainLogger::start(int64_t step) {
  start_step_ = step;
  records_.clear();
  wall_offset_ = 0;
  if (!opt_.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(opt_.out_dir, ec);
    TZ_CHECK(!ec, "train", "cannot create the run directory '", opt_.out_dir, "': ", ec.message());
    const fs::path path = fs::path(opt_.out_dir) / "metrics.jsonl";
    std::vector<std::pair<std::string, json>> kept;
    if (step > 0 && fs::exists(path)) kept = read_records_until(path, step);
    // Rewrite the kept records (a temp file renamed over the old one), then append to it.
    const fs::path tmp = path.string() + ".tmp";
    {
      std::ofstream rewrite(tmp, std::ios::trunc);
      TZ_CHECK(rewrite.good(), "train", "cannot write '", tmp.string(), "'");
      errno = 0;
      for (auto& [line, record] : kept) {
        rewrite << line << "\n";
        records_.push_back(std::move(record));
      }
      rewrite.flush();
      check_stream(rewrite, tmp, "write");
      rewrite.close();
      check_stream(rewrite, tmp, "write");
    }
    fs::rename(tmp, path, ec);
    TZ_CHECK(!ec, "train", "cannot replace '", path.string(), "': ", ec.message());
    metrics_.open(path, std::ios::app);
    TZ_CHECK(metrics_.good(), "train", "cannot append to '", path.string(), "'");
  }
  for (const auto& r : records_) {
    if (r.contains("wall_s") && r["wall_s"].is_number()) wall_offset_ = std::max(wall_offset_, r["wall_s"].get<double>());
  }
  t0_ = last_record_time_ = last_draw_ = std::chrono::steady_clock::now();
  items_since_record_ = 0;
  finished_ = false;
}

void TrainLogger::append_record(const nlohmann::ordered_json& record) {
  // Written in insertion order ("step" first) for people reading the file; kept as json.
  const std::string line = record.dump();
  records_.push_back(json::parse(line));
  if (metrics_.is_open()) {
    errno = 0;
    metrics_ << line << "\n";
    metrics_.flush();
    // A full disk must not drop records silently: the run fails here, naming the file (the
    // last checkpoint stays intact, so --resume continues once there is space).
    check_stream(metrics_, metrics_path(), "write a metrics record to");
  }
}

void TrainLogger::log_step(int64_t step, double loss, double lr, int64_t items) {
  items_since_record_ += items;
  const bool record_due = step % opt_.log_every == 0 || step == opt_.total_steps;
  if (record_due) {
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - last_record_time_).count();
    last_items_per_s_ = dt > 0 ? double(items_since_record_) / dt : 0.0;
    last_record_time_ = now;
    items_since_record_ = 0;
    nlohmann::ordered_json record = {{"step", step}, {"loss", loss}, {"lr", lr}, {"items_per_s", last_items_per_s_},
                                     {"wall_s", wall_seconds()}};
    // JSON has no NaN/Inf, so "loss" is written as null; this marks such a record (only
    // allow_nonfinite runs log one) and says which value it was.
    if (!std::isfinite(loss)) record["loss_nonfinite"] = std::isnan(loss) ? "nan" : loss > 0 ? "inf" : "-inf";
    append_record(record);
  }
  if (quiet_) return;
  if (bar_) {
    bar_step_ = step;
    bar_loss_ = loss;
    bar_lr_ = lr;
    draw_bar(step, loss, lr, last_items_per_s_, step == opt_.total_steps);
  } else if (record_due) {
    const double elapsed = wall_seconds() - wall_offset_;
    const double eta = step > start_step_ ? elapsed / double(step - start_step_) * double(opt_.total_steps - step) : NAN;
    std::ostringstream line;
    line << "step " << step << "/" << opt_.total_steps << "  loss " << fmt("%.6g", loss) << "  lr "
         << fmt("%.4g", lr) << "  " << format_rate(last_items_per_s_) << " " << opt_.unit << "/s  eta "
         << format_duration(eta) << "\n";
    *opt_.out << line.str() << std::flush;
  }
}

void TrainLogger::draw_bar(int64_t step, double loss, double lr, double items_per_s, bool force) {
  const auto now = std::chrono::steady_clock::now();
  // Redrawing is cheap but a terminal flooded at thousands of steps/s is not.
  if (!force && bar_open_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const int width = 24;
  const double frac = opt_.total_steps > 0 ? std::clamp(double(step) / double(opt_.total_steps), 0.0, 1.0) : 1.0;
  const int filled = int(frac * width);
  std::string bar(size_t(filled), '=');
  if (filled < width) bar += '>' + std::string(size_t(width - filled - 1), ' ');
  const double elapsed = wall_seconds() - wall_offset_;
  const double eta = step > start_step_ ? elapsed / double(step - start_step_) * double(opt_.total_steps - step) : NAN;
  std::ostringstream line;
  line << "\r" << opt_.title << (opt_.title.empty() ? "" : " ") << "[" << bar << "] " << step << "/"
       << opt_.total_steps << "  loss " << fmt("%.4f", loss) << "  lr " << fmt("%.3g", lr) << "  "
       << format_rate(items_per_s) << " " << opt_.unit << "/s  ETA " << format_duration(eta) << "\x1b[K";
  *opt_.out << line.str() << std::flush;
  bar_open_ = true;
}

void TrainLogger::log_eval(int64_t step, const std::map<std::string, double>& metrics) {
  nlohmann::ordered_json record = {{"step", step}};
  std::ostringstream line;
  line << "eval @ step " << step << ":";
  for (const auto& [key, value] : metrics) {
    record["eval_" + key] = value;
    line << "  " << key << " " << fmt("%.6g", value);
  }
  record["wall_s"] = wall_seconds();
  append_record(record);
  message(line.str());
}

void TrainLogger::message(const std::string& text) {
  if (quiet_) return;
  if (bar_open_) {
    // Clear the bar, print the line above it, and put the bar back underneath.
    *opt_.out << "\r\x1b[K" << text << "\n";
    bar_open_ = false;
    draw_bar(bar_step_, bar_loss_, bar_lr_, last_items_per_s_, /*force=*/true);
    return;
  }
  *opt_.out << text << "\n" << std::flush;
}

void TrainLogger::finish() {
  if (finished_) return;
  finished_ = true;
  if (bar_open_) {
    *opt_.out << "\n" << std::flush;
    bar_open_ = false;
  }
  if (metrics_.is_open()) {
    errno = 0;
    metrics_.close();
    check_stream(metrics_, metrics_path(), "finish writing");
  }
  if (opt_.out_dir.empty()) return;
  const fs::path path = fs::path(opt_.out_dir) / "curves.svg";
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream svg(tmp, std::ios::trunc);
    TZ_CHECK(svg.good(), "train", "cannot write '", tmp.string(), "'");
    errno = 0;
    svg << render_curves_svg(panels_from_metrics(records_), opt_.title);
    svg.close();
    check_stream(svg, tmp, "write");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  TZ_CHECK(!ec, "train", "cannot write '", path.string(), "': ", ec.message());
}

}  // namespace tz::models

namespace tz::models {
std::filesystem::path TrainLogger::metrics_path() const {
  return std::filesystem::path(opt_.out_dir) / "metrics.jsonl";
}
}  // namespace tz::models
