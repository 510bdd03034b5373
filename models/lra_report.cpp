#include "models/lra_report.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/io/file.h"
#include "models/lra_tasks.h"

namespace tz::models {

namespace {

constexpr const char* kBegin = "<!-- lra-results:begin -->";
constexpr const char* kEnd = "<!-- lra-results:end -->";

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

const std::map<std::string, std::string>& task_titles() {
  static const std::map<std::string, std::string> t = {{"listops", "ListOps"}, {"text", "Text"},
                                                       {"retrieval", "Retrieval"}, {"image", "Image"},
                                                       {"pathfinder", "Pathfinder"}};
  return t;
}

/// Mixers in first-appearance order, softmax first.
std::vector<std::string> mixer_order(const std::vector<json>& records) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& r : records) {
    const std::string m = r.value("mixer", "");
    if (!m.empty() && seen.insert(m).second) out.push_back(m);
  }
  const auto it = std::find(out.begin(), out.end(), "softmax");
  if (it != out.end()) std::rotate(out.begin(), it, it + 1);
  return out;
}

}  // namespace

std::vector<json> read_lra_records(const std::string& path) {
  std::istringstream in(io::read_regular_file(path, "lra", uint64_t(1) << 30, "cannot open: not found"));
  std::vector<json> out;
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, false);
    TZ_CHECK(!j.is_discarded() && j.is_object() && j.contains("kind"), "lra", path, ":", n,
             ": not a result record (a JSON object with \"kind\")");
    out.push_back(std::move(j));
  }
  return out;
}

std::string lra_tables_markdown(const std::vector<json>& records, const std::string& size) {
  // Latest record wins.
  std::map<std::pair<std::string, std::string>, json> runs;   // (task, mixer)
  std::map<std::pair<std::string, int64_t>, json> bench;      // (mixer, length)
  std::vector<json> kept;
  for (const auto& r : records) {
    if (r["kind"] == "run" && r.value("size", "") == size) {
      runs[{r["task"].get<std::string>(), r["mixer"].get<std::string>()}] = r;
      kept.push_back(r);
    } else if (r["kind"] == "bench") {
      bench[{r["mixer"].get<std::string>(), r["length"].get<int64_t>()}] = r;
      kept.push_back(r);
    }
  }
  const std::vector<std::string> mixers = mixer_order(kept);
  std::ostringstream md;

  md << "### Accuracy (test set, %; size `" << size << "`)\n\n| Mixer |";
  for (const auto& t : lra_tasks()) md << " " << task_titles().at(t) << " |";
  md << " Avg |\n|---|";
  for (size_t i = 0; i <= lra_tasks().size(); ++i) md << "---|";
  md << "\n";
  std::map<std::string, double> majority;
  for (const auto& m : mixers) {
    bool any = false;
    for (const auto& t : lra_tasks()) any |= runs.count({t, m}) > 0;
    if (!any) continue;
    md << "| " << m << " |";
    double sum = 0;
    int n = 0;
    for (const auto& t : lra_tasks()) {
      const auto it = runs.find({t, m});
      if (it == runs.end()) {
        md << " – |";
        continue;
      }
      const double acc = 100.0 * it->second["test_accuracy"].get<double>();
      majority[t] = 100.0 * it->second.value("majority", 0.0);
      sum += acc;
      ++n;
      md << " " << fmt("%.2f", acc) << (it->second.value("padding_mask", true) || t == "image" || t == "pathfinder" ? "" : "†")
         << " |";
    }
    md << " " << (n == int(lra_tasks().size()) ? fmt("%.2f", sum / n) : "–") << " |\n";
  }
  if (!majority.empty()) {
    md << "| *majority class* |";
    for (const auto& t : lra_tasks()) md << " " << (majority.count(t) ? fmt("%.2f", majority[t]) : "–") << " |";
    md << " |\n";
  }
  md << "| *LRA Transformer (published, for reference)* | 36.37 | 64.27 | 57.46 | 42.44 | 71.40 | 54.39 |\n\n";
  md << "† the mixer takes no key padding mask, so it also attended to the padding tokens.\n\n";

  std::set<int64_t> length_set;
  for (const auto& [key, r] : bench) length_set.insert(key.second);
  if (!bench.empty()) {
    const std::vector<int64_t> lengths(length_set.begin(), length_set.end());
    auto label = [](int64_t n) { return n % 1024 == 0 ? std::to_string(n / 1024) + "K" : std::to_string(n); };
    md << "### Training speed and peak memory (Text config)\n\n"
          "Steps per second of a training step (forward, backward, AdamW) and the peak of live tensor memory "
          "(weights, gradients, optimizer state, activations) at each sequence length; brackets: relative to "
          "softmax at the same length (speed: higher is faster; memory: lower is smaller).\n\n| Mixer |";
    for (int64_t n : lengths) md << " steps/s " << label(n) << " |";
    for (int64_t n : lengths) md << " MiB " << label(n) << " |";
    md << "\n|---|";
    for (size_t i = 0; i < 2 * lengths.size(); ++i) md << "---|";
    md << "\n";
    for (const auto& m : mixers) {
      bool any = false;
      for (int64_t n : lengths) any |= bench.count({m, n}) > 0;
      if (!any) continue;
      md << "| " << m << " |";
      for (const char* what : {"steps_per_s", "peak_mb"}) {
        for (int64_t n : lengths) {
          const auto it = bench.find({m, n});
          if (it == bench.end()) {
            md << " – |";
            continue;
          }
          if (!it->second["ok"].get<bool>()) {
            md << " fails |";
            continue;
          }
          const double v = it->second[what].get<double>();
          md << " " << fmt(std::string(what) == "peak_mb" ? "%.0f" : "%.3f", v);
          const auto base = bench.find({"softmax", n});
          if (m != "softmax" && base != bench.end() && base->second["ok"].get<bool>())
            md << " (" << fmt("%.2f", v / base->second[what].get<double>()) << "×)";
          md << " |";
        }
      }
      md << "\n";
    }
    bool failures = false;
    for (const auto& [key, r] : bench) failures |= !r["ok"].get<bool>();
    if (failures) {
      md << "\nFailed points:\n\n";
      for (const auto& [key, r] : bench)
        if (!r["ok"].get<bool>()) md << "- " << key.first << " at N = " << key.second << ": " << r["error"].get<std::string>() << "\n";
    }
    md << "\n";
  }

  if (!runs.empty()) {
    md << "### Runs\n\n| Task | Mixer | length | steps | steps/s | peak MiB | train s | val % | test % | padding mask |\n"
          "|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& t : lra_tasks())
      for (const auto& m : mixers) {
        const auto it = runs.find({t, m});
        if (it == runs.end()) continue;
        const json& r = it->second;
        md << "| " << task_titles().at(t) << " | " << m << " | " << r.value("length", 0) << " | " << r.value("steps", 0)
           << " | " << fmt("%.2f", r.value("steps_per_s", 0.0)) << " | " << fmt("%.0f", r.value("peak_mb", 0.0))
           << " | " << fmt("%.0f", r.value("train_s", 0.0)) << " | " << fmt("%.2f", 100.0 * r.value("val_accuracy", 0.0))
           << " | " << fmt("%.2f", 100.0 * r.value("test_accuracy", 0.0)) << " | "
           << (r.value("padding_mask", false) ? "yes" : "no") << " |\n";
      }
    md << "\n";
  }

  md << "### Commands\n\nEach number above came from one of these commands (run from the repository root):\n\n```sh\n";
  std::set<std::string> printed;
  for (const auto& r : kept) {
    const std::string cmd = r.value("command", "");
    if (!cmd.empty() && printed.insert(cmd).second) md << cmd << "\n";
  }
  md << "```\n";
  return md.str();
}

std::string replace_lra_section(const std::string& document, const std::string& section) {
  const size_t b = document.find(kBegin), e = document.find(kEnd);
  const std::string block = std::string(kBegin) + "\n" + section + (section.empty() || section.back() == '\n' ? "" : "\n") + kEnd;
  if (b == std::string::npos || e == std::string::npos || e < b)
    return document + (document.empty() || document.back() == '\n' ? "" : "\n") + block + "\n";
  return document.substr(0, b) + block + document.substr(e + std::string(kEnd).size());
}

}  // namespace tz::models
