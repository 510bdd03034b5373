// gather, scatter (every ScatterReduce) and nonzero.
//
// gather and scatter run one thread per index element. The offsets of out/index/src come from
// one coalesced offset calculator whose stride along `dim` is zeroed for the operand that is
// addressed through the index; the index value times that operand's `dim` stride is added.
// Out-of-range indices are recorded on the device and raised after the kernel (one stream sync).
//
// scatter combines colliding elements with atomics: native ones where the hardware has them
// (float/double/half/bf16 add, 32/64-bit integer add/max/min) and compare-and-swap loops on the
// element's word otherwise (products, float max/min, 8-bit types, bool). include_self=false first
// overwrites every scattered position with the reduction's identity, so the reduction then sees
// only the scattered values. Mean sums into a double/int64 workspace and counts hits, then
// divides (rounding toward -inf for integers, as PyTorch). Assign with duplicate indices keeps
// the last in index order like the CPU: a first pass elects, per output element, the highest
// linear index position writing to it (atomicMax), the second pass lets only that one write.
//
// nonzero: a flag per element, a CUB prefix sum of the flags gives each nonzero element its
// output row, and the coordinates are unravelled in row-major order.
#include <cub/device/device_scan.cuh>

#include <cstring>
#include <limits>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_launch.cuh"
#include "backends/cuda/cuda_scratch.cuh"

namespace tz::cuda_backend {
namespace {

// ---- gather --------------------------------------------------------------------------------

/// Same-size unsigned type: gather only moves bits, so four instantiations cover nine dtypes.
template <int Bytes> struct BitsOf;
template <> struct BitsOf<1> { using type = uint8_t; };
template <> struct BitsOf<2> { using type = uint16_t; };
template <> struct BitsOf<4> { using type = uint32_t; };
template <> struct BitsOf<8> { using type = uint64_t; };

template <class B>
__global__ void gather_kernel(B* out, const B* in, const int64_t* index, OffsetCalc<3> c, int64_t numel, int64_t dim_size,
                              int64_t in_dim_stride, unsigned long long* err) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < numel; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[3];  // out, in (dim stride zeroed), index
    c.offsets(i, off);
    const int64_t k = index[off[2]];
    if (k < 0 || k >= dim_size) {
      report_bad_index(err, k);
      continue;
    }
    out[off[0]] = in[off[1] + k * in_dim_stride];
  }
}

/// A copy of v whose stride along `dim` is 0.
TensorView without_dim(const TensorView& v, const Shape& sizes, int dim) {
  TensorView r{v.data, v.dtype, sizes, v.strides};
  r.strides[size_t(dim)] = 0;
  return r;
}

template <class B>
void launch_gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim, unsigned long long* err) {
  const TensorView iv = without_dim(in, index.sizes, dim);
  const TensorView ov{out.data, out.dtype, index.sizes, out.strides};
  const TensorView xv{index.data, index.dtype, index.sizes, index.strides};
  const TensorView* views[3] = {&ov, &iv, &xv};
  const OffsetCalc<3> c = make_offset_calc<3>(index.sizes, views, "gather");
  const int64_t numel = index.numel();
  auto* kernel = gather_kernel<B>;
  TZ_LAUNCH_KERNEL(kernel, grid_for(numel), kThreads, 0, current_stream(), out.ptr<B>(), in.ptr<B>(),
                   index.ptr<int64_t>(), c, numel, in.sizes[size_t(dim)], in.strides[size_t(dim)], err);
  TZ_CUDA_CHECK_LAUNCH();
}

// ---- atomics -------------------------------------------------------------------------------

template <class T, class U> __device__ inline U bits_of(T v) {
  U u;
  memcpy(&u, &v, sizeof(T));
  return u;
}
template <class T, class U> __device__ inline T from_bits(U u) {
  T v;
  memcpy(&v, &u, sizeof(T));
  return v;
}

/// *addr = f(*addr) atomically, for any element size (1-byte elements CAS their aligned word;
/// the allocator's blocks are at least 4-byte aligned and sized, so the word is in bounds).
template <class T, class F>
__device__ void atomic_update(T* addr, F f) {
  if constexpr (sizeof(T) == 8) {
    auto* a = reinterpret_cast<unsigned long long*>(addr);
    unsigned long long old = *a, assumed;
    do {
      assumed = old;
      old = atomicCAS(a, assumed, bits_of<T, unsigned long long>(f(from_bits<T, unsigned long long>(assumed))));
    } while (old != assumed);
  } else if constexpr (sizeof(T) == 4) {
    auto* a = reinterpret_cast<unsigned int*>(addr);
    unsigned int old = *a, assumed;
    do {
      assumed = old;
      old = atomicCAS(a, assumed, bits_of<T, unsigned int>(f(from_bits<T, unsigned int>(assumed))));
    } while (old != assumed);
  } else if constexpr (sizeof(T) == 2) {
    auto* a = reinterpret_cast<unsigned short*>(addr);
    unsigned short old = *a, assumed;
    do {
      assumed = old;
      old = atomicCAS(a, assumed, bits_of<T, unsigned short>(f(from_bits<T, unsigned short>(assumed))));
    } while (old != assumed);
  } else {
    const uintptr_t p = reinterpret_cast<uintptr_t>(addr);
    auto* word = reinterpret_cast<unsigned int*>(p & ~uintptr_t(3));
    const unsigned shift = unsigned(p & 3) * 8;
    unsigned int old = *word, assumed;
    do {
      assumed = old;
      const T cur = from_bits<T, uint8_t>(uint8_t((assumed >> shift) & 0xffu));
      const unsigned int repl = (assumed & ~(0xffu << shift)) | (unsigned(bits_of<T, uint8_t>(f(cur))) << shift);
      old = atomicCAS(word, assumed, repl);
    } while (old != assumed);
  }
}

template <class T> __device__ inline bool is_nan_value(T v) {
  if constexpr (std::is_same_v<acc_t<T>, float> || std::is_same_v<acc_t<T>, double>) {
    const auto a = to_acc(v);
    return a != a;
  } else {
    return false;
  }
}

/// Combines v into *dst with `op` (Sum/Prod/Amax/Amin; NaN propagates through amax/amin).
template <class T>
__device__ void atomic_combine(ScatterReduce op, T* dst, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    // Sums and maxima of bools are "any", products and minima "all".
    const bool any = op == ScatterReduce::Sum || op == ScatterReduce::Amax;
    if (any ? v : !v) atomic_update(dst, [any](bool) { return any; });
    return;
  } else {
    switch (op) {
      case ScatterReduce::Sum:
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, __half> ||
                      std::is_same_v<T, __nv_bfloat16> || std::is_same_v<T, int32_t>) {
          atomicAdd(dst, v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          atomicAdd(reinterpret_cast<unsigned long long*>(dst), static_cast<unsigned long long>(v));  // wraps
        } else {
          atomic_update(dst, [v](T a) { return T(a + v); });  // 8-bit: wraps modulo 256
        }
        return;
      case ScatterReduce::Prod:
        if constexpr (std::is_integral_v<T>)
          atomic_update(dst, [v](T a) { return T(uint64_t(int64_t(a)) * uint64_t(int64_t(v))); });
        else
          atomic_update(dst, [v](T a) { return cast_to<T>(to_acc(a) * to_acc(v)); });
        return;
      case ScatterReduce::Amax:
      case ScatterReduce::Amin: {
        const bool mx = op == ScatterReduce::Amax;
        if constexpr (std::is_same_v<T, int32_t>) {
          mx ? atomicMax(dst, v) : atomicMin(dst, v);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          auto* a = reinterpret_cast<long long*>(dst);
          mx ? atomicMax(a, static_cast<long long>(v)) : atomicMin(a, static_cast<long long>(v));
        } else {
          atomic_update(dst, [v, mx](T a) {
            if (is_nan_value(a)) return a;
            if (is_nan_value(v)) return v;
            return (mx ? to_acc(v) > to_acc(a) : to_acc(v) < to_acc(a)) ? v : a;
          });
        }
        return;
      }
      case ScatterReduce::Assign:
      case ScatterReduce::Mean:
        return;  // handled by the caller
    }
  }
}

/// The value include_self=false writes first: the identity of the reduction.
template <class T> __device__ inline T scatter_identity(ScatterReduce op) {
  if constexpr (std::is_same_v<T, bool>) {
    return op == ScatterReduce::Prod || op == ScatterReduce::Amin;
  } else if constexpr (std::is_integral_v<T>) {
    if (op == ScatterReduce::Amax) return std::numeric_limits<T>::lowest();
    if (op == ScatterReduce::Amin) return std::numeric_limits<T>::max();
    return T(op == ScatterReduce::Prod ? 1 : 0);
  } else {
    if (op == ScatterReduce::Amax) return cast_to<T>(-INFINITY);
    if (op == ScatterReduce::Amin) return cast_to<T>(INFINITY);
    return cast_to<T>(op == ScatterReduce::Prod ? 1.0f : 0.0f);
  }
}

// ---- scatter -------------------------------------------------------------------------------

template <class T> using mean_acc_t = std::conditional_t<std::is_integral_v<T>, int64_t, double>;

template <class T> __device__ inline mean_acc_t<T> mean_load(T v) {
  if constexpr (std::is_same_v<T, bool>) return v ? 1 : 0;
  else if constexpr (std::is_integral_v<T>) return int64_t(v);
  else return double(to_acc(v));
}

/// Operands of the scatter walk: out (dim stride zeroed), index, src, and out's row-major
/// linear position (dim stride zeroed) for the mean workspace.
struct ScatterGeom {
  OffsetCalc<4> c;
  int64_t numel = 0;
  int64_t dim_size = 0;
  int64_t out_dim_stride = 0;
  int64_t lin_dim_stride = 0;
};

/// Prefill: write the identity (include_self=false). Claim: Assign's duplicates elect the last
/// writer in index order. Combine: the reduction itself.
enum class ScatterPass : uint8_t { Prefill, Claim, Combine };

template <class T>
__global__ void scatter_kernel(ScatterPass pass, ScatterReduce op, T* out, const int64_t* index, const T* src,
                               ScatterGeom g, mean_acc_t<T>* mean_sum, unsigned long long* mean_count,
                               long long* winner, unsigned long long* err) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < g.numel; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[4];
    g.c.offsets(i, off);
    const int64_t k = index[off[1]];
    if (k < 0 || k >= g.dim_size) {
      if (pass == ScatterPass::Combine) report_bad_index(err, k);
      continue;
    }
    T* dst = out + off[0] + k * g.out_dim_stride;
    if (pass == ScatterPass::Prefill) {
      *dst = scatter_identity<T>(op);  // every writer stores the same value
      continue;
    }
    const int64_t lin = off[3] + k * g.lin_dim_stride;
    if (pass == ScatterPass::Claim) {
      atomicMax(winner + lin, static_cast<long long>(i));
      continue;
    }
    const T v = src[off[2]];
    if (op == ScatterReduce::Assign) {
      if (!winner || winner[lin] == i) *dst = v;
    } else if (op == ScatterReduce::Mean) {
      if constexpr (std::is_integral_v<T>)
        atomicAdd(reinterpret_cast<unsigned long long*>(mean_sum + lin), static_cast<unsigned long long>(mean_load(v)));
      else
        atomicAdd(mean_sum + lin, mean_load(v));
      atomicAdd(mean_count + lin, 1ull);
    } else {
      atomic_combine(op, dst, v);
    }
  }
}

/// out = (sum [+ out]) / (count [+ 1]) at every position that received a value.
template <class T>
__global__ void scatter_mean_finish_kernel(T* out, OffsetCalc<1> oc, int64_t numel, const mean_acc_t<T>* mean_sum,
                                           const unsigned long long* mean_count, bool include_self) {
  using A = mean_acc_t<T>;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < numel; i += int64_t(gridDim.x) * blockDim.x) {
    const unsigned long long hits = mean_count[i];
    if (hits == 0) continue;
    int64_t off[1];
    oc.offsets(i, off);
    A total = mean_sum[i];
    A c = A(hits);
    if (include_self) {
      total = A(total + mean_load(out[off[0]]));
      c = A(c + 1);
    }
    if constexpr (std::is_integral_v<A>) {
      A q = total / c;
      if ((total % c != 0) && ((total < 0) != (c < 0))) --q;  // floor division
      out[off[0]] = cast_to<T>(q);
    } else {
      out[off[0]] = cast_to<T>(total / c);
    }
  }
}

template <class T>
void launch_scatter(ScatterReduce op, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
                    bool include_self, unsigned long long* err) {
  cudaStream_t stream = current_stream();
  ScatterGeom g;
  const Strides lin_strides = contiguous_strides(out.sizes);
  const TensorView lin{nullptr, DType::I64, out.sizes, lin_strides};
  const TensorView ov = without_dim(out, index.sizes, dim), lv = without_dim(lin, index.sizes, dim);
  const TensorView xv{index.data, index.dtype, index.sizes, index.strides};
  const TensorView sv{src.data, src.dtype, index.sizes, src.strides};
  const TensorView* views[4] = {&ov, &xv, &sv, &lv};
  g.c = make_offset_calc<4>(index.sizes, views, "scatter");
  g.numel = index.numel();
  g.dim_size = out.sizes[size_t(dim)];
  g.out_dim_stride = out.strides[size_t(dim)];
  g.lin_dim_stride = lin_strides[size_t(dim)];
  const unsigned blocks = grid_for(g.numel);
  T* o = out.ptr<T>();
  const int64_t* ix = index.ptr<int64_t>();
  const T* s = src.ptr<T>();
  auto* kernel = scatter_kernel<T>;
  if (op == ScatterReduce::Mean) {
    const int64_t n_out = out.numel();
    DeviceScratch<mean_acc_t<T>> sum{size_t(n_out)};
    DeviceScratch<unsigned long long> count{size_t(n_out)};
    TZ_CUDA_CHECK(cudaMemsetAsync(sum.get(), 0, sum.bytes(), stream));
    TZ_CUDA_CHECK(cudaMemsetAsync(count.get(), 0, count.bytes(), stream));
    TZ_LAUNCH_KERNEL(kernel, blocks, kThreads, 0, stream, ScatterPass::Combine, op, o, ix, s, g, sum.get(), count.get(),
                     nullptr, err);
    TZ_CUDA_CHECK_LAUNCH();
    const TensorView* ovs[1] = {&out};
    const OffsetCalc<1> oc = make_offset_calc<1>(out.sizes, ovs, "scatter");
    auto* finish = scatter_mean_finish_kernel<T>;
    TZ_LAUNCH_KERNEL(finish, grid_for(n_out), kThreads, 0, stream, o, oc, n_out, sum.get(), count.get(), include_self);
    TZ_CUDA_CHECK_LAUNCH();
    return;
  }
  if (!include_self && op != ScatterReduce::Assign) {
    TZ_LAUNCH_KERNEL(kernel, blocks, kThreads, 0, stream, ScatterPass::Prefill, op, o, ix, s, g, nullptr, nullptr,
                     nullptr, err);
    TZ_CUDA_CHECK_LAUNCH();
  }
  // Assign with possible duplicates (more than one index per slice): the highest linear index
  // of the index tensor wins, which is the last write of the CPU's in-order walk.
  const bool elect = op == ScatterReduce::Assign && index.sizes[size_t(dim)] > 1;
  DeviceScratch<long long> winner{elect ? size_t(out.numel()) : size_t(0)};
  if (elect) {
    TZ_CUDA_CHECK(cudaMemsetAsync(winner.get(), 0xff, winner.bytes(), stream));  // -1 everywhere
    TZ_LAUNCH_KERNEL(kernel, blocks, kThreads, 0, stream, ScatterPass::Claim, op, o, ix, s, g, nullptr, nullptr,
                     winner.get(), err);
    TZ_CUDA_CHECK_LAUNCH();
  }
  TZ_LAUNCH_KERNEL(kernel, blocks, kThreads, 0, stream, ScatterPass::Combine, op, o, ix, s, g, nullptr, nullptr,
                   elect ? winner.get() : nullptr, err);
  TZ_CUDA_CHECK_LAUNCH();
}

// ---- nonzero -------------------------------------------------------------------------------

template <class T>
__global__ void nonzero_flags_kernel(int64_t* flags, const T* in, OffsetCalc<1> c, int64_t numel) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < numel; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[1];
    c.offsets(i, off);
    const T v = in[off[0]];
    bool nz;
    if constexpr (std::is_same_v<T, bool>) nz = v;
    else nz = to_acc(v) != acc_t<T>(0);  // NaN counts as nonzero
    flags[i] = nz ? 1 : 0;
  }
}

constexpr int kMaxNonzeroDims = 25;
struct DimSizes {
  int nd = 0;
  int64_t s[kMaxNonzeroDims];
};

__global__ void nonzero_write_kernel(int64_t* out, int64_t os0, int64_t os1, int64_t rows, const int64_t* flags,
                                     const int64_t* positions, int64_t numel, DimSizes sizes) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < numel; i += int64_t(gridDim.x) * blockDim.x) {
    if (!flags[i]) continue;
    const int64_t row = positions[i] - 1;  // inclusive prefix sum
    if (row >= rows) continue;
    int64_t rem = i;
    for (int d = sizes.nd - 1; d >= 0; --d) {
      out[row * os0 + d * os1] = rem % sizes.s[d];
      rem /= sizes.s[d];
    }
  }
}

template <class T>
void launch_nonzero_flags(int64_t* flags, const TensorView& in) {
  const TensorView* views[1] = {&in};
  const OffsetCalc<1> c = make_offset_calc<1>(in.sizes, views, "nonzero");
  const int64_t numel = in.numel();
  auto* kernel = nonzero_flags_kernel<T>;
  TZ_LAUNCH_KERNEL(kernel, grid_for(numel), kThreads, 0, current_stream(), flags, in.ptr<T>(), c, numel);
  TZ_CUDA_CHECK_LAUNCH();
}

// CudaBackend::gather / scatter / nonzero (free functions so that the kernel emulator's tests
// can call them; see tests/cuda_emu).
void gather_along(const TensorView& out, const TensorView& in, const TensorView& index, int dim) {
  TZ_CHECK(dim >= 0 && dim < std::max<int64_t>(in.dim(), 1) && index.sizes == out.sizes, "gather",
           "index sizes must equal the output's and dim must be valid");
  if (index.numel() == 0) return;
  IndexErrorFlag err;
  switch (dtype_size(out.dtype)) {
    case 1: launch_gather<uint8_t>(out, in, index, dim, err.device()); break;
    case 2: launch_gather<uint16_t>(out, in, index, dim, err.device()); break;
    case 4: launch_gather<uint32_t>(out, in, index, dim, err.device()); break;
    case 8: launch_gather<uint64_t>(out, in, index, dim, err.device()); break;
    default: TZ_FAIL("gather", "not implemented on cuda for dtype ", dtype_name(out.dtype));
  }
  err.raise_if_any("gather", dim, in.sizes[size_t(dim)]);
}

void scatter_along(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
                   bool include_self) {
  TZ_CHECK(dim >= 0 && dim < std::max<int64_t>(out.dim(), 1) && src.sizes == index.sizes, "scatter",
           "src sizes must equal the index's and dim must be valid");
  if (index.numel() == 0) return;
  IndexErrorFlag err;
  TZ_CUDA_DISPATCH(out.dtype, "scatter",
                   [&]<class T>() { launch_scatter<T>(reduce, out, index, src, dim, include_self, err.device()); });
  err.raise_if_any("scatter", dim, out.sizes[size_t(dim)]);
}

void nonzero_coordinates(const TensorView& out, const TensorView& in) {
  const int64_t nd = in.dim(), rows = out.sizes.empty() ? 0 : out.sizes[0], numel = in.numel();
  if (rows == 0 || nd == 0 || numel == 0) return;
  TZ_CHECK(nd <= kMaxNonzeroDims, "nonzero", "cuda handles at most ", kMaxNonzeroDims, " dims, got ", nd);
  cudaStream_t stream = current_stream();
  DeviceScratch<int64_t> flags{size_t(numel)}, positions{size_t(numel)};
  TZ_CUDA_DISPATCH(in.dtype, "nonzero", [&]<class T>() { launch_nonzero_flags<T>(flags.get(), in); });
  size_t temp_bytes = 0;
  TZ_CUDA_CHECK(cub::DeviceScan::InclusiveSum(nullptr, temp_bytes, flags.get(), positions.get(), numel, stream));
  DeviceScratch<unsigned char> temp(std::max<size_t>(temp_bytes, 1));
  TZ_CUDA_CHECK(cub::DeviceScan::InclusiveSum(temp.get(), temp_bytes, flags.get(), positions.get(), numel, stream));
  DimSizes sizes;
  sizes.nd = int(nd);
  for (int64_t d = 0; d < nd; ++d) sizes.s[d] = in.sizes[size_t(d)];
  auto* write = nonzero_write_kernel;
  TZ_LAUNCH_KERNEL(write, grid_for(numel), kThreads, 0, stream, out.ptr<int64_t>(), out.strides[0], out.strides[1],
                   rows, flags.get(), positions.get(), numel, sizes);
  TZ_CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) {
  gather_along(out, in, index, dim);
}

void CudaBackend::scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src,
                          int dim, bool include_self) {
  scatter_along(reduce, out, index, src, dim, include_self);
}

void CudaBackend::nonzero(const TensorView& out, const TensorView& in) { nonzero_coordinates(out, in); }

}  // namespace tz::cuda_backend
