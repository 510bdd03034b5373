// Stable sort along the last dim (values + int64 indices), through CUB's segmented sort.
//
// Every dtype is first mapped to an unsigned key whose unsigned order is the CPU backend's
// order: floats by the usual sign-flip trick, with every NaN mapped to the largest key (NaN
// sorts last ascending, first descending, as in PyTorch) and -0.0 folded onto +0.0 (they compare
// equal, so a stable sort keeps their input order); signed integers by flipping the sign bit.
// Descending order sorts the complemented keys ascending, which keeps ties in input order.
// That leaves two CUB instantiations (32- and 64-bit keys) for all nine dtypes. The sorted
// indices then gather the values from the input, so values keep their exact bits.
#include <cub/device/device_segmented_sort.cuh>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_scratch.cuh"

namespace tz::cuda_backend {
namespace {

template <class T>
using sort_key_t = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;

template <class T> __device__ inline sort_key_t<T> ordered_key(T v) {
  if constexpr (std::is_same_v<T, double>) {
    if (v != v) return ~0ull;
    const uint64_t u = static_cast<uint64_t>(__double_as_longlong(v == 0.0 ? 0.0 : v));
    return (u >> 63) ? ~u : (u | (1ull << 63));
  } else if constexpr (std::is_same_v<acc_t<T>, float>) {  // f32, f16, bf16 (widening is exact)
    const float f = to_acc(v);
    if (f != f) return ~0u;
    const uint32_t u = __float_as_uint(f == 0.0f ? 0.0f : f);
    return (u >> 31) ? ~u : (u | (1u << 31));
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return static_cast<uint64_t>(v) ^ (1ull << 63);
  } else if constexpr (std::is_signed_v<T>) {  // i32, i8
    return static_cast<uint32_t>(static_cast<int32_t>(v)) ^ (1u << 31);
  } else {  // u8, bool
    return static_cast<uint32_t>(v);
  }
}

struct SortGeom {
  OffsetCalc<3> rows;  // lead dims; operands: input, values, indices
  int64_t n_rows = 1;
  int64_t n = 1;
  int64_t in_stride = 1, val_stride = 1, idx_stride = 1;
};

template <class T>
__global__ void sort_keys_kernel(sort_key_t<T>* keys, int64_t* order, const T* in, SortGeom g, bool descending) {
  const int64_t total = g.n_rows * g.n;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / g.n, j = i % g.n;
    int64_t off[3];
    g.rows.offsets(r, off);
    const sort_key_t<T> k = ordered_key(in[off[0] + j * g.in_stride]);
    keys[i] = descending ? sort_key_t<T>(~k) : k;
    order[i] = j;
  }
}

__global__ void segment_offsets_kernel(int64_t* offsets, int64_t n_rows, int64_t n) {
  for (int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r <= n_rows; r += int64_t(gridDim.x) * blockDim.x)
    offsets[r] = r * n;
}

template <class T>
__global__ void sort_gather_kernel(T* values, int64_t* indices, const T* in, const int64_t* order, SortGeom g) {
  const int64_t total = g.n_rows * g.n;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / g.n, j = i % g.n;
    int64_t off[3];
    g.rows.offsets(r, off);
    const int64_t src = order[i];
    values[off[1] + j * g.val_stride] = in[off[0] + src * g.in_stride];
    indices[off[2] + j * g.idx_stride] = src;
  }
}

template <class K>
void segmented_sort(const K* keys_in, K* keys_out, const int64_t* order_in, int64_t* order_out, int64_t total,
                    int64_t n_rows, const int64_t* offsets, cudaStream_t stream) {
  size_t temp_bytes = 0;
  TZ_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairs(nullptr, temp_bytes, keys_in, keys_out, order_in, order_out,
                                                           total, n_rows, offsets, offsets + 1, stream));
  DeviceScratch<unsigned char> temp(std::max<size_t>(temp_bytes, 1));
  TZ_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairs(temp.get(), temp_bytes, keys_in, keys_out, order_in,
                                                           order_out, total, n_rows, offsets, offsets + 1, stream));
}

template <class T>
void sort_typed(const TensorView& values, const TensorView& indices, const TensorView& in, const SortGeom& g,
                bool descending) {
  using K = sort_key_t<T>;
  const int64_t total = g.n_rows * g.n;
  cudaStream_t stream = current_stream();
  DeviceScratch<int64_t> order_in{size_t(total)}, order_out{size_t(total)}, offsets{size_t(g.n_rows + 1)};
  DeviceScratch<K> keys_in{size_t(total)}, keys_out{size_t(total)};
  segment_offsets_kernel<<<grid_for(g.n_rows + 1), kThreads, 0, stream>>>(offsets.get(), g.n_rows, g.n);
  TZ_CUDA_CHECK_LAUNCH();
  sort_keys_kernel<T><<<grid_for(total), kThreads, 0, stream>>>(keys_in.get(), order_in.get(), in.ptr<T>(), g, descending);
  TZ_CUDA_CHECK_LAUNCH();
  segmented_sort<K>(keys_in.get(), keys_out.get(), order_in.get(), order_out.get(), total, g.n_rows, offsets.get(), stream);
  sort_gather_kernel<T><<<grid_for(total), kThreads, 0, stream>>>(values.ptr<T>(), indices.ptr<int64_t>(), in.ptr<T>(),
                                                                   order_out.get(), g);
  TZ_CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::sort(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) {
  TZ_CHECK(values.sizes == in.sizes && indices.sizes == in.sizes, "sort", "outputs must have the input's sizes");
  if (in.numel() == 0) return;
  SortGeom g;
  const bool scalar = in.dim() == 0;  // a 0-d input is one row of one element
  const Shape lead = scalar ? Shape{} : Shape(in.sizes.begin(), in.sizes.end() - 1);
  auto lead_view = [&](const TensorView& v) {
    return TensorView{v.data, v.dtype, lead, scalar ? Strides{} : Strides(v.strides.begin(), v.strides.end() - 1)};
  };
  const TensorView il = lead_view(in), vl = lead_view(values), xl = lead_view(indices);
  const TensorView* views[3] = {&il, &vl, &xl};
  g.rows = make_offset_calc<3>(lead, views, "sort");
  g.n_rows = numel_of(lead);
  g.n = scalar ? 1 : in.sizes.back();
  g.in_stride = scalar ? 1 : in.strides.back();
  g.val_stride = scalar ? 1 : values.strides.back();
  g.idx_stride = scalar ? 1 : indices.strides.back();
  TZ_CUDA_DISPATCH(in.dtype, "sort", [&]<class T>() { sort_typed<T>(values, indices, in, g, descending); });
}

}  // namespace tz::cuda_backend
