#include "nn/attention/mixer_base.h"

#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_unary.h"
#include "core/factories.h"
#include <nlohmann/json.hpp>

namespace tz::nn {

MixerCapabilities causal_capabilities(std::string complexity, bool cross_attention, bool recurrent) {
  MixerCapabilities c;
  c.causal = c.key_padding_mask = true;
  c.cross_attention = cross_attention;
  c.recurrent = recurrent;
  c.complexity = std::move(complexity);
  return c;
}

ProjectedMixer::ProjectedMixer(const std::string& kind, const json& c, MixerCapabilities capabilities,
                               const TensorOptions& opts, const MixerProjections& p)
    : Mixer(kind),
      d_model(c.at("d_model").get<int64_t>()),
      n_heads(c.at("n_heads").get<int64_t>()),
      head_dim(0),
      dropout(c.at("dropout").get<double>()),
      qkv_bias(c.at("qkv_bias").get<bool>()),
      out_bias(c.at("out_bias").get<bool>()),
      capabilities_(std::move(capabilities)) {
  if (d_model <= 0 || n_heads <= 0 || d_model % n_heads != 0)
    fail("n_heads must be > 0 and divide d_model, got d_model=" + std::to_string(d_model) +
         " n_heads=" + std::to_string(n_heads));
  head_dim = d_model / n_heads;
  if (p.shared_query_key) {
    to_q = to_k = add_projection("to_qk", qkv_bias, opts);
  } else {
    if (p.query) to_q = add_projection("to_q", qkv_bias, opts);
    if (p.key) to_k = add_projection("to_k", qkv_bias, opts);
  }
  if (p.value) to_v = add_projection("to_v", qkv_bias, opts);
  if (p.out) to_out = add_projection("to_out", out_bias, opts);
}

std::shared_ptr<Linear> ProjectedMixer::add_projection(const std::string& name, bool bias, const TensorOptions& opts) {
  return register_module(name, std::make_shared<Linear>(d_model, d_model, bias, opts));
}

void ProjectedMixer::upgrade_state_dict(const std::string& prefix, StateDict& dict) const {
  if (to_out) {
    rename_state_key(dict, prefix + "out_proj.weight", prefix + "to_out.weight");
    rename_state_key(dict, prefix + "out_proj.bias", prefix + "to_out.bias");
  }
  if (!to_q || !to_k || !to_v || to_q == to_k) return;
  // Packed rows [q; k; v] of PyTorch's in_proj, split only when the shape fits (otherwise the
  // keys stay, and strict loading reports them as unexpected next to the missing to_q, ...).
  const Shape packed_shapes[] = {{3 * d_model, d_model}, {3 * d_model}};
  const char* packed_names[] = {"in_proj_weight", "in_proj_bias"};
  const char* suffixes[] = {".weight", ".bias"};
  for (int i = 0; i < 2; ++i) {
    auto it = dict.find(prefix + packed_names[i]);
    if (it == dict.end() || it->second.shape() != packed_shapes[i]) continue;
    const Tensor packed = it->second;
    const std::string names[] = {"to_q", "to_k", "to_v"};
    bool free = true;
    for (const auto& n : names) free = free && !dict.count(prefix + n + suffixes[i]);
    if (!free) continue;
    dict.erase(it);
    for (int64_t j = 0; j < 3; ++j) dict.emplace(prefix + names[j] + suffixes[i], packed.narrow(0, j * d_model, d_model));
  }
}

Tensor ProjectedMixer::split_heads(const Tensor& x) const {
  if (x.dim() != 3 || x.size(2) != d_model)
    fail("expects [B, N, d_model=" + std::to_string(d_model) + "], got " + describe(x));
  return x.reshape({x.size(0), x.size(1), n_heads, head_dim}).transpose(1, 2);
}

Tensor ProjectedMixer::merge_heads(const Tensor& y) const {
  return y.transpose(1, 2).reshape({y.size(0), y.size(2), n_heads * head_dim});
}

Tensor ProjectedMixer::allowed_keys(int64_t n, int64_t m, bool causal, const Tensor& key_padding_mask, Device device) {
  Tensor allowed;
  if (causal) {
    const TensorOptions idx(DType::I64, device);
    allowed = arange(m, idx).unsqueeze(0) <= arange(m - n, m, 1, idx).unsqueeze(1);  // [n, m]
  }
  if (key_padding_mask.defined()) {
    const Tensor keep = logical_not(key_padding_mask).reshape({key_padding_mask.size(0), 1, 1, m});
    allowed = allowed.defined() ? logical_and(allowed, keep) : keep;
  }
  return allowed;
}

Tensor ProjectedMixer::attend_with_weights(Tensor weights, const Tensor& v) const {
  const double p = attention_dropout();
  if (p > 0.0) weights = tz::dropout(weights, p, true);
  return (*to_out)(merge_heads(matmul(weights, v)));
}

}  // namespace tz::nn
