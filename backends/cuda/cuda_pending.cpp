// Kernels of the CUDA backend not written yet: each throws "[op] not implemented on cuda".
// Delete a line when its family file (cuda_<family>.cu) defines the kernel.
#include "backends/cuda/cuda_backend.h"
#include "core/error.h"

namespace tz::cuda_backend {

void CudaBackend::matmul(const TensorView&, const TensorView&, const TensorView&, bool) { TZ_FAIL("matmul", "not implemented on cuda"); }

}  // namespace tz::cuda_backend
