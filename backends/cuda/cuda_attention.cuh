#pragma once
// Shared pieces of the fused attention kernels (cuda_attention*.cu): the kernel arguments, the
// tensor-core MMA, ldmatrix and cp.async wrappers and the 16-bit packing helper.
#include <cstdint>

#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_launch.cuh"

namespace tz::cuda_backend::attention {

inline constexpr float kLog2e = 1.4426950408889634f;
inline constexpr float kLn2 = 0.6931471805599453f;

/// Everything the kernels read. q/k/v/dout are [B, H, N, D] views whose last dim is contiguous
/// (strides in elements for batch, head and row); out, dq, dk, dv, lse and the scratch buffers
/// are contiguous. bias (f32, may be null) and kpm (bool, may be null) are strided views of
/// [B, Hq, L, S] and [B, S].
struct Args {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  const void* out = nullptr;
  const void* dout = nullptr;
  void* o = nullptr;  // forward output
  float* lse = nullptr;
  const float* bias = nullptr;
  const bool* kpm = nullptr;
  void* dq = nullptr;
  void* dk = nullptr;
  void* dv = nullptr;
  float* dq_accum = nullptr;  // [B, Hq, L, D] f32, zeroed (tensor-core backward)
  void* row_lse = nullptr;    // [B, Hq, L] acc type: exact lse (+inf for empty rows), backward scratch
  void* row_delta = nullptr;  // [B, Hq, L] acc type: rowsum(dO * O), backward scratch
  int64_t q_sb = 0, q_sh = 0, q_sl = 0;
  int64_t k_sb = 0, k_sh = 0, k_sl = 0;
  int64_t v_sb = 0, v_sh = 0, v_sl = 0;
  int64_t do_sb = 0, do_sh = 0, do_sl = 0;
  int64_t bias_sb = 0, bias_sh = 0, bias_sl = 0, bias_ss = 0;
  int64_t kpm_sb = 0, kpm_ss = 0;
  int B = 0, Hq = 0, Hk = 0, L = 0, S = 0, D = 0, group = 1;
  double scale = 1.0;
  bool causal = false;
};

/// True when the key is padding (never attended).
__device__ __forceinline__ bool key_is_padding(const Args& a, int b, int j) {
  return a.kpm != nullptr && a.kpm[int64_t(b) * a.kpm_sb + int64_t(j) * a.kpm_ss];
}
__device__ __forceinline__ float bias_at(const Args& a, int b, int h, int i, int j) {
  return a.bias[int64_t(b) * a.bias_sb + int64_t(h) * a.bias_sh + int64_t(i) * a.bias_sl + int64_t(j) * a.bias_ss];
}

// ---- tensor-core helpers (16-bit types) ----------------------------------------------------------

/// D += A B for one m16n8k16 tile with f32 accumulators (A row-major, B column-major fragments,
/// as PTX's mma.sync.aligned.m16n8k16 lays them out across the warp).
template <class T>
__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(TZ_CUDA_EMULATION)
  ::tz::cuda_emu::mma_m16n8k16(d, a, b, std::is_same_v<T, __nv_bfloat16>);
#else
  if constexpr (std::is_same_v<T, __half>) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
#endif
}

/// Two floats rounded to T, `lo` in the low half (the lower k index of an MMA operand pair).
template <class T>
__device__ __forceinline__ uint32_t pack_floats(float lo, float hi) {
  if constexpr (std::is_same_v<T, __half>) {
    const __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<const uint32_t*>(&v);
  } else {
    const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<const uint32_t*>(&v);
  }
}

/// ldmatrix: four 8x8 16-bit matrices from shared memory into the MMA fragment layout. Lane i
/// passes the address of row i % 8 of matrix i / 8 (16-byte aligned); register m receives
/// matrix m, with lane l holding row l / 4, columns 2 (l % 4) and 2 (l % 4) + 1. The .trans
/// form (kTrans) delivers the transposed matrices (column l / 4, rows 2 (l % 4) and
/// 2 (l % 4) + 1): the B operand of a row-major [k][n] tile.
template <bool kTrans>
__device__ __forceinline__ void ldmatrix_x4_impl(uint32_t (&r)[4], const uint16_t* row) {
#if defined(TZ_CUDA_EMULATION)
  ::tz::cuda_emu::ldmatrix_x4(r, row, kTrans);
#else
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(row));
  if constexpr (kTrans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
  else
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
#endif
}
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const uint16_t* row) { ldmatrix_x4_impl<false>(r, row); }
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const uint16_t* row) { ldmatrix_x4_impl<true>(r, row); }

/// cp.async (sm_80+): 16 bytes global -> shared without passing through registers, so the next
/// tile's load overlaps this tile's math. src_bytes 0 writes zeros (rows past the end). A group
/// of copies is committed, and cp_async_wait<N>() waits until at most N newer groups are in
/// flight; a __syncthreads() after the wait publishes the data to the other threads.
__device__ __forceinline__ void cp_async_16(void* smem, const void* gmem, int src_bytes) {
#if defined(TZ_CUDA_EMULATION)
  ::tz::cuda_emu::cp_async_16(smem, gmem, src_bytes);
#else
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(addr), "l"(gmem), "r"(src_bytes) : "memory");
#endif
}
__device__ __forceinline__ void cp_async_commit() {
#if defined(TZ_CUDA_EMULATION)
  ::tz::cuda_emu::cp_async_commit();
#else
  asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}
template <int N>
__device__ __forceinline__ void cp_async_wait() {
#if defined(TZ_CUDA_EMULATION)
  ::tz::cuda_emu::cp_async_wait(N);
#else
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
#endif
}

/// Copies rows [row0, row0 + ROWS) of a [N, D] 16-bit matrix (row stride ld_g elements, 16-byte
/// aligned rows) into shared memory with row stride LDS elements, through cp.async (the caller
/// commits and waits); rows >= n are zero-filled so that padded keys and queries never bring NaN
/// or Inf into the products.
template <int ROWS, int D, int LDS, int THREADS>
__device__ __forceinline__ void load_tile_async(uint16_t* dst, const uint16_t* src, int64_t ld_g, int row0, int n) {
  constexpr int kChunks = D / 8;
  for (int c = threadIdx.x; c < ROWS * kChunks; c += THREADS) {
    const int r = c / kChunks, col = (c % kChunks) * 8;
    const bool inside = row0 + r < n;
    cp_async_16(dst + r * LDS + col, inside ? src + int64_t(row0 + r) * ld_g + col : src, inside ? 16 : 0);
  }
}

// ---- kernel launchers (defined in cuda_attention_fwd.cu / cuda_attention_bwd.cu) ------------------

/// Whether the tensor-core kernels take this case (16-bit dtype, D 64 or 128, aligned rows).
bool tensor_core_eligible(DType dtype, const Args& a);
/// Query rows per CTA of the tensor-core forward for a head dim: 128 (each warp two 16-row MMA
/// tiles; the default at D = 64) or 64 (one; the default at D = 128). A tuning knob for
/// benchmarks: the environment variable TZ_CUDA_ATTENTION_QUERY_ROWS=64|128, read at the first
/// launch, or set_forward_query_rows (0 restores the defaults).
int forward_query_rows(int head_dim);
void set_forward_query_rows(int rows);
void launch_forward(DType dtype, const Args& a, cudaStream_t stream);
void launch_backward(DType dtype, const Args& a, cudaStream_t stream);

}  // namespace tz::cuda_backend::attention
