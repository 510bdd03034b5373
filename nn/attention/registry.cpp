#include "nn/attention/registry.h"

#include "core/error.h"
#include "models/config.h"  // closest_match
#include "nn/attention/softmax_mixer.h"

namespace tz::nn {

// One factory per variant file (nn/attention/<variant>.h). The explicit list keeps every
// variant linked in when the library is static.
// [mixer factories: keep sorted by listing order below]

const std::vector<MixerEntry>& mixer_registry() {
  static const std::vector<MixerEntry> entries = [] {
    std::vector<MixerEntry> list = {
        softmax_mixer_entry(),
        // [mixer list]
    };
    return list;
  }();
  return entries;
}

const MixerEntry& find_mixer(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& entry : mixer_registry()) {
    if (entry.name == name) return entry;
    names.push_back(entry.name);
  }
  const std::string hint = models::closest_match(name, names);
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  TZ_FAIL("make_mixer", "unknown mixer '", name, "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
          "; known mixers: ", known);
}

namespace {

json common_defaults() { return {{"d_model", 0}, {"n_heads", 1}, {"dropout", 0.0}}; }

bool same_json_kind(const json& def, const json& value) {
  if (def.is_boolean()) return value.is_boolean();
  if (def.is_number_integer()) return value.is_number_integer();
  if (def.is_number()) return value.is_number();
  if (def.is_string()) return value.is_string();
  if (def.is_array()) return value.is_array();
  if (def.is_object()) return value.is_object();
  return false;
}

}  // namespace

json resolve_mixer_config(const MixerEntry& entry, const json& config) {
  const std::string op = "make_mixer " + entry.name;
  json resolved = common_defaults();
  for (const auto& [key, value] : entry.defaults.items()) resolved[key] = value;
  if (!config.is_null() && !config.is_object()) TZ_FAIL(op, "config must be a JSON object, got ", config.dump());
  std::vector<std::string> known;
  for (const auto& [key, value] : resolved.items()) known.push_back(key);
  // A named copy: iterating .items() of a temporary would dangle (the temporary dies first).
  const json given = config.is_null() ? json::object() : config;
  for (const auto& [key, value] : given.items()) {
    if (key == "name") continue;  // a block's {"name": ..., ...} section may be passed whole
    if (!resolved.contains(key)) {
      const std::string hint = models::closest_match(key, known);
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      TZ_FAIL(op, "unknown config key '", key, "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
              "; known: ", list);
    }
    if (!same_json_kind(resolved[key], value))
      TZ_FAIL(op, "config key '", key, "' must have the type of its default ", resolved[key].dump(), ", got ",
              value.dump());
    resolved[key] = resolved[key].is_number_float() ? json(value.get<double>()) : value;
  }
  const int64_t d_model = resolved["d_model"].get<int64_t>();
  const int64_t n_heads = resolved["n_heads"].get<int64_t>();
  if (d_model <= 0) TZ_FAIL(op, "d_model must be > 0, got ", d_model);
  if (n_heads <= 0 || d_model % n_heads != 0)
    TZ_FAIL(op, "n_heads must be > 0 and divide d_model, got n_heads=", n_heads, " d_model=", d_model);
  const double dropout = resolved["dropout"].get<double>();
  if (dropout < 0.0 || dropout >= 1.0) TZ_FAIL(op, "dropout must be in [0, 1), got ", dropout);
  return resolved;
}

std::shared_ptr<Mixer> make_mixer(const std::string& name, const json& config, const TensorOptions& opts) {
  const MixerEntry& entry = find_mixer(name);
  return entry.make(resolve_mixer_config(entry, config), opts);
}

}  // namespace tz::nn
