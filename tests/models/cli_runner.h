#pragma once
// Runs the built tensorzoo binary for the CLI end-to-end tests. TZ_CLI_PATH comes from
// tests/CMakeLists.txt; a build without tools (TZ_BUILD_TOOLS=OFF) leaves it empty and the
// tests that need the binary skip.
#include <sys/wait.h>

#include <cstdio>
#include <string>

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

}  // namespace tz::test
