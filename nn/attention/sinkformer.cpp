#include "nn/attention/sinkformer.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/registry.h"

namespace tz::nn {

// The JSON keys of SinkformerConfig are its field names; the registry defaults are a
// default-constructed SinkformerConfig, so each default is declared once (in sinkformer.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SinkformerConfig, iterations, eps, tolerance, qkv_bias)

namespace {

MixerCapabilities sinkformer_capabilities() {
  MixerCapabilities c;
  c.key_padding_mask = c.cross_attention = true;
  c.no_causal_reason =
      "Sinkhorn's column steps normalise each key's weights over all queries, so earlier queries' weights depend on "
      "later queries (no causal doubly-stochastic form exists)";
  c.complexity = "O(T N M D) (T Sinkhorn iterations)";
  return c;
}

}  // namespace

Tensor sinkhorn_attention_weights(const Tensor& scores, const Tensor& key_padding, int64_t iterations, double eps,
                                  double tolerance, const Tensor& query_padding) {
  TZ_CHECK(scores.dim() >= 2, "sinkhorn_attention_weights", "scores must be [..., N, M], got ", describe(scores));
  TZ_CHECK(iterations >= 1 && eps > 0.0, "sinkhorn_attention_weights", "need iterations >= 1 and eps > 0, got ",
           iterations, " and ", eps);
  const int64_t N = scores.size(-2), M = scores.size(-1);
  const TensorOptions fopts(scores.dtype(), scores.device());
  // Number of valid entries along `dim` of a padding mask, as a float tensor (keepdim).
  auto count_valid = [&](const Tensor& pad, int64_t dim) { return sum(to_dtype(logical_not(pad), scores.dtype()), {dim}, true); };
  const Tensor c = scores / eps;
  // Row steps see only valid keys; column steps only valid queries, and padded-key columns are
  // made finite (their potentials are never used: those keys' weights are exp(-inf) = 0).
  Tensor c_row = c, c_col = c;
  Tensor log_nu = full({}, -std::log(double(M)), fopts), n_rows = full({}, double(N), fopts);
  if (key_padding.defined()) {
    c_row = masked_fill(c, key_padding, -INFINITY);
    c_col = masked_fill(c, key_padding, 0.0);
    log_nu = neg(log(count_valid(key_padding, -1)));  // nu = 1 / M_valid
  }
  if (query_padding.defined()) {
    c_col = masked_fill(c_col, query_padding, -INFINITY);
    n_rows = count_valid(query_padding, -2);  // mu = 1 / N_valid
  }
  const Tensor log_mu = neg(log(n_rows));
  Tensor a = zeros({}, fopts), b = a;
  for (int64_t it = 0; it < iterations; ++it) {
    if (it % 2 == 0) {
      a = log_mu - logsumexp(c_row + b, {-1}, true);  // [..., N, 1]
    } else {
      b = log_nu - logsumexp(c_col + a, {-2}, true);  // [..., 1, M]
      if (key_padding.defined()) b = masked_fill(b, key_padding, 0.0);
      if (tolerance > 0.0 && it + 1 < iterations) {
        NoGradGuard ng;
        const Tensor rows = sum(exp(c_row + a + b) * n_rows, {-1});
        if (max(abs(rows - 1.0)).item<double>() < tolerance) break;
      }
    }
  }
  return exp(c_row + a + b) * n_rows;
}

SinkformerMixer::SinkformerMixer(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("sinkformer", json_config, sinkformer_capabilities(), opts),
      config(json_config.get<SinkformerConfig>()) {
  const SinkformerConfig& c = config;
  if (c.iterations < 1) fail("iterations must be >= 1, got " + std::to_string(c.iterations));
  if (c.eps <= 0.0) fail("eps must be > 0, got " + std::to_string(c.eps));
  if (c.tolerance < 0.0) fail("tolerance must be >= 0, got " + std::to_string(c.tolerance));
}

Tensor SinkformerMixer::attention_weights(const Tensor& x, const MixerArgs& args) {
  const Tensor& src = source(x, args);
  const int64_t B = x.size(0), N = x.size(1), M = src.size(1);
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(src));
  const Tensor scores = matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(double(head_dim)));
  Tensor key_pad, query_pad;
  if (args.key_padding_mask.defined()) {
    key_pad = args.key_padding_mask.reshape({B, 1, 1, M});
    // Self-attention: padding tokens are not part of the sequence, so they leave the transport
    // problem as queries too (else their rows would shift every column normalisation).
    if (!args.context.defined()) query_pad = args.key_padding_mask.reshape({B, 1, N, 1});
  }
  return sinkhorn_attention_weights(scores, key_pad, config.iterations, config.eps, config.tolerance, query_pad);
}

Tensor SinkformerMixer::forward(const Tensor& x, const MixerArgs& args) {
  return attend_with_weights(attention_weights(x, args), split_heads((*to_v)(source(x, args))));
}

std::string SinkformerMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", iterations=", config.iterations, ", eps=", config.eps);
}

MixerEntry sinkformer_mixer_entry() {
  return mixer_entry(
      "sinkformer",
      "doubly stochastic attention: Sinkhorn iterations on exp(QK^T/sqrt(d)) in the log domain",
      "Sinkformers: Transformers with Doubly Stochastic Attention",
      sinkformer_capabilities(), SinkformerConfig(),
      {{"iterations", "Sinkhorn steps, alternating row/column normalisation (code: max_iter=3; 1 = softmax)"},
       {"eps", "entropic temperature (code: eps=1)"},
       {"tolerance", "early stop when max |row sum - 1| < tolerance after a column step (0 = off)"},
       {"qkv_bias", "bias in the q/k/v projections (overrides the common default: the authors' code has none)"}},
      construct_mixer<SinkformerMixer>());
}

}  // namespace tz::nn
