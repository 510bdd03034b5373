// Kernels of the CUDA backend not written yet: each throws "[op] not implemented on cuda".
// Delete a line when its family file (cuda_<family>.cu) defines the kernel.
#include "backends/cuda/cuda_backend.h"
#include "core/error.h"

namespace tz::cuda_backend {

void CudaBackend::fill(const TensorView&, const Scalar&) { TZ_FAIL("fill", "not implemented on cuda"); }
void CudaBackend::copy(const TensorView&, const TensorView&) { TZ_FAIL("copy", "not implemented on cuda"); }
void CudaBackend::unary(UnaryOp op, const TensorView&, const TensorView&, const UnaryParams&) { TZ_FAIL(unary_op_name(op), "not implemented on cuda"); }
void CudaBackend::binary(BinaryOp op, const TensorView&, const TensorView&, const TensorView&) { TZ_FAIL(binary_op_name(op), "not implemented on cuda"); }
void CudaBackend::where(const TensorView&, const TensorView&, const TensorView&, const TensorView&) { TZ_FAIL("where", "not implemented on cuda"); }
void CudaBackend::random(RandomOp, const TensorView&, uint64_t, uint64_t, double, double) { TZ_FAIL("random", "not implemented on cuda"); }
void CudaBackend::matmul(const TensorView&, const TensorView&, const TensorView&, bool) { TZ_FAIL("matmul", "not implemented on cuda"); }

}  // namespace tz::cuda_backend
