// The gather / scatter / nonzero kernels (backends/cuda/cuda_index.cu) compiled for the CPU
// kernel emulator, with entry points for tests/cuda_emu/test_emulated_index.cpp. nonzero's CUB
// prefix sum comes from backends/cuda/emu/cub_stand_in (a host loop).
#include "backends/cuda/emu/cuda_emulator.h"
// Keep the kernel file after the emulator header: it must see the emulated built-ins.
#include "backends/cuda/cuda_index.cu"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace tz::cuda_emu_tests {

void gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) {
  ::tz::cuda_backend::gather_along(out, in, index, dim);
}

void scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
             bool include_self) {
  ::tz::cuda_backend::scatter_along(reduce, out, index, src, dim, include_self);
}

void nonzero(const TensorView& out, const TensorView& in) { ::tz::cuda_backend::nonzero_coordinates(out, in); }

}  // namespace tz::cuda_emu_tests
