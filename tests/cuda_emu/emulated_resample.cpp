// The sparse resampling kernel (backends/cuda/cuda_resample.cu) compiled for the CPU kernel
// emulator, with an entry point for tests/cuda_emu/test_emulated_resample.cpp.
#include "backends/cuda/emu/cuda_emulator.h"
// Keep the kernel file after the emulator header: it must see the emulated built-ins.
#include "backends/cuda/cuda_resample.cu"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace tz::cuda_emu_tests {

bool resample(const TensorView& out, const TensorView& in, const ResampleParams& p) {
  return ::tz::cuda_backend::launch_resample(out, in, p);
}

}  // namespace tz::cuda_emu_tests
