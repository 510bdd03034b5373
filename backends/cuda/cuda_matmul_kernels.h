#pragma once
/// Device helpers of the matmul (cuda_matmul.cpp): strided batched matrix copies for operands
/// cuBLAS cannot read in place, zero-fill, and the integer GEMM cuBLAS does not have.
#include <cuda_runtime.h>

#include <cstdint>

#include "core/backend.h"

namespace tz::cuda_backend {

/// A strided batch of matrices: element (b, r, c) at ptr + (b*sb + r*sr + c*sc) elements.
struct StridedBatch {
  void* ptr = nullptr;
  int64_t batch = 1, rows = 0, cols = 0;
  int64_t sb = 0, sr = 0, sc = 0;
};

/// dst(b, r, c) = src(b, r, c) for elements of `elem_size` bytes (2, 4 or 8); same extents.
void copy_batch(const StridedBatch& dst, const StridedBatch& src, int elem_size, cudaStream_t stream);
/// dst(b, r, c) = 0 (all-zero bits: 0 in every dtype).
void zero_batch(const StridedBatch& dst, int elem_size, cudaStream_t stream);
/// Integer GEMM (I32 / I64; int64 accumulation, wrapping like the CPU): out[b] (+)= a[b] @ b_[b]
/// on the 3-d strided views of the backend contract.
void integer_matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate,
                    cudaStream_t stream);

}  // namespace tz::cuda_backend
