#pragma once
/// Stand-in for CUB's device-wide scan under the CPU kernel emulator (backends/cuda/emu): CUB's
/// own kernels cannot run there, so a kernel file that calls cub::DeviceScan gets this header
/// instead (the emulated test target puts this folder first on its include path). It keeps
/// CUB's calling contract: a first call with null temp storage asks for the temp size, a second
/// call scans. The prefix sum itself is a loop over host memory, which is what "device" memory
/// is under emulation; the kernels around it still run emulated.
#include <cuda_runtime.h>

#include <cstddef>

namespace cub {

struct DeviceScan {
  /// out[i] = in[0] + ... + in[i] for i < num_items.
  template <class In, class Out, class NumItems>
  static cudaError_t InclusiveSum(void* temp_storage, size_t& temp_bytes, In in, Out out, NumItems num_items,
                                  cudaStream_t = nullptr) {
    if (temp_storage == nullptr) {
      temp_bytes = 1;
      return cudaSuccess;
    }
    if (num_items <= 0) return cudaSuccess;
    auto running = in[0];
    out[0] = running;
    for (NumItems i = 1; i < num_items; ++i) {
      running = running + in[i];
      out[i] = running;
    }
    return cudaSuccess;
  }
};

}  // namespace cub
