// Fused attention forward on CUDA.
//
// "FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning" (Dao, 2023):
// one CTA per (batch*head, tile of queries), four warps; at D = 64 each warp owns 32 query rows
// (two MMA row tiles sharing every K/V fragment), at D = 128 16 rows (two would spill
// registers); key/value tiles
// of 64 rows stream through shared memory, S = Q K^T and O += P V run on tensor cores
// (mma.sync m16n8k16, f32 accumulators) and the softmax is online, in registers: the S
// accumulator fragment of a warp is exactly the A-operand fragment P needs, so P never leaves
// registers. K and V tiles arrive by cp.async, each behind the other half's math; ldmatrix
// feeds the fragments. Tiles above the causal diagonal are skipped. f32/f64 and other head dims use a SIMT
// kernel (one warp per query row) that computes the same thing in the accumulation type.
#include <cstdlib>
#include <string_view>

#include "backends/cuda/cuda_attention.cuh"

namespace tz::cuda_backend::attention {
namespace {

constexpr int kWarps = 4;
constexpr int kThreadsTC = kWarps * 32;
constexpr int kBc = 64;  // key rows per tile

/// Query rows per CTA when each warp owns kM 16-row MMA tiles.
template <int kM>
constexpr int rows_per_cta() {
  return 16 * kM * kWarps;
}
template <int D, int kM>
constexpr size_t forward_smem_bytes() {
  return size_t(rows_per_cta<kM>() + 2 * kBc) * (D + 8) * 2;
}

/// kM = 2: each warp owns 32 query rows, so every K and V fragment read from shared memory feeds
/// two MMAs (half the shared-memory traffic per MMA of kM = 1).
template <class T, int D, int kM>
__global__ void __launch_bounds__(kThreadsTC) flash_forward_tc(const Args a) {
  constexpr int LD = D + 8;  // padded shared row: the 8 rows a fragment load touches hit distinct banks
  constexpr int kRows = rows_per_cta<kM>();
  TZ_DYNAMIC_SHARED(smem_raw);
  uint16_t* Qs = reinterpret_cast<uint16_t*>(smem_raw);
  uint16_t* Ks = Qs + kRows * LD;
  uint16_t* Vs = Ks + kBc * LD;

  const int bh = blockIdx.y, b = bh / a.Hq, h = bh % a.Hq, hk = h / a.group;
  // Causal: the last query tiles have the most keys; launching them first balances the tail.
  const int q0 = (a.causal ? gridDim.x - 1 - blockIdx.x : blockIdx.x) * kRows;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const int lm = lane >> 3, lr = lane & 7;  // ldmatrix: this lane addresses row lr of matrix lm
  const uint16_t* qg = static_cast<const uint16_t*>(a.q) + int64_t(b) * a.q_sb + int64_t(h) * a.q_sh;
  const uint16_t* kg = static_cast<const uint16_t*>(a.k) + int64_t(b) * a.k_sb + int64_t(hk) * a.k_sh;
  const uint16_t* vg = static_cast<const uint16_t*>(a.v) + int64_t(b) * a.v_sb + int64_t(hk) * a.v_sh;
  const float scale_log2 = float(a.scale) * kLog2e;

  int n_tiles = (a.S + kBc - 1) / kBc;
  if (a.causal) n_tiles = min(n_tiles, (q0 + kRows - 1) / kBc + 1);  // later tiles lie above the diagonal

  // Pipeline (cp.async groups, oldest first): Q, K0, V0; then in tile j, K(j+1) is issued once
  // S = Q K(j)^T has read Ks, and V(j+1) once O += P V(j) has read Vs, so each load runs behind
  // the math of the other half of the tile.
  load_tile_async<kRows, D, LD, kThreadsTC>(Qs, qg, a.q_sl, q0, a.L);
  cp_async_commit();
  load_tile_async<kBc, D, LD, kThreadsTC>(Ks, kg, a.k_sl, 0, a.S);
  cp_async_commit();
  load_tile_async<kBc, D, LD, kThreadsTC>(Vs, vg, a.v_sl, 0, a.S);
  cp_async_commit();
  cp_async_wait<1>();  // Q and K0 landed; V0 may be in flight
  __syncthreads();

  const int w_row = warp * 16 * kM;  // this warp's first row; m tile mt: rows w_row + 16 mt + {g, g + 8}
  float acc[kM][D / 8][4];
  float row_max[kM][2], row_sum[kM][2];  // log2 domain
  int qi[kM][2];
#pragma unroll
  for (int mt = 0; mt < kM; ++mt) {
#pragma unroll
    for (int n = 0; n < D / 8; ++n) acc[mt][n][0] = acc[mt][n][1] = acc[mt][n][2] = acc[mt][n][3] = 0.f;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      row_max[mt][r] = -INFINITY;
      row_sum[mt][r] = 0.f;
      qi[mt][r] = q0 + w_row + 16 * mt + g + 8 * r;
    }
  }

  for (int tile = 0; tile < n_tiles; ++tile) {
    const int k0 = tile * kBc;
    const bool has_next = tile + 1 < n_tiles;
    float s[kM][kBc / 8][4];
#pragma unroll
    for (int mt = 0; mt < kM; ++mt)
#pragma unroll
      for (int nt = 0; nt < kBc / 8; ++nt) s[mt][nt][0] = s[mt][nt][1] = s[mt][nt][2] = s[mt][nt][3] = 0.f;
    // Not unrolled for two m tiles at D = 128: hoisting every step's fragment loads spills more.
#pragma unroll(kM == 2 && D == 128 ? 1 : D / 16)
    for (int ks = 0; ks < D / 16; ++ks) {
      uint32_t qa[kM][4];  // A fragments of k step ks for each m tile
#pragma unroll
      for (int mt = 0; mt < kM; ++mt)
        ldmatrix_x4(qa[mt], Qs + (w_row + 16 * mt + (lm & 1) * 8 + lr) * LD + ks * 16 + (lm >> 1) * 8);
#pragma unroll
      for (int nt = 0; nt < kBc / 8; nt += 2) {
        // K rows nt*8.. and (nt+1)*8.. as the B fragments of k step ks (matrices: nt lo/hi,
        // nt+1 lo/hi).
        uint32_t kb[4];
        ldmatrix_x4(kb, Ks + ((nt + (lm >> 1)) * 8 + lr) * LD + ks * 16 + (lm & 1) * 8);
        const uint32_t b0[2] = {kb[0], kb[1]}, b1[2] = {kb[2], kb[3]};
#pragma unroll
        for (int mt = 0; mt < kM; ++mt) {
          mma16816<T>(s[mt][nt], qa[mt], b0);
          mma16816<T>(s[mt][nt + 1], qa[mt], b1);
        }
      }
    }
    __syncthreads();  // every warp has read Ks
    if (has_next) {
      load_tile_async<kBc, D, LD, kThreadsTC>(Ks, kg, a.k_sl, k0 + kBc, a.S);
      cp_async_commit();
    }
    // Scores in the log2 domain. Masks only where a tile needs them: the ragged last tile, the
    // causal diagonal, key padding and bias.
    const bool masked = a.kpm != nullptr || a.bias != nullptr || k0 + kBc > a.S || (a.causal && k0 + kBc - 1 > q0);
#pragma unroll
    for (int mt = 0; mt < kM; ++mt) {
      if (masked) {
#pragma unroll
        for (int nt = 0; nt < kBc / 8; ++nt)
#pragma unroll
          for (int c = 0; c < 4; ++c) {
            const int j = k0 + nt * 8 + 2 * t + (c & 1), i = qi[mt][c >> 1];
            float x = s[mt][nt][c] * scale_log2;
            if (j >= a.S || key_is_padding(a, b, j) || (a.causal && j > i)) x = -INFINITY;
            else if (a.bias != nullptr && i < a.L) x += bias_at(a, b, h, i, j) * kLog2e;
            s[mt][nt][c] = x;
          }
      } else {
#pragma unroll
        for (int nt = 0; nt < kBc / 8; ++nt)
#pragma unroll
          for (int c = 0; c < 4; ++c) s[mt][nt][c] *= scale_log2;
      }
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float mx = -INFINITY;
#pragma unroll
        for (int nt = 0; nt < kBc / 8; ++nt) mx = fmaxf(mx, fmaxf(s[mt][nt][2 * r], s[mt][nt][2 * r + 1]));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));  // the 4 threads of a quad share a row
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        const float new_max = fmaxf(row_max[mt][r], mx);
        // A row with nothing visible yet keeps max -inf; shifting by 0 keeps exp2 at 0, not NaN.
        const float shift = new_max == -INFINITY ? 0.f : new_max;
        const float alpha = exp2f(row_max[mt][r] - shift);
        row_max[mt][r] = new_max;
        float sum = 0.f;
#pragma unroll
        for (int nt = 0; nt < kBc / 8; ++nt) {
          s[mt][nt][2 * r] = exp2f(s[mt][nt][2 * r] - shift);
          s[mt][nt][2 * r + 1] = exp2f(s[mt][nt][2 * r + 1] - shift);
          sum += s[mt][nt][2 * r] + s[mt][nt][2 * r + 1];
        }
        row_sum[mt][r] = row_sum[mt][r] * alpha + sum;  // per-thread partial sums; the quad adds them at the end
#pragma unroll
        for (int n = 0; n < D / 8; ++n) {
          acc[mt][n][2 * r] *= alpha;
          acc[mt][n][2 * r + 1] *= alpha;
        }
      }
    }
    // V(tile) landed (K(tile+1), if issued, is the one newer group allowed in flight).
    if (has_next) cp_async_wait<1>();
    else cp_async_wait<0>();
    __syncthreads();
    // O += P V: P's accumulator fragments become A fragments (two n8 tiles = one k16 step).
#pragma unroll
    for (int kk = 0; kk < kBc / 16; ++kk) {
      uint32_t pa[kM][4];
#pragma unroll
      for (int mt = 0; mt < kM; ++mt) {
        pa[mt][0] = pack_floats<T>(s[mt][2 * kk][0], s[mt][2 * kk][1]);
        pa[mt][1] = pack_floats<T>(s[mt][2 * kk][2], s[mt][2 * kk][3]);
        pa[mt][2] = pack_floats<T>(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);
        pa[mt][3] = pack_floats<T>(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);
      }
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        // V[kk*16.., n*8..] transposed: B fragments of n tiles n and n + 1.
        uint32_t vb[4];
        ldmatrix_x4_trans(vb, Vs + (kk * 16 + (lm & 1) * 8 + lr) * LD + (n + (lm >> 1)) * 8);
        const uint32_t b0[2] = {vb[0], vb[1]}, b1[2] = {vb[2], vb[3]};
#pragma unroll
        for (int mt = 0; mt < kM; ++mt) {
          mma16816<T>(acc[mt][n], pa[mt], b0);
          mma16816<T>(acc[mt][n + 1], pa[mt], b1);
        }
      }
    }
    if (has_next) {
      __syncthreads();  // every warp has read Vs
      load_tile_async<kBc, D, LD, kThreadsTC>(Vs, vg, a.v_sl, k0 + kBc, a.S);
      cp_async_commit();
      cp_async_wait<1>();  // K(tile+1) landed; V(tile+1) may be in flight
      __syncthreads();
    }
  }

  T* og = static_cast<T*>(a.o) + (int64_t(b) * a.Hq + h) * a.L * D;
#pragma unroll
  for (int mt = 0; mt < kM; ++mt)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float sum = row_sum[mt][r];
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      const int i = qi[mt][r];
      if (i >= a.L) continue;
      const float inv = sum > 0.f ? 1.f / sum : 0.f;  // no visible key: zero output
#pragma unroll
      for (int n = 0; n < D / 8; ++n)
        *reinterpret_cast<uint32_t*>(og + int64_t(i) * D + n * 8 + 2 * t) =
            pack_floats<T>(acc[mt][n][2 * r] * inv, acc[mt][n][2 * r + 1] * inv);
      if (t == 0)
        a.lse[(int64_t(b) * a.Hq + h) * a.L + i] = sum > 0.f ? (row_max[mt][r] + log2f(sum)) * kLn2 : -INFINITY;
    }
}

template <class A> __device__ __forceinline__ A exp_of(A x) {
  if constexpr (std::is_same_v<A, double>) return exp(x);
  else return __expf(x);
}
template <class A> __device__ __forceinline__ A log_of(A x) {
  if constexpr (std::is_same_v<A, double>) return log(x);
  else return logf(x);
}
template <class A> __device__ __forceinline__ A warp_sum(A v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

constexpr int kMaxPerLane = 8;  // head dims up to 256 on the SIMT path
constexpr int kThreadsSimt = 128;

/// One warp per query row; each lane keeps D/32 entries of q and of the output accumulator.
template <class T>
__global__ void __launch_bounds__(kThreadsSimt) flash_forward_simt(const Args a) {
  using A = acc_t<T>;
  const int64_t row = int64_t(blockIdx.x) * (kThreadsSimt / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= int64_t(a.B) * a.Hq * a.L) return;  // whole warps leave; no block barrier follows
  const int i = int(row % a.L), h = int((row / a.L) % a.Hq), b = int(row / (int64_t(a.L) * a.Hq));
  const int hk = h / a.group;
  const T* qp = static_cast<const T*>(a.q) + int64_t(b) * a.q_sb + int64_t(h) * a.q_sh + int64_t(i) * a.q_sl;
  const T* kp = static_cast<const T*>(a.k) + int64_t(b) * a.k_sb + int64_t(hk) * a.k_sh;
  const T* vp = static_cast<const T*>(a.v) + int64_t(b) * a.v_sb + int64_t(hk) * a.v_sh;
  A qv[kMaxPerLane], acc[kMaxPerLane];
#pragma unroll
  for (int c = 0; c < kMaxPerLane; ++c) {
    const int d = c * 32 + lane;
    qv[c] = d < a.D ? to_acc(qp[d]) : A(0);
    acc[c] = A(0);
  }
  A m = -INFINITY, l = 0;
  const int j_end = a.causal ? min(a.S, i + 1) : a.S;
  for (int j = 0; j < j_end; ++j) {
    if (key_is_padding(a, b, j)) continue;
    const T* kr = kp + int64_t(j) * a.k_sl;
    A dot = 0;
#pragma unroll
    for (int c = 0; c < kMaxPerLane; ++c)
      if (c * 32 + lane < a.D) dot += qv[c] * to_acc(kr[c * 32 + lane]);
    A s = warp_sum(dot) * A(a.scale);
    if (a.bias != nullptr) s += A(bias_at(a, b, h, i, j));
    if (s == A(-INFINITY)) continue;
    const A new_m = s > m ? s : m;
    const A alpha = exp_of(m - new_m), p = exp_of(s - new_m);
    m = new_m;
    l = l * alpha + p;
    const T* vr = vp + int64_t(j) * a.v_sl;
#pragma unroll
    for (int c = 0; c < kMaxPerLane; ++c)
      if (c * 32 + lane < a.D) acc[c] = acc[c] * alpha + p * to_acc(vr[c * 32 + lane]);
  }
  T* op = static_cast<T*>(a.o) + row * a.D;
  const A inv = l > A(0) ? A(1) / l : A(0);
#pragma unroll
  for (int c = 0; c < kMaxPerLane; ++c)
    if (c * 32 + lane < a.D) op[c * 32 + lane] = cast_to<T>(acc[c] * inv);
  if (lane == 0) a.lse[row] = l > A(0) ? float(m + log_of(l)) : -INFINITY;
}

template <class T, int D, int kM>
void launch_tc(const Args& a, cudaStream_t stream) {
  constexpr size_t smem = forward_smem_bytes<D, kM>();
  static const bool attr_set = [] {
    auto* kernel = flash_forward_tc<T, D, kM>;
    TZ_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
    return true;
  }();
  (void)attr_set;
  const dim3 grid((a.L + rows_per_cta<kM>() - 1) / rows_per_cta<kM>(), a.B * a.Hq);
  auto* kernel = flash_forward_tc<T, D, kM>;
  TZ_LAUNCH_KERNEL(kernel, grid, kThreadsTC, smem, stream, a);
  TZ_CUDA_CHECK_LAUNCH();
}

template <class T>
void launch_tc_for_head_dim(const Args& a, cudaStream_t stream) {
  const int rows = forward_query_rows(a.D);
  if (a.D == 64) rows == 128 ? launch_tc<T, 64, 2>(a, stream) : launch_tc<T, 64, 1>(a, stream);
  else rows == 128 ? launch_tc<T, 128, 2>(a, stream) : launch_tc<T, 128, 1>(a, stream);
}

}  // namespace

namespace {
/// 0: by head dim; else the forced row count.
int& query_rows_setting() {
  static int rows = [] {
    const char* env = std::getenv("TZ_CUDA_ATTENTION_QUERY_ROWS");
    if (env == nullptr) return 0;
    return std::string_view(env) == "64" ? 64 : std::string_view(env) == "128" ? 128 : 0;
  }();
  return rows;
}
}  // namespace

int forward_query_rows(int head_dim) {
  if (query_rows_setting() != 0) return query_rows_setting();
  // Two row tiles per warp need 255 registers and spill a little at D = 128 (ptxas, sm_90).
  return head_dim == 64 ? 128 : 64;
}
void set_forward_query_rows(int rows) {
  TZ_CHECK(rows == 0 || rows == 64 || rows == 128, "scaled_dot_product_attention",
           "forward query rows must be 0 (by head dim), 64 or 128, got ", rows);
  query_rows_setting() = rows;
}

bool tensor_core_eligible(DType dtype, const Args& a) {
  if (dtype != DType::F16 && dtype != DType::BF16) return false;
  if (a.D != 64 && a.D != 128) return false;
  // 16-byte vector loads of whole rows.
  for (const void* p : {a.q, a.k, a.v, a.dout})
    if (p != nullptr && reinterpret_cast<uintptr_t>(p) % 16 != 0) return false;
  for (int64_t s : {a.q_sb, a.q_sh, a.q_sl, a.k_sb, a.k_sh, a.k_sl, a.v_sb, a.v_sh, a.v_sl, a.do_sb, a.do_sh, a.do_sl})
    if (s % 8 != 0) return false;
  return true;
}

void launch_forward(DType dtype, const Args& a, cudaStream_t stream) {
  if (tensor_core_eligible(dtype, a) && int64_t(a.B) * a.Hq <= 65535) {  // grid.y limit
    if (dtype == DType::F16) launch_tc_for_head_dim<__half>(a, stream);
    else launch_tc_for_head_dim<__nv_bfloat16>(a, stream);
    return;
  }
  const int64_t rows = int64_t(a.B) * a.Hq * a.L;
  const unsigned blocks = unsigned((rows + kThreadsSimt / 32 - 1) / (kThreadsSimt / 32));
  auto launch = [&](auto kernel) {
    TZ_LAUNCH_KERNEL(kernel, blocks, kThreadsSimt, 0, stream, a);
    TZ_CUDA_CHECK_LAUNCH();
  };
  switch (dtype) {
    case DType::F32: launch(flash_forward_simt<float>); break;
    case DType::F64: launch(flash_forward_simt<double>); break;
    case DType::F16: launch(flash_forward_simt<__half>); break;
    case DType::BF16: launch(flash_forward_simt<__nv_bfloat16>); break;
    default: TZ_FAIL("scaled_dot_product_attention", "not implemented on cuda for dtype ", dtype_name(dtype));
  }
}

}  // namespace tz::cuda_backend::attention
