#pragma once
/// Containers as torch.nn: Sequential (a chain of UnaryModules named "0", "1", ...),
/// ModuleList (indexed submodules, no forward) and ModuleDict (named submodules, in insertion
/// order). Their children appear in named_parameters / state_dict under those names
/// ("layers.0.weight"), so PyTorch checkpoints of the same structure load directly.
///
///   auto mlp = std::make_shared<nn::Sequential>();
///   mlp->push_back(std::make_shared<nn::Linear>(4, 8));
///   mlp->push_back(std::make_shared<nn::ReLU>());
///   Tensor y = (*mlp)(x);
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace tz::nn {

namespace detail {
/// shared_ptr<Base> -> shared_ptr<M>, throwing "[op] element <name> is a <type>, not the requested type".
template <class M, class Base>
std::shared_ptr<M> checked_cast(const std::shared_ptr<Base>& m, const char* op, const std::string& name) {
  auto typed = std::dynamic_pointer_cast<M>(m);
  TZ_CHECK(typed != nullptr, op, "element ", name, " is a ", m->type_name(), ", not the requested type");
  return typed;
}
}  // namespace detail

class Sequential : public UnaryModule {
 public:
  Sequential() : UnaryModule("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> modules);
  /// Named entries (PyTorch's Sequential(OrderedDict(...))).
  explicit Sequential(const std::vector<std::pair<std::string, std::shared_ptr<UnaryModule>>>& named);

  /// Appends under the next index ("0", "1", ...) and returns the module (typed).
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    append(std::to_string(modules_.size()), module);
    return module;
  }
  /// Appends under a name.
  template <class M>
  std::shared_ptr<M> push_back(const std::string& name, std::shared_ptr<M> module) {
    append(name, module);
    return module;
  }
  /// Element i (negative counts from the end); throws when out of range.
  std::shared_ptr<UnaryModule> operator[](int64_t i) const;
  template <class M>
  std::shared_ptr<M> at(int64_t i) const { return detail::checked_cast<M>((*this)[i], "Sequential", std::to_string(i)); }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

  /// Runs the modules in order (each through its operator(), so their hooks fire).
  Tensor forward(const Tensor& x) override;

 private:
  void append(const std::string& name, std::shared_ptr<UnaryModule> module);
  std::vector<std::shared_ptr<UnaryModule>> modules_;
};

class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  ModuleList(std::initializer_list<std::shared_ptr<Module>> modules);

  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    append(module);
    return module;
  }
  /// Element i (negative counts from the end); throws when out of range.
  std::shared_ptr<Module> operator[](int64_t i) const;
  template <class M>
  std::shared_ptr<M> at(int64_t i) const { return detail::checked_cast<M>((*this)[i], "ModuleList", std::to_string(i)); }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  void append(std::shared_ptr<Module> module);
  std::vector<std::shared_ptr<Module>> modules_;
};

class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}
  explicit ModuleDict(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& entries);

  /// Adds or replaces (keeping the original position) the entry `name`.
  template <class M>
  std::shared_ptr<M> insert(const std::string& name, std::shared_ptr<M> module) {
    set(name, module);
    return module;
  }
  /// The entry `name`; throws listing the available keys.
  std::shared_ptr<Module> operator[](const std::string& name) const { return child(name); }
  template <class M>
  std::shared_ptr<M> at(const std::string& name) const { return detail::checked_cast<M>(child(name), "ModuleDict", name); }
  bool contains(const std::string& name) const;
  std::vector<std::string> keys() const;
  size_t size() const { return named_children().size(); }
  bool empty() const { return size() == 0; }
  /// (name, module) pairs in insertion order.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> items() const { return named_children(); }

 private:
  void set(const std::string& name, std::shared_ptr<Module> module);
};

}  // namespace tz::nn
