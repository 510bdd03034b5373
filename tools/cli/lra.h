#pragma once
/// `tensorzoo lra`: the mini Long Range Arena harness (models/lra.h) on the command line.
#include <string>
#include <vector>

namespace tz::cli {

extern const char* const kLraHelp;

/// Runs `tensorzoo lra <rest...>`; returns the exit code. Throws UsageError / tz::Error.
int cmd_lra(const std::vector<std::string>& rest);

}  // namespace tz::cli
