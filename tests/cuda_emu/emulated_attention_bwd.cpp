// The fused attention backward kernels (backends/cuda/cuda_attention_bwd.cu), compiled for the
// CPU kernel emulator.
#include "backends/cuda/emu/cuda_emulator.h"
// Keep the kernel file after the emulator header: it must see the emulated built-ins.
#include "backends/cuda/cuda_attention_bwd.cu"
