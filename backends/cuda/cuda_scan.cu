// Inclusive scans (cumsum, cumprod, optionally reversed) along the last dim of a view.
//
// Three strategies:
//  - line per thread: each thread scans one line sequentially. Used for short lines and for
//    strided lines (a scan over dim 0 of [N, K], moved to the back by the op layer): adjacent
//    threads then own adjacent lines, so every step's loads are coalesced. The sequential order
//    gives exactly the CPU backend's results.
//  - pieces per thread: the same, when there are too few lines to keep the GPU busy; lines are
//    cut into pieces whose totals are scanned first (three passes).
//  - line per block: long lines are scanned in tiles of 256 elements with cub::BlockScan; a
//    running prefix carries each tile's total into the next (the block-prefix callback).
// Accumulation is in double for the floating dtypes and wrapping 64-bit integers otherwise, as
// the CPU backend does; outputs are rounded to the dtype element by element.
#include <cub/block/block_scan.cuh>

#include "backends/common/scalar_ops.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_scratch.cuh"

namespace tz::cuda_backend {
namespace {

template <class T>
using scan_acc_t = std::conditional_t<std::is_same_v<acc_t<T>, float> || std::is_same_v<acc_t<T>, double>, double, uint64_t>;

template <class T> __device__ inline scan_acc_t<T> scan_load(T v) {
  if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
  // Signed integers convert modulo 2^64 (two's complement), so wrapping sums stay exact.
  else if constexpr (std::is_integral_v<T>) return static_cast<uint64_t>(static_cast<int64_t>(v));
  else return static_cast<double>(to_acc(v));
}

template <class A>
struct ScanCombine {
  ScanOp op;
  __device__ A operator()(const A& a, const A& b) const { return scalar::scan_combine<A>(op, a, b); }
};

__host__ __device__ inline int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }

struct LineGeom {
  OffsetCalc<2> lines;  // lead dims; operands: input, output
  int64_t n_lines = 1;
  int64_t n = 0;        // line length
  int64_t in_stride = 1, out_stride = 1;
};

template <class T>
__global__ void scan_lines_kernel(T* out, const T* in, LineGeom g, ScanOp op, bool reverse) {
  using A = scan_acc_t<T>;
  for (int64_t line = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; line < g.n_lines;
       line += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[2];
    g.lines.offsets(line, off);
    const T* p = in + off[0];
    T* o = out + off[1];
    A acc = scalar::scan_identity<A>(op);
    for (int64_t j = 0; j < g.n; ++j) {
      const int64_t k = reverse ? g.n - 1 - j : j;
      const A v = scan_load(p[k * g.in_stride]);
      acc = scalar::scan_combine<A>(op, acc, v);
      o[k * g.out_stride] = cast_to<T>(acc);
    }
  }
}

/// Strided lines too few to fill the GPU: each line is cut into `chunks` pieces handled by
/// separate threads (thread t: line t % n_lines, so neighbouring threads read neighbouring lines).
/// Pass 1 writes each piece's total, pass 2 turns the totals of a line into exclusive prefixes,
/// pass 3 rescans each piece starting from its prefix.
template <class T>
__global__ void scan_chunk_totals_kernel(scan_acc_t<T>* totals, const T* in, LineGeom g, int64_t chunks, int64_t len,
                                         ScanOp op, bool reverse) {
  using A = scan_acc_t<T>;
  for (int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; t < g.n_lines * chunks; t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t line = t % g.n_lines, c = t / g.n_lines;
    int64_t off[2];
    g.lines.offsets(line, off);
    const T* p = in + off[0];
    A acc = scalar::scan_identity<A>(op);
    const int64_t end = min_i64(g.n, (c + 1) * len);
    for (int64_t j = c * len; j < end; ++j) {
      const A v = scan_load(p[(reverse ? g.n - 1 - j : j) * g.in_stride]);
      acc = scalar::scan_combine<A>(op, acc, v);
    }
    totals[t] = acc;
  }
}

template <class A>
__global__ void scan_chunk_prefix_kernel(A* totals, int64_t n_lines, int64_t chunks, ScanOp op) {
  for (int64_t line = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; line < n_lines; line += int64_t(gridDim.x) * blockDim.x) {
    A run = scalar::scan_identity<A>(op);
    for (int64_t c = 0; c < chunks; ++c) {
      const A total = totals[c * n_lines + line];
      totals[c * n_lines + line] = run;
      run = scalar::scan_combine<A>(op, run, total);
    }
  }
}

template <class T>
__global__ void scan_chunk_apply_kernel(T* out, const T* in, const scan_acc_t<T>* prefixes, LineGeom g, int64_t chunks,
                                        int64_t len, ScanOp op, bool reverse) {
  using A = scan_acc_t<T>;
  for (int64_t t = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; t < g.n_lines * chunks; t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t line = t % g.n_lines, c = t / g.n_lines;
    int64_t off[2];
    g.lines.offsets(line, off);
    const T* p = in + off[0];
    T* o = out + off[1];
    A acc = prefixes[t];
    const int64_t end = min_i64(g.n, (c + 1) * len);
    for (int64_t j = c * len; j < end; ++j) {
      const int64_t k = reverse ? g.n - 1 - j : j;
      const A v = scan_load(p[k * g.in_stride]);
      acc = scalar::scan_combine<A>(op, acc, v);
      o[k * g.out_stride] = cast_to<T>(acc);
    }
  }
}

/// Carries the running total of the tiles scanned so far into the next tile.
template <class A>
struct RunningPrefix {
  A total;
  ScanOp op;
  // Called by the first warp with the tile's aggregate; lane 0's return value prefixes the tile.
  __device__ A operator()(A tile_total) {
    const A before = total;
    total = scalar::scan_combine<A>(op, total, tile_total);
    return before;
  }
};

constexpr int kScanThreads = 256;

template <class T>
__global__ void scan_block_kernel(T* out, const T* in, LineGeom g, ScanOp op, bool reverse) {
  using A = scan_acc_t<T>;
  using BlockScan = cub::BlockScan<A, kScanThreads>;
  __shared__ typename BlockScan::TempStorage temp;
  const A identity = scalar::scan_identity<A>(op);
  for (int64_t line = blockIdx.x; line < g.n_lines; line += gridDim.x) {  // uniform per block
    int64_t off[2];
    g.lines.offsets(line, off);
    const T* p = in + off[0];
    T* o = out + off[1];
    RunningPrefix<A> prefix{identity, op};
    for (int64_t base = 0; base < g.n; base += kScanThreads) {
      const int64_t j = base + threadIdx.x;
      const int64_t k = reverse ? g.n - 1 - j : j;
      A v = j < g.n ? scan_load(p[k * g.in_stride]) : identity;
      BlockScan(temp).InclusiveScan(v, v, ScanCombine<A>{op}, prefix);
      __syncthreads();  // temp is reused by the next tile
      if (j < g.n) o[k * g.out_stride] = cast_to<T>(v);
    }
  }
}

// (Launches live outside the dispatch lambda: the commas of <<<...>>> would split macro arguments.)
template <class T>
void launch_scan(const TensorView& out, const TensorView& in, const LineGeom& g, ScanOp op, bool reverse, bool per_block) {
  cudaStream_t stream = current_stream();
  // Thread-per-line work with too few lines to hide latency: split the lines into pieces.
  const int64_t target_threads = int64_t(sm_count()) * 2048;
  const int64_t chunks = per_block ? 1 : std::min<int64_t>(target_threads / std::max<int64_t>(g.n_lines, 1), g.n / 32);
  if (chunks > 1) {
    using A = scan_acc_t<T>;
    const int64_t len = (g.n + chunks - 1) / chunks;
    const int64_t used = (g.n + len - 1) / len;  // pieces that hold elements
    DeviceScratch<A> totals{size_t(g.n_lines * used)};
    scan_chunk_totals_kernel<T><<<grid_for(g.n_lines * used), kThreads, 0, stream>>>(totals.get(), in.ptr<T>(), g, used,
                                                                                     len, op, reverse);
    TZ_CUDA_CHECK_LAUNCH();
    scan_chunk_prefix_kernel<A><<<grid_for(g.n_lines), kThreads, 0, stream>>>(totals.get(), g.n_lines, used, op);
    TZ_CUDA_CHECK_LAUNCH();
    scan_chunk_apply_kernel<T><<<grid_for(g.n_lines * used), kThreads, 0, stream>>>(out.ptr<T>(), in.ptr<T>(), totals.get(),
                                                                                    g, used, len, op, reverse);
    TZ_CUDA_CHECK_LAUNCH();
    return;
  }
  if (per_block) {
    const unsigned blocks = unsigned(std::min<int64_t>(g.n_lines, int64_t(1) << 20));
    scan_block_kernel<T><<<blocks, kScanThreads, 0, stream>>>(out.ptr<T>(), in.ptr<T>(), g, op, reverse);
  } else {
    scan_lines_kernel<T><<<grid_for(g.n_lines), kThreads, 0, stream>>>(out.ptr<T>(), in.ptr<T>(), g, op, reverse);
  }
  TZ_CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::scan(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) {
  const char* name = scan_op_name(op);
  TZ_CHECK(in.dim() >= 1, name, "expects at least one dim");
  TZ_CHECK(out.sizes == in.sizes, name, "output sizes differ from the input's");
  if (in.numel() == 0) return;
  LineGeom g;
  const Shape lead(in.sizes.begin(), in.sizes.end() - 1);
  const TensorView il{in.data, in.dtype, lead, Strides(in.strides.begin(), in.strides.end() - 1)};
  const TensorView ol{out.data, out.dtype, lead, Strides(out.strides.begin(), out.strides.end() - 1)};
  const TensorView* views[2] = {&il, &ol};
  g.lines = make_offset_calc<2>(lead, views, name);
  g.n_lines = numel_of(lead);
  g.n = in.sizes.back();
  g.in_stride = in.strides.back();
  g.out_stride = out.strides.back();
  // Block per line for long lines, unless there are many strided lines (then a thread per line
  // reads coalesced across lines and keeps every thread busy).
  const bool per_block = g.n > 64 && (g.in_stride == 1 || g.n_lines < 2048);
  TZ_CUDA_DISPATCH(in.dtype, name, [&]<class T>() { launch_scan<T>(out, in, g, op, reverse, per_block); });
}

}  // namespace tz::cuda_backend
