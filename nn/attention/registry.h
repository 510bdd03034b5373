#pragma once
/// The mixer registry: tz::nn::make_mixer(name, config) builds any token mixer of the zoo.
///
/// config is a JSON object. Every variant accepts the common keys
///   d_model (int, required > 0), n_heads (int, default 1), dropout (float, default 0.0),
///   qkv_bias (bool, default true: bias in the query/key/value projections),
///   out_bias (bool, default true: bias in the output projection)
/// plus its own keys, each documented with the paper's default in MixerEntry::defaults/doc.
/// Unknown keys and values of the wrong type throw, naming the key and listing the known ones:
///   [make_mixer linformer] unknown config key 'kk' (did you mean 'k'?); known: d_model, ...
///
/// Adding a variant: write nn/attention/<variant>.{h,cpp} with the paper's title in the header
/// comment, a `MixerEntry <variant>_mixer_entry();` factory, and append it to the explicit list
/// in nn/attention/registry.cpp (no static self-registration: static linking drops it).
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/attention/mixer.h"

namespace tz::nn {

using json = nlohmann::json;

struct MixerEntry {
  std::string name;         // registry key, lower case with dashes: "sparse-strided"
  std::string description;  // one line
  std::string paper;        // paper title
  MixerCapabilities capabilities;
  /// The variant's own keys with their defaults (the paper's); the common keys are added by the
  /// registry. Every key needs a line in doc.
  json defaults = json::object();
  std::map<std::string, std::string> doc;
  /// Builds the mixer from the resolved config (common keys + defaults merged with the user's).
  std::function<std::shared_ptr<Mixer>(const json& config, const TensorOptions& opts)> make;
};

/// MixerEntry::make for a variant whose constructor is M(config, opts) (every ProjectedMixer).
template <class M>
std::function<std::shared_ptr<Mixer>(const json& config, const TensorOptions& opts)> construct_mixer() {
  return [](const json& config, const TensorOptions& opts) -> std::shared_ptr<Mixer> {
    return std::make_shared<M>(config, opts);
  };
}

/// A variant's entry in one call. defaults: its options struct, default-constructed (the struct
/// converts to JSON through its NLOHMANN_DEFINE_TYPE_... declaration), or json::object() for a
/// variant with only the common keys.
MixerEntry mixer_entry(std::string name, std::string description, std::string paper, MixerCapabilities capabilities,
                       json defaults, std::map<std::string, std::string> doc,
                       std::function<std::shared_ptr<Mixer>(const json& config, const TensorOptions& opts)> make);

/// Every registered mixer, in listing order.
const std::vector<MixerEntry>& mixer_registry();
/// The entry called name; throws "[make_mixer] unknown mixer 'x' (did you mean 'y'?); known: ...".
const MixerEntry& find_mixer(const std::string& name);
/// Common keys + entry defaults, overridden by config (validated as described above).
json resolve_mixer_config(const MixerEntry& entry, const json& config);
/// Builds a mixer by name. opts: dtype/device of the parameters.
std::shared_ptr<Mixer> make_mixer(const std::string& name, const json& config, const TensorOptions& opts = {});

}  // namespace tz::nn
