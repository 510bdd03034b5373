#include "models/config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/file.h"
#include "core/io/json_parse.h"

namespace tz::models {

namespace {

std::vector<std::string> split_dotted(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string join_key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string origin_suffix(const std::string& origin) {
  return origin.empty() ? "" : " (in " + io::printable(origin) + ")";
}

using io::json_excerpt;
using io::printable;

/// Config files are small; a bigger one is a mistake (or /dev/zero-like), not a config.
constexpr uint64_t kMaxConfigFileBytes = 16 << 20;
/// Real configs nest a few sections deep.
constexpr int kMaxConfigDepth = 32;

/// The schema's range for `key`, if any.
void check_range(const ConfigSchema& schema, const std::string& key, const json& value, const std::string& origin) {
  auto it = schema.ranges.find(key);
  if (it == schema.ranges.end() || !value.is_number()) return;
  const ConfigRange& r = it->second;
  const double v = value.get<double>();
  const bool low = r.min_exclusive ? !(v > r.min) : !(v >= r.min);
  const bool high = r.max_exclusive ? !(v < r.max) : !(v <= r.max);
  if (!low && !high) return;
  std::string want;
  if (r.min > -1e308) want = cat_str(r.min_exclusive ? "> " : ">= ", r.min);
  if (r.max < 1e308) want += cat_str(want.empty() ? "" : " and ", r.max_exclusive ? "< " : "<= ", r.max);
  TZ_FAIL("config", "'", key, "' must be ", want, ", got ", json_excerpt(value), origin_suffix(origin));
}

/// Every dotted path of the schema, sections included: the candidates for "did you mean".
void collect_all_keys(const json& node, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = join_key(prefix, it.key());
    out.push_back(key);
    if (it->is_object()) collect_all_keys(*it, key, out);
  }
}

[[noreturn]] void fail_unknown(const std::string& key, const ConfigSchema& schema, const std::string& origin) {
  std::vector<std::string> all;
  collect_all_keys(schema.defaults, "", all);
  const std::string hint = closest_match(key, all);
  TZ_FAIL("config", "unknown key '", printable(key), "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
          origin_suffix(origin));
}

bool is_integer(const json& v) { return v.is_number_integer(); }  // signed or unsigned

const char* type_phrase(const json& def) {
  if (is_integer(def)) return "an integer";
  if (def.is_number()) return "a number";
  if (def.is_boolean()) return "a boolean (true/false)";
  if (def.is_string()) return "a string";
  if (def.is_array()) return "an array";
  if (def.is_object()) return "a section (JSON object)";
  return "a value";
}

/// Checks `value` against the default's type and returns it in the default's representation
/// (ints given for float fields become floats, so the config's types never drift).
json check_value(const json& def, const json& value, const std::string& key, const std::string& origin) {
  auto wrong = [&]() {
    TZ_FAIL("config", "'", key, "' must be ", type_phrase(def), ", got ", json_excerpt(value), origin_suffix(origin));
  };
  if (is_integer(def)) {
    if (value.is_number_integer()) return json(value.get<int64_t>());
    // 3.0 from a hand-written file is still an integer.
    if (value.is_number_float()) {
      const double d = value.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) return json(int64_t(d));
    }
    wrong();
  }
  if (def.is_number_float()) {
    if (value.is_number()) return json(value.get<double>());
    wrong();
  }
  if (def.is_boolean() || def.is_string()) {
    if (value.type() != def.type()) wrong();
    // The config is stored in the checkpoint as JSON text, which must be UTF-8: refuse a bad
    // string now rather than after training, when the checkpoint write would fail.
    if (value.is_string()) io::check_utf8(value.get_ref<const std::string&>(), "config", "'" + key + "'");
    return value;
  }
  if (def.is_array()) {
    if (!value.is_array()) wrong();
    if (def.empty()) return value;
    json out = json::array();
    for (size_t i = 0; i < value.size(); ++i) {
      out.push_back(check_value(def[0], value[i], cat_str(key, "[", i, "]"), origin));
    }
    return out;
  }
  TZ_FAIL("config", "'", key, "' has an unsupported default ", json_excerpt(def));
}

void merge_into(json& config, const json& defaults, const json& overrides, const std::string& prefix,
                const ConfigSchema& schema, const std::string& origin) {
  for (auto it = overrides.begin(); it != overrides.end(); ++it) {
    const std::string key = join_key(prefix, it.key());
    if (!defaults.contains(it.key())) fail_unknown(key, schema, origin);
    const json& def = defaults.at(it.key());
    if (def.is_object()) {
      if (!it->is_object()) {
        TZ_FAIL("config", "'", key, "' is a section: give a JSON object, got ", json_excerpt(*it), origin_suffix(origin));
      }
      merge_into(config[it.key()], def, *it, key, schema, origin);
    } else {
      json checked = check_value(def, *it, key, origin);
      check_range(schema, key, checked, origin);
      config[it.key()] = std::move(checked);
    }
  }
}

/// Parses a --set value as the default's type.
json parse_set_value(const json& def, const std::string& text, const std::string& key) {
  auto wrong = [&]() { TZ_FAIL("config", "'", key, "' must be ", type_phrase(def), ", got \"", printable(text), "\""); };
  if (is_integer(def)) {
    int64_t v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || ptr != end || text.empty()) wrong();
    return json(v);
  }
  if (def.is_number_float()) {
    if (text.empty()) wrong();
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(v)) wrong();
    return json(v);
  }
  if (def.is_boolean()) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return json(true);
    if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return json(false);
    wrong();
  }
  if (def.is_string()) {
    // A quoted value (as printed by --print-config) is unquoted; anything else is taken verbatim.
    io::check_utf8(text, "config", "'" + key + "'");
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
      const json parsed = json::parse(text, nullptr, false);
      if (parsed.is_string()) return parsed;
    }
    return json(text);
  }
  // Arrays and sections take JSON text (parsed with the same limits as a config file).
  try {
    io::JsonParseOptions limits;
    limits.max_depth = kMaxConfigDepth;
    return io::parse_json_limited(text, "config", "--set " + key, limits);
  } catch (const Error& e) {
    TZ_FAIL("config", "'", key, "' must be ", type_phrase(def), " written as JSON (e.g. ",
            def.is_array() ? "[1, 2]" : "{\"a\": 1}", "), got '", printable(text), "': ", e.what());
  }
}

void collect_leaves(const json& node, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = join_key(prefix, it.key());
    if (it->is_object() && !it->empty()) {
      collect_leaves(*it, key, out);
    } else {
      out.push_back(key);
    }
  }
}

}  // namespace

std::vector<std::string> leaf_keys(const json& config) {
  std::vector<std::string> out;
  if (config.is_object()) collect_leaves(config, "", out);
  return out;
}

const json& config_at(const json& config, const std::string& dotted_key) {
  const json* node = &config;
  for (const auto& part : split_dotted(dotted_key)) {
    if (!node->is_object() || !node->contains(part)) TZ_FAIL("config", "no key '", dotted_key, "'");
    node = &node->at(part);
  }
  return *node;
}

void check_documented(const ConfigSchema& schema) {
  TZ_CHECK(schema.defaults.is_object(), "config", "defaults must be a JSON object, got ", json_excerpt(schema.defaults));
  std::vector<std::string> problems;
  const auto leaves = leaf_keys(schema.defaults);
  for (const auto& key : leaves) {
    if (config_at(schema.defaults, key).is_null()) problems.push_back("'" + key + "' has a null default");
    auto it = schema.doc.find(key);
    if (it == schema.doc.end() || it->second.empty()) problems.push_back("'" + key + "' has no doc line");
  }
  for (const auto& [key, text] : schema.doc) {
    if (std::find(leaves.begin(), leaves.end(), key) == leaves.end()) {
      problems.push_back("doc line for '" + key + "' names no config field");
    }
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    TZ_FAIL("config", "schema problems: ", all);
  }
}

void merge_config(json& config, const json& overrides, const ConfigSchema& schema, const std::string& origin) {
  TZ_CHECK(overrides.is_object(), "config", "a config must be a JSON object, got ", json_excerpt(overrides),
           origin_suffix(origin));
  merge_into(config, schema.defaults, overrides, "", schema, origin);
}

json resolve_config(const json& stored, const ConfigSchema& schema, const std::string& origin) {
  json config = schema.defaults;
  merge_config(config, stored, schema, origin);
  return config;
}

void apply_set(json& config, const std::string& assignment, const ConfigSchema& schema) {
  const size_t eq = assignment.find('=');
  TZ_CHECK(eq != std::string::npos && eq > 0, "config", "--set expects key=value, got '", printable(assignment), "'");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  const auto parts = split_dotted(key);
  for (const auto& p : parts) {
    TZ_CHECK(!p.empty(), "config", "--set key '", printable(key), "' has an empty part (write a.b=value)");
  }
  // Walk the schema to the field; the config has the same shape.
  const json* def = &schema.defaults;
  json* target = &config;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!def->is_object() || !def->contains(parts[i])) fail_unknown(key, schema, "");
    def = &def->at(parts[i]);
    target = &(*target)[parts[i]];
  }
  const json value = parse_set_value(*def, text, key);
  if (def->is_object()) {
    if (!value.is_object()) {
      TZ_FAIL("config", "'", key, "' is a section: set one of its fields (",
              [&] {
                std::string names;
                for (const auto& leaf : leaf_keys(*def)) names += (names.empty() ? "" : ", ") + key + "." + leaf;
                return names;
              }(),
              ") or give a JSON object, got '", printable(text), "'");
    }
    merge_into(*target, *def, value, key, schema, "--set " + assignment);
  } else {
    json checked = check_value(*def, value, key, "");
    check_range(schema, key, checked, "");
    *target = std::move(checked);
  }
}

json load_config_file(const std::string& path) {
  const std::string text = io::read_regular_file(path, "config", kMaxConfigFileBytes, "cannot open the file (not found)");
  io::JsonParseOptions limits;
  limits.max_depth = kMaxConfigDepth;
  const json parsed = io::parse_json_limited(text, "config", path, limits);
  TZ_CHECK(parsed.is_object(), "config", path, ": the top level must be a JSON object, got ", parsed.type_name());
  return parsed;
}

json parse_stored_config(const std::string& text, const std::string& origin) {
  io::JsonParseOptions limits;
  limits.max_depth = kMaxConfigDepth;
  const json parsed = io::parse_json_limited(text, "checkpoint", origin, limits);
  TZ_CHECK(parsed.is_object(), "checkpoint", origin, ": its 'config' metadata is not a JSON object (got ",
           parsed.type_name(), ")");
  return parsed;
}

std::string format_config(const json& config, const ConfigSchema& schema) {
  std::vector<std::pair<std::string, std::string>> lines;
  size_t width = 0;
  for (const auto& key : leaf_keys(config)) {
    lines.emplace_back(key + " = " + config_at(config, key).dump(), key);
    width = std::max(width, lines.back().first.size());
  }
  width = std::min<size_t>(width, 48);
  std::string out;
  for (const auto& [text, key] : lines) {
    out += text;
    auto doc = schema.doc.find(key);
    if (doc != schema.doc.end()) {
      out += std::string(text.size() < width ? width - text.size() : 0, ' ') + "  # " + doc->second;
    }
    out += "\n";
  }
  return out;
}

}  // namespace tz::models
