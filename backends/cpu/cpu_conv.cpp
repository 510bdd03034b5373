// The CPU backend's conv entry points: maps each (regular or transposed) request onto one of
// the three regular-convolution maps, and picks oneDNN (f32) or the reference loops.
#include <atomic>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_conv.h"

namespace tz::cpu {

namespace {

std::atomic<bool> g_onednn_enabled{true};

void run_forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias, const ConvParams& p) {
  if (g_onednn_enabled && conv_onednn::forward(y, x, w, bias, p)) return;
  conv_reference::forward(y, x, w, bias, p);
}

void run_backward_input(const TensorView& gx, const TensorView& gy, const TensorView& w, const TensorView& bias,
                        const ConvParams& p) {
  if (g_onednn_enabled && conv_onednn::backward_input(gx, gy, w, p)) {
    if (bias.data) conv_reference::add_channel_bias(gx, bias);
    return;
  }
  conv_reference::backward_input(gx, gy, w, bias, p);
}

void run_backward_weight(const TensorView& gw, const TensorView& gy, const TensorView& x, const ConvParams& p) {
  if (g_onednn_enabled && conv_onednn::backward_weight(gw, gy, x, p)) return;
  conv_reference::backward_weight(gw, gy, x, p);
}

}  // namespace

void set_conv_onednn_enabled(bool enabled) { g_onednn_enabled = enabled; }
bool conv_onednn_enabled() { return g_onednn_enabled; }

bool CpuBackend::conv(const TensorView& out, const TensorView& in, const TensorView& weight, const TensorView& bias,
                      const ConvParams& p) {
  if (!is_floating(in.dtype)) return false;
  if (!p.transposed) run_forward(out, in, weight, bias, p);
  else run_backward_input(out, in, weight, bias, p);  // the transposed conv's input plays gy
  return true;
}

bool CpuBackend::conv_backward_input(const TensorView& grad_in, const TensorView& grad_out, const TensorView& weight,
                                     const ConvParams& p) {
  if (!is_floating(grad_in.dtype)) return false;
  const TensorView no_bias{nullptr, grad_in.dtype, {0}, {1}};
  if (!p.transposed) run_backward_input(grad_in, grad_out, weight, no_bias, p);
  else run_forward(grad_in, grad_out, weight, no_bias, p);
  return true;
}

bool CpuBackend::conv_backward_weight(const TensorView& grad_w, const TensorView& grad_out, const TensorView& in,
                                      const ConvParams& p) {
  if (!is_floating(grad_w.dtype)) return false;
  if (!p.transposed) run_backward_weight(grad_w, grad_out, in, p);
  else run_backward_weight(grad_w, in, grad_out, p);  // the transposed conv's input plays gy
  return true;
}

}  // namespace tz::cpu
