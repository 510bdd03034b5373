#pragma once
/// MixerBlock: a transformer block whose token mixer is chosen by name from a JSON config (any
/// registered mixer of nn/attention/registry.h), and MixerEncoder, a stack of them.
///
/// Block config (JSON object; unknown keys and wrong types throw "[MixerBlock] ..."):
///   mixer       {"name": "softmax", ...mixer keys}  default {"name": "softmax"}; d_model is
///               filled in from the block; the mixer's dropout defaults to the block's
///   d_model     int, required > 0
///   mlp_ratio   float, default 4.0 (MLP hidden width = round(mlp_ratio * d_model))
///   norm        "pre" (default) | "post"
///   dropout     float in [0, 1), default 0.0: on the mixer and MLP outputs (training only)
///   activation  "gelu" (default, exact erf) | "relu"
///   low_rank    int, default 0: rank of the MLP's linear layers (0 = dense nn::Linear, r > 0 =
///               Greenformers' LowRankLinear, nn/layers/low_rank_linear.h)
///   norm_eps    float, default 1e-5 (LayerNorm epsilon)
///   pre-norm:  x = x + drop(mixer(ln_1(x), args)); x = x + drop(mlp(ln_2(x)))
///   post-norm: x = ln_1(x + drop(mixer(x, args))); x = ln_2(x + drop(mlp(x)))
///   mlp(x) = fc2(act(fc1(x)))
/// args (MixerArgs: causal, key_padding_mask, context) go to the mixer unchanged.
/// Submodules: mixer, ln_1, ln_2, mlp.fc1, mlp.fc2.
///
/// Encoder config: the block keys above plus
///   n_layers    int, default 2
///   final_norm  bool, default true for "pre" blocks: a LayerNorm ("ln_f") after the last block
/// Submodules: blocks.0 .. blocks.{n_layers-1}, ln_f.
#include <nlohmann/json.hpp>

#include "nn/attention/registry.h"
#include "nn/layers/norm.h"
#include "nn/module.h"

namespace tz::nn {

/// The block config with every default filled in and validated (see above).
json resolve_mixer_block_config(const json& config);

class MixerMlp : public UnaryModule {
 public:
  MixerMlp(int64_t d_model, int64_t hidden, const std::string& activation, int64_t low_rank,
           const TensorOptions& opts = {});
  Tensor forward(const Tensor& x) override;
  std::string activation;
  std::shared_ptr<UnaryModule> fc1, fc2;
};

class MixerBlock : public Module {
 public:
  explicit MixerBlock(const json& config, const TensorOptions& opts = {});
  /// x [B, N, d_model] -> [B, N, d_model].
  Tensor forward(const Tensor& x, const MixerArgs& args = {});
  Tensor operator()(const Tensor& x, const MixerArgs& args = {}) { return run_forward_hooks({x}, forward(x, args)); }
  std::string extra_repr() const override;

  json config;  // resolved
  std::shared_ptr<Mixer> mixer;
  std::shared_ptr<LayerNorm> ln_1, ln_2;
  std::shared_ptr<MixerMlp> mlp;
};

class MixerEncoder : public Module {
 public:
  explicit MixerEncoder(const json& config, const TensorOptions& opts = {});
  /// x [B, N, d_model] -> [B, N, d_model]; the same args for every block.
  Tensor forward(const Tensor& x, const MixerArgs& args = {});
  Tensor operator()(const Tensor& x, const MixerArgs& args = {}) { return run_forward_hooks({x}, forward(x, args)); }

  json config;  // resolved block keys + n_layers + final_norm
  std::vector<std::shared_ptr<MixerBlock>> blocks;
  std::shared_ptr<LayerNorm> ln_f;  // or null
};

}  // namespace tz::nn
