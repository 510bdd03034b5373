// The fused layer-norm / RMS-norm kernels (backends/cuda/cuda_norm.cu) compiled for the CPU
// kernel emulator, with entry points for tests/cuda_emu/test_emulated_norm.cpp.
#include "backends/cuda/emu/cuda_emulator.h"
// Keep the kernel file after the emulator header: it must see the emulated built-ins.
#include "backends/cuda/cuda_norm.cu"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace tz::cuda_emu_tests {

bool norm_forward(const TensorView& out, const TensorView& mean, const TensorView& rstd, const TensorView& in,
                  const TensorView& weight, const TensorView& bias, double eps, bool rms) {
  return ::tz::cuda_backend::norm_forward(out, mean, rstd, in, weight, bias, eps, rms);
}

bool norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_bias,
                   const TensorView& grad_out, const TensorView& in, const TensorView& weight, double eps, bool rms) {
  return ::tz::cuda_backend::norm_backward(grad_in, grad_weight, grad_bias, grad_out, in, weight, eps, rms);
}

}  // namespace tz::cuda_emu_tests
