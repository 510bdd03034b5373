// The fused optimizer kernels (backends/cuda/cuda_optim.cu) compiled for the CPU kernel emulator,
// with entry points for tests/cuda_emu/test_emulated_optim.cpp.
#include "backends/cuda/emu/cuda_emulator.h"
// Keep the kernel file after the emulator header: it must see the emulated built-ins.
#include "backends/cuda/cuda_optim.cu"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace tz::cuda_emu_tests {

bool adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg, const TensorView& exp_avg_sq,
               const TensorView& max_exp_avg_sq, const AdamStepParams& p) {
  return ::tz::cuda_backend::adam_step_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, p);
}

bool sgd_step(const TensorView& param, const TensorView& grad, const TensorView& momentum_buffer,
              const SgdStepParams& p) {
  return ::tz::cuda_backend::sgd_step_kernel(param, grad, momentum_buffer, p);
}

}  // namespace tz::cuda_emu_tests
