// The fused softmax / log-softmax kernels (backends/cuda/cuda_softmax.cu) compiled for the CPU
// kernel emulator, with entry points for tests/cuda_emu/test_emulated_softmax.cpp.
#include "backends/cuda/emu/cuda_emulator.h"
// Keep the kernel file after the emulator header: it must see the emulated built-ins.
#include "backends/cuda/cuda_softmax.cu"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace tz::cuda_emu_tests {

bool softmax_forward(const TensorView& out, const TensorView& in, bool log) {
  return ::tz::cuda_backend::launch_softmax(out, in, log);
}

bool softmax_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& out, bool log) {
  return ::tz::cuda_backend::launch_softmax_backward(grad_in, grad_out, out, log);
}

}  // namespace tz::cuda_emu_tests
