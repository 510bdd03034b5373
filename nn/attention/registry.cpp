#include "nn/attention/registry.h"

#include "core/error.h"
#include "core/strings.h"
#include "nn/attention/bigbird.h"
#include "nn/attention/linear_attention.h"
#include "nn/attention/linformer.h"
#include "nn/attention/local_attention.h"
#include "nn/attention/longformer.h"
#include "nn/attention/performer.h"
#include "nn/attention/reformer.h"
#include "nn/attention/sinkformer.h"
#include "nn/attention/sinkhorn.h"
#include "nn/attention/sliding_window.h"
#include "nn/attention/softmax_mixer.h"
#include "nn/attention/sparse_transformer.h"
#include "nn/attention/synthesizer.h"
#include "nn/json_config.h"

namespace tz::nn {

// One factory per variant file (nn/attention/<variant>.h). The explicit list keeps every
// variant linked in when the library is static.
// [mixer factories: keep sorted by listing order below]

const std::vector<MixerEntry>& mixer_registry() {
  static const std::vector<MixerEntry> entries = [] {
    std::vector<MixerEntry> list = {
        softmax_mixer_entry(),
        local_mixer_entry(),
        sliding_window_mixer_entry(),
        sparse_strided_mixer_entry(),
        sparse_fixed_mixer_entry(),
        longformer_mixer_entry(),
        bigbird_mixer_entry(),
        linformer_mixer_entry(),
        reformer_lsh_mixer_entry(),
        sinkhorn_mixer_entry(),
        sinkformer_mixer_entry(),
        synthesizer_dense_mixer_entry(),
        synthesizer_random_mixer_entry(),
        synthesizer_factorized_mixer_entry(),
        linear_mixer_entry(),
        performer_mixer_entry(),
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
  const std::string hint = closest_match(name, names);
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  TZ_FAIL("make_mixer", "unknown mixer '", name, "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
          "; known mixers: ", known);
}

namespace {

// The keys every mixer has (read by ProjectedMixer); an entry may override a default where its
// reference differs (its doc line says why).
json common_defaults() {
  return {{"d_model", 0}, {"n_heads", 1}, {"dropout", 0.0}, {"qkv_bias", true}, {"out_bias", true}};
}

}  // namespace

json resolve_mixer_config(const MixerEntry& entry, const json& config) {
  const std::string op = "make_mixer " + entry.name;
  json resolved = common_defaults();
  for (const auto& [key, value] : entry.defaults.items()) resolved[key] = value;
  // A block's {"name": ..., ...} section may be passed whole.
  resolved = overlay_json_config(op, std::move(resolved), config, {"name"});
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

MixerEntry mixer_entry(std::string name, std::string description, std::string paper, MixerCapabilities capabilities,
                       json defaults, std::map<std::string, std::string> doc,
                       std::function<std::shared_ptr<Mixer>(const json& config, const TensorOptions& opts)> make) {
  MixerEntry e;
  e.name = std::move(name);
  e.description = std::move(description);
  e.paper = std::move(paper);
  e.capabilities = std::move(capabilities);
  e.defaults = std::move(defaults);
  e.doc = std::move(doc);
  e.make = std::move(make);
  return e;
}

}  // namespace tz::nn
