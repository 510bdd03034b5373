#pragma once
/// LowRankLinear: the factorised linear layer of the Low-Rank Transformer (LRT).
/// Paper: Greenformers: Improving Computation and Memory Efficiency in Transformer Models via
/// Low-Rank Approximation (Cahyawijaya, 2021).
///
/// The dense weight W [out, in] is replaced by the product of two thin factors, W = U V with
/// U [out, r] and V [r, in], so y = x V^T U^T + b costs r (in + out) multiply-adds per row
/// instead of in * out; with r < in * out / (in + out) it is smaller and faster than Linear.
/// A drop-in replacement for nn::Linear: the same forward contract [..., in] -> [..., out] and
/// bias. The paper trains the factors from scratch (no SVD of a trained W); its rank is a free
/// hyperparameter (the paper sweeps small ranks such as r = 8..128 against d_model 512).
///
/// Parameters: u [out, r], v [r, in], bias [out] (when bias). Initialisation: v as a Linear(in, r)
/// weight and u as a Linear(r, out) weight (PyTorch's default kaiming-uniform), so U V x has the
/// scale of two stacked default Linear layers; bias as Linear(in, out)'s (U(+-1/sqrt(in))).
#include "nn/module.h"

namespace tz::nn {

class LowRankLinear : public UnaryModule {
 public:
  /// rank must be > 0 (a rank >= min(in, out) represents any dense W exactly).
  LowRankLinear(int64_t in_features, int64_t out_features, int64_t rank, bool bias = true,
                const TensorOptions& opts = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The equivalent dense weight U V [out, in].
  Tensor dense_weight() const;

  int64_t in_features, out_features, rank;
  Tensor u;     // [out_features, rank]
  Tensor v;     // [rank, in_features]
  Tensor bias;  // [out_features] or undefined
};

/// A dense nn::Linear when rank == 0, else a LowRankLinear of that rank (how blocks build their
/// projections from a "low_rank" config value).
std::shared_ptr<UnaryModule> make_linear(int64_t in_features, int64_t out_features, bool bias, int64_t rank,
                                         const TensorOptions& opts = {});

}  // namespace tz::nn
