#include "models/registry.h"

#include "nn/attention/registry.h"

#include "core/error.h"
#include "core/io/json_parse.h"

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
  std::vector<MixerInfo> out;
  for (const auto& e : nn::mixer_registry()) {
    MixerInfo m;
    m.name = e.name, m.description = e.description, m.paper = e.paper;
    const nn::MixerCapabilities& c = e.capabilities;
    m.causal = c.causal, m.key_padding_mask = c.key_padding_mask, m.cross_attention = c.cross_attention;
    m.recurrent = c.recurrent, m.max_length = c.max_length, m.complexity = c.complexity;
    out.push_back(std::move(m));
  }
  return out;
}

std::string format_mixer_table(const std::vector<MixerInfo>& mixers) {
  if (mixers.empty()) return "none registered yet\n";
  auto yes = [](bool b) { return std::string(b ? "yes" : "no"); };
  std::vector<std::vector<std::string>> rows = {{"name", "causal", "mask", "cross", "recurrent", "max_len", "complexity"}};
  for (const auto& m : mixers)
    rows.push_back({m.name, yes(m.causal), yes(m.key_padding_mask), yes(m.cross_attention), yes(m.recurrent),
                    m.max_length > 0 ? std::to_string(m.max_length) : "-", m.complexity});
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (size_t i = 0; i < rows[k].size(); ++i)
      line += rows[k][i] + (i + 1 < rows[k].size() ? std::string(width[i] - rows[k][i].size() + 2, ' ') : "");
    out += line + "\n";
    if (k > 0) out += "    " + mixers[k - 1].description + " (paper: " + mixers[k - 1].paper + ")\n";
  }
  return out;
}

json parse_mixer_options(const std::string& text, const std::string& key) {
  io::JsonParseOptions limits;
  limits.max_depth = 16;
  json j;
  try {
    j = io::parse_json_limited(text, "config", "'" + key + "'", limits);
  } catch (const Error& e) {
    TZ_FAIL("config", "'", key, "' must be a JSON object, got '", io::printable(text), "' (", e.what(), ")");
  }
  TZ_CHECK(j.is_object(), "config", "'", key, "' must be a JSON object, got '", io::printable(text), "'");
  return j;
}

void check_builtin_softmax_options(const json& options, const std::string& key) {
  if (!options.is_object() || options.empty()) return;
  // Validate as any mixer does first, so a typo gets the same "unknown config key ... did you
  // mean" message whichever mixer is chosen.
  json probe = options;
  if (!probe.contains("d_model")) probe["d_model"] = 8;
  if (!probe.contains("n_heads")) probe["n_heads"] = 1;
  nn::resolve_mixer_config(nn::find_mixer("softmax"), probe);
  TZ_FAIL("config", "'", key, "' sets '", io::printable(options.begin().key()),
          "', but the softmax mixer runs as the model's built-in attention blocks, which take their settings from "
          "the model's own fields; leave '", key, "' as {} for softmax");
}

}  // namespace tz::models
