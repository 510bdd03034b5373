#pragma once
/// Kernel launch and dynamic shared memory spelled as macros, so that a kernel file also runs
/// under the CPU kernel emulator (backends/cuda/emu/cuda_emulator.h, TZ_CUDA_EMULATION), which
/// is how CI tests the kernels' index arithmetic on machines without a GPU.
///
///   auto* kernel = my_kernel<T, 64>;        // a name without commas
///   TZ_LAUNCH_KERNEL(kernel, grid, block, smem_bytes, stream, args...);
///   TZ_CUDA_CHECK_LAUNCH();
/// and inside a kernel, `TZ_DYNAMIC_SHARED(smem);` declares `unsigned char smem[]` (16-byte aligned).
#include <cuda_runtime.h>

#if defined(TZ_CUDA_EMULATION)
#define TZ_LAUNCH_KERNEL(kernel, grid, block, smem, stream, ...)                                \
  ::tz::cuda_emu::launch(reinterpret_cast<const void*>(kernel), dim3(grid), dim3(block), (smem), \
                         [&] { kernel(__VA_ARGS__); })
#define TZ_DYNAMIC_SHARED(name) unsigned char* name = ::tz::cuda_emu::dynamic_shared()
#else
#define TZ_LAUNCH_KERNEL(kernel, grid, block, smem, stream, ...) kernel<<<(grid), (block), (smem), (stream)>>>(__VA_ARGS__)
#define TZ_DYNAMIC_SHARED(name) extern __shared__ __align__(16) unsigned char name[]
#endif
