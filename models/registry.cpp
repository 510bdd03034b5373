#include "models/registry.h"

#include "core/error.h"

namespace tz::models {

// One factory per model file. Keep this list and the vector below in the same order.
ModelEntry mlp_xor_entry();
ModelEntry gpt_char_entry();
ModelEntry vit_fmnist_entry();

const std::vector<ModelEntry>& model_registry() {
  // Built on first use (explicit list, no static self-registration).
  static const std::vector<ModelEntry> entries = {
      mlp_xor_entry(),
      gpt_char_entry(),
      vit_fmnist_entry(),
  };
  return entries;
}

const ModelEntry& find_model(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& entry : model_registry()) {
    if (entry.name == name) return entry;
    names.push_back(entry.name);
  }
  const std::string hint = closest_match(name, names);
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  TZ_FAIL("registry", "unknown model '", name, "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
          "; known models: ", known);
}

std::vector<MixerInfo> mixer_list() {
  // The attention zoo (nn/attention) will own the mixer registry; forward to it here once it
  // exists so `tensorzoo list mixers` shows every variant.
  return {};
}

}  // namespace tz::models
