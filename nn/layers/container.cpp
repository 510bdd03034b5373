// Sequential, ModuleList, ModuleDict. Each keeps its own typed list next to the Module registry
// (which owns the names used in state_dict), so indexing needs no name lookup.
#include "nn/layers/container.h"

#include <algorithm>

namespace tz::nn {

namespace {
size_t wrap_index(int64_t i, size_t n, const char* op) {
  const int64_t size = int64_t(n);
  TZ_CHECK(i >= -size && i < size, op, "index ", i, " is out of range for a container of ", n, " modules");
  return size_t(i < 0 ? i + size : i);
}
}  // namespace

Sequential::Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> modules) : UnaryModule("Sequential") {
  for (const auto& m : modules) append(std::to_string(modules_.size()), m);
}

Sequential::Sequential(const std::vector<std::pair<std::string, std::shared_ptr<UnaryModule>>>& named)
    : UnaryModule("Sequential") {
  for (const auto& [name, m] : named) append(name, m);
}

void Sequential::append(const std::string& name, std::shared_ptr<UnaryModule> module) {
  TZ_CHECK(module != nullptr, "Sequential", "cannot append a null module");
  const auto children = named_children();
  TZ_CHECK(std::none_of(children.begin(), children.end(), [&](const auto& c) { return c.first == name; }),
           "Sequential", "a module named '", name, "' is already present");
  register_module(name, module);
  modules_.push_back(std::move(module));
}

std::shared_ptr<UnaryModule> Sequential::operator[](int64_t i) const {
  return modules_[wrap_index(i, modules_.size(), "Sequential")];
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& m : modules_) y = (*m)(y);
  return y;
}

ModuleList::ModuleList(std::initializer_list<std::shared_ptr<Module>> modules) : Module("ModuleList") {
  for (const auto& m : modules) append(m);
}

void ModuleList::append(std::shared_ptr<Module> module) {
  TZ_CHECK(module != nullptr, "ModuleList", "cannot append a null module");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

std::shared_ptr<Module> ModuleList::operator[](int64_t i) const {
  return modules_[wrap_index(i, modules_.size(), "ModuleList")];
}

ModuleDict::ModuleDict(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& entries)
    : Module("ModuleDict") {
  for (const auto& [name, m] : entries) set(name, m);
}

void ModuleDict::set(const std::string& name, std::shared_ptr<Module> module) {
  TZ_CHECK(module != nullptr, "ModuleDict", "cannot insert a null module as '", name, "'");
  register_module(name, std::move(module));
}

bool ModuleDict::contains(const std::string& name) const {
  const auto children = named_children();
  return std::any_of(children.begin(), children.end(), [&](const auto& c) { return c.first == name; });
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : named_children()) out.push_back(name);
  return out;
}

}  // namespace tz::nn
