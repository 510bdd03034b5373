#pragma once
// Helpers shared by the model tests: running the built tensorzoo binary (the CLI end-to-end
// tests) and reading the JSON-lines files runs write. TZ_CLI_PATH comes from
// tests/CMakeLists.txt; a build without tools (TZ_BUILD_TOOLS=OFF) leaves it empty and the
// tests that need the binary skip.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#ifndef TZ_CLI_PATH
#define TZ_CLI_PATH ""
#endif

namespace tz::test {

/// What one run of the CLI left: its exit code (-1: it could not start or did not exit
/// normally) and stdout and stderr together.
struct CliResult {
  int code = -1;
  std::string output;
};

/// Runs `tensorzoo <args>` through the shell (args are shell words, quoted by the caller).
inline CliResult tensorzoo(const std::string& args) {
  const std::string command = std::string("'") + TZ_CLI_PATH + "' " + args + " 2>&1";
  CliResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// The records of a JSON-lines file (metrics.jsonl, --results files), one a line; throws on a
/// line that is not JSON.
inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace tz::test
