#include "nn/json_config.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"
#include "core/strings.h"

namespace tz::nn {
namespace {

bool same_json_kind(const nlohmann::json& def, const nlohmann::json& value) {
  if (def.is_boolean()) return value.is_boolean();
  if (def.is_number_integer()) return value.is_number_integer();
  if (def.is_number()) return value.is_number();
  if (def.is_string()) return value.is_string();
  if (def.is_array()) return value.is_array();
  if (def.is_object()) return value.is_object();
  return false;
}

}  // namespace

nlohmann::json overlay_json_config(const std::string& op, nlohmann::json resolved, const nlohmann::json& config,
                                   const std::set<std::string>& ignored) {
  if (config.is_null()) return resolved;
  if (!config.is_object()) TZ_FAIL(op, "config must be a JSON object, got ", config.dump());
  std::vector<std::string> known;
  for (const auto& [key, value] : resolved.items()) known.push_back(key);
  for (const auto& [key, value] : config.items()) {
    if (ignored.count(key)) continue;
    if (!resolved.contains(key)) {
      const std::string hint = closest_match(key, known);
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      TZ_FAIL(op, "unknown config key '", key, "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
              "; known: ", list);
    }
    if (!same_json_kind(resolved[key], value))
      TZ_FAIL(op, "config key '", key, "' must have the type of its default ", resolved[key].dump(), ", got ",
              value.dump());
    resolved[key] = resolved[key].is_number_float() ? nlohmann::json(value.get<double>()) : value;
  }
  return resolved;
}

}  // namespace tz::nn
