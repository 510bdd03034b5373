#pragma once
/// Model configs: a JSON object of typed defaults plus a documentation line for every field.
///
/// A model declares its defaults once (the schema *is* the default config: every field's type is
/// the type of its default value) and a parallel doc map keyed by dotted path:
///
///   ConfigSchema s;
///   s.defaults = {{"steps", 500}, {"optim", {{"lr", 0.1}, {"momentum", 0.9}}}};
///   s.doc = {{"steps", "optimizer steps"}, {"optim.lr", "peak learning rate"},
///            {"optim.momentum", "SGD momentum"}};
///
/// Users then override it from a JSON file (--config) and from `--set key=value` (dotted keys,
/// the value parsed as the default's type). Every override is validated: an unknown key or a
/// value of the wrong type throws tz::Error naming the key:
///   [config] unknown key 'optim.lrr' (did you mean 'optim.lr'?)
///   [config] 'steps' must be an integer, got "abc"
///
/// Strings must be valid UTF-8 (they end up in the checkpoint's JSON), and numbers must lie in
/// the schema's ranges; both are checked when the override is applied, before a run starts.
///
/// Type rules (the default's JSON type decides): integer defaults take integers only; float
/// defaults take any number (stored as float); booleans take true/false (and 1/0, yes/no, on/off
/// from --set); strings take strings; arrays take arrays whose elements have the type of the
/// default's first element (any element type if the default is empty); objects are sections,
/// merged field by field. Null defaults are not allowed (give every field a typed default).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/strings.h"

namespace tz::models {

using json = nlohmann::json;

/// The allowed interval of a numeric field (inclusive unless *_exclusive).
struct ConfigRange {
  double min = -1e308;
  double max = 1e308;
  bool min_exclusive = false;
  bool max_exclusive = false;
};

struct ConfigSchema {
  /// Typed default values; nested objects are sections ("optim": {"lr": 0.1}).
  json defaults = json::object();
  /// Dotted leaf path -> one-line description. Every leaf must have one (check_documented).
  std::map<std::string, std::string> doc;
  /// Dotted leaf path -> allowed range, checked on every override (--config, --set, a stored
  /// config), so a run never starts with e.g. hidden=0: "[config] 'hidden' must be >= 1, got 0".
  std::map<std::string, ConfigRange> ranges;
};

/// Shorthands for ConfigSchema::ranges.
inline ConfigRange at_least(double min) { return {.min = min}; }
inline ConfigRange positive() { return {.min = 0, .min_exclusive = true}; }
inline ConfigRange in_range(double min, double max, bool max_exclusive = false) {
  return {.min = min, .max = max, .max_exclusive = max_exclusive};
}

/// Throws "[config] ..." if a leaf of schema.defaults has no doc line, a doc line names no leaf,
/// or a default is null. Models' tests call this on their schema.
void check_documented(const ConfigSchema& schema);

/// Dotted paths of every leaf of `config` (arrays are leaves), in JSON object order.
std::vector<std::string> leaf_keys(const json& config);

/// Overlays `overrides` (a JSON object, e.g. a --config file) onto `config`, validating every key
/// and type against schema.defaults. `origin` ("file.json") is appended to error messages.
void merge_config(json& config, const json& overrides, const ConfigSchema& schema,
                  const std::string& origin = "");

/// Applies one "key=value" assignment (dotted key; value parsed as the default's type; a section
/// takes a JSON object). Throws "[config] --set expects key=value, got 'x'" on bad syntax.
void apply_set(json& config, const std::string& assignment, const ConfigSchema& schema);

/// Reads and parses a JSON config file (must be an object). Throws "[config] <path>: ..." for a
/// path that is not a regular file (FIFO, directory, device: refused before opening), a file
/// over 16 MiB, invalid JSON or UTF-8, a number out of range (1e999, naming its key), nesting
/// deeper than 32 levels, or a duplicate key.
json load_config_file(const std::string& path);

/// Parses the config text stored in a checkpoint (origin names the checkpoint) with the same
/// limits as a config file; throws "[checkpoint] <origin>: ..." unless it is a JSON object.
json parse_stored_config(const std::string& text, const std::string& origin);

/// Validates a complete config (e.g. one stored in a checkpoint) against the schema: same rules
/// as merge_config, and the result carries defaults for keys the stored config lacks.
json resolve_config(const json& stored, const ConfigSchema& schema, const std::string& origin = "");

/// "key = value    # doc" lines for every leaf, aligned; the lines are valid --set arguments.
std::string format_config(const json& config, const ConfigSchema& schema);

/// The value at a dotted path (throws "[config] no key 'a.b'" when absent).
const json& config_at(const json& config, const std::string& dotted_key);

// edit_distance / closest_match ("did you mean" hints) live in core/strings.h.
using tz::closest_match;
using tz::edit_distance;

}  // namespace tz::models
