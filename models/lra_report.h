#pragma once
/// LRA's two tables from result records (`tensorzoo lra ... --results FILE` appends one JSON
/// object per line): test accuracy per task and mixer (Table 1), and training steps/s and peak
/// memory against sequence length relative to the softmax baseline (Table 2).
///
/// Records: {"kind": "run", "task", "mixer", "size", "test_accuracy", "steps_per_s", "peak_mb",
/// ..., "command"} from run_lra, and {"kind": "bench", "mixer", "length", "ok", "steps_per_s",
/// "peak_mb" | "error", "command"} from run_lra_bench. A later record for the same (task, mixer,
/// size) or (mixer, length) replaces an earlier one.
#include <string>
#include <vector>

#include "models/config.h"

namespace tz::models {

/// Reads a JSON-lines file (blank lines skipped). Throws "[lra] FILE:LINE: ..." on bad JSON.
std::vector<json> read_lra_records(const std::string& path);

/// The markdown of both tables, their per-run details and the commands that produced them.
/// size: which runs to tabulate ("full" or "ci").
std::string lra_tables_markdown(const std::vector<json>& records, const std::string& size);

/// Replaces the text between the lines "<!-- lra-results:begin -->" and "<!-- lra-results:end -->"
/// of `document` with `section` (appends both markers and the section when absent).
std::string replace_lra_section(const std::string& document, const std::string& section);

}  // namespace tz::models
