#pragma once
/// A CPU emulator for the CUDA backend's own kernels, so that their index arithmetic, fragment
/// layouts, barriers and warp collectives are tested on machines without a GPU (CI).
///
/// Use: a test source defines nothing itself; it includes this header and then the kernel file,
///   #include "backends/cuda/emu/cuda_emulator.h"
///   #include "backends/cuda/cuda_attention_fwd.cu"
/// and compiles it with the host compiler. The kernel file is unchanged CUDA C++: launches are
/// written TZ_LAUNCH_KERNEL(kernel, grid, block, smem, stream, args...) (cuda_common.cuh), dynamic
/// shared memory TZ_DYNAMIC_SHARED(name), and the few inline-PTX wrappers (mma.sync, ldmatrix,
/// cp.async) have an emulated branch under TZ_CUDA_EMULATION. Device memory is host memory.
///
/// Execution model: the blocks of a launch run one after another; the threads of a block are
/// cooperative fibers (ucontext) switched at every barrier and warp collective, so __syncthreads
/// and __shfl_*_sync have their real semantics, and a missing barrier shows up as stale shared
/// data under one of the schedules (set_schedule), which tests run in turn. A deadlock (threads
/// waiting at a barrier that the others never reach, or a warp collective with exited lanes)
/// raises an error naming the block. cp.async copies are
/// deferred until the issuing thread waits for their group, so a read before the wait sees the
/// old data. Tensor-core MMAs compute in f32 from the 16-bit inputs (the hardware rounds its f32
/// accumulation differently in the last bits; compare with tolerances).
///
/// The kernel sources are compiled into the namespace tz::cuda_backend_emulated (a macro renames
/// `cuda_backend`) so that a test binary can also link the real CUDA backend.
// `__shared__` variables are statics of the kernel function: one per block, since blocks run one
// after another (defined before the CUDA headers, which keep an existing definition).
#define __shared__ static
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

#include "backends/cuda/emu/cuda_emulator_control.h"

#define TZ_CUDA_EMULATION 1
#define cuda_backend cuda_backend_emulated

namespace tz::cuda_emu {

/// Runs body() once per thread of every block of the grid (blocks in order, threads as fibers)
/// with dynamic_smem bytes of shared memory per block, filled with 0xFF bytes (NaN as floats) so
/// that reading shared memory nobody wrote shows in the results. Errors (deadlock) throw tz::Error.
/// `kernel` identifies the kernel for its cudaFuncSetAttribute limit: more than 48 KiB of dynamic
/// shared memory needs the attribute, as on the device, and no block may exceed 227 KiB.
void launch(const void* kernel, dim3 grid, dim3 block, size_t dynamic_smem, const std::function<void()>& body);

// ---- what kernel code sees ---------------------------------------------------------------------
const uint3& thread_idx();
const uint3& block_idx();
const dim3& block_dim();
const dim3& grid_dim();
unsigned char* dynamic_shared();
void sync_threads();
/// All 32 lanes of the calling warp contribute `bytes` bytes from `mine`; afterwards `all` holds
/// every lane's contribution (lane-major). The warp collectives are built on this.
void warp_all_gather(const void* mine, size_t bytes, void* all);
int lane_id();

template <class V>
V shfl_xor(V v, int lane_mask) {
  V all[32];
  warp_all_gather(&v, sizeof(V), all);
  return all[lane_id() ^ lane_mask];
}
template <class V>
V shfl(V v, int src_lane) {
  V all[32];
  warp_all_gather(&v, sizeof(V), all);
  return all[src_lane & 31];
}
template <class V>
V shfl_down(V v, unsigned delta) {
  V all[32];
  warp_all_gather(&v, sizeof(V), all);
  const unsigned src = unsigned(lane_id()) + delta;
  return src < 32 ? all[src] : v;
}

/// mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}: d += A(16x16) B(16x8) over the warp's
/// fragments (PTX ISA layout: a0..a3 rows g / g+8, k pairs 2t / 2t+8; b0, b1 k pairs 2t / 2t+8
/// of column g; d0..d3 rows g / g+8, columns 2t, 2t+1). `bf16` selects the element type.
void mma_m16n8k16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], bool bf16);
/// ldmatrix.sync.aligned.m8n8.x4(.trans).shared.b16: lane i supplies the address of row i % 8 of
/// matrix i / 8; register m of lane l receives matrix m's row l / 4, columns 2(l%4), 2(l%4)+1
/// (with .trans: column l / 4, rows 2(l%4), 2(l%4)+1).
void ldmatrix_x4(uint32_t (&r)[4], const void* row, bool trans);
/// cp.async.cg.shared.global 16 bytes (src_bytes 0 zero-fills), cp.async.commit_group and
/// cp.async.wait_group n: the copies of all but the newest n committed groups land at the wait.
void cp_async_16(void* smem, const void* gmem, int src_bytes);
void cp_async_commit();
void cp_async_wait(int newest_groups_left);

// ---- the runtime calls the kernel files make ---------------------------------------------------
cudaError_t func_set_attribute(const void*, cudaFuncAttribute, int);
cudaError_t memset_async(void* p, int value, size_t n, cudaStream_t);
/// cudaMemcpyAsync: host and "device" memory are the same here, so every kind is a memcpy, done
/// before returning (stream order is program order under emulation).
cudaError_t memcpy_async(void* dst, const void* src, size_t n, cudaMemcpyKind, cudaStream_t);
/// cudaDeviceGetAttribute: cudaDevAttrMultiProcessorCount is kEmulatedSmCount (small, so that
/// launches sized by the SM count, e.g. split reductions, take their multi-block paths on small
/// test inputs); other attributes are not emulated and fail.
inline constexpr int kEmulatedSmCount = 4;
cudaError_t device_get_attribute(int* value, cudaDeviceAttr attr, int device);
/// cudaStreamSynchronize: launches complete before they return here, so there is nothing to wait for.
cudaError_t stream_synchronize(cudaStream_t);
cudaError_t get_last_error();
const char* get_error_string(cudaError_t);

}  // namespace tz::cuda_emu

// Device built-ins, as the kernel sources spell them.
#define threadIdx (::tz::cuda_emu::thread_idx())
#define blockIdx (::tz::cuda_emu::block_idx())
#define blockDim (::tz::cuda_emu::block_dim())
#define gridDim (::tz::cuda_emu::grid_dim())
#define __syncthreads() ::tz::cuda_emu::sync_threads()
#define __shfl_xor_sync(mask, v, lane_mask) ::tz::cuda_emu::shfl_xor((v), (lane_mask))
#define __shfl_sync(mask, v, src) ::tz::cuda_emu::shfl((v), (src))
#define __shfl_down_sync(mask, v, delta) ::tz::cuda_emu::shfl_down((v), (delta))
#ifndef __launch_bounds__
#define __launch_bounds__(...)
#endif
#define __expf(x) ::expf(x)
#define cudaFuncSetAttribute(f, attr, v) ::tz::cuda_emu::func_set_attribute(reinterpret_cast<const void*>(f), attr, v)
#define cudaMemsetAsync ::tz::cuda_emu::memset_async
#define cudaMemcpyAsync ::tz::cuda_emu::memcpy_async
#define cudaDeviceGetAttribute ::tz::cuda_emu::device_get_attribute
#define cudaStreamSynchronize ::tz::cuda_emu::stream_synchronize
#define cudaGetLastError ::tz::cuda_emu::get_last_error
#define cudaGetErrorString ::tz::cuda_emu::get_error_string

namespace tz::cuda_emu {
/// The read-modify-writes behind the emulated atomics. Fibers share one OS thread, so each is
/// atomic as it stands.
template <class V>
inline V fetch_add(V* p, V v) {
  const V old = *p;
  *p = old + v;
  return old;
}
template <class W>
inline W compare_and_swap(W* p, W expected, W desired) {
  const W old = *p;
  if (old == expected) *p = desired;
  return old;
}
template <class I>
inline I store_max(I* p, I v) {
  const I old = *p;
  if (v > old) *p = v;
  return old;
}
template <class I>
inline I store_min(I* p, I v) {
  const I old = *p;
  if (v < old) *p = v;
  return old;
}
}  // namespace tz::cuda_emu

inline float atomicAdd(float* p, float v) { return ::tz::cuda_emu::fetch_add(p, v); }
inline double atomicAdd(double* p, double v) { return ::tz::cuda_emu::fetch_add(p, v); }
inline unsigned atomicAdd(unsigned* p, unsigned v) { return ::tz::cuda_emu::fetch_add(p, v); }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) {
  return ::tz::cuda_emu::fetch_add(p, v);
}
// Signed adds wrap like the device's (two's complement), without signed-overflow UB.
inline int atomicAdd(int* p, int v) {
  return int(::tz::cuda_emu::fetch_add(reinterpret_cast<unsigned*>(p), unsigned(v)));
}
// The sum of two halves (or two bf16) is rounded once from double, like the device's add.
inline __half atomicAdd(__half* p, __half v) {
  const __half old = *p;
  *p = __double2half(double(__half2float(old)) + double(__half2float(v)));
  return old;
}
inline __nv_bfloat16 atomicAdd(__nv_bfloat16* p, __nv_bfloat16 v) {
  const __nv_bfloat16 old = *p;
  *p = __double2bfloat16(double(__bfloat162float(old)) + double(__bfloat162float(v)));
  return old;
}

/// atomicCAS for the word sizes the device has (16, 32 and 64 bits): stores `desired` if *p
/// equals `expected`; returns the old value either way.
inline unsigned short atomicCAS(unsigned short* p, unsigned short e, unsigned short d) {
  return ::tz::cuda_emu::compare_and_swap(p, e, d);
}
inline int atomicCAS(int* p, int e, int d) { return ::tz::cuda_emu::compare_and_swap(p, e, d); }
inline unsigned atomicCAS(unsigned* p, unsigned e, unsigned d) { return ::tz::cuda_emu::compare_and_swap(p, e, d); }
inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long e, unsigned long long d) {
  return ::tz::cuda_emu::compare_and_swap(p, e, d);
}
/// atomicMax / atomicMin on the integer types the device has them for.
inline int atomicMax(int* p, int v) { return ::tz::cuda_emu::store_max(p, v); }
inline unsigned atomicMax(unsigned* p, unsigned v) { return ::tz::cuda_emu::store_max(p, v); }
inline long long atomicMax(long long* p, long long v) { return ::tz::cuda_emu::store_max(p, v); }
inline unsigned long long atomicMax(unsigned long long* p, unsigned long long v) {
  return ::tz::cuda_emu::store_max(p, v);
}
inline int atomicMin(int* p, int v) { return ::tz::cuda_emu::store_min(p, v); }
inline unsigned atomicMin(unsigned* p, unsigned v) { return ::tz::cuda_emu::store_min(p, v); }
inline long long atomicMin(long long* p, long long v) { return ::tz::cuda_emu::store_min(p, v); }
inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {
  return ::tz::cuda_emu::store_min(p, v);
}

using std::max;
using std::min;

// IEEE round-to-nearest arithmetic intrinsics: one rounding each, as long as the emulated file is
// compiled without floating-point contraction (tests/CMakeLists.txt: -ffp-contract=off).
namespace tz::cuda_emu {
template <class F> inline F add_rn(F a, F b) { return a + b; }
template <class F> inline F mul_rn(F a, F b) { return a * b; }
template <class F> inline F div_rn(F a, F b) { return a / b; }
template <class F> inline F sqrt_rn(F a) { return std::sqrt(a); }
}  // namespace tz::cuda_emu
#define __fadd_rn(a, b) ::tz::cuda_emu::add_rn<float>((a), (b))
#define __dadd_rn(a, b) ::tz::cuda_emu::add_rn<double>((a), (b))
#define __fmul_rn(a, b) ::tz::cuda_emu::mul_rn<float>((a), (b))
#define __dmul_rn(a, b) ::tz::cuda_emu::mul_rn<double>((a), (b))
#define __fdiv_rn(a, b) ::tz::cuda_emu::div_rn<float>((a), (b))
#define __ddiv_rn(a, b) ::tz::cuda_emu::div_rn<double>((a), (b))
#define __fsqrt_rn(a) ::tz::cuda_emu::sqrt_rn<float>(a)
#define __dsqrt_rn(a) ::tz::cuda_emu::sqrt_rn<double>(a)
