#pragma once
/// Embedding: rows of `weight` [num_embeddings, embedding_dim] picked by int64 indices
/// (N(0, 1) init; the padding_idx row starts at zero and gets no gradient).
#include <optional>

#include "nn/module.h"

namespace tz::nn {

class Embedding : public UnaryModule {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = {},
            const TensorOptions& opts = {});
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};

}  // namespace tz::nn
