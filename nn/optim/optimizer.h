#pragma once
/// Optimizer base class with PyTorch's parameter groups and a tensors-only state_dict.
///
/// Namespace tz::optim (as torch.optim; tz::nn::optim is an alias). Each ParamGroup holds its
/// parameters and a map of scalar hyper-parameters ("lr", "momentum", "beta1", ...); options a
/// group does not set come from the optimizer's defaults, so groups can differ in lr or weight
/// decay:
///
///   tz::optim::AdamW opt({{model.decay_params(), {}}, {model.no_decay_params(), {{"weight_decay", 0.0}}}},
///                        {.lr = 3e-4});
///
/// Updates run under NoGradGuard with in-place ops on the parameters (device-agnostic: the same
/// code runs on every backend). Per-parameter state (momentum buffers, moments, step counts)
/// lives with the optimizer and is created lazily on the first step that sees a gradient.
///
/// state_dict() holds tensors only, so a checkpoint is one safetensors file:
///   "param_groups.<g>.<option>"  0-d float64 per hyper-parameter of group g
///   "param_groups.<g>.params"    1-d int64: the global indices of the group's parameters
///   "state.<i>.step"             0-d int64 step count of parameter i (global index: the
///                                order of parameters across groups, as PyTorch)
///   "state.<i>.<name>"           its state tensors ("momentum_buffer", "exp_avg", ...)
/// The state tensors share storage with the optimizer's (as PyTorch); save or clone them
/// before stepping again if you need a snapshot.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/tensor.h"
#include "nn/module.h"

namespace tz::optim {

using Options = std::map<std::string, double>;

struct ParamGroup {
  TensorList params;
  Options options;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// "SGD", "Adam", "AdamW".
  const std::string& name() const { return name_; }
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }

  /// Appends a group: missing options are filled from the defaults, then validated. Throws if a
  /// parameter is undefined, not floating, or already in a group.
  void add_param_group(ParamGroup group);
  /// Clears every parameter's gradient (to none, or to zeros in place).
  void zero_grad(bool set_to_none = true);
  /// One update of every parameter that has a gradient.
  virtual void step() = 0;

  /// The learning rate of group g; set_lr sets it in every group.
  double lr(size_t group = 0) const;
  void set_lr(double lr);

  /// See the file comment for the key layout.
  nn::StateDict state_dict() const;
  /// Restores group options and per-parameter state from state_dict() output (e.g. read back
  /// from safetensors). The number of groups and each group's size must match; state tensors
  /// are copied onto the parameter's device (floating ones in its dtype). Unknown keys throw.
  void load_state_dict(const nn::StateDict& dict);

 protected:
  Optimizer(std::string name, Options defaults);
  /// Called by the subclass constructor once its defaults are known.
  void init_groups(std::vector<ParamGroup> groups);
  /// Throws "[<name>] ..." when a group's options are out of range.
  virtual void validate(const Options& options) const = 0;

  struct ParamState {
    int64_t step = 0;
    std::map<std::string, Tensor> buffers;
  };
  /// The (lazily created) state of a parameter.
  ParamState& state_of(const Tensor& param) { return state_[param.impl()]; }
  static double option(const ParamGroup& g, const std::string& key);

 private:
  std::string name_;
  Options defaults_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

}  // namespace tz::optim

namespace tz::nn {
namespace optim = ::tz::optim;
}  // namespace tz::nn
