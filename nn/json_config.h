#pragma once
/// Typed JSON configs of nn components (mixers, blocks): a defaults object overlaid with the
/// user's object, where every key must exist in the defaults and have its default's JSON type.
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>

namespace tz::nn {

/// defaults overlaid with config (null = no overrides). An unknown key throws
///   [op] unknown config key 'kk' (did you mean 'k'?); known: a, b, k
/// and a value of another type than its default throws naming the key and both values.
/// Integers given for float defaults are stored as floats. Keys in `ignored` are skipped.
nlohmann::json overlay_json_config(const std::string& op, nlohmann::json defaults, const nlohmann::json& config,
                                   const std::set<std::string>& ignored = {});

}  // namespace tz::nn
