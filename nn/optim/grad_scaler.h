#pragma once
/// Loss scaling for float16 mixed-precision training (PyTorch's torch.amp.GradScaler).
///
/// f16 gradients of small losses underflow to zero; scaling the loss up before backward keeps
/// them representable, and the gradients are divided by the same factor before the update:
///
///   tz::optim::GradScaler scaler;                  // init 65536, x2 every 2000 clean steps, x0.5 on inf
///   for (...) {
///     opt.zero_grad();
///     Tensor loss;
///     { tz::autocast::Guard amp(DType::F16); loss = loss_fn(model.forward(x), y); }
///     scaler.scale(loss).backward();
///     scaler.unscale_(opt);                        // optional: e.g. to clip true gradients
///     scaler.step(opt);                            // skipped when a gradient is inf/NaN
///     scaler.update();                             // backoff after inf, growth after a clean run
///   }
///
/// The scale lives on the host; the inf/NaN check costs one device -> host transfer per
/// unscale_ (all gradients of the optimizer are checked together on their device).
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "core/tensor.h"
#include "nn/optim/optimizer.h"

namespace tz::optim {

struct GradScalerOptions {
  double init_scale = 65536.0;   // 2^16
  double growth_factor = 2.0;    // scale *= growth_factor after growth_interval clean steps
  double backoff_factor = 0.5;   // scale *= backoff_factor after a step with inf/NaN gradients
  int64_t growth_interval = 2000;
  /// Disabled: scale() returns the loss, step() always steps, update() does nothing.
  bool enabled = true;
};

class GradScaler {
 public:
  explicit GradScaler(const GradScalerOptions& options = {});

  /// loss * scale (16-bit losses are first widened to f32 so the product cannot overflow).
  Tensor scale(const Tensor& loss) const;
  /// Divides the gradients of `opt`'s parameters by the scale in place and records whether any
  /// is inf/NaN. At most once per optimizer between update() calls (throws otherwise).
  void unscale_(Optimizer& opt);
  /// unscale_ (unless already done), then opt.step() unless an inf/NaN gradient was found.
  /// Returns whether the optimizer stepped.
  bool step(Optimizer& opt);
  /// Adjusts the scale from this iteration's steps (backoff if any optimizer saw inf/NaN,
  /// growth after growth_interval clean iterations in a row), or sets it to `new_scale`.
  void update(std::optional<double> new_scale = std::nullopt);

  double get_scale() const { return scale_; }
  /// Clean iterations since the last growth or backoff.
  int64_t growth_tracker() const { return growth_tracker_; }
  bool is_enabled() const { return options_.enabled; }
  const GradScalerOptions& options() const { return options_; }

 private:
  struct OptimizerState {
    bool unscaled = false;
    bool found_inf = false;
  };
  GradScalerOptions options_;
  double scale_;
  int64_t growth_tracker_ = 0;
  std::unordered_map<const Optimizer*, OptimizerState> per_optimizer_;
};

}  // namespace tz::optim

namespace tz::amp {
/// PyTorch's spelling (torch.amp.GradScaler).
using optim::GradScaler;
using optim::GradScalerOptions;
}  // namespace tz::amp
