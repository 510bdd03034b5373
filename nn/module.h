#pragma once
/// nn::Module: the base of every layer and model. Parameters, buffers and submodules are
/// registered by name; names are dotted paths ("blocks.0.attn.qkv.weight") as in PyTorch, so a
/// state_dict saved by PyTorch (as safetensors) loads into the matching tensorzoo module.
///
///   class Mlp : public nn::UnaryModule {
///    public:
///     Mlp(int64_t d) : UnaryModule("Mlp") {
///       fc1 = register_module("fc1", std::make_shared<nn::Linear>(d, 4 * d));
///       fc2 = register_module("fc2", std::make_shared<nn::Linear>(4 * d, d));
///     }
///     Tensor forward(const Tensor& x) override { return (*fc2)(tz::gelu((*fc1)(x))); }
///     std::shared_ptr<nn::Linear> fc1, fc2;
///   };
///
/// Layers keep Tensor handles to their parameters (weight, bias); the module's registry holds
/// the same handles, and to(device/dtype) / load_state_dict update them in place, so both views
/// stay in sync.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace tz::nn {

using StateDict = std::map<std::string, Tensor>;

/// What load_state_dict found (strict loading throws listing all of it at once).
struct LoadResult {
  std::vector<std::string> missing;      // in the module, not in the dict
  std::vector<std::string> unexpected;   // in the dict, not in the module
  std::vector<std::string> mismatched;   // "name: expected [4, 3], got [3, 4]"
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
};

class Module;
/// Called after forward with the module, its inputs and output; a defined return value
/// replaces the output (activation patching), an undefined one keeps it (capture).
using ForwardHook = std::function<Tensor(Module&, const TensorList& inputs, const Tensor& output)>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// "Linear", "Sequential", ...
  const std::string& type_name() const { return type_name_; }
  /// Hyper-parameters shown in summary() ("in_features=4, out_features=3, bias=true").
  virtual std::string extra_repr() const { return ""; }

  // ---- registration ---------------------------------------------------------------------
  /// Registers (or replaces) a parameter; it requires grad unless requires_grad is false.
  Tensor register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  /// Registers a buffer (running statistics, masks); non-persistent ones stay out of state_dict.
  Tensor register_buffer(const std::string& name, Tensor value, bool persistent = true);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // ---- access ---------------------------------------------------------------------------
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  TensorList parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  TensorList buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  /// This module ("" prefix) and every descendant with its dotted name, depth first.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules();
  /// A direct parameter / buffer / child by name; throws naming the available ones.
  Tensor parameter(const std::string& name) const;
  Tensor buffer(const std::string& name) const;
  std::shared_ptr<Module> child(const std::string& name) const;

  // ---- modes and devices ----------------------------------------------------------------
  /// Sets training mode here and in all descendants (Dropout, BatchNorm read it).
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  /// Moves every parameter and buffer (in place: handles held by layers follow).
  void to(const Device& device);
  /// Casts floating parameters and buffers.
  void to(DType dtype);
  void zero_grad(bool set_to_none = true);
  /// Calls fn on this module and every descendant (e.g. custom initialisation).
  void apply(const std::function<void(Module&)>& fn);

  // ---- state ----------------------------------------------------------------------------
  /// Parameters and persistent buffers by dotted name (detached handles sharing storage).
  StateDict state_dict() const;
  /// Copies values in (shapes must match; dtype/device are converted). Strict: throws
  /// "[load_state_dict] ..." listing every missing, unexpected and mis-shaped key.
  /// Before matching, every module in the tree (parents first) may rewrite the dict's keys under
  /// its own prefix with upgrade_state_dict, so checkpoints written by older versions (or by a
  /// reference implementation with other names) load; the caller's dict is not changed.
  LoadResult load_state_dict(const StateDict& dict, bool strict = true);
  /// The upgrade hook: renames or converts, in place, the keys of `dict` under `prefix` (this
  /// module's dotted prefix, "" or ending in '.') that an older layout of this module wrote, and
  /// may add entries the old layout lacked (e.g. a buffer that was once re-derived from a seed).
  /// It must leave keys that already have the current layout alone. Default: nothing.
  virtual void upgrade_state_dict(const std::string& prefix, StateDict& dict) const;
  /// Number of parameter elements (only trainable ones when asked).
  int64_t num_parameters(bool only_trainable = false) const;
  /// PyTorch-style printout of the module tree with a parameter count.
  std::string summary() const;

  // ---- hooks ----------------------------------------------------------------------------
  int register_forward_hook(ForwardHook hook);
  void remove_forward_hook(int handle);
  /// Runs the forward hooks on (inputs, output) and returns the possibly replaced output.
  /// Modules call this at the end of operator().
  Tensor run_forward_hooks(const TensorList& inputs, Tensor output);

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);

 private:
  void collect_named(const std::string& prefix, bool params, bool recurse, bool persistent_only,
                     std::vector<std::pair<std::string, Tensor>>& out) const;
  void summary_into(std::string& out, const std::string& name, int indent) const;
  void upgrade_tree(const std::string& prefix, StateDict& dict) const;

  std::string type_name_;
  bool training_ = true;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::string> non_persistent_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<int, ForwardHook>> hooks_;
  int next_hook_ = 1;
};

/// For upgrade hooks: moves dict[from] to dict[to] when `from` is present and `to` is not;
/// returns whether it moved.
bool rename_state_key(StateDict& dict, const std::string& from, const std::string& to);

/// A module with one tensor in and one out; operator() runs forward and the forward hooks.
class UnaryModule : public Module {
 public:
  using Module::Module;
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return run_forward_hooks({x}, forward(x)); }
};

}  // namespace tz::nn
