#pragma once
/// Embedding: rows of `weight` [num_embeddings, embedding_dim] picked by int64 indices
/// (N(0, 1) init; the padding_idx row starts at zero and gets no gradient).
#include <memory>
#include <optional>

#include "nn/module.h"

namespace tz::nn {

class Embedding : public UnaryModule {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = {},
            const TensorOptions& opts = {});
  /// An Embedding holding a copy of `embeddings` [num, dim] (dtype and device kept); with
  /// freeze the weight does not require grad. As PyTorch, the padding row is not zeroed here.
  static std::shared_ptr<Embedding> from_pretrained(const Tensor& embeddings, bool freeze = true,
                                                    std::optional<int64_t> padding_idx = {});
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};

}  // namespace tz::nn
