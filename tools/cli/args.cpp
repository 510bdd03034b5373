#include "tools/cli/args.h"

#include <charconv>

#include "models/config.h"

namespace tz::cli {

std::string ParsedArgs::get(const std::string& name, const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedArgs::all(const std::string& name) const {
  static const std::vector<std::string> none;
  auto it = values.find(name);
  return it == values.end() ? none : it->second;
}

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                      const std::string& command) {
  ParsedArgs out;
  bool options_done = false;  // after "--" everything is positional
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      out.values["help"].push_back("");
      continue;
    }
    if (arg.rfind("--", 0) != 0) throw UsageError(command + ": unknown option '" + arg + "' (options start with --)");
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const OptionSpec* spec = nullptr;
    std::vector<std::string> names;
    for (const auto& s : specs) {
      if (s.name == name) spec = &s;
      names.push_back("--" + s.name);
    }
    if (!spec) {
      const std::string hint = models::closest_match("--" + name, names);
      throw UsageError(command + ": unknown option '--" + name + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; see " + command + " --help");
    }
    std::string value;
    if (eq != std::string::npos) {
      if (!spec->takes_value && !spec->optional_value) {
        throw UsageError(command + ": option '--" + name + "' takes no value");
      }
      value = arg.substr(eq + 1);
    } else if (spec->takes_value && !spec->optional_value) {
      if (i + 1 >= args.size()) throw UsageError(command + ": option '--" + name + "' needs a value");
      value = args[++i];
    }
    // "--out=" or --out "" would otherwise fall back to the default silently (get() treats an
    // empty value as absent): an option that takes a value needs a real one.
    if (spec->takes_value && !spec->optional_value && value.empty())
      throw UsageError(command + ": option '--" + name + "' needs a non-empty value");
    auto& slot = out.values[name];
    if (!slot.empty() && !spec->repeatable && spec->takes_value && slot.back() != value) {
      throw UsageError(command + ": option '--" + name + "' given twice ('" + slot.back() + "' and '" + value + "')");
    }
    slot.push_back(value);
  }
  return out;
}

int64_t parse_count(const std::string& option, const std::string& text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || v < 0) {
    throw UsageError("option '--" + option + "' needs a non-negative integer, got '" + text + "'");
  }
  return v;
}

}  // namespace tz::cli
