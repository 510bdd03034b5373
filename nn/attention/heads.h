#pragma once
/// Head split / merge shared by the zoo mixers: [B, N, H*hd] <-> [B, H, N, hd].
#include "core/tensor.h"

namespace tz::nn {

/// [B, N, H * hd] -> [B, H, N, hd].
inline Tensor split_heads(const Tensor& x, int64_t heads) {
  return x.reshape({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

/// [B, H, N, hd] -> [B, N, H * hd].
inline Tensor merge_heads(const Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

}  // namespace tz::nn
