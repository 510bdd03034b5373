// Reductions over the trailing dims (reduce) and arg-reductions along the last dim (arg_reduce).
//
// The op layer permutes the reduced dims to the back, so a view splits into "kept" dims (one
// output each) and "reduced" dims. Both are coalesced; then one of two kernels runs:
//  - rows: the reduced block of each output is one contiguous run (sum over the last dim, full
//    reductions). A group of 32..256 threads reads each run coalesced, then reduces with warp
//    shuffles and a shared-memory step across the group's warps.
//  - generic: anything else. Threads along x take adjacent outputs (coalesced when the last kept
//    dim is contiguous, e.g. a sum over the batch of [B, N]); threads along y split the reduced
//    range and are combined in shared memory.
// When there are too few outputs to fill the GPU, the reduced range is also split across blocks
// (gridDim.y); each block writes a partial accumulator and a second kernel merges the partials
// in order, so results stay deterministic run to run.
//
// Accumulators: float for f32/f16/bf16, double for f64, int64 for the integers and bool (sums and
// products wrap like PyTorch's int64). Max/min keep NaN (it propagates); any/all count NaN as
// nonzero. arg_reduce orders NaN above everything and breaks ties by the smaller index, which is
// PyTorch's "first NaN / first extreme" rule expressed as a total order (so any merge tree works).
#include <cmath>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_launch.cuh"
#include "backends/cuda/cuda_scratch.cuh"

namespace tz::cuda_backend {
namespace {

template <class T> struct ReduceAccOf { using type = int64_t; };  // integers and bool
template <> struct ReduceAccOf<float> { using type = float; };
template <> struct ReduceAccOf<double> { using type = double; };
template <> struct ReduceAccOf<__half> { using type = float; };
template <> struct ReduceAccOf<__nv_bfloat16> { using type = float; };
template <class T> using reduce_acc_t = typename ReduceAccOf<T>::type;

/// Element -> accumulator value (exact for every dtype: 16-bit floats widen to float).
template <class T> __device__ inline reduce_acc_t<T> widen(T v) {
  if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
  else return static_cast<reduce_acc_t<T>>(to_acc(v));
}

template <class V> __device__ inline V lowest_of() {
  if constexpr (std::is_floating_point_v<V>) return -INFINITY;
  else return INT64_MIN;
}
template <class V> __device__ inline V highest_of() {
  if constexpr (std::is_floating_point_v<V>) return INFINITY;
  else return INT64_MAX;
}

__device__ inline float shfl_down(float v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
__device__ inline double shfl_down(double v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
__device__ inline int64_t shfl_down(int64_t v, int d) {
  return static_cast<int64_t>(__shfl_down_sync(0xffffffffu, static_cast<long long>(v), d));
}

/// reduce(): Sum/Prod/Max/Min/Any/All chosen at run time (a warp-uniform branch; keeps one
/// instantiation per dtype instead of six).
template <class T_>
struct ReducePolicy {
  using T = T_;
  using A = reduce_acc_t<T>;
  static constexpr bool kFloat = std::is_floating_point_v<A>;
  ReduceOp op;
  void* out;  // T*, or bool* for Any/All

  __device__ A identity() const {
    switch (op) {
      case ReduceOp::Sum: case ReduceOp::Any: return A(0);
      case ReduceOp::Prod: case ReduceOp::All: return A(1);
      case ReduceOp::Max: return lowest_of<A>();
      case ReduceOp::Min: return highest_of<A>();
    }
    return A(0);
  }
  __device__ A load(T v, int64_t) const {
    const A x = widen(v);
    if (op == ReduceOp::Any || op == ReduceOp::All) return x != A(0) ? A(1) : A(0);  // NaN counts as nonzero
    return x;
  }
  __device__ A merge(A a, A b) const {
    switch (op) {
      case ReduceOp::Sum:
        if constexpr (kFloat) return a + b;
        else return A(uint64_t(a) + uint64_t(b));  // wraps, no signed-overflow UB
      case ReduceOp::Prod:
        if constexpr (kFloat) return a * b;
        else return A(uint64_t(a) * uint64_t(b));
      case ReduceOp::Max:
        if constexpr (kFloat) return (a > b || a != a) ? a : b;  // NaN sticks
        else return a > b ? a : b;
      case ReduceOp::Min:
        if constexpr (kFloat) return (a < b || a != a) ? a : b;
        else return a < b ? a : b;
      case ReduceOp::Any: return (a != A(0) || b != A(0)) ? A(1) : A(0);
      case ReduceOp::All: return (a != A(0) && b != A(0)) ? A(1) : A(0);
    }
    return a;
  }
  __device__ void store(A a, int64_t off0, int64_t) const {
    if (op == ReduceOp::Any || op == ReduceOp::All) static_cast<bool*>(out)[off0] = a != A(0);
    else static_cast<T*>(out)[off0] = cast_to<T>(a);
  }
};

template <class V>
struct ArgAcc {
  V v;
  int64_t i;
};
template <class V> __device__ inline ArgAcc<V> shfl_down(ArgAcc<V> a, int d) { return {shfl_down(a.v, d), shfl_down(a.i, d)}; }

/// arg_reduce(): (value, index) pairs; values and indices are written to separate outputs.
template <class T_>
struct ArgPolicy {
  using T = T_;
  using V = reduce_acc_t<T>;
  using A = ArgAcc<V>;
  bool is_max;
  T* values;
  int64_t* indices;

  // The identity's index loses every tie, so it never survives a merge with a real element.
  __device__ A identity() const { return {is_max ? lowest_of<V>() : highest_of<V>(), INT64_MAX}; }
  __device__ A load(T v, int64_t r) const { return {widen(v), r}; }
  __device__ A merge(A a, A b) const {
    if constexpr (std::is_floating_point_v<V>) {
      const bool an = a.v != a.v, bn = b.v != b.v;
      if (an || bn) {
        if (an && bn) return a.i <= b.i ? a : b;
        return an ? a : b;
      }
    }
    if (a.v == b.v) return a.i <= b.i ? a : b;
    return (is_max ? a.v > b.v : a.v < b.v) ? a : b;
  }
  __device__ void store(A a, int64_t off0, int64_t off1) const {
    values[off0] = cast_to<T>(a.v);
    indices[off1] = a.i;
  }
};

/// Geometry: kept dims (operands: input, output 0, output 1) and reduced dims (input).
struct ReduceGeom {
  OffsetCalc<3> kept;
  OffsetCalc<1> reduced;
  int64_t n_outer = 1;
  int64_t n_inner = 1;
};

/// Reduces acc across threadIdx.x (blockDim.x a multiple of 32, at most 1024); the result is
/// valid in the thread with threadIdx.x == 0. Every thread of the block must call it.
template <class P, class A>
__device__ A reduce_across_x(const P& p, A acc) {
  for (int d = 16; d > 0; d >>= 1) acc = p.merge(acc, shfl_down(acc, d));
  const int warps_per_group = int(blockDim.x) / 32;
  if (warps_per_group == 1) return acc;  // uniform over the block
  __shared__ A smem[32];
  const int lane = int(threadIdx.x) % 32, warp = int(threadIdx.x) / 32;
  if (lane == 0) smem[threadIdx.y * warps_per_group + warp] = acc;
  __syncthreads();
  if (warp == 0) {
    acc = lane < warps_per_group ? smem[threadIdx.y * warps_per_group + lane] : p.identity();
    for (int d = 16; d > 0; d >>= 1) acc = p.merge(acc, shfl_down(acc, d));
  }
  return acc;
}

template <class P>
__device__ void finish(const P& p, const ReduceGeom& g, int64_t o, typename P::A acc, typename P::A* partial) {
  if (partial) {
    partial[int64_t(blockIdx.y) * g.n_outer + o] = acc;
    return;
  }
  int64_t off[3];
  g.kept.offsets(o, off);
  p.store(acc, off[1], off[2]);
}

/// Row mode: blockDim = (threads per row, rows per block); block y-split `chunk` elements each.
template <class P>
__global__ void reduce_rows_kernel(P p, const typename P::T* in, ReduceGeom g, int64_t chunk, typename P::A* partial) {
  using A = typename P::A;
  const int64_t o = int64_t(blockIdx.x) * blockDim.y + threadIdx.y;
  const bool active = o < g.n_outer;
  A acc = p.identity();
  if (active) {
    int64_t off[3];
    g.kept.offsets(o, off);
    const typename P::T* row = in + off[0];
    const int64_t lo = int64_t(blockIdx.y) * chunk, hi = lo + chunk < g.n_inner ? lo + chunk : g.n_inner;
    const int64_t step = blockDim.x;
    int64_t r = lo + threadIdx.x;
    // Four independent accumulators keep several loads in flight.
    A a1 = p.identity(), a2 = p.identity(), a3 = p.identity();
    for (; r + 3 * step < hi; r += 4 * step) {
      acc = p.merge(acc, p.load(row[r], r));
      a1 = p.merge(a1, p.load(row[r + step], r + step));
      a2 = p.merge(a2, p.load(row[r + 2 * step], r + 2 * step));
      a3 = p.merge(a3, p.load(row[r + 3 * step], r + 3 * step));
    }
    for (; r < hi; r += step) acc = p.merge(acc, p.load(row[r], r));
    acc = p.merge(p.merge(acc, a1), p.merge(a2, a3));
  }
  acc = reduce_across_x(p, acc);
  if (active && threadIdx.x == 0) finish(p, g, o, acc, partial);
}

/// Generic mode: blockDim = (outputs per block, reduced-range split); blockDim.y a power of two.
template <class P>
__global__ void reduce_generic_kernel(P p, const typename P::T* in, ReduceGeom g, int64_t chunk, typename P::A* partial) {
  using A = typename P::A;
  __shared__ A smem[kThreads];
  const int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const bool active = o < g.n_outer;
  A acc = p.identity();
  if (active) {
    int64_t off[3];
    g.kept.offsets(o, off);
    const typename P::T* base = in + off[0];
    const int64_t lo = int64_t(blockIdx.y) * chunk, hi = lo + chunk < g.n_inner ? lo + chunk : g.n_inner;
    if (g.reduced.ndim <= 1) {
      const int64_t s = g.reduced.ndim == 0 ? 0 : g.reduced.strides[0][0];
      for (int64_t r = lo + threadIdx.y; r < hi; r += blockDim.y) acc = p.merge(acc, p.load(base[r * s], r));
    } else {
      for (int64_t r = lo + threadIdx.y; r < hi; r += blockDim.y) {
        int64_t ro[1];
        g.reduced.offsets(r, ro);
        acc = p.merge(acc, p.load(base[ro[0]], r));
      }
    }
  }
  const int slot = int(threadIdx.y * blockDim.x + threadIdx.x);
  smem[slot] = acc;
  __syncthreads();
  for (unsigned s = blockDim.y / 2; s > 0; s >>= 1) {
    if (threadIdx.y < s) smem[slot] = p.merge(smem[slot], smem[slot + s * blockDim.x]);
    __syncthreads();
  }
  if (active && threadIdx.y == 0) finish(p, g, o, smem[slot], partial);
}

/// Merges the per-split partials of each output in split order and stores the result.
template <class P>
__global__ void reduce_partials_kernel(P p, const typename P::A* partial, int64_t splits, ReduceGeom g) {
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < g.n_outer; o += int64_t(gridDim.x) * blockDim.x) {
    typename P::A acc = partial[o];
    for (int64_t s = 1; s < splits; ++s) acc = p.merge(acc, partial[s * g.n_outer + o]);
    int64_t off[3];
    g.kept.offsets(o, off);
    p.store(acc, off[1], off[2]);
  }
}

int64_t pow2_floor(int64_t v) {
  int64_t p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}

/// Builds the geometry of `in` split at `keep` dims; outputs out0/out1 have sizes in.sizes[:keep].
ReduceGeom make_geom(const TensorView& in, int64_t keep, const TensorView& out0, const TensorView& out1, const char* op) {
  ReduceGeom g;
  const Shape ks(in.sizes.begin(), in.sizes.begin() + keep), rs(in.sizes.begin() + keep, in.sizes.end());
  TensorView ik{in.data, in.dtype, ks, Strides(in.strides.begin(), in.strides.begin() + keep)};
  TensorView ir{in.data, in.dtype, rs, Strides(in.strides.begin() + keep, in.strides.end())};
  TZ_CHECK(int64_t(out0.sizes.size()) == keep && int64_t(out1.sizes.size()) == keep, op, "output rank ",
           out0.sizes.size(), " does not match the ", keep, " kept dims");
  const TensorView* kv[3] = {&ik, &out0, &out1};
  const TensorView* rv[1] = {&ir};
  g.kept = make_offset_calc<3>(ks, kv, op);
  g.reduced = make_offset_calc<1>(rs, rv, op);
  g.n_outer = numel_of(ks);
  g.n_inner = numel_of(rs);
  return g;
}

template <class P>
void launch_reduce(const P& p, const TensorView& in, const ReduceGeom& g) {
  using A = typename P::A;
  using T = typename P::T;
  if (g.n_outer == 0) return;
  const T* src = in.ptr<T>();
  cudaStream_t stream = current_stream();
  const int64_t target_blocks = int64_t(sm_count()) * 4;
  const bool contiguous_rows = g.reduced.ndim == 1 && g.reduced.strides[0][0] == 1;
  dim3 block, grid;
  int64_t min_per_split;
  bool rows = false;
  if (contiguous_rows && g.n_inner >= 64) {
    rows = true;
    const int64_t tpr = g.n_inner >= 4096 ? 256 : g.n_inner >= 1024 ? 128 : g.n_inner >= 256 ? 64 : 32;
    block = dim3(unsigned(tpr), unsigned(kThreads / tpr));
    grid.x = unsigned((g.n_outer + block.y - 1) / block.y);
    min_per_split = tpr * 16;
  } else {
    const int64_t by = std::min<int64_t>(pow2_floor(std::max<int64_t>(g.n_inner, 1)), g.n_outer <= 32 ? 32 : 8);
    block = dim3(unsigned(kThreads / by), unsigned(by));
    grid.x = unsigned((g.n_outer + block.x - 1) / block.x);
    min_per_split = by * 64;
  }
  // Split the reduced range across blocks when the outputs alone leave the GPU mostly idle.
  int64_t splits = 1;
  if (int64_t(grid.x) < target_blocks && g.n_inner >= 2 * min_per_split)
    splits = std::min<int64_t>({(target_blocks + grid.x - 1) / grid.x, g.n_inner / min_per_split, 65535});
  const int64_t chunk = (std::max<int64_t>(g.n_inner, 1) + splits - 1) / splits;
  splits = (std::max<int64_t>(g.n_inner, 1) + chunk - 1) / chunk;
  grid.y = unsigned(splits);
  DeviceScratch<A> partial(splits > 1 ? size_t(splits * g.n_outer) : 0);
  A* part = splits > 1 ? partial.get() : nullptr;
  auto* kernel = rows ? reduce_rows_kernel<P> : reduce_generic_kernel<P>;
  TZ_LAUNCH_KERNEL(kernel, grid, block, 0, stream, p, src, g, chunk, part);
  TZ_CUDA_CHECK_LAUNCH();
  if (splits > 1) {
    auto* merge_partials = reduce_partials_kernel<P>;
    TZ_LAUNCH_KERNEL(merge_partials, grid_for(g.n_outer), kThreads, 0, stream, p, part, splits, g);
    TZ_CUDA_CHECK_LAUNCH();
  }
}

// CudaBackend::reduce / arg_reduce (free functions so that the kernel emulator's tests can call
// them; see tests/cuda_emu).
void reduce_trailing(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) {
  const char* name = reduce_op_name(op);
  TZ_CHECK(reduce_ndim >= 0 && reduce_ndim <= in.dim(), name, "cannot reduce ", reduce_ndim, " dims of a ", in.dim(), "-d view");
  const ReduceGeom g = make_geom(in, in.dim() - reduce_ndim, out, out, name);
  TZ_CHECK(g.n_inner > 0 || g.n_outer == 0 || (op != ReduceOp::Max && op != ReduceOp::Min), name,
           "cannot reduce over an empty dim (max/min have no identity)");
  TZ_CUDA_DISPATCH(in.dtype, name, [&]<class T>() { launch_reduce(ReducePolicy<T>{op, out.data}, in, g); });
}

void arg_reduce_last(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) {
  TZ_CHECK(op == ReduceOp::Max || op == ReduceOp::Min, "arg_reduce", "expects Max or Min, got ", reduce_op_name(op));
  TZ_CHECK(in.dim() >= 1, "arg_reduce", "expects at least one dim");
  const ReduceGeom g = make_geom(in, in.dim() - 1, values, indices, "arg_reduce");
  TZ_CHECK(g.n_inner > 0 || g.n_outer == 0, "arg_reduce", "cannot reduce over an empty dim");
  TZ_CUDA_DISPATCH(in.dtype, "arg_reduce", [&]<class T>() {
    launch_reduce(ArgPolicy<T>{op == ReduceOp::Max, values.ptr<T>(), indices.ptr<int64_t>()}, in, g);
  });
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) {
  reduce_trailing(op, out, in, reduce_ndim);
}

void CudaBackend::arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) {
  arg_reduce_last(op, values, indices, in);
}

}  // namespace tz::cuda_backend
