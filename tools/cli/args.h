#pragma once
/// Command-line parsing for the tensorzoo CLI: "--name value", "--name=value", repeatable
/// options (--set), flags, and positional arguments. Errors are UsageError (exit code 2).
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tz::cli {

/// A mistake in how the command was called (unknown option, missing value, ...).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;         // without the dashes: "steps"
  bool takes_value = true;  // false: a flag (--resume)
  bool repeatable = false;  // --set a=1 --set b=2
  bool optional_value = false;  // --print-config or --print-config=json
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // every occurrence, in order
  bool has(const std::string& name) const { return values.count(name) > 0; }
  /// The last value given for `name`, or `fallback` when absent.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  const std::vector<std::string>& all(const std::string& name) const;
};

/// Parses argv[first..] against the allowed options (plus --help / -h, always allowed). An
/// option that takes a value refuses an empty one ("--out=" is a UsageError, not the default).
/// `command` names the subcommand in error messages.
ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                      const std::string& command);

/// Parses a whole non-negative integer option value ("--steps 12"), or throws UsageError.
int64_t parse_count(const std::string& option, const std::string& text);

}  // namespace tz::cli
