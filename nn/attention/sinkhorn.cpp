// Sparse Sinkhorn attention: a learned soft block permutation, local + sorted-block attention.
#include "nn/attention/sinkhorn.h"

#include <cmath>

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/functional.h"
#include "nn/attention/registry.h"

namespace tz::nn {
namespace {

// Finite stand-in for -inf on masked sort logits: exp gives exactly 0 and no inf - inf arises.
constexpr double kMaskedLogit = -1e9;

struct Blocks {
  Tensor q, k, v;  // [B, H, nb, b, hd], padded keys/values zeroed
  Tensor valid;    // bool [B, nb * b], true = a real key
  int64_t nb = 0, padded = 0;
};

}  // namespace

Tensor sinkhorn_normalize(const Tensor& log_alpha, int64_t iters, bool causal, double clip) {
  TZ_CHECK(log_alpha.dim() >= 2 && log_alpha.size(-1) == log_alpha.size(-2), "sinkhorn_normalize",
           "expects square matrices [..., n, n], got ", describe(log_alpha));
  const int64_t n = log_alpha.size(-1);
  Tensor la = log_alpha;
  Tensor future;  // bool [n, n], true where j > i
  if (causal) {
    const TensorOptions idx(DType::I64, log_alpha.device());
    future = arange(n, idx).unsqueeze(0) > arange(n, idx).unsqueeze(1);
    la = masked_fill(la, future, kMaskedLogit);
  }
  if (causal) {
    // Rows only: see the header for why a causal column step cannot help.
    la = la - logsumexp(la, {-1}, true);
  } else {
    for (int64_t it = 0; it < iters; ++it) {
      la = la - logsumexp(la, {-1}, true);  // rows
      la = la - logsumexp(la, {-2}, true);  // columns
    }
  }
  if (clip > 0.0) la = clamp(la, -clip, clip);
  Tensor r = exp(la);
  return causal ? masked_fill(r, future, 0.0) : r;
}

// The JSON keys of SinkhornConfig are its field names; the registry defaults are a
// default-constructed SinkhornConfig, so each default is declared once (in sinkhorn.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SinkhornConfig, block_size, max_num_blocks, sort_activation,
                                                sinkhorn_iters, temperature, gumbel_noise, clip, sortcut_blocks)

namespace {

MixerCapabilities sinkhorn_capabilities(const SinkhornConfig& config) {
  MixerCapabilities caps = causal_capabilities("O(N b D + nb^2)");
  caps.max_length = config.block_size * config.max_num_blocks;
  if (config.sortcut_blocks > 0) {
    caps.causal = false;
    caps.no_causal_reason =
        "SortCut (sortcut_blocks > 0) lets every query attend to the first sorted blocks, which mix the whole "
        "sequence; set sortcut_blocks = 0 for the causal form";
    caps.complexity = "O(N n b D)";
  }
  return caps;
}

}  // namespace

SinkhornMixer::SinkhornMixer(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("sinkhorn", json_config, sinkhorn_capabilities(json_config.get<SinkhornConfig>()), opts),
      config(json_config.get<SinkhornConfig>()) {
  const SinkhornConfig& c = config;
  if (c.block_size <= 0 || c.max_num_blocks <= 0)
    fail("block_size and max_num_blocks must be > 0, got " + std::to_string(c.block_size) + " and " +
         std::to_string(c.max_num_blocks));
  if (c.sort_activation != "sinkhorn" && c.sort_activation != "softmax")
    fail("sort_activation must be sinkhorn or softmax, got '" + c.sort_activation + "'");
  if (c.sinkhorn_iters < 1) fail("sinkhorn_iters must be >= 1, got " + std::to_string(c.sinkhorn_iters));
  if (!(c.temperature > 0.0)) fail("temperature must be > 0, got " + std::to_string(c.temperature));
  if (c.clip < 0.0) fail("clip must be >= 0 (0 = off), got " + std::to_string(c.clip));
  if (c.sortcut_blocks < 0 || c.sortcut_blocks > c.max_num_blocks)
    fail("sortcut_blocks must be in [0, max_num_blocks], got " + std::to_string(c.sortcut_blocks));
  sort_net = register_module("sort_net", std::make_shared<Linear>(head_dim, c.max_num_blocks, true, opts));
}

// Projects, pads to whole blocks and zeroes padded keys/values.
static Blocks make_blocks(SinkhornMixer& m, const Tensor& x, const Tensor& key_padding_mask) {
  const int64_t B = x.size(0), N = x.size(1), H = m.n_heads, b = m.config.block_size;
  Blocks out;
  out.nb = std::max<int64_t>(1, (N + b - 1) / b);
  out.padded = out.nb * b;
  Tensor valid = key_padding_mask.defined() ? logical_not(key_padding_mask) : ones({B, N}, TensorOptions(DType::Bool, x.device()));
  Tensor q = m.split_heads((*m.to_q)(x)), k = m.split_heads((*m.to_k)(x)), v = m.split_heads((*m.to_v)(x));
  if (out.padded != N) {
    const int64_t extra = out.padded - N;
    q = pad(q, {0, 0, 0, extra}), k = pad(k, {0, 0, 0, extra}), v = pad(v, {0, 0, 0, extra});
    valid = cat({valid, zeros({B, extra}, TensorOptions(DType::Bool, x.device()))}, 1);
  }
  const Tensor hidden = logical_not(valid).unsqueeze(1).unsqueeze(-1);  // [B, 1, Np, 1]
  k = masked_fill(k, hidden, 0.0), v = masked_fill(v, hidden, 0.0);
  const Shape shape{B, H, out.nb, b, m.head_dim};
  out.q = q.reshape(shape), out.k = k.reshape(shape), out.v = v.reshape(shape), out.valid = valid;
  return out;
}

Tensor SinkhornMixer::sort_from_keys(const Tensor& key_blocks, bool causal) {
  const int64_t nb = key_blocks.size(2);
  if (nb > config.max_num_blocks)
    fail("needs " + std::to_string(nb) + " blocks but max_num_blocks is " + std::to_string(config.max_num_blocks));
  // Block summaries: the sum of the block's keys; causal: its first key only.
  const Tensor summary = causal ? key_blocks.select(3, 0) : key_blocks.sum({3});  // [B, H, nb, hd]
  Tensor logits = (*sort_net)(summary).narrow(-1, 0, nb);                           // [B, H, nb, nb]
  if (config.sort_activation == "softmax") {
    if (causal) {
      const TensorOptions idx(DType::I64, logits.device());
      logits = masked_fill(logits, arange(nb, idx).unsqueeze(0) > arange(nb, idx).unsqueeze(1), -INFINITY);
    }
    return softmax(logits, -1);
  }
  if (is_training() && config.gumbel_noise) {
    const Tensor u = rand(logits.shape(), TensorOptions(logits.dtype(), logits.device()));
    logits = logits - log(-log(u + 1e-20) + 1e-20);  // + Gumbel(0, 1)
  }
  return sinkhorn_normalize(logits / config.temperature, config.sinkhorn_iters, causal, config.clip);
}

Tensor SinkhornMixer::sort_matrix(const Tensor& x, bool causal, const Tensor& key_padding_mask) {
  return sort_from_keys(make_blocks(*this, x, key_padding_mask).k, causal);
}

Tensor SinkhornMixer::forward(const Tensor& x, const MixerArgs& args) {
  const int64_t B = x.size(0), N = x.size(1), H = n_heads, b = config.block_size, hd = head_dim;
  const Blocks blk = make_blocks(*this, x, args.key_padding_mask);
  const int64_t nb = blk.nb;
  const Tensor R = sort_from_keys(blk.k, args.causal);  // [B, H, nb, nb]
  auto sort = [&](const Tensor& t) { return matmul(R, t.reshape({B, H, nb, b * hd})).reshape({B, H, nb, b, hd}); };
  const Tensor sorted_k = sort(blk.k), sorted_v = sort(blk.v);
  // A sorted position is real when some real key contributes to it.
  const Tensor valid_blocks = blk.valid.reshape({B, 1, nb, b}).to(R.dtype());
  const Tensor sorted_valid = matmul(R, valid_blocks) > 0.0;  // [B, H, nb, b]
  const double p = attention_dropout();
  Tensor out;
  if (config.sortcut_blocks > 0) {
    const int64_t n = std::min(config.sortcut_blocks, nb);
    const Tensor keys = sorted_k.narrow(2, 0, n).reshape({B, H, n * b, hd});
    const Tensor values = sorted_v.narrow(2, 0, n).reshape({B, H, n * b, hd});
    const Tensor keep = sorted_valid.narrow(2, 0, n).reshape({B, H, 1, n * b});
    out = scaled_dot_product_attention(blk.q.reshape({B, H, nb * b, hd}), keys, values, keep, p);
  } else {
    const Tensor keys = cat({blk.k, sorted_k}, 3), values = cat({blk.v, sorted_v}, 3);  // [B, H, nb, 2b, hd]
    const Tensor own = blk.valid.reshape({B, 1, nb, 1, b}).expand({B, H, nb, 1, b});
    Tensor keep = cat({own, sorted_valid.unsqueeze(3)}, -1);  // [B, H, nb, 1, 2b]
    if (args.causal) {
      const TensorOptions idx(DType::I64, x.device());
      const Tensor tri = arange(b, idx).unsqueeze(1) >= arange(b, idx).unsqueeze(0);  // [b, b]: t' <= t
      keep = logical_and(keep, cat({tri, tri}, 1));                                     // [B, H, nb, b, 2b]
    }
    out = scaled_dot_product_attention(blk.q, keys, values, keep, p);
  }
  out = out.reshape({B, H, nb * b, hd});
  if (nb * b != N) out = out.narrow(2, 0, N);
  return (*to_out)(merge_heads(out));
}

std::string SinkhornMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", block_size=", config.block_size,
                 ", sort_activation=", config.sort_activation, ", sinkhorn_iters=", config.sinkhorn_iters,
                 ", temperature=", config.temperature, ", sortcut_blocks=", config.sortcut_blocks);
}

MixerEntry sinkhorn_mixer_entry() {
  return mixer_entry(
      "sinkhorn",
      "blocks attend to themselves and to a learned soft (Gumbel-Sinkhorn) sorted block; SortCut option",
      "Sparse Sinkhorn Attention", sinkhorn_capabilities(SinkhornConfig()), SinkhornConfig(),
      {{"block_size", "tokens per block b (LRA: 50)"},
       {"max_num_blocks", "outputs of the sort net; max_length = block_size * max_num_blocks (LRA: 25)"},
       {"sort_activation", "sinkhorn (Gumbel-Sinkhorn balancing) or softmax (row softmax, the LRA default)"},
       {"sinkhorn_iters", "row+column normalisation rounds (default 8; LRA code: 1)"},
       {"temperature", "Sinkhorn temperature tau (default 0.75; LRA code: 1)"},
       {"gumbel_noise", "add Gumbel noise to the sort logits in training (paper: Gumbel-Sinkhorn)"},
       {"clip", "clip log R to [-clip, clip] before exp (LRA code: 1; 0 = off, keeps R doubly stochastic)"},
       {"sortcut_blocks", "SortCut: attend to the first n sorted blocks only (0 = off; non-causal)"}},
      construct_mixer<SinkhornMixer>());
}

}  // namespace tz::nn
