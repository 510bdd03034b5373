#pragma once
/// Row-wise kernels (softmax, layer/RMS norm): a row is handled by one warp (short rows, several
/// rows per block) or by one whole block (long rows). RowGroup hides which, so each kernel is
/// written once and instantiated for both.
#include <cmath>
#include <limits>

#include "backends/cuda/cuda_common.cuh"

namespace tz::cuda_backend {

/// Rows up to this length go one per warp; longer ones one per block.
inline constexpr int64_t kWarpRowMax = 1024;
inline constexpr int kRowsPerWarpBlock = 8;  // warp mode: blockDim = (32, 8)
inline constexpr int kRowBlockThreads = 512; // block mode: blockDim = (512)

struct SumOp {
  template <class A> __device__ A operator()(A a, A b) const { return a + b; }
  template <class A> __device__ static A identity() { return A(0); }
};
struct MaxOp {
  template <class A> __device__ A operator()(A a, A b) const { return b > a ? b : a; }
  template <class A> __device__ static A identity() { return -std::numeric_limits<A>::infinity(); }
};

template <class A, class Op> __device__ inline A warp_reduce(A v, Op op) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

template <bool kBlock>
struct RowGroup {
  __device__ int rank() const { return threadIdx.x; }
  __device__ int size() const { return kBlock ? int(blockDim.x) : 32; }
  __device__ int64_t first_row() const { return kBlock ? int64_t(blockIdx.x) : int64_t(blockIdx.x) * blockDim.y + threadIdx.y; }
  __device__ int64_t row_step() const { return kBlock ? int64_t(gridDim.x) : int64_t(gridDim.x) * blockDim.y; }
  /// Reduction over the group; every thread gets the result. Block mode: called by all threads
  /// of the block (uniform control flow), blockDim.x a multiple of 32.
  template <class A, class Op> __device__ A reduce(A v, Op op) const {
    v = warp_reduce(v, op);
    if constexpr (kBlock) {
      __shared__ A partial[32];
      const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = int(blockDim.x) >> 5;
      __syncthreads();  // a previous reduce may still be reading `partial`
      if (lane == 0) partial[warp] = v;
      __syncthreads();
      v = lane < warps ? partial[lane] : Op::template identity<A>();
      v = warp_reduce(v, op);
    }
    return v;
  }
};

/// Launches kernel<false> (warp per row) or kernel<true> (block per row) over `rows` rows of
/// length n on the current stream: launch(grid, block, use_block).
template <class Launch>
void launch_rows(int64_t rows, int64_t n, Launch&& launch) {
  if (rows == 0) return;
  const bool block_mode = n > kWarpRowMax;
  const int64_t per_block = block_mode ? 1 : kRowsPerWarpBlock;
  const int64_t blocks = std::min<int64_t>((rows + per_block - 1) / per_block, int64_t(1) << 20);
  const dim3 block = block_mode ? dim3(kRowBlockThreads) : dim3(32, kRowsPerWarpBlock);
  launch(dim3(unsigned(blocks)), block, block_mode);
  TZ_CUDA_CHECK_LAUNCH();
}

}  // namespace tz::cuda_backend
