#pragma once
/// Matrix products.
#include <string>

#include "core/tensor.h"

namespace tz {

/// torch.matmul: 1-d x 1-d dot, 2-d mm, batched with broadcasting of batch dims, 1-d operands
/// promoted and squeezed back.
Tensor matmul(const Tensor& a, const Tensor& b);
/// [M, K] x [K, N].
Tensor mm(const Tensor& a, const Tensor& b);
/// [B, M, K] x [B, K, N].
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
/// x @ weight^T + bias (weight [out, in], PyTorch's layout).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});
/// General Einstein summation ("bij,bjk->bik", "...ij,...jk", implicit output, repeated
/// indices for traces/diagonals).
Tensor einsum(const std::string& equation, const TensorList& operands);

}  // namespace tz
