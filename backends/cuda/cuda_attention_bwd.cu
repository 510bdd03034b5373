// Fused attention backward on CUDA.
//
// "FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning" (Dao, 2023),
// Algorithm 2: a preprocessing pass computes delta = rowsum(dO * O); then one CTA of eight warps
// per (batch, key/value head, tile of 128 keys) walks the query tiles (of every query head of its
// group, so dK and dV need no atomics under GQA; the next tile's Q and dO arrive by cp.async into
// a second buffer during this tile's math), recomputing P from the saved logsumexp:
//   dV += P^T dO,  dP = dO V^T,  dS = P * (dP - delta),  dK += dS^T Q * scale,  dQ += dS K * scale
// with dQ accumulated by f32 atomics and cast at the end. Each warp owns 16 keys, so it computes
// the transposed tiles S^T = K Q^T and dP^T = V dO^T, whose accumulator fragments are directly
// the A operands of dV and dK; dS^T goes through shared memory once for dQ.
// f32/f64 and other head dims use two SIMT kernels (a warp per query row for dQ, a warp per key
// row for dK/dV) that recompute the exact row logsumexp in the accumulation type.
#include "backends/cuda/cuda_attention.cuh"

namespace tz::cuda_backend::attention {
namespace {

constexpr int kWarps = 8;
constexpr int kThreadsTC = kWarps * 32;
constexpr int kBc = 16 * kWarps;  // keys per CTA: each warp owns 16 (128 keys halve the dQ atomics of 64)

template <int D, int Br>
constexpr size_t backward_smem_bytes() {
  return (size_t(2 * kBc + 4 * Br) * (D + 8) + size_t(kBc) * (Br + 8)) * 2 + (2 * Br + kBc) * sizeof(float);
}

/// delta[row] = sum_d dO[row, d] * O[row, d] (f32), one warp per row.
template <class T>
__global__ void attention_delta(const Args a) {
  const int64_t row = int64_t(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= int64_t(a.B) * a.Hq * a.L) return;
  const int i = int(row % a.L), h = int((row / a.L) % a.Hq), b = int(row / (int64_t(a.L) * a.Hq));
  const T* dop = static_cast<const T*>(a.dout) + int64_t(b) * a.do_sb + int64_t(h) * a.do_sh + int64_t(i) * a.do_sl;
  const T* op = static_cast<const T*>(a.out) + row * a.D;
  float sum = 0.f;
  for (int d = lane; d < a.D; d += 32) sum += to_acc(dop[d]) * to_acc(op[d]);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  if (lane == 0) static_cast<float*>(a.row_delta)[row] = sum;
}

template <class T, int D, int Br>
__global__ void __launch_bounds__(kThreadsTC) flash_backward_tc(const Args a) {
  constexpr int LD = D + 8, LDS = Br + 8;
  TZ_DYNAMIC_SHARED(smem_raw);
  uint16_t* Ks = reinterpret_cast<uint16_t*>(smem_raw);
  uint16_t* Vs = Ks + kBc * LD;
  uint16_t* Qbuf = Vs + kBc * LD;      // two [Br][LD] buffers: this tile's Q and the next one's
  uint16_t* dObuf = Qbuf + 2 * Br * LD;  // likewise for dO
  uint16_t* dSs = dObuf + 2 * Br * LD;   // dS^T [kBc][Br]
  float* lse_s = reinterpret_cast<float*>(dSs + kBc * LDS);  // log2 domain, +inf for rows without keys
  float* delta_s = lse_s + Br;
  float* col_bias = delta_s + Br;

  const int b = blockIdx.y / a.Hk, hk = blockIdx.y % a.Hk;
  const int k0 = blockIdx.x * kBc;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const int lm = lane >> 3, lr = lane & 7;  // ldmatrix: this lane addresses row lr of matrix lm
  const float scale = float(a.scale), scale_log2 = scale * kLog2e;
  const uint16_t* kg = static_cast<const uint16_t*>(a.k) + int64_t(b) * a.k_sb + int64_t(hk) * a.k_sh;
  const uint16_t* vg = static_cast<const uint16_t*>(a.v) + int64_t(b) * a.v_sb + int64_t(hk) * a.v_sh;
  for (int j = threadIdx.x; j < kBc; j += kThreadsTC)
    col_bias[j] = (k0 + j < a.S && !key_is_padding(a, b, k0 + j)) ? 0.f : -INFINITY;

  float dk[D / 8][4], dv[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n)
#pragma unroll
    for (int c = 0; c < 4; ++c) dk[n][c] = dv[n][c] = 0.f;
  const int w16 = warp * 16;  // this warp's keys: w16 + g and w16 + g + 8 of the tile
  const int q_first = a.causal ? (k0 / Br) * Br : 0;  // earlier queries see none of these keys
  // One walk over (query head of the group, query tile); the next step's Q and dO tiles load by
  // cp.async into the other buffer while this step computes.
  const int q_tiles = (a.L - q_first + Br - 1) / Br, steps = a.group * q_tiles;
  auto issue_loads = [&](int step, int buf) {
    const int hh = hk * a.group + step / q_tiles, qq = q_first + (step % q_tiles) * Br;
    load_tile_async<Br, D, LD, kThreadsTC>(Qbuf + buf * Br * LD,
                                           static_cast<const uint16_t*>(a.q) + int64_t(b) * a.q_sb + int64_t(hh) * a.q_sh,
                                           a.q_sl, qq, a.L);
    load_tile_async<Br, D, LD, kThreadsTC>(dObuf + buf * Br * LD,
                                           static_cast<const uint16_t*>(a.dout) + int64_t(b) * a.do_sb + int64_t(hh) * a.do_sh,
                                           a.do_sl, qq, a.L);
  };
  load_tile_async<kBc, D, LD, kThreadsTC>(Ks, kg, a.k_sl, k0, a.S);
  load_tile_async<kBc, D, LD, kThreadsTC>(Vs, vg, a.v_sl, k0, a.S);
  if (steps > 0) issue_loads(0, 0);
  cp_async_commit();

  for (int step = 0; step < steps; ++step) {
    const int h = hk * a.group + step / q_tiles, q0 = q_first + (step % q_tiles) * Br;
    const uint16_t* Qs = Qbuf + (step & 1) * Br * LD;
    const uint16_t* dOs = dObuf + (step & 1) * Br * LD;
    const int64_t row_base = (int64_t(b) * a.Hq + h) * a.L;
    __syncthreads();  // the previous step's Q, dO (the other buffer), dS, lse and delta are consumed
    const bool has_next = step + 1 < steps;
    if (has_next) {
      issue_loads(step + 1, (step + 1) & 1);
      cp_async_commit();
    }
    for (int i = threadIdx.x; i < Br; i += kThreadsTC) {
      const float l = q0 + i < a.L ? a.lse[row_base + q0 + i] : -INFINITY;
      lse_s[i] = l == -INFINITY ? INFINITY : l * kLog2e;  // exp2(x - inf) = 0: no probability mass
      delta_s[i] = q0 + i < a.L ? static_cast<const float*>(a.row_delta)[row_base + q0 + i] : 0.f;
    }
    if (has_next) cp_async_wait<1>();  // this step's tiles landed; the next step's may be in flight
    else cp_async_wait<0>();
    __syncthreads();

    // S^T = K Q^T for this warp's 16 keys x Br queries, then P^T.
    float st[Br / 8][4];
#pragma unroll
    for (int nt = 0; nt < Br / 8; ++nt) st[nt][0] = st[nt][1] = st[nt][2] = st[nt][3] = 0.f;
#pragma unroll
    for (int ks = 0; ks < D / 16; ks += 2) {
      uint32_t ka0[4], ka1[4];  // A fragments of k steps ks and ks + 1 (this warp's 16 keys)
      ldmatrix_x4(ka0, Ks + (w16 + (lm & 1) * 8 + lr) * LD + ks * 16 + (lm >> 1) * 8);
      ldmatrix_x4(ka1, Ks + (w16 + (lm & 1) * 8 + lr) * LD + (ks + 1) * 16 + (lm >> 1) * 8);
#pragma unroll
      for (int nt = 0; nt < Br / 8; ++nt) {
        uint32_t qb[4];  // B fragments of k steps ks and ks + 1 for queries nt*8..
        ldmatrix_x4(qb, Qs + (nt * 8 + lr) * LD + (ks + (lm >> 1)) * 16 + (lm & 1) * 8);
        const uint32_t b0[2] = {qb[0], qb[1]}, b1[2] = {qb[2], qb[3]};
        mma16816<T>(st[nt], ka0, b0);
        mma16816<T>(st[nt], ka1, b1);
      }
    }
#pragma unroll
    for (int nt = 0; nt < Br / 8; ++nt)
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const int jj = w16 + g + 8 * (c >> 1), j = k0 + jj;
        const int ii = nt * 8 + 2 * t + (c & 1), i = q0 + ii;
        float x = st[nt][c] * scale_log2 + col_bias[jj];
        if (a.causal && j > i) x = -INFINITY;
        if (a.bias != nullptr && i < a.L && j < a.S) x += bias_at(a, b, h, i, j) * kLog2e;
        st[nt][c] = exp2f(x - lse_s[ii]);
      }
    // dV += P^T dO
#pragma unroll
    for (int kk = 0; kk < Br / 16; ++kk) {
      const uint32_t pa[4] = {pack_floats<T>(st[2 * kk][0], st[2 * kk][1]), pack_floats<T>(st[2 * kk][2], st[2 * kk][3]),
                              pack_floats<T>(st[2 * kk + 1][0], st[2 * kk + 1][1]),
                              pack_floats<T>(st[2 * kk + 1][2], st[2 * kk + 1][3])};
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        uint32_t db[4];  // dO[kk*16.., n*8..] transposed: B fragments of n tiles n, n + 1
        ldmatrix_x4_trans(db, dOs + (kk * 16 + (lm & 1) * 8 + lr) * LD + (n + (lm >> 1)) * 8);
        const uint32_t b0[2] = {db[0], db[1]}, b1[2] = {db[2], db[3]};
        mma16816<T>(dv[n], pa, b0);
        mma16816<T>(dv[n + 1], pa, b1);
      }
    }
    // dP^T = V dO^T, then dS^T = P^T * (dP^T - delta).
    float dpt[Br / 8][4];
#pragma unroll
    for (int nt = 0; nt < Br / 8; ++nt) dpt[nt][0] = dpt[nt][1] = dpt[nt][2] = dpt[nt][3] = 0.f;
#pragma unroll
    for (int ks = 0; ks < D / 16; ks += 2) {
      uint32_t va0[4], va1[4];
      ldmatrix_x4(va0, Vs + (w16 + (lm & 1) * 8 + lr) * LD + ks * 16 + (lm >> 1) * 8);
      ldmatrix_x4(va1, Vs + (w16 + (lm & 1) * 8 + lr) * LD + (ks + 1) * 16 + (lm >> 1) * 8);
#pragma unroll
      for (int nt = 0; nt < Br / 8; ++nt) {
        uint32_t db[4];
        ldmatrix_x4(db, dOs + (nt * 8 + lr) * LD + (ks + (lm >> 1)) * 16 + (lm & 1) * 8);
        const uint32_t b0[2] = {db[0], db[1]}, b1[2] = {db[2], db[3]};
        mma16816<T>(dpt[nt], va0, b0);
        mma16816<T>(dpt[nt], va1, b1);
      }
    }
#pragma unroll
    for (int nt = 0; nt < Br / 8; ++nt)
#pragma unroll
      for (int c = 0; c < 4; ++c) dpt[nt][c] = st[nt][c] * (dpt[nt][c] - delta_s[nt * 8 + 2 * t + (c & 1)]);
    // dK += dS^T Q (scaled at the end); dS^T to shared memory for dQ.
#pragma unroll
    for (int kk = 0; kk < Br / 16; ++kk) {
      const uint32_t sa[4] = {pack_floats<T>(dpt[2 * kk][0], dpt[2 * kk][1]), pack_floats<T>(dpt[2 * kk][2], dpt[2 * kk][3]),
                              pack_floats<T>(dpt[2 * kk + 1][0], dpt[2 * kk + 1][1]),
                              pack_floats<T>(dpt[2 * kk + 1][2], dpt[2 * kk + 1][3])};
      *reinterpret_cast<uint32_t*>(dSs + (w16 + g) * LDS + kk * 16 + 2 * t) = sa[0];
      *reinterpret_cast<uint32_t*>(dSs + (w16 + g + 8) * LDS + kk * 16 + 2 * t) = sa[1];
      *reinterpret_cast<uint32_t*>(dSs + (w16 + g) * LDS + kk * 16 + 8 + 2 * t) = sa[2];
      *reinterpret_cast<uint32_t*>(dSs + (w16 + g + 8) * LDS + kk * 16 + 8 + 2 * t) = sa[3];
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        uint32_t qb[4];  // Q[kk*16.., n*8..] transposed
        ldmatrix_x4_trans(qb, Qs + (kk * 16 + (lm & 1) * 8 + lr) * LD + (n + (lm >> 1)) * 8);
        const uint32_t b0[2] = {qb[0], qb[1]}, b1[2] = {qb[2], qb[3]};
        mma16816<T>(dk[n], sa, b0);
        mma16816<T>(dk[n + 1], sa, b1);
      }
    }
    __syncthreads();  // dS^T complete

    // dQ[Br, D] += dS K: warp -> one 16-row m tile and a slice of the D/8 n tiles.
    constexpr int kMTiles = Br / 16, kWarpsPerM = kWarps / kMTiles, kNPerWarp = (D / 8) / kWarpsPerM;
    const int m = warp % kMTiles, n_base = (warp / kMTiles) * kNPerWarp;
    float dqa[kNPerWarp][4];
#pragma unroll
    for (int n = 0; n < kNPerWarp; ++n) dqa[n][0] = dqa[n][1] = dqa[n][2] = dqa[n][3] = 0.f;
#pragma unroll
    for (int ks = 0; ks < kBc / 16; ++ks) {
      // A = dS [queries m*16..][keys ks*16..] = transposed dS^T tiles (matrices: keys lo/q lo,
      // keys lo/q hi, keys hi/q lo, keys hi/q hi).
      uint32_t sa[4];
      ldmatrix_x4_trans(sa, dSs + (ks * 16 + (lm >> 1) * 8 + lr) * LDS + m * 16 + (lm & 1) * 8);
#pragma unroll
      for (int n = 0; n < kNPerWarp; n += 2) {
        uint32_t kb[4];  // K[ks*16.., d tiles] transposed
        ldmatrix_x4_trans(kb, Ks + (ks * 16 + (lm & 1) * 8 + lr) * LD + (n_base + n + (lm >> 1)) * 8);
        const uint32_t b0[2] = {kb[0], kb[1]}, b1[2] = {kb[2], kb[3]};
        mma16816<T>(dqa[n], sa, b0);
        mma16816<T>(dqa[n + 1], sa, b1);
      }
    }
#pragma unroll
    for (int n = 0; n < kNPerWarp; ++n)
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        const int i = q0 + m * 16 + g + 8 * (c >> 1), d = (n_base + n) * 8 + 2 * t + (c & 1);
        if (i < a.L) atomicAdd(a.dq_accum + (row_base + i) * D + d, dqa[n][c] * scale);
      }
  }
  cp_async_wait<0>();  // nothing left in flight (a CTA with no query step loaded K and V only)

  T* dkg = static_cast<T*>(a.dk) + (int64_t(b) * a.Hk + hk) * a.S * D;
  T* dvg = static_cast<T*>(a.dv) + (int64_t(b) * a.Hk + hk) * a.S * D;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int j = k0 + w16 + g + 8 * r;
    if (j >= a.S) continue;
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      *reinterpret_cast<uint32_t*>(dkg + int64_t(j) * D + n * 8 + 2 * t) =
          pack_floats<T>(dk[n][2 * r] * scale, dk[n][2 * r + 1] * scale);
      *reinterpret_cast<uint32_t*>(dvg + int64_t(j) * D + n * 8 + 2 * t) = pack_floats<T>(dv[n][2 * r], dv[n][2 * r + 1]);
    }
  }
}

template <class T>
__global__ void cast_dq(const Args a, int64_t n) {
  for (int64_t x = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; x < n; x += int64_t(gridDim.x) * blockDim.x)
    static_cast<T*>(a.dq)[x] = cast_to<T>(a.dq_accum[x]);
}

// ---- SIMT path --------------------------------------------------------------------------------

constexpr int kMaxPerLane = 8;
constexpr int kThreadsSimt = 128;

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

/// Per-lane slice of a D-vector in the accumulation type.
template <class T, class A>
__device__ __forceinline__ void load_row(A (&dst)[kMaxPerLane], const T* src, int D, int lane) {
#pragma unroll
  for (int c = 0; c < kMaxPerLane; ++c) dst[c] = c * 32 + lane < D ? to_acc(src[c * 32 + lane]) : A(0);
}
template <class T, class A>
__device__ __forceinline__ A dot_row(const A (&x)[kMaxPerLane], const T* y, int D, int lane) {
  A s = 0;
#pragma unroll
  for (int c = 0; c < kMaxPerLane; ++c)
    if (c * 32 + lane < D) s += x[c] * to_acc(y[c * 32 + lane]);
  return warp_sum(s);
}

/// The score of (query row i of head h, key j), -inf when excluded.
template <class T, class A>
__device__ __forceinline__ A simt_score(const Args& a, const A (&qv)[kMaxPerLane], const T* kp, int b, int h, int i,
                                        int j, int lane) {
  if ((a.causal && j > i) || key_is_padding(a, b, j)) return A(-INFINITY);
  A s = dot_row(qv, kp + int64_t(j) * a.k_sl, a.D, lane) * A(a.scale);
  if (a.bias != nullptr) s += A(bias_at(a, b, h, i, j));
  return s;
}

/// One warp per query row: exact lse and delta (kept for the key kernel) and dQ.
template <class T>
__global__ void __launch_bounds__(kThreadsSimt) flash_backward_dq_simt(const Args a) {
  using A = acc_t<T>;
  const int64_t row = int64_t(blockIdx.x) * (kThreadsSimt / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= int64_t(a.B) * a.Hq * a.L) return;
  const int i = int(row % a.L), h = int((row / a.L) % a.Hq), b = int(row / (int64_t(a.L) * a.Hq));
  const int hk = h / a.group;
  const T* qp = static_cast<const T*>(a.q) + int64_t(b) * a.q_sb + int64_t(h) * a.q_sh + int64_t(i) * a.q_sl;
  const T* dop = static_cast<const T*>(a.dout) + int64_t(b) * a.do_sb + int64_t(h) * a.do_sh + int64_t(i) * a.do_sl;
  const T* kp = static_cast<const T*>(a.k) + int64_t(b) * a.k_sb + int64_t(hk) * a.k_sh;
  const T* vp = static_cast<const T*>(a.v) + int64_t(b) * a.v_sb + int64_t(hk) * a.v_sh;
  A qv[kMaxPerLane], dov[kMaxPerLane], dq[kMaxPerLane];
  load_row(qv, qp, a.D, lane);
  load_row(dov, dop, a.D, lane);
#pragma unroll
  for (int c = 0; c < kMaxPerLane; ++c) dq[c] = A(0);
  const int j_end = a.causal ? min(a.S, i + 1) : a.S;
  A m = -INFINITY, l = 0;
  for (int j = 0; j < j_end; ++j) {
    const A s = simt_score(a, qv, kp, b, h, i, j, lane);
    if (s == A(-INFINITY)) continue;
    const A new_m = s > m ? s : m;
    l = l * exp_of(m - new_m) + exp_of(s - new_m);
    m = new_m;
  }
  const A lse = l > A(0) ? m + log_of(l) : A(INFINITY);  // +inf: the row has no probability mass
  const A delta = dot_row(dov, static_cast<const T*>(a.out) + row * a.D, a.D, lane);
  if (l > A(0)) {
    for (int j = 0; j < j_end; ++j) {
      const A s = simt_score(a, qv, kp, b, h, i, j, lane);
      if (s == A(-INFINITY)) continue;
      const A p = exp_of(s - lse);
      const A ds = p * (dot_row(dov, vp + int64_t(j) * a.v_sl, a.D, lane) - delta) * A(a.scale);
      const T* kr = kp + int64_t(j) * a.k_sl;
#pragma unroll
      for (int c = 0; c < kMaxPerLane; ++c)
        if (c * 32 + lane < a.D) dq[c] += ds * to_acc(kr[c * 32 + lane]);
    }
  }
  T* dqp = static_cast<T*>(a.dq) + row * a.D;
#pragma unroll
  for (int c = 0; c < kMaxPerLane; ++c)
    if (c * 32 + lane < a.D) dqp[c * 32 + lane] = cast_to<T>(dq[c]);
  if (lane == 0) {
    static_cast<A*>(a.row_lse)[row] = lse;
    static_cast<A*>(a.row_delta)[row] = delta;
  }
}

/// One warp per key row: dK and dV summed over the query heads of its group.
template <class T>
__global__ void __launch_bounds__(kThreadsSimt) flash_backward_dkv_simt(const Args a) {
  using A = acc_t<T>;
  const int64_t row = int64_t(blockIdx.x) * (kThreadsSimt / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= int64_t(a.B) * a.Hk * a.S) return;
  const int j = int(row % a.S), hk = int((row / a.S) % a.Hk), b = int(row / (int64_t(a.S) * a.Hk));
  const T* kr = static_cast<const T*>(a.k) + int64_t(b) * a.k_sb + int64_t(hk) * a.k_sh + int64_t(j) * a.k_sl;
  const T* vr = static_cast<const T*>(a.v) + int64_t(b) * a.v_sb + int64_t(hk) * a.v_sh + int64_t(j) * a.v_sl;
  A kv[kMaxPerLane], vv[kMaxPerLane], dk[kMaxPerLane], dv[kMaxPerLane];
  load_row(kv, kr, a.D, lane);
  load_row(vv, vr, a.D, lane);
#pragma unroll
  for (int c = 0; c < kMaxPerLane; ++c) dk[c] = dv[c] = A(0);
  if (!key_is_padding(a, b, j)) {
    for (int h = hk * a.group; h < (hk + 1) * a.group; ++h) {
      const int64_t row_base = (int64_t(b) * a.Hq + h) * a.L;
      const T* qh = static_cast<const T*>(a.q) + int64_t(b) * a.q_sb + int64_t(h) * a.q_sh;
      const T* doh = static_cast<const T*>(a.dout) + int64_t(b) * a.do_sb + int64_t(h) * a.do_sh;
      for (int i = a.causal ? j : 0; i < a.L; ++i) {
        const A lse = static_cast<const A*>(a.row_lse)[row_base + i];
        if (lse == A(INFINITY)) continue;
        const T* qr = qh + int64_t(i) * a.q_sl;
        A s = dot_row(kv, qr, a.D, lane) * A(a.scale);
        if (a.bias != nullptr) s += A(bias_at(a, b, h, i, j));
        if (s == A(-INFINITY)) continue;
        const A p = exp_of(s - lse);
        const T* dr = doh + int64_t(i) * a.do_sl;
        const A ds = p * (dot_row(vv, dr, a.D, lane) - static_cast<const A*>(a.row_delta)[row_base + i]) * A(a.scale);
#pragma unroll
        for (int c = 0; c < kMaxPerLane; ++c)
          if (c * 32 + lane < a.D) {
            dv[c] += p * to_acc(dr[c * 32 + lane]);
            dk[c] += ds * to_acc(qr[c * 32 + lane]);
          }
      }
    }
  }
  T* dkp = static_cast<T*>(a.dk) + row * a.D;
  T* dvp = static_cast<T*>(a.dv) + row * a.D;
#pragma unroll
  for (int c = 0; c < kMaxPerLane; ++c)
    if (c * 32 + lane < a.D) {
      dkp[c * 32 + lane] = cast_to<T>(dk[c]);
      dvp[c * 32 + lane] = cast_to<T>(dv[c]);
    }
}

template <class T, int D, int Br>
void launch_tc(const Args& a, cudaStream_t stream) {
  const int64_t rows = int64_t(a.B) * a.Hq * a.L;
  auto* delta_kernel = attention_delta<T>;
  TZ_LAUNCH_KERNEL(delta_kernel, unsigned((rows + 3) / 4), 128, 0, stream, a);
  TZ_CUDA_CHECK_LAUNCH();
  TZ_CUDA_CHECK(cudaMemsetAsync(a.dq_accum, 0, size_t(rows) * D * sizeof(float), stream));
  constexpr size_t smem = backward_smem_bytes<D, Br>();
  static const bool attr_set = [] {
    auto* kernel = flash_backward_tc<T, D, Br>;
    TZ_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
    return true;
  }();
  (void)attr_set;
  const dim3 grid((a.S + kBc - 1) / kBc, a.B * a.Hk);
  auto* kernel = flash_backward_tc<T, D, Br>;
  TZ_LAUNCH_KERNEL(kernel, grid, kThreadsTC, smem, stream, a);
  TZ_CUDA_CHECK_LAUNCH();
  const int64_t n = rows * D;
  auto* cast_kernel = cast_dq<T>;
  TZ_LAUNCH_KERNEL(cast_kernel, grid_for(n), kThreads, 0, stream, a, n);
  TZ_CUDA_CHECK_LAUNCH();
}

}  // namespace

void launch_backward(DType dtype, const Args& a, cudaStream_t stream) {
  if (tensor_core_eligible(dtype, a) && int64_t(a.B) * a.Hk <= 65535) {
    // 128-wide heads take 32-query steps so the dK/dV accumulators (2 x 64 f32) plus the
    // 16 x Br score tiles stay in registers.
    if (dtype == DType::F16) a.D == 64 ? launch_tc<__half, 64, 64>(a, stream) : launch_tc<__half, 128, 32>(a, stream);
    else a.D == 64 ? launch_tc<__nv_bfloat16, 64, 64>(a, stream) : launch_tc<__nv_bfloat16, 128, 32>(a, stream);
    return;
  }
  const int64_t q_rows = int64_t(a.B) * a.Hq * a.L, k_rows = int64_t(a.B) * a.Hk * a.S;
  constexpr int kRowsPerBlock = kThreadsSimt / 32;
  auto launch = [&](auto dq_kernel, auto dkv_kernel) {
    TZ_LAUNCH_KERNEL(dq_kernel, unsigned((q_rows + kRowsPerBlock - 1) / kRowsPerBlock), kThreadsSimt, 0, stream, a);
    TZ_CUDA_CHECK_LAUNCH();
    TZ_LAUNCH_KERNEL(dkv_kernel, unsigned((k_rows + kRowsPerBlock - 1) / kRowsPerBlock), kThreadsSimt, 0, stream, a);
    TZ_CUDA_CHECK_LAUNCH();
  };
  switch (dtype) {
    case DType::F32: launch(flash_backward_dq_simt<float>, flash_backward_dkv_simt<float>); break;
    case DType::F64: launch(flash_backward_dq_simt<double>, flash_backward_dkv_simt<double>); break;
    case DType::F16: launch(flash_backward_dq_simt<__half>, flash_backward_dkv_simt<__half>); break;
    case DType::BF16: launch(flash_backward_dq_simt<__nv_bfloat16>, flash_backward_dkv_simt<__nv_bfloat16>); break;
    default: TZ_FAIL("scaled_dot_product_attention", "not implemented on cuda for dtype ", dtype_name(dtype));
  }
}

}  // namespace tz::cuda_backend::attention
