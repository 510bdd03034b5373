// Embedding with PyTorch's init: N(0, 1) rows, the padding row zeroed (and kept out of the
// gradient by the embedding op).
#include "nn/layers/embedding.h"

#include "autograd/grad_mode.h"
#include "autograd/ops_index.h"
#include "core/dispatch.h"
#include "core/factories.h"
#include "nn/init.h"

namespace tz::nn {

Embedding::Embedding(int64_t num, int64_t dim, std::optional<int64_t> pad, const TensorOptions& opts)
    : UnaryModule("Embedding"), num_embeddings(num), embedding_dim(dim), padding_idx(pad) {
  TZ_CHECK(num >= 0 && dim >= 0, "Embedding", "num_embeddings and embedding_dim must be non-negative, got ", num,
           " and ", dim);
  if (padding_idx) {
    TZ_CHECK(*padding_idx < num && *padding_idx >= -num, "Embedding", "padding_idx ", *padding_idx,
             " must be within num_embeddings (", num, ")");
    if (*padding_idx < 0) *padding_idx += num;  // stored non-negative, as PyTorch
  }
  dispatch::check_allocation({num, dim}, opts.dtype, opts.device, "Embedding");  // named as Embedding's, not empty's
  weight = register_parameter("weight", empty({num, dim}, opts.with_requires_grad(false)));
  init::normal_(weight);
  if (padding_idx) init::zeros_(weight.select(0, *padding_idx));
}

std::shared_ptr<Embedding> Embedding::from_pretrained(const Tensor& embeddings, bool freeze,
                                                      std::optional<int64_t> padding_idx) {
  TZ_CHECK(embeddings.defined() && embeddings.dim() == 2 && is_floating(embeddings.dtype()), "Embedding",
           "from_pretrained expects a floating 2-d tensor [num_embeddings, embedding_dim], got ",
           embeddings.defined() ? describe(embeddings) : std::string("undefined"));
  // The constructor's N(0, 1) draw is overwritten: give its counters back to the default
  // generator so loading a pretrained table leaves later random draws unchanged (as PyTorch).
  const GeneratorState rng = default_generator().state();
  auto e = std::make_shared<Embedding>(embeddings.size(0), embeddings.size(1), padding_idx,
                                       TensorOptions(embeddings.dtype(), embeddings.device()));
  default_generator().set_state(rng);
  {
    NoGradGuard no_grad;
    dispatch::copy_into(e->weight, embeddings);
    e->weight.bump_version();
  }
  if (freeze) e->weight.requires_grad_(false);
  return e;
}

Tensor Embedding::forward(const Tensor& indices) {
  TZ_CHECK(indices.defined() && (indices.dtype() == DType::I64 || indices.dtype() == DType::I32), "Embedding",
           "expected int64 or int32 indices, got ", indices.defined() ? describe(indices) : std::string("undefined"));
  return embedding(weight, indices, padding_idx);
}

std::string Embedding::extra_repr() const {
  return std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim) +
         (padding_idx ? ", padding_idx=" + std::to_string(*padding_idx) : "");
}

}  // namespace tz::nn
