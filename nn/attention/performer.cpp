// Performer (FAVOR+): positive orthogonal random features, global / chunked causal / recurrent.
#include "nn/attention/performer.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/error.h"
#include "core/factories.h"
#include "nn/attention/registry.h"
#include "nn/attention/kernel_attention.h"
#include "nn/init.h"

namespace tz::nn {

// The JSON keys of PerformerConfig are its field names; the registry defaults are a
// default-constructed PerformerConfig, so each default is declared once (in performer.h).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PerformerConfig, nb_features, orthogonal, ortho_scaling,
                                                redraw_interval, kernel, feature_eps, eps, chunk_size)

namespace {

// where(finite, x, fallback): a stabiliser over no (unpadded) key is -inf; any finite shift works.
Tensor finite_or(const Tensor& x, const Tensor& fallback) { return where(isfinite(x), x, fallback); }

}  // namespace

namespace {

MixerCapabilities performer_capabilities() {
  return causal_capabilities("O(N m D)", /*cross_attention=*/true, /*recurrent=*/true);
}

}  // namespace

PerformerMixer::PerformerMixer(const json& json_config, const TensorOptions& opts)
    : ProjectedMixer("performer", json_config, performer_capabilities(), opts), config(json_config.get<PerformerConfig>()) {
  const PerformerConfig& c = config;
  if (c.nb_features <= 0) fail("nb_features must be > 0, got " + std::to_string(c.nb_features));
  if (c.ortho_scaling != 0.0 && c.ortho_scaling != 1.0)
    fail("ortho_scaling must be 0 (chi-distributed row norms) or 1 (norm sqrt(hd)), got " +
         std::to_string(c.ortho_scaling));
  if (c.redraw_interval < 0) fail("redraw_interval must be >= 0, got " + std::to_string(c.redraw_interval));
  if (c.kernel != "softmax" && c.kernel != "relu") fail("kernel must be softmax or relu, got '" + c.kernel + "'");
  if (c.chunk_size <= 0) fail("chunk_size must be > 0, got " + std::to_string(c.chunk_size));
  if (!(c.eps > 0.0) || c.feature_eps < 0.0) fail("eps must be > 0 and feature_eps >= 0");
  projection = register_buffer(
      "projection", draw_projection(c.nb_features, head_dim, c.orthogonal, c.ortho_scaling)
                        .to(opts.device, opts.dtype));
}

Tensor PerformerMixer::draw_projection(int64_t m, int64_t d, bool orthogonal, double ortho_scaling) {
  if (!orthogonal) return randn({m, d}, DType::F64);
  std::vector<Tensor> blocks;
  for (int64_t row = 0; row < m; row += d) {
    Tensor q = empty({d, d}, DType::F64);
    init::orthogonal_(q);  // rows orthonormal
    blocks.push_back(q.narrow(0, 0, std::min(d, m - row)));
  }
  const Tensor w = cat(blocks, 0);
  // Row norms: chi(d) (norms of Gaussian rows) make each row marginally Gaussian, as i.i.d. rows.
  const Tensor norms = ortho_scaling == 0.0 ? norm(randn({m, d}, DType::F64), 2.0, {1}, true)
                                            : full({m, 1}, std::sqrt(double(d)), DType::F64);
  return w * norms;
}

void PerformerMixer::redraw_features() {
  NoGradGuard g;
  projection.copy_(draw_projection(config.nb_features, head_dim, config.orthogonal, config.ortho_scaling)
                       .to(projection.device(), projection.dtype()));
}

Tensor PerformerMixer::features(const Tensor& x, bool is_query, const Tensor& key_padding) const {
  const Tensor w = projection.to(x.device(), x.dtype()).detach();
  if (config.kernel == "relu") {
    Tensor phi = relu(matmul(x, w.transpose(0, 1))) + 1e-3;
    return key_padding.defined() ? masked_fill(phi, key_padding, 0.0) : phi;
  }
  const double ratio = 1.0 / std::sqrt(double(config.nb_features));
  const Tensor xs = x * std::pow(double(head_dim), -0.25);
  const Tensor a = matmul(xs, w.transpose(0, 1));      // [..., N, m]
  const Tensor diag = xs.square().sum({-1}, true) * 0.5;  // [..., N, 1]
  Tensor c;
  if (is_query) {
    c = amax(a, {-1}, true);
  } else {
    const Tensor a_real = key_padding.defined() ? masked_fill(a, key_padding, -INFINITY) : a;
    c = amax(a_real, {-2, -1}, true);
    c = finite_or(c, zeros_like(c));
  }
  Tensor phi = (exp(a - diag - c) + config.feature_eps) * ratio;
  return key_padding.defined() ? masked_fill(phi, key_padding, 0.0) : phi;
}

// Causal softmax-kernel sums: key j seen from query i is ratio (exp(a_j - diag_j - c_i) + eps_f)
// with c_i the prefix max of the key stabiliser; expanded as
//   exp(c_g - c_i) * [prefix sums with the global shift c_g] + eps_f * [prefix sums of 1].
Tensor PerformerMixer::softmax_causal(const Tensor& q, const Tensor& k, const Tensor& v,
                                      const Tensor& key_padding) const {
  const Tensor phi_q = features(q, true);
  const Tensor w = projection.to(k.device(), k.dtype()).detach();
  const double ratio = 1.0 / std::sqrt(double(config.nb_features));
  const Tensor ks = k * std::pow(double(head_dim), -0.25);
  const Tensor a = matmul(ks, w.transpose(0, 1));
  const Tensor diag = ks.square().sum({-1}, true) * 0.5;
  const Tensor a_real = key_padding.defined() ? masked_fill(a, key_padding, -INFINITY) : a;
  const int64_t n = k.size(-2);
  const Tensor c_prefix_raw = prefix_max(amax(a_real, {-1}, true), -2);  // [B, H, N, 1]
  Tensor c_global = c_prefix_raw.narrow(-2, n - 1, 1);
  c_global = finite_or(c_global, zeros_like(c_global));
  const Tensor c_prefix = finite_or(c_prefix_raw, c_global.expand(c_prefix_raw.shape()));
  Tensor e = exp(a - diag - c_global);
  Tensor v_real = v, real = ones_like(diag);
  if (key_padding.defined()) {
    e = masked_fill(e, key_padding, 0.0);
    v_real = masked_fill(v, key_padding, 0.0);
    real = masked_fill(real, key_padding, 0.0);
  }
  const KernelAttentionSums s = kernel_attention_causal(phi_q, e, v_real, config.chunk_size);
  const Tensor scale = exp(c_global - c_prefix);           // [B, H, N, 1]
  const Tensor q_total = phi_q.sum({-1}, true);            // [B, H, N, 1]
  const Tensor count = cumsum(real, -2);                   // [B, H, N, 1] real keys so far
  const Tensor numerator = (scale * s.numerator + q_total * cumsum(v_real, -2) * config.feature_eps) * ratio;
  const Tensor denominator = (scale * s.denominator.unsqueeze(-1) + q_total * count * config.feature_eps) * ratio;
  return numerator / (denominator + config.eps);
}

Tensor PerformerMixer::forward(const Tensor& x, const MixerArgs& args) {
  if (args.causal && args.context.defined()) fail("causal cross-attention is not supported (queries and keys differ)");
  if (is_training() && config.redraw_interval > 0) {
    if (training_forwards > 0 && training_forwards % config.redraw_interval == 0) redraw_features();
    ++training_forwards;
  }
  const Tensor& src = source(x, args);
  const Tensor q = split_heads((*to_q)(x)), k = split_heads((*to_k)(src)), v = split_heads((*to_v)(src));
  Tensor key_padding;  // [B, 1, M, 1]
  if (args.key_padding_mask.defined()) key_padding = args.key_padding_mask.unsqueeze(1).unsqueeze(-1);
  Tensor out;
  if (args.causal && config.kernel == "softmax") {
    out = softmax_causal(q, k, v, key_padding);
  } else {
    const Tensor phi_q = features(q, true), phi_k = features(k, false, key_padding);
    const KernelAttentionSums s = args.causal ? kernel_attention_causal(phi_q, phi_k, v, config.chunk_size)
                                              : kernel_attention_global(phi_q, phi_k, v);
    out = s.numerator / (s.denominator.unsqueeze(-1) + config.eps);
  }
  return (*to_out)(merge_heads(out));
}

MixerState PerformerMixer::init_state(int64_t batch) {
  const TensorOptions o(to_q->weight.dtype(), to_q->weight.device());
  const int64_t H = n_heads, m = config.nb_features;
  MixerState st;
  st.tensors["S"] = zeros({batch, H, m, head_dim}, o);
  st.tensors["z"] = zeros({batch, H, m}, o);
  if (config.kernel == "softmax") {
    st.tensors["sum_v"] = zeros({batch, H, head_dim}, o);
    st.tensors["count"] = zeros({batch, 1}, o);
    st.tensors["c"] = full({batch, H, 1}, -INFINITY, o);
  }
  return st;
}

Tensor PerformerMixer::step(const Tensor& x_t, MixerState& st) {
  if (x_t.dim() != 2 || x_t.size(1) != d_model)
    fail("step expects x_t [B, d_model=" + std::to_string(d_model) + "], got " + describe(x_t));
  if (!st.tensors.count("S")) fail("step needs a state from init_state()");
  const int64_t B = x_t.size(0), H = n_heads;
  auto heads = [&](const Tensor& t) { return t.reshape({B, H, head_dim}); };
  const Tensor q = heads((*to_q)(x_t)), k = heads((*to_k)(x_t)), v = heads((*to_v)(x_t));
  Tensor& S = st.tensors["S"];
  Tensor& z = st.tensors["z"];
  const Tensor phi_q = features(q, true);  // [B, H, m]
  Tensor numerator, denominator;
  if (config.kernel == "relu") {
    const Tensor phi_k = features(k, false);
    S = S + phi_k.unsqueeze(-1) * v.unsqueeze(-2);
    z = z + phi_k;
    numerator = matmul(phi_q.unsqueeze(-2), S).squeeze(-2);
    denominator = (phi_q * z).sum({-1}, true);
  } else {
    // Online rescaling: S and z are kept relative to the running max c of the key stabiliser.
    const Tensor w = projection.to(k.device(), k.dtype()).detach();
    const double ratio = 1.0 / std::sqrt(double(config.nb_features));
    const Tensor ks = k * std::pow(double(head_dim), -0.25);
    const Tensor a = matmul(ks, w.transpose(0, 1));
    const Tensor diag = ks.square().sum({-1}, true) * 0.5;
    Tensor& c = st.tensors["c"];
    const Tensor c_new = maximum(c, amax(a, {-1}, true));
    const Tensor decay = exp(c - c_new);  // 0 on the first step (c = -inf)
    const Tensor e = exp(a - diag - c_new);
    S = S * decay.unsqueeze(-1) + e.unsqueeze(-1) * v.unsqueeze(-2);
    z = z * decay + e;
    c = c_new;
    st.tensors["sum_v"] = st.tensors["sum_v"] + v;
    st.tensors["count"] = st.tensors["count"] + 1.0;
    const Tensor q_total = phi_q.sum({-1}, true);
    numerator = (matmul(phi_q.unsqueeze(-2), S).squeeze(-2) + q_total * st.tensors["sum_v"] * config.feature_eps) * ratio;
    denominator = ((phi_q * z).sum({-1}, true) +
                   q_total * st.tensors["count"].unsqueeze(-1) * config.feature_eps) * ratio;
  }
  ++st.position;
  return (*to_out)((numerator / (denominator + config.eps)).reshape({B, d_model}));
}

std::string PerformerMixer::extra_repr() const {
  return cat_str("d_model=", d_model, ", n_heads=", n_heads, ", nb_features=", config.nb_features,
                 ", kernel=", config.kernel, ", redraw_interval=", config.redraw_interval);
}

MixerEntry performer_mixer_entry() {
  MixerEntry e;
  e.name = "performer";
  e.description = "FAVOR+ positive orthogonal random features estimating softmax attention (or relu kernel)";
  e.paper = "Rethinking Attention with Performers";
  e.capabilities = performer_capabilities();
  e.defaults = PerformerConfig();
  e.doc = {{"nb_features", "random features m (LRA: 256)"},
           {"orthogonal", "orthogonal blocks of random features (paper/LRA: true) or i.i.d. Gaussian"},
           {"ortho_scaling", "0: chi-distributed row norms (paper/LRA default), 1: norm sqrt(head_dim)"},
           {"redraw_interval", "draw new features before every r-th training forward (LRA: every call, 1; 0 = never)"},
           {"kernel", "softmax (FAVOR+) or relu (generalized attention)"},
           {"feature_eps", "added to each positive softmax feature (reference: 1e-4)"},
           {"eps", "numerical stabiliser of the normaliser (reference: 1e-6)"},
           {"chunk_size", "tokens per chunk of the exact causal form (speed/memory only; default 64)"}};
  e.make = [](const json& c, const TensorOptions& opts) -> std::shared_ptr<Mixer> {
    return std::make_shared<PerformerMixer>(c, opts);
  };
  return e;
}

}  // namespace tz::nn
