// Global, chunked-causal and quadratic-reference sums of kernelised attention (see the header).
#include "nn/attention/kernel_attention.h"

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "core/error.h"
#include "core/factories.h"

namespace tz::nn {
namespace {

void check_shapes(const char* op, const Tensor& phi_q, const Tensor& phi_k, const Tensor& v) {
  TZ_CHECK(phi_q.dim() == 4 && phi_k.dim() == 4 && v.dim() == 4 && phi_q.size(-1) == phi_k.size(-1) &&
               phi_k.size(2) == v.size(2) && phi_q.size(0) == phi_k.size(0) && phi_q.size(1) == phi_k.size(1),
           op, "expects phi_q [B, H, N, F], phi_k [B, H, M, F], v [B, H, M, Dv], got ", describe(phi_q), ", ",
           describe(phi_k), ", ", describe(v));
}

// Exclusive cumulative sum over dim 2 (the chunk axis): chunk c gets the sum of chunks < c.
Tensor exclusive_chunk_cumsum(const Tensor& x) {
  const int64_t nc = x.size(2);
  if (nc == 1) return zeros_like(x);
  const Tensor inclusive = cumsum(x, 2);
  return cat({zeros_like(x.narrow(2, 0, 1)), inclusive.narrow(2, 0, nc - 1)}, 2);
}

}  // namespace

KernelAttentionSums kernel_attention_global(const Tensor& phi_q, const Tensor& phi_k, const Tensor& v) {
  check_shapes("kernel_attention_global", phi_q, phi_k, v);
  const Tensor kv = matmul(phi_k.transpose(-2, -1), v);     // [B, H, F, Dv]
  const Tensor z = phi_k.sum({2}, true).transpose(-2, -1);  // [B, H, F, 1]
  return {matmul(phi_q, kv), matmul(phi_q, z).squeeze(-1)};
}

KernelAttentionSums kernel_attention_causal(const Tensor& phi_q, const Tensor& phi_k, const Tensor& v,
                                            int64_t chunk_size) {
  check_shapes("kernel_attention_causal", phi_q, phi_k, v);
  const int64_t B = phi_q.size(0), H = phi_q.size(1), N = phi_q.size(2), F = phi_q.size(3), Dv = v.size(3);
  TZ_CHECK(phi_k.size(2) == N, "kernel_attention_causal", "causal attention needs as many keys as queries, got ",
           describe(phi_q), " and ", describe(phi_k));
  TZ_CHECK(chunk_size > 0, "kernel_attention_causal", "chunk_size must be > 0, got ", chunk_size);
  if (N == 0) return {zeros({B, H, 0, Dv}, TensorOptions(v.dtype(), v.device())), zeros({B, H, 0}, TensorOptions(phi_q.dtype(), phi_q.device()))};
  const int64_t C = std::min(chunk_size, N);
  const int64_t nc = (N + C - 1) / C, padded = nc * C;
  // Zero padding at the end: padded keys add nothing, padded queries are cut off below.
  auto chunks = [&](const Tensor& t) {
    const Tensor p = padded == N ? t : pad(t, {0, 0, 0, padded - N});
    return p.reshape({B, H, nc, C, t.size(3)});
  };
  const Tensor q = chunks(phi_q), k = chunks(phi_k), vc = chunks(v);
  // Inside each chunk: the masked quadratic form on a [C, C] tile.
  const Tensor keep = tril(ones({C, C}, TensorOptions(phi_q.dtype(), phi_q.device())));
  const Tensor scores = matmul(q, k.transpose(-2, -1)) * keep;  // [B, H, nc, C, C]
  Tensor numerator = matmul(scores, vc);                         // [B, H, nc, C, Dv]
  Tensor denominator = scores.sum({-1});                         // [B, H, nc, C]
  // Across chunks: the state of all earlier chunks.
  const Tensor state = exclusive_chunk_cumsum(matmul(k.transpose(-2, -1), vc));  // [B, H, nc, F, Dv]
  const Tensor z = exclusive_chunk_cumsum(k.sum({3}, true)).transpose(-2, -1);  // [B, H, nc, F, 1]
  numerator = numerator + matmul(q, state);
  denominator = denominator + matmul(q, z).squeeze(-1);
  numerator = numerator.reshape({B, H, padded, Dv});
  denominator = denominator.reshape({B, H, padded});
  if (padded != N) numerator = numerator.narrow(2, 0, N), denominator = denominator.narrow(2, 0, N);
  (void)F;
  return {numerator, denominator};
}

KernelAttentionSums kernel_attention_quadratic(const Tensor& phi_q, const Tensor& phi_k, const Tensor& v,
                                               bool causal) {
  check_shapes("kernel_attention_quadratic", phi_q, phi_k, v);
  Tensor weights = matmul(phi_q, phi_k.transpose(-2, -1));  // [B, H, N, M]
  if (causal) weights = tril(weights);
  return {matmul(weights, v), weights.sum({-1})};
}

Tensor prefix_max(const Tensor& x, int64_t dim) {
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  const int64_t n = x.size(d);
  Tensor result = x;
  for (int64_t shift = 1; shift < n; shift *= 2) {
    // result[i] = max(result[i], result[i - shift]) for i >= shift.
    const Tensor head = result.narrow(d, 0, shift);
    const Tensor tail = maximum(result.narrow(d, shift, n - shift), result.narrow(d, 0, n - shift));
    result = cat({head, tail}, d);
  }
  return result;
}

}  // namespace tz::nn
