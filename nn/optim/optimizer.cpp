#include "nn/optim/optimizer.h"

#include <algorithm>
#include <set>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "core/factories.h"

namespace tz::optim {

Optimizer::Optimizer(std::string name, Options defaults) : name_(std::move(name)), defaults_(std::move(defaults)) {}

void Optimizer::init_groups(std::vector<ParamGroup> groups) {
  validate(defaults_);
  size_t total = 0;
  for (const auto& g : groups) total += g.params.size();
  TZ_CHECK(total > 0, name_, "optimizer got an empty parameter list");
  for (auto& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup group) {
  TZ_CHECK(!group.params.empty(), name_, "parameter group ", groups_.size(), " has no parameters");
  for (size_t i = 0; i < group.params.size(); ++i) {
    const Tensor& p = group.params[i];
    TZ_CHECK(p.defined(), name_, "parameter ", i, " of group ", groups_.size(), " is undefined");
    TZ_CHECK(p.is_floating_point(), name_, "can only optimize floating-point tensors, got ", describe(p));
    TZ_CHECK(p.is_leaf(), name_, "can only optimize leaf tensors (parameters), got a non-leaf ", describe(p));
    for (size_t j = 0; j < i; ++j)
      TZ_CHECK(!group.params[j].is_same(p), name_, "parameter ", i, " appears twice in the same group");
    for (size_t g = 0; g < groups_.size(); ++g)
      for (const Tensor& q : groups_[g].params)
        TZ_CHECK(!q.is_same(p), name_, "some parameters appear in more than one parameter group (", describe(p),
                 " is already in group ", g, ")");
  }
  for (const auto& [key, value] : defaults_) group.options.emplace(key, value);  // keeps the group's own
  validate(group.options);
  groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& g : groups_)
    for (auto& p : g.params) p.zero_grad(set_to_none);
}

double Optimizer::option(const ParamGroup& g, const std::string& key) {
  auto it = g.options.find(key);
  TZ_CHECK(it != g.options.end(), "optimizer", "parameter group has no option '", key, "'");
  return it->second;
}

double Optimizer::lr(size_t group) const {
  TZ_CHECK(group < groups_.size(), name_, "group ", group, " out of range (", groups_.size(), " groups)");
  return option(groups_[group], "lr");
}

void Optimizer::set_lr(double lr) {
  for (auto& g : groups_) g.options["lr"] = lr;
}

nn::StateDict Optimizer::state_dict() const {
  nn::StateDict out;
  int64_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    for (const auto& [key, value] : groups_[g].options) out[prefix + key] = scalar_tensor(value, DType::F64);
    std::vector<int64_t> indices;
    for (const Tensor& p : groups_[g].params) {
      auto it = state_.find(p.impl());
      if (it != state_.end()) {
        const std::string sp = "state." + std::to_string(index) + ".";
        out[sp + "step"] = scalar_tensor(it->second.step, DType::I64);
        for (const auto& [name, t] : it->second.buffers)
          if (t.defined()) out[sp + name] = t.detach();
      }
      indices.push_back(index++);
    }
    out[prefix + "params"] = from_vector(indices);
  }
  return out;
}

void Optimizer::load_state_dict(const nn::StateDict& dict) {
  const char* op = "load_state_dict";
  // Group sizes first, so a mismatched checkpoint changes nothing.
  std::vector<const Tensor*> params;
  for (size_t g = 0; g < groups_.size(); ++g) {
    auto it = dict.find("param_groups." + std::to_string(g) + ".params");
    TZ_CHECK(it != dict.end(), op, name_, " has ", groups_.size(), " parameter groups; the state dict lacks 'param_groups.",
             g, ".params'");
    TZ_CHECK(it->second.numel() == int64_t(groups_[g].params.size()), op, "parameter group ", g, " has ",
             groups_[g].params.size(), " parameters; the state dict's group has ", it->second.numel());
    for (const Tensor& p : groups_[g].params) params.push_back(&p);
  }
  std::vector<Options> options(groups_.size());
  std::unordered_map<const TensorImpl*, ParamState> state;
  for (const auto& [key, value] : dict) {
    const auto dot1 = key.find('.');
    const auto dot2 = dot1 == std::string::npos ? std::string::npos : key.find('.', dot1 + 1);
    TZ_CHECK(dot2 != std::string::npos, op, "unexpected key '", key, "' in ", name_, " state dict");
    const std::string kind = key.substr(0, dot1), name = key.substr(dot2 + 1);
    size_t idx = 0;
    try {
      idx = std::stoul(key.substr(dot1 + 1, dot2 - dot1 - 1));
    } catch (const std::exception&) {
      TZ_FAIL(op, "unexpected key '", key, "' in ", name_, " state dict");
    }
    if (kind == "param_groups") {
      TZ_CHECK(idx < groups_.size(), op, "state dict has parameter group ", idx, " but ", name_, " has ",
               groups_.size());
      if (name == "params") continue;
      TZ_CHECK(value.numel() == 1, op, "'", key, "' must hold one number, got ", describe(value));
      options[idx][name] = value.item<double>();
    } else if (kind == "state") {
      TZ_CHECK(idx < params.size(), op, "state dict has state for parameter ", idx, " but ", name_, " has ",
               params.size(), " parameters");
      const Tensor& p = *params[idx];
      ParamState& st = state[p.impl()];
      if (name == "step") {
        TZ_CHECK(value.numel() == 1, op, "'", key, "' must hold one number, got ", describe(value));
        st.step = value.item<int64_t>();
        continue;
      }
      NoGradGuard no_grad;
      Tensor t = value.detach().to(p.device(), value.is_floating_point() ? p.dtype() : value.dtype());
      if (t.is_same(value) || t.storage() == value.storage()) t = t.clone();
      st.buffers[name] = t;
    } else {
      TZ_FAIL(op, "unexpected key '", key, "' in ", name_, " state dict");
    }
  }
  for (size_t g = 0; g < groups_.size(); ++g) {
    Options merged = groups_[g].options;
    for (const auto& [k, v] : options[g]) merged[k] = v;
    validate(merged);
    options[g] = std::move(merged);
  }
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = std::move(options[g]);
  state_ = std::move(state);
}

}  // namespace tz::optim
