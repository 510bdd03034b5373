#include "nn/blocks/mixer_block.h"

#include <cmath>

#include "autograd/ops_nn.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "nn/layers/container.h"
#include "nn/json_config.h"
#include "nn/layers/low_rank_linear.h"

namespace tz::nn {
namespace {

constexpr const char* kBlock = "MixerBlock";
constexpr const char* kEncoder = "MixerEncoder";

json block_defaults() {
  return {{"mixer", {{"name", "softmax"}}}, {"d_model", 0},   {"mlp_ratio", 4.0}, {"norm", "pre"},
          {"dropout", 0.0},                 {"activation", "gelu"}, {"low_rank", 0}, {"norm_eps", 1e-5},
          {"mlp_hidden", 0},                {"bias", true}};
}

}  // namespace

json resolve_mixer_block_config(const json& config) {
  json c = overlay_json_config(kBlock, block_defaults(), config);
  const int64_t d_model = c["d_model"].get<int64_t>();
  TZ_CHECK(d_model > 0, kBlock, "d_model must be > 0, got ", d_model);
  TZ_CHECK(c["mlp_ratio"].get<double>() > 0, kBlock, "mlp_ratio must be > 0, got ", c["mlp_ratio"].dump());
  const std::string norm = c["norm"], act = c["activation"];
  TZ_CHECK(norm == "pre" || norm == "post", kBlock, "norm must be \"pre\" or \"post\", got \"", norm, "\"");
  TZ_CHECK(act == "gelu" || act == "relu", kBlock, "activation must be \"gelu\" or \"relu\", got \"", act, "\"");
  const double p = c["dropout"].get<double>();
  TZ_CHECK(p >= 0.0 && p < 1.0, kBlock, "dropout must be in [0, 1), got ", p);
  TZ_CHECK(c["mlp_hidden"].get<int64_t>() >= 0, kBlock, "mlp_hidden must be >= 0 (0 = mlp_ratio * d_model), got ",
           c["mlp_hidden"].dump());
  TZ_CHECK(c["low_rank"].get<int64_t>() >= 0, kBlock, "low_rank must be >= 0 (0 = dense), got ", c["low_rank"].dump());
  json& mixer = c["mixer"];
  TZ_CHECK(mixer.contains("name") && mixer["name"].is_string(), kBlock,
           "mixer must be an object with a string \"name\" (a registered mixer), got ", mixer.dump());
  if (mixer.contains("d_model") && mixer["d_model"] != c["d_model"])
    TZ_FAIL(kBlock, "mixer.d_model ", mixer["d_model"].dump(), " differs from the block's d_model ", d_model);
  mixer["d_model"] = d_model;
  if (!mixer.contains("dropout")) mixer["dropout"] = p;
  // Validate the mixer section now (name, keys, types), so a bad config fails before any build.
  find_mixer(mixer["name"].get<std::string>());
  return c;
}

// ---- MixerMlp -------------------------------------------------------------------------------

MixerMlp::MixerMlp(int64_t d_model, int64_t hidden, const std::string& act, int64_t low_rank, bool bias,
                   const TensorOptions& opts)
    : UnaryModule("MixerMlp"), activation(act) {
  fc1 = register_module("fc1", make_linear(d_model, hidden, bias, low_rank, opts));
  fc2 = register_module("fc2", make_linear(hidden, d_model, bias, low_rank, opts));
}

Tensor MixerMlp::forward(const Tensor& x) {
  const Tensor h = (*fc1)(x);
  return (*fc2)(activation == "relu" ? relu(h) : gelu(h));
}

// ---- MixerBlock -----------------------------------------------------------------------------

MixerBlock::MixerBlock(const json& cfg, const TensorOptions& opts)
    : Module("MixerBlock"), config(resolve_mixer_block_config(cfg)) {
  const int64_t d = config["d_model"].get<int64_t>();
  const double eps = config["norm_eps"].get<double>();
  const int64_t hidden = config["mlp_hidden"].get<int64_t>() > 0
                             ? config["mlp_hidden"].get<int64_t>()
                             : std::max<int64_t>(1, std::llround(config["mlp_ratio"].get<double>() * double(d)));
  const bool bias = config["bias"].get<bool>();
  ln_1 = register_module("ln_1", std::make_shared<LayerNorm>(Shape{d}, eps, true, bias, opts));
  mixer = register_module("mixer", make_mixer(config["mixer"]["name"].get<std::string>(), config["mixer"], opts));
  ln_2 = register_module("ln_2", std::make_shared<LayerNorm>(Shape{d}, eps, true, bias, opts));
  mlp = register_module("mlp", std::make_shared<MixerMlp>(d, hidden, config["activation"].get<std::string>(),
                                                          config["low_rank"].get<int64_t>(), bias, opts));
}

Tensor MixerBlock::forward(const Tensor& x, const MixerArgs& args) {
  const double p = is_training() ? config["dropout"].get<double>() : 0.0;
  auto drop = [&](const Tensor& t) { return p > 0.0 ? dropout(t, p, true) : t; };
  if (config["norm"] == "pre") {
    const Tensor h = x + drop((*mixer)((*ln_1)(x), args));
    return h + drop((*mlp)((*ln_2)(h)));
  }
  const Tensor h = (*ln_1)(x + drop((*mixer)(x, args)));
  return (*ln_2)(h + drop((*mlp)(h)));
}

std::string MixerBlock::extra_repr() const {
  return cat_str("d_model=", config["d_model"].dump(), ", mixer=", config["mixer"]["name"].get<std::string>(),
                 ", norm=", config["norm"].get<std::string>(), ", low_rank=", config["low_rank"].dump());
}

// ---- MixerEncoder ---------------------------------------------------------------------------

MixerEncoder::MixerEncoder(const json& cfg, const TensorOptions& opts) : Module("MixerEncoder") {
  json block_part = cfg.is_null() ? json::object() : cfg;
  TZ_CHECK(block_part.is_object(), kEncoder, "config must be a JSON object, got ", cfg.dump());
  json enc = {{"n_layers", 2}, {"final_norm", true}};
  bool final_norm_given = false;
  for (const char* key : {"n_layers", "final_norm"}) {
    if (!block_part.contains(key)) continue;
    if (std::string(key) == "final_norm") final_norm_given = true;
    enc = overlay_json_config(kEncoder, enc, json{{key, block_part[key]}});
    block_part.erase(key);
  }
  config = resolve_mixer_block_config(block_part);
  if (!final_norm_given) enc["final_norm"] = config["norm"] == "pre";  // post-norm blocks end normalised
  config["n_layers"] = enc["n_layers"], config["final_norm"] = enc["final_norm"];
  const int64_t n = enc["n_layers"].get<int64_t>();
  TZ_CHECK(n > 0, kEncoder, "n_layers must be > 0, got ", n);
  auto list = register_module("blocks", std::make_shared<ModuleList>());
  for (int64_t i = 0; i < n; ++i) blocks.push_back(list->push_back(std::make_shared<MixerBlock>(block_part, opts)));
  if (enc["final_norm"].get<bool>()) {
    const int64_t d = config["d_model"].get<int64_t>();
    ln_f = register_module("ln_f", std::make_shared<LayerNorm>(Shape{d}, config["norm_eps"].get<double>(), true,
                                                               config["bias"].get<bool>(), opts));
  }
}

Tensor MixerEncoder::forward(const Tensor& x, const MixerArgs& args) {
  Tensor h = x;
  for (const auto& b : blocks) h = (*b)(h, args);
  return ln_f ? (*ln_f)(h) : h;
}

}  // namespace tz::nn
