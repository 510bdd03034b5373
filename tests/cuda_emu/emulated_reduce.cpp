// The reduction kernels (backends/cuda/cuda_reduce.cu) compiled for the CPU kernel emulator,
// with entry points for tests/cuda_emu/test_emulated_reduce.cpp.
#include "backends/cuda/emu/cuda_emulator.h"
// Keep the kernel file after the emulator header: it must see the emulated built-ins.
#include "backends/cuda/cuda_reduce.cu"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace tz::cuda_emu_tests {

void reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) {
  ::tz::cuda_backend::reduce_trailing(op, out, in, reduce_ndim);
}

void arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) {
  ::tz::cuda_backend::arg_reduce_last(op, values, indices, in);
}

}  // namespace tz::cuda_emu_tests
