#include "nn/module.h"

#include <algorithm>
#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/ops_shape.h"
#include "core/dispatch.h"

namespace tz::nn {

namespace {
template <class V>
auto find_named(V& v, const std::string& name) {
  return std::find_if(v.begin(), v.end(), [&](const auto& p) { return p.first == name; });
}
template <class V>
std::string names_of(const V& v) {
  std::string s;
  for (auto& p : v) s += (s.empty() ? "" : ", ") + p.first;
  return s.empty() ? "none" : s;
}
void check_name(const std::string& name, const char* what) {
  TZ_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module", what, " name '", name,
           "' must be non-empty and contain no '.'");
}
}  // namespace

Tensor Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_name(name, "parameter");
  if (value.defined() && requires_grad) value.requires_grad_(true);
  auto it = find_named(params_, name);
  if (it != params_.end()) it->second = value;
  else params_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value, bool persistent) {
  check_name(name, "buffer");
  auto it = find_named(buffers_, name);
  if (it != buffers_.end()) it->second = value;
  else buffers_.emplace_back(name, value);
  std::erase(non_persistent_, name);
  if (!persistent) non_persistent_.push_back(name);
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, "submodule");
  TZ_CHECK(module != nullptr, "Module", "submodule '", name, "' is null");
  auto it = find_named(children_, name);
  if (it != children_.end()) it->second = std::move(module);
  else children_.emplace_back(name, std::move(module));
}

void Module::collect_named(const std::string& prefix, bool params, bool recurse, bool persistent_only,
                           std::vector<std::pair<std::string, Tensor>>& out) const {
  for (auto& [n, t] : params ? params_ : buffers_) {
    if (!t.defined()) continue;
    if (!params && persistent_only && std::find(non_persistent_.begin(), non_persistent_.end(), n) != non_persistent_.end())
      continue;
    out.emplace_back(prefix + n, t);
  }
  if (!recurse) return;
  for (auto& [n, c] : children_) c->collect_named(prefix + n + ".", params, true, persistent_only, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect_named("", true, recurse, false, out);
  // A parameter shared by two submodules (tied weights) is listed once, under its first name.
  std::vector<std::pair<std::string, Tensor>> unique;
  for (auto& p : out)
    if (std::none_of(unique.begin(), unique.end(), [&](auto& q) { return q.second.is_same(p.second); })) unique.push_back(p);
  return unique;
}

TensorList Module::parameters(bool recurse) const {
  TensorList out;
  for (auto& p : named_parameters(recurse)) out.push_back(p.second);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect_named("", false, recurse, false, out);
  return out;
}

TensorList Module::buffers(bool recurse) const {
  TensorList out;
  for (auto& p : named_buffers(recurse)) out.push_back(p.second);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const { return children_; }

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  // Iterative depth-first walk (models can be deep).
  // A module not owned by a shared_ptr (a layer on the stack) is returned as a non-owning
  // handle instead of throwing bad_weak_ptr, so apply() and named_modules() work on it too.
  std::shared_ptr<Module> self = weak_from_this().lock();
  if (!self) self = std::shared_ptr<Module>(std::shared_ptr<Module>(), this);
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> stack{{"", self}};
  while (!stack.empty()) {
    auto [name, m] = stack.back();
    stack.pop_back();
    out.emplace_back(name, m);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(name.empty() ? it->first : name + "." + it->first, it->second);
  }
  return out;
}

Tensor Module::parameter(const std::string& name) const {
  auto it = find_named(params_, name);
  TZ_CHECK(it != params_.end(), type_name_, "no parameter '", name, "' (has: ", names_of(params_), ")");
  return it->second;
}

Tensor Module::buffer(const std::string& name) const {
  auto it = find_named(buffers_, name);
  TZ_CHECK(it != buffers_.end(), type_name_, "no buffer '", name, "' (has: ", names_of(buffers_), ")");
  return it->second;
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  auto it = find_named(children_, name);
  TZ_CHECK(it != children_.end(), type_name_, "no submodule '", name, "' (has: ", names_of(children_), ")");
  return it->second;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::to(const Device& device) {
  NoGradGuard ng;
  for (auto& [n, t] : named_parameters()) t.set_data(t.detach().to(device));
  for (auto& [n, t] : named_buffers()) t.set_data(t.to(device));
  for (auto& [n, t] : named_parameters())
    if (t.grad().defined()) t.set_grad(t.grad().to(device));
}

void Module::to(DType dtype) {
  TZ_CHECK(is_floating(dtype), type_name_, "to(dtype) expects a floating dtype, got ", dtype_name(dtype));
  NoGradGuard ng;
  for (auto& [n, t] : named_parameters())
    if (is_floating(t.dtype())) t.set_data(t.detach().to(dtype));
  for (auto& [n, t] : named_buffers())
    if (is_floating(t.dtype())) t.set_data(t.to(dtype));
}

void Module::zero_grad(bool set_to_none) {
  for (auto& t : parameters()) t.zero_grad(set_to_none);
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [n, m] : named_modules()) fn(*m);
}

StateDict Module::state_dict() const {
  StateDict d;
  std::vector<std::pair<std::string, Tensor>> all;
  collect_named("", true, true, false, all);  // tied parameters appear under every name, as PyTorch
  collect_named("", false, true, true, all);
  for (auto& [n, t] : all) d[n] = t.detach();
  return d;
}

void Module::upgrade_state_dict(const std::string&, StateDict&) const {}

void Module::upgrade_tree(const std::string& prefix, StateDict& dict) const {
  upgrade_state_dict(prefix, dict);
  for (const auto& [n, c] : children_) c->upgrade_tree(prefix + n + ".", dict);
}

bool rename_state_key(StateDict& dict, const std::string& from, const std::string& to) {
  auto it = dict.find(from);
  if (it == dict.end() || dict.count(to)) return false;
  Tensor t = it->second;
  dict.erase(it);
  dict.emplace(to, std::move(t));
  return true;
}

LoadResult Module::load_state_dict(const StateDict& given, bool strict) {
  StateDict dict = given;  // tensor handles only; the upgrade hooks rewrite this copy's keys
  upgrade_tree("", dict);
  std::vector<std::pair<std::string, Tensor>> all;
  collect_named("", true, true, false, all);
  collect_named("", false, true, true, all);
  LoadResult r;
  for (auto& [n, t] : all) {
    auto it = dict.find(n);
    if (it == dict.end()) {
      r.missing.push_back(n);
    } else if (it->second.shape() != t.shape()) {
      r.mismatched.push_back(n + ": expected " + shape_str(t.shape()) + ", got " + shape_str(it->second.shape()));
    }
  }
  for (const auto& entry : dict) {
    const std::string& n = entry.first;  // a plain name: clang 14 cannot capture structured bindings
    if (std::none_of(all.begin(), all.end(), [&](auto& p) { return p.first == n; })) r.unexpected.push_back(n);
  }
  if (strict && !r.ok()) {
    std::ostringstream os;
    os << "[load_state_dict] " << type_name_ << ": ";
    auto list = [&](const char* what, const std::vector<std::string>& v) {
      if (v.empty()) return;
      os << v.size() << " " << what << " (";
      for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
      os << "); ";
    };
    list("missing keys", r.missing);
    list("unexpected keys", r.unexpected);
    list("shape mismatches", r.mismatched);
    throw Error(os.str());
  }
  NoGradGuard ng;
  for (auto& [n, t] : all) {
    auto it = dict.find(n);
    if (it == dict.end() || it->second.shape() != t.shape()) continue;
    dispatch::copy_into(t, it->second);
    t.bump_version();
  }
  return r;
}

int64_t Module::num_parameters(bool only_trainable) const {
  int64_t n = 0;
  for (auto& t : parameters())
    if (!only_trainable || t.requires_grad()) n += t.numel();
  return n;
}

void Module::summary_into(std::string& out, const std::string& name, int indent) const {
  const std::string pad(size_t(indent), ' ');
  out += (name.empty() ? "" : "(" + name + "): ") + type_name_ + "(" + extra_repr();
  if (children_.empty()) {
    out += ")\n";
    return;
  }
  out += "\n";
  for (auto& [n, c] : children_) {
    out += pad + "  ";
    c->summary_into(out, n, indent + 2);
  }
  out += pad + ")\n";
}

std::string Module::summary() const {
  std::string out;
  summary_into(out, "", 0);
  const int64_t total = num_parameters(), trainable = num_parameters(true);
  out += "parameters: " + std::to_string(total) + " (" + std::to_string(trainable) + " trainable)\n";
  return out;
}

int Module::register_forward_hook(ForwardHook hook) {
  hooks_.emplace_back(next_hook_, std::move(hook));
  return next_hook_++;
}

void Module::remove_forward_hook(int handle) {
  std::erase_if(hooks_, [&](auto& h) { return h.first == handle; });
}

Tensor Module::run_forward_hooks(const TensorList& inputs, Tensor output) {
  for (auto& [id, hook] : hooks_) {
    Tensor r = hook(*this, inputs, output);
    if (r.defined()) output = r;
  }
  return output;
}

}  // namespace tz::nn
