#pragma once
/// The mini Long Range Arena classifier (Tay et al., "Long Range Arena: A Benchmark for Efficient
/// Transformers", ICLR 2021): token embedding + positions, an nn::MixerEncoder whose blocks take
/// their token mixer by name (so every attention variant of the zoo runs the same tasks), pooling
/// over the non-padded tokens, and an MLP classifier head.
///
///   h = MixerEncoder(embed(tokens) + pos)            [B, L, D]  (pre-norm blocks, final LayerNorm)
///   u = pool(h)                                      [B, D]     mean over non-pad tokens, or the CLS token
///   single task:  logits = head(u)
///   pair task:    logits = head([u, v, u*v, u-v])    v = pool of the second document (same encoder:
///                                                    LRA's two-tower matching model)
///   head(z) = fc2(relu(fc1(z)))
///
/// Padding (token 0) is excluded from pooling always, and from attention when the mixer accepts
/// a key padding mask (capabilities().key_padding_mask) and the task has padding; mixers without
/// that capability see the pad tokens (uses_padding_mask() says which case applies).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "nn/blocks/mixer_block.h"
#include "nn/layers/embedding.h"
#include "nn/layers/linear.h"
#include "nn/module.h"

namespace tz::models {

using json = nlohmann::json;

struct LraModelConfig {
  int64_t vocab_size = 257;
  int64_t num_classes = 2;
  int64_t max_length = 1024;    // longest sequence (sizes the learned positions)
  bool pair = false;            // two-tower matching (Retrieval)
  bool padded = true;           // the task's sequences contain padding
  int64_t d_model = 64;
  int64_t n_heads = 4;
  int64_t n_layers = 2;
  int64_t mlp_dim = 128;        // hidden width of each block's MLP
  int64_t head_dim = 128;       // hidden width of the classifier head
  double dropout = 0.0;
  std::string positions = "learned";  // "learned" | "sinusoidal"
  std::string pooling = "mean";       // "mean" | "cls"
  std::string mixer = "softmax";
  json mixer_config = json::object(); // the mixer's own keys (d_model, n_heads, dropout are set here)
};

class LraClassifier : public nn::Module {
 public:
  explicit LraClassifier(const LraModelConfig& config, const TensorOptions& opts = {});
  /// tokens [B, L] int64 (L <= max_length; 0 = padding) -> pooled encodings [B, D].
  Tensor encode(const Tensor& tokens);
  /// tokens (and tokens2 for pair tasks) -> logits [B, num_classes].
  Tensor forward(const Tensor& tokens, const Tensor& tokens2 = {});
  Tensor operator()(const Tensor& tokens, const Tensor& tokens2 = {}) {
    return run_forward_hooks({tokens}, forward(tokens, tokens2));
  }
  /// Whether attention masks the padding (mixer capability and a padded task).
  bool uses_padding_mask() const { return use_mask_; }
  std::string extra_repr() const override;

  LraModelConfig config;
  std::shared_ptr<nn::Embedding> embed;
  Tensor pos_embed;  // [max_length (+1 with CLS), D]: parameter (learned) or buffer (sinusoidal)
  Tensor cls_token;  // [1, 1, D] with CLS pooling
  std::shared_ptr<nn::MixerEncoder> encoder;
  std::shared_ptr<nn::Linear> fc1, fc2;

 private:
  bool use_mask_ = false;
};

/// The sinusoidal table of "Attention Is All You Need": [length, dim], sin on even, cos on odd columns.
Tensor sinusoidal_positions(int64_t length, int64_t dim);

}  // namespace tz::models
