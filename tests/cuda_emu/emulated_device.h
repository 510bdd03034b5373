#pragma once
/// Test devices whose kernels are the CPU backend's except one family, which runs the CUDA
/// kernel file compiled for the CPU kernel emulator (the emulated_*.cpp wrappers). Ops on such a
/// device build their real kernel arguments (tap tables, permuted views, split reductions), so a
/// test compares `op(x.to(device))` with `op(x)` on the CPU. The optional fused kernels (softmax,
/// norms, conv, pool, attention) are left out, so those ops take their composites.
#include "core/device.h"

namespace tz::cuda_emu_tests {

enum class EmulatedFamily {
  resample,  // device ext3: Backend::resample runs cuda_resample.cu
  reduce,    // device ext2: Backend::reduce and arg_reduce run cuda_reduce.cu
  index,     // device ext1: Backend::gather, scatter and nonzero run cuda_index.cu
};

/// The device for `family` (registered on first use).
Device emulated_device(EmulatedFamily family);

/// Calls into the emulated kernels of `family`; `strided` counts those with a non-contiguous
/// input or output view. Tests reset them and check that the path they meant to cover ran.
struct EmulatedCalls {
  int calls = 0;
  int strided = 0;
};
EmulatedCalls& emulated_calls(EmulatedFamily family);

}  // namespace tz::cuda_emu_tests
