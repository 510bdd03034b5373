// Sparse linear resampling along one dim (interpolation, adaptive average pooling, pooling
// padding and their adjoints; contract in core/backend.h): each thread writes one output
// element as a weighted sum of `taps` input elements along the dim. Taps with zero weight are
// skipped so they never read (or spread) inf/NaN. The tap table goes to the device per call.
#include <cuda_runtime.h>

#include <vector>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_launch.cuh"
#include "backends/cuda/cuda_workspace.h"

namespace tz::cuda_backend {
namespace {

/// Output element i: o = i / rest (the resampled coordinate), r = i % rest (all other dims),
/// so neighbouring threads walk the inner dims.
template <class T>
__global__ void resample_kernel(T* out, const T* in, OffsetCalc<2> rest_calc, int64_t rest, int64_t out_len,
                                int64_t out_step, int64_t in_step, int64_t taps, const int64_t* index,
                                const acc_t<T>* weight) {
  using A = acc_t<T>;
  const int64_t total = rest * out_len;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = i / rest, r = i % rest;
    int64_t off[2];
    rest_calc.offsets(r, off);
    const T* src = in + off[1];
    A acc = 0;
    for (int64_t t = 0; t < taps; ++t) {
      const A w = weight[o * taps + t];
      if (w == A(0)) continue;
      acc += w * to_acc(src[index[o * taps + t] * in_step]);
    }
    out[off[0] + o * out_step] = cast_to<T>(acc);
  }
}

/// The launch behind CudaBackend::resample (a free function so that the kernel emulator's tests
/// can call it; see tests/cuda_emu).
bool launch_resample(const TensorView& out, const TensorView& in, const ResampleParams& p) {
  if (!is_floating(in.dtype) || out.dtype != in.dtype || out.dim() != in.dim()) return false;
  const size_t dim = size_t(p.dim);
  if (dim >= in.sizes.size()) return false;
  const int64_t out_len = out.sizes[dim], taps = p.taps;
  if (int64_t(p.index.size()) != out_len * taps || p.weight.size() != p.index.size()) return false;
  // The other dims, shared by both views (the resampled dim collapsed to size 1).
  TensorView o_rest = out, i_rest = in;
  o_rest.sizes[dim] = 1;
  i_rest.sizes = o_rest.sizes;
  for (size_t d = 0; d < in.sizes.size(); ++d)
    if (d != dim && in.sizes[d] != out.sizes[d]) return false;
  const int64_t rest = numel_of(o_rest.sizes);
  if (rest == 0 || out_len == 0) return true;
  const TensorView* const views[2] = {&o_rest, &i_rest};
  const OffsetCalc<2> calc = make_offset_calc<2>(o_rest.sizes, views, "interpolate");
  cudaStream_t stream = current_stream();
  auto run = [&]<class T>() {
    using A = acc_t<T>;
    std::vector<A> w(p.weight.size());
    for (size_t i = 0; i < w.size(); ++i) w[i] = A(p.weight[i]);
    // Pageable copies are staged before cudaMemcpyAsync returns, so the host vectors may go.
    DeviceBuffer dev_index(p.index.size() * sizeof(int64_t)), dev_weight(w.size() * sizeof(A));
    TZ_CUDA_CHECK(cudaMemcpyAsync(dev_index.get(), p.index.data(), dev_index.size(), cudaMemcpyHostToDevice, stream));
    TZ_CUDA_CHECK(cudaMemcpyAsync(dev_weight.get(), w.data(), dev_weight.size(), cudaMemcpyHostToDevice, stream));
    auto* kernel = resample_kernel<T>;
    TZ_LAUNCH_KERNEL(kernel, grid_for(rest * out_len), kThreads, 0, stream, out.ptr<T>(), in.ptr<const T>(), calc, rest,
                     out_len, out.strides[dim], in.strides[dim], taps, dev_index.as<const int64_t>(),
                     dev_weight.as<const A>());
    TZ_CUDA_CHECK_LAUNCH();
  };
  TZ_CUDA_DISPATCH_FLOAT(in.dtype, "interpolate", run);
  return true;
}

}  // namespace

bool CudaBackend::resample(const TensorView& out, const TensorView& in, const ResampleParams& p) {
  return launch_resample(out, in, p);
}

}  // namespace tz::cuda_backend
