// Kernels of the CUDA backend not written yet: each throws "[op] not implemented on cuda".
// Delete a line when its family file (cuda_<family>.cu) defines the kernel.
#include "backends/cuda/cuda_backend.h"
#include "core/error.h"

namespace tz::cuda_backend {

void CudaBackend::reduce(ReduceOp op, const TensorView&, const TensorView&, int) { TZ_FAIL(reduce_op_name(op), "not implemented on cuda"); }
void CudaBackend::arg_reduce(ReduceOp op, const TensorView&, const TensorView&, const TensorView&) { TZ_FAIL("arg_reduce", "not implemented on cuda"); }
void CudaBackend::scan(ScanOp, const TensorView&, const TensorView&, bool) { TZ_FAIL("scan", "not implemented on cuda"); }
void CudaBackend::matmul(const TensorView&, const TensorView&, const TensorView&, bool) { TZ_FAIL("matmul", "not implemented on cuda"); }
void CudaBackend::gather(const TensorView&, const TensorView&, const TensorView&, int) { TZ_FAIL("gather", "not implemented on cuda"); }
void CudaBackend::scatter(ScatterReduce, const TensorView&, const TensorView&, const TensorView&, int, bool) { TZ_FAIL("scatter", "not implemented on cuda"); }
void CudaBackend::sort(const TensorView&, const TensorView&, const TensorView&, bool) { TZ_FAIL("sort", "not implemented on cuda"); }
void CudaBackend::nonzero(const TensorView&, const TensorView&) { TZ_FAIL("nonzero", "not implemented on cuda"); }

}  // namespace tz::cuda_backend
