// Matmul helpers: byte-generic strided batch copies/zero-fill (one kernel per element size, no
// dtype fan-out) and a shared-memory tiled integer GEMM for I32/I64.
#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_matmul_kernels.h"

namespace tz::cuda_backend {
namespace {

template <class W>
__global__ void copy_batch_kernel(W* dst, const W* src, int64_t rows, int64_t cols, int64_t total, int64_t dsb,
                                  int64_t dsr, int64_t dsc, int64_t ssb, int64_t ssr, int64_t ssc) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % cols, r = (i / cols) % rows, b = i / (cols * rows);
    dst[b * dsb + r * dsr + c * dsc] = src[b * ssb + r * ssr + c * ssc];
  }
}

template <class W>
__global__ void zero_batch_kernel(W* dst, int64_t rows, int64_t cols, int64_t total, int64_t sb, int64_t sr, int64_t sc) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % cols, r = (i / cols) % rows, b = i / (cols * rows);
    dst[b * sb + r * sr + c * sc] = W(0);
  }
}

template <class F>
void by_size(int elem_size, F&& f) {
  switch (elem_size) {
    case 1: f.template operator()<uint8_t>(); break;
    case 2: f.template operator()<uint16_t>(); break;
    case 4: f.template operator()<uint32_t>(); break;
    case 8: f.template operator()<uint64_t>(); break;
    default: TZ_FAIL("matmul", "unsupported element size ", elem_size);
  }
}

constexpr int kTile = 16;

/// One 16x16 output tile per block (grid-stride over tiles and batches; every loop bound is
/// uniform across the block, so the barriers are reached by all threads).
template <class T>
__global__ void int_gemm_kernel(T* out, const T* a, const T* b, int64_t batch, int64_t M, int64_t N, int64_t K,
                                int64_t osb, int64_t osr, int64_t osc, int64_t asb, int64_t asr, int64_t asc,
                                int64_t bsb, int64_t bsr, int64_t bsc, bool accumulate) {
  __shared__ T as[kTile][kTile];
  __shared__ T bs[kTile][kTile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t tiles_m = (M + kTile - 1) / kTile, tiles_n = (N + kTile - 1) / kTile;
  for (int64_t bi = blockIdx.z; bi < batch; bi += gridDim.z)
    for (int64_t tm = blockIdx.y; tm < tiles_m; tm += gridDim.y)
      for (int64_t tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
        const int64_t row = tm * kTile + ty, col = tn * kTile + tx;
        int64_t acc = 0;
        for (int64_t k0 = 0; k0 < K; k0 += kTile) {
          const int64_t ka = k0 + tx, kb = k0 + ty;
          as[ty][tx] = (row < M && ka < K) ? a[bi * asb + row * asr + ka * asc] : T(0);
          bs[ty][tx] = (kb < K && col < N) ? b[bi * bsb + kb * bsr + col * bsc] : T(0);
          __syncthreads();
#pragma unroll
          for (int k = 0; k < kTile; ++k) acc += int64_t(as[ty][k]) * int64_t(bs[k][tx]);
          __syncthreads();
        }
        if (row < M && col < N) {
          T* o = out + bi * osb + row * osr + col * osc;
          *o = accumulate ? T(int64_t(*o) + acc) : T(acc);
        }
      }
}

}  // namespace

void copy_batch(const StridedBatch& dst, const StridedBatch& src, int elem_size, cudaStream_t stream) {
  const int64_t total = dst.batch * dst.rows * dst.cols;
  if (total == 0) return;
  by_size(elem_size, [&]<class W>() {
    copy_batch_kernel<W><<<grid_for(total), kThreads, 0, stream>>>(static_cast<W*>(dst.ptr), static_cast<const W*>(src.ptr),
                                                                   dst.rows, dst.cols, total, dst.sb, dst.sr, dst.sc,
                                                                   src.sb, src.sr, src.sc);
  });
  TZ_CUDA_CHECK_LAUNCH();
}

void zero_batch(const StridedBatch& dst, int elem_size, cudaStream_t stream) {
  const int64_t total = dst.batch * dst.rows * dst.cols;
  if (total == 0) return;
  by_size(elem_size, [&]<class W>() {
    zero_batch_kernel<W><<<grid_for(total), kThreads, 0, stream>>>(static_cast<W*>(dst.ptr), dst.rows, dst.cols, total,
                                                                   dst.sb, dst.sr, dst.sc);
  });
  TZ_CUDA_CHECK_LAUNCH();
}

void integer_matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate,
                    cudaStream_t stream) {
  const int64_t batch = out.sizes[0], M = out.sizes[1], N = out.sizes[2], K = a.sizes[2];
  if (batch == 0 || M == 0 || N == 0) return;
  const dim3 block(kTile, kTile);
  const dim3 grid(unsigned(std::min<int64_t>((N + kTile - 1) / kTile, 65535)),
                  unsigned(std::min<int64_t>((M + kTile - 1) / kTile, 65535)), unsigned(std::min<int64_t>(batch, 65535)));
  auto launch = [&]<class T>() {
    int_gemm_kernel<T><<<grid, block, 0, stream>>>(out.ptr<T>(), a.ptr<const T>(), b.ptr<const T>(), batch, M, N, K,
                                                   out.strides[0], out.strides[1], out.strides[2], a.strides[0],
                                                   a.strides[1], a.strides[2], b.strides[0], b.strides[1], b.strides[2],
                                                   accumulate);
  };
  if (out.dtype == DType::I32) launch.template operator()<int32_t>();
  else if (out.dtype == DType::I64) launch.template operator()<int64_t>();
  else TZ_FAIL("matmul", "integer matmul on cuda supports int32 and int64, got ", dtype_name(out.dtype));
  TZ_CUDA_CHECK_LAUNCH();
}

}  // namespace tz::cuda_backend
