#pragma once
/// gpt-char: a character-level GPT trained on the Debian fortunes corpus (the `tensorzoo train
/// gpt-char` demo). This header exposes the network and its sampler so tests and other programs
/// can use them without the CLI; models/gpt_char.cpp holds the registry entry (config, training
/// loop, eval, sample).
///
/// Architecture (GPT-2 / nanoGPT layout, pre-norm):
///   x = wte(idx) + wpe(pos)                  token embedding [vocab, d] + learned positions [block, d]
///   x = dropout(x)
///   x = h.i(x) for i < n_layer               nn::GPTBlock: x += attn(ln_1(x)); x += mlp(ln_2(x)),
///                                            causal multi-head attention, GELU MLP of width 4 d
///   logits = lm_head(ln_f(x))                Linear(d, vocab) without bias; with tied_head it is
///                                            x @ wte.weight^T (no separate lm_head parameter)
/// Parameter names: wte.weight, wpe.weight, h.<i>.{ln_1,attn.{q,k,v,o}_proj,ln_2,mlp.{c_fc,c_proj}}.*,
/// ln_f.{weight,bias}, lm_head.weight (only when the head is untied).
///
/// Token mixer (config model.mixer, default "softmax"): with "softmax" the blocks are the
/// nn::GPTBlocks above, unchanged (names, numbers and the KV-cache sampler). Any other registered
/// mixer (nn/attention/registry.h; model.mixer_options holds its extra keys as a JSON object) builds
/// the blocks as nn::MixerBlocks h.<i>.{ln_1,mixer.*,ln_2,mlp.{fc1,fc2}}.* (same pre-norm layout,
/// GELU MLP of width 4 d, called with causal = true); the mixer must support causal masking and
/// block_size tokens. Those blocks have no KV cache: the sampler recomputes the window each step.
/// Their Linear layers get the same N(0, 0.02^2) init, with the residual projections (mixer.to_out,
/// mlp.fc2) scaled as below; a mixer's other parameters keep the mixer's own initialisation.
///
/// Initialisation (as nanoGPT / GPT-2), drawn from tz::default_generator() in registration order:
///   every Linear weight and Embedding weight ~ N(0, 0.02^2), every Linear bias = 0,
///   the residual output projections (attn.o_proj.weight and mlp.c_proj.weight of each block)
///   ~ N(0, (0.02 / sqrt(2 * n_layer))^2) so the residual stream's variance does not grow with
///   depth; LayerNorm weights 1, biases 0.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "models/registry.h"
#include "nn/attention/self_attention.h"
#include "nn/blocks/mixer_block.h"
#include "nn/blocks/transformer.h"
#include "nn/layers/container.h"
#include "nn/layers/embedding.h"
#include "nn/layers/linear.h"
#include "nn/layers/norm.h"
#include "nn/module.h"

namespace tz::models {

struct GPTCharConfig {
  int64_t vocab_size = 0;
  int64_t block_size = 128;  // longest context (number of learned positions)
  int64_t n_layer = 4;
  int64_t n_head = 4;
  int64_t d_model = 128;
  double dropout = 0.0;      // embeddings, attention probabilities, attention and MLP outputs
  bool bias = true;          // biases in the blocks' Linear and LayerNorm layers and ln_f
  bool tied_head = false;    // lm_head shares wte.weight
  std::string mixer = "softmax";             // registered token mixer of the blocks
  nlohmann::json mixer_options = nlohmann::json::object();  // the mixer's own config keys
};

class GPTChar : public nn::Module {
 public:
  /// Builds and initialises the network (see the file comment). Throws "[gpt-char] ..." when a
  /// size is < 1 or d_model is not a multiple of n_head.
  explicit GPTChar(const GPTCharConfig& config, const TensorOptions& opts = {});

  /// Logits [B, T, vocab] for token ids idx [B, T] (int64) at positions start_pos .. start_pos+T-1
  /// (start_pos + T <= block_size). With caches (one per layer, created empty by the caller) the
  /// keys/values of earlier positions come from the caches, which this call extends: feeding a
  /// sequence in pieces gives the logits of one full call.
  Tensor forward(const Tensor& idx, std::vector<nn::KVCache>* caches = nullptr, int64_t start_pos = 0);
  /// Mean next-token cross entropy (nats per char) of forward(idx) against targets [B, T].
  Tensor loss(const Tensor& idx, const Tensor& targets);
  /// The lm_head weight (wte.weight when tied).
  Tensor head_weight() const;

  GPTCharConfig config;
  std::shared_ptr<nn::Embedding> wte, wpe;
  std::vector<std::shared_ptr<nn::GPTBlock>> h;             // mixer "softmax"
  std::vector<std::shared_ptr<nn::MixerBlock>> mixer_blocks;  // any other mixer
  std::shared_ptr<nn::LayerNorm> ln_f;
  std::shared_ptr<nn::Linear> lm_head;  // null when tied_head

 private:
  void init_weights();
};

struct GPTSampleOptions {
  int64_t max_new_tokens = 100;
  /// Softmax temperature (> 0); 0 picks the most likely token (greedy, no random draw).
  double temperature = 1.0;
  /// Keep only the top_k most likely tokens before sampling (0 = all).
  int64_t top_k = 0;
  /// Reuse keys/values of earlier positions (KV cache) instead of recomputing the whole context.
  bool use_kv_cache = true;
};

/// Continues `prompt` (int64 ids [T0], T0 >= 1) by max_new_tokens ids and returns them [max_new_tokens].
/// Each step conditions on the last block_size ids (nanoGPT's cropping), takes the last position's
/// logits, divides them by the temperature, keeps the top_k and draws one id by inverse CDF from
/// one uniform of `gen` (computed in double on the CPU), so the result depends only on the
/// weights, the options and gen's state. The KV cache gives the same ids as full recomputation:
/// it is used while the context fits in block_size; once the window slides every position
/// changes, so each later step recomputes the window (learned absolute positions cannot be shifted).
/// Runs under NoGradGuard in eval mode (the model's training flag is restored).
Tensor gpt_generate(GPTChar& model, const Tensor& prompt, const GPTSampleOptions& options, Generator& gen);

/// The registry entry ("gpt-char").
ModelEntry gpt_char_entry();

}  // namespace tz::models
