// The gpt-char network (GPTChar) and its sampler; the registry entry is in gpt_char.cpp.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "core/factories.h"
#include "models/gpt_char.h"
#include "nn/init.h"
#include "nn/losses.h"

namespace tz::models {

namespace {
constexpr const char* kOp = "gpt-char";
constexpr double kInitStd = 0.02;
}  // namespace

GPTChar::GPTChar(const GPTCharConfig& c, const TensorOptions& opts) : Module("GPTChar"), config(c) {
  TZ_CHECK(c.vocab_size >= 1 && c.block_size >= 1 && c.n_layer >= 1 && c.n_head >= 1 && c.d_model >= 1, kOp,
           "vocab_size, block_size, n_layer, n_head and d_model must be >= 1, got ", c.vocab_size, ", ", c.block_size,
           ", ", c.n_layer, ", ", c.n_head, ", ", c.d_model);
  TZ_CHECK(c.d_model % c.n_head == 0, kOp, "d_model (", c.d_model, ") must be a multiple of n_head (", c.n_head, ")");
  TZ_CHECK(c.dropout >= 0.0 && c.dropout < 1.0, kOp, "dropout must be in [0, 1), got ", c.dropout);
  wte = register_module("wte", std::make_shared<nn::Embedding>(c.vocab_size, c.d_model, std::nullopt, opts));
  wpe = register_module("wpe", std::make_shared<nn::Embedding>(c.block_size, c.d_model, std::nullopt, opts));
  nn::GPTBlockConfig block;
  block.d_model = c.d_model, block.n_heads = c.n_head, block.mlp_ratio = 4, block.dropout = c.dropout;
  block.bias = c.bias;
  // A ModuleList named "h" gives the parameter names h.<i>.* (GPT-2's).
  auto blocks = register_module("h", std::make_shared<nn::ModuleList>());
  if (c.mixer == "softmax") {
    models::check_builtin_softmax_options(c.mixer_options);
    for (int64_t i = 0; i < c.n_layer; ++i) h.push_back(blocks->push_back(std::make_shared<nn::GPTBlock>(block, opts)));
  } else {
    TZ_CHECK(c.mixer_options.is_object(), kOp, "'model.mixer_options' must be a JSON object, got ", c.mixer_options.dump());
    nn::json mixer = c.mixer_options;
    mixer["name"] = c.mixer;
    if (!mixer.contains("n_heads")) mixer["n_heads"] = c.n_head;
    const nn::json block_config = {{"mixer", mixer}, {"d_model", c.d_model}, {"mlp_ratio", 4.0}, {"norm", "pre"},
                                   {"dropout", c.dropout}, {"activation", "gelu"}, {"bias", c.bias}};
    for (int64_t i = 0; i < c.n_layer; ++i)
      mixer_blocks.push_back(blocks->push_back(std::make_shared<nn::MixerBlock>(block_config, opts)));
    const nn::MixerCapabilities caps = mixer_blocks.front()->mixer->capabilities();
    TZ_CHECK(caps.causal, kOp, "mixer '", c.mixer, "' cannot be used in a causal language model: ",
             caps.no_causal_reason.empty() ? "it has no causal form" : caps.no_causal_reason);
    TZ_CHECK(caps.max_length == 0 || caps.max_length >= c.block_size, kOp, "mixer '", c.mixer,
             "' supports sequences of at most ", caps.max_length, " tokens, below block_size ", c.block_size);
  }
  ln_f = register_module("ln_f", std::make_shared<nn::LayerNorm>(Shape{c.d_model}, 1e-5, true, c.bias, opts));
  if (!c.tied_head)
    lm_head = register_module("lm_head", std::make_shared<nn::Linear>(c.d_model, c.vocab_size, false, opts));
  init_weights();
}

void GPTChar::init_weights() {
  // Registration order (wte, wpe, blocks in order, head), so a seed fixes every weight.
  nn::init::normal_(wte->weight, 0.0, kInitStd);
  nn::init::normal_(wpe->weight, 0.0, kInitStd);
  const double proj_std = kInitStd / std::sqrt(2.0 * double(config.n_layer));
  auto init_linear = [](nn::Linear& l, double std) {
    nn::init::normal_(l.weight, 0.0, std);
    if (l.bias.defined()) nn::init::zeros_(l.bias);
  };
  for (auto& block : h) {
    init_linear(*block->attn->q_proj, kInitStd);
    init_linear(*block->attn->k_proj, kInitStd);
    init_linear(*block->attn->v_proj, kInitStd);
    init_linear(*block->attn->o_proj, proj_std);  // residual projection
    init_linear(*block->mlp->c_fc, kInitStd);
    init_linear(*block->mlp->c_proj, proj_std);   // residual projection
  }
  for (auto& block : mixer_blocks) {
    for (auto& [name, module] : block->named_modules()) {
      auto* l = dynamic_cast<nn::Linear*>(module.get());
      if (!l) continue;
      const bool residual = name == "mixer.to_out" || name == "mlp.fc2";
      init_linear(*l, residual ? proj_std : kInitStd);
    }
  }
  if (lm_head) init_linear(*lm_head, kInitStd);
}

Tensor GPTChar::head_weight() const { return lm_head ? lm_head->weight : wte->weight; }

Tensor GPTChar::forward(const Tensor& idx, std::vector<nn::KVCache>* caches, int64_t start_pos) {
  TZ_CHECK(idx.defined() && idx.dim() == 2 && idx.dtype() == DType::I64, kOp, "expects token ids [B, T] int64, got ",
           idx.defined() ? describe(idx) : std::string("undefined"));
  const int64_t T = idx.size(1);
  TZ_CHECK(start_pos >= 0 && start_pos + T <= config.block_size, kOp, "positions ", start_pos, "..",
           start_pos + T - 1, " exceed block_size ", config.block_size);
  TZ_CHECK(!caches || int64_t(caches->size()) == config.n_layer, kOp, "expects one KV cache per layer (",
           config.n_layer, "), got ", caches ? caches->size() : 0);
  // Learned positions: a slice of wpe.weight broadcast over the batch (no index tensor needed).
  Tensor x = (*wte)(idx) + wpe->weight.narrow(0, start_pos, T);
  if (is_training() && config.dropout > 0.0) x = dropout(x, config.dropout, true);
  for (size_t i = 0; i < h.size(); ++i) x = (*h[i])(x, caches ? &(*caches)[i] : nullptr, start_pos);
  if (!mixer_blocks.empty()) {
    TZ_CHECK(!caches && start_pos == 0, kOp, "mixer '", config.mixer,
             "' blocks have no KV cache: call forward on the whole window from position 0");
    nn::MixerArgs causal;
    causal.causal = true;
    for (auto& block : mixer_blocks) x = (*block)(x, causal);
  }
  return linear((*ln_f)(x), head_weight());
}

Tensor GPTChar::loss(const Tensor& idx, const Tensor& targets) {
  const Tensor logits = forward(idx);
  return nn::functional::cross_entropy(logits.reshape({-1, config.vocab_size}), targets.reshape({-1}));
}

namespace {

/// One id from the last position's logits (see gpt_generate): temperature, top-k, inverse CDF.
int64_t pick_token(const Tensor& last_logits, const GPTSampleOptions& o, Generator& gen) {
  const std::vector<double> logits = last_logits.to(DType::F64).cpu().contiguous().to_vector<double>();
  const int64_t V = int64_t(logits.size());
  if (o.temperature == 0.0) return int64_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
  std::vector<double> scaled(logits.size());
  for (int64_t i = 0; i < V; ++i) scaled[i] = logits[i] / o.temperature;
  if (o.top_k > 0 && o.top_k < V) {
    // The k-th largest value is the threshold; ties with it stay in (as torch.topk + masking).
    std::vector<double> sorted = scaled;
    std::nth_element(sorted.begin(), sorted.begin() + (o.top_k - 1), sorted.end(), std::greater<double>());
    const double threshold = sorted[size_t(o.top_k - 1)];
    for (double& s : scaled)
      if (s < threshold) s = -INFINITY;
  }
  const double top = *std::max_element(scaled.begin(), scaled.end());
  std::vector<double> cdf(scaled.size());
  double total = 0.0;
  for (int64_t i = 0; i < V; ++i) cdf[i] = total += std::exp(scaled[i] - top);
  const double u = rand({1}, TensorOptions(DType::F64), &gen).item<double>() * total;
  const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
  int64_t id = std::min<int64_t>(int64_t(it - cdf.begin()), V - 1);
  while (id > 0 && scaled[id] == -INFINITY) --id;  // u == total exactly: stay on a kept token
  return id;
}

}  // namespace

Tensor gpt_generate(GPTChar& model, const Tensor& prompt, const GPTSampleOptions& o, Generator& gen) {
  TZ_CHECK(prompt.defined() && prompt.dim() == 1 && prompt.numel() >= 1 && is_integral(prompt.dtype()), kOp,
           "generate expects a non-empty 1-d integer prompt, got ",
           prompt.defined() ? describe(prompt) : std::string("undefined"));
  TZ_CHECK(o.max_new_tokens >= 0, kOp, "max_new_tokens must be >= 0, got ", o.max_new_tokens);
  TZ_CHECK(std::isfinite(o.temperature) && o.temperature >= 0.0, kOp, "temperature must be >= 0, got ",
           o.temperature);
  TZ_CHECK(o.top_k >= 0, kOp, "top_k must be >= 0 (0 = all tokens), got ", o.top_k);
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const Device device = model.wte->weight.device();
  const int64_t block = model.config.block_size;
  std::vector<int64_t> ids = prompt.to(DType::I64).cpu().contiguous().to_vector<int64_t>();
  std::vector<int64_t> out;
  out.reserve(size_t(o.max_new_tokens));

  auto window_tensor = [&](size_t begin, size_t end) {
    std::vector<int64_t> w(ids.begin() + std::ptrdiff_t(begin), ids.begin() + std::ptrdiff_t(end));
    const int64_t n = int64_t(w.size());
    return from_vector(w, Shape{1, n}).to(device);
  };
  std::vector<nn::KVCache> caches(size_t(model.config.n_layer));
  int64_t cached = 0;  // positions held by the caches (ids[0 .. cached) when the context fits)
  for (int64_t step = 0; step < o.max_new_tokens; ++step) {
    const size_t n = ids.size();
    const size_t begin = n > size_t(block) ? n - size_t(block) : 0;
    Tensor logits;
    if (o.use_kv_cache && begin == 0 && model.mixer_blocks.empty()) {
      // The context starts at position 0: extend the caches with the ids they have not seen.
      logits = model.forward(window_tensor(size_t(cached), n), &caches, cached);
      cached = int64_t(n);
    } else {
      logits = model.forward(window_tensor(begin, n));  // full recomputation of the window
    }
    const int64_t id = pick_token(logits.select(0, 0).select(0, logits.size(1) - 1), o, gen);
    ids.push_back(id);
    out.push_back(id);
  }
  model.train(was_training);
  return from_vector(out, Shape{int64_t(out.size())});
}

}  // namespace tz::models
