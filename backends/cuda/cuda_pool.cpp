// Max / average pooling through cudnnPoolingForward when the build has cuDNN and PyTorch's
// semantics match cuDNN's: no dilation, no divisor override, no max indices wanted (training
// max pooling needs them, so it runs the composite), floor-mode output sizes, contiguous views.
// NaN propagates through max pooling as in PyTorch. Everything else returns false and the
// core's composite runs.
#include "backends/cuda/cuda_backend.h"

#ifdef TZ_HAVE_CUDNN
#include <climits>

#include "backends/cuda/cuda_cudnn.h"
#endif

namespace tz::cuda_backend {

bool CudaBackend::pool(const TensorView& out, const TensorView& indices, const TensorView& in, const PoolParams& p) {
#ifdef TZ_HAVE_CUDNN
  cudnnDataType_t type{};
  if (!cudnn_type(in.dtype, type) || out.dtype != in.dtype) return false;
  if (indices.data || p.divisor_override != 0 || !in.is_contiguous() || !out.is_contiguous()) return false;
  const size_t nsp = size_t(in.dim() - 2);
  if (nsp < 1 || nsp > 3) return false;
  std::vector<int> window, pad, stride;
  for (size_t i = 0; i < nsp; ++i) {
    if (p.kind == PoolKind::Max && p.dilation.size() > i && p.dilation[i] != 1) return false;
    const int64_t k = p.kernel[i], s = p.stride[i], pd = p.padding[i], n = in.sizes[2 + i];
    // ceil_mode is fine when it gives the floor size (cuDNN's only rule).
    if (n + 2 * pd < k || (n + 2 * pd - k) / s + 1 != out.sizes[2 + i]) return false;
    if (k > INT_MAX || s > INT_MAX || pd > INT_MAX) return false;
    window.push_back(int(k));
    pad.push_back(int(pd));
    stride.push_back(int(s));
  }
  if (nsp == 1) {
    window.push_back(1);
    pad.push_back(0);
    stride.push_back(1);
  }
  std::vector<int> xs, xst, ys, yst;
  if (!int_dims(in, 4, xs, xst) || !int_dims(out, 4, ys, yst)) return false;
  if (out.numel() == 0) return true;
  const cudnnPoolingMode_t mode = p.kind == PoolKind::Max ? CUDNN_POOLING_MAX
                                  : p.count_include_pad   ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                                                          : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
  cudnnPoolingDescriptor_t pd = nullptr;
  TZ_CUDNN_CHECK("pool", cudnnCreatePoolingDescriptor(&pd));
  const cudnnStatus_t set = cudnnSetPoolingNdDescriptor(pd, mode, CUDNN_PROPAGATE_NAN, int(window.size()), window.data(),
                                                        pad.data(), stride.data());
  if (set != CUDNN_STATUS_SUCCESS) {
    cudnnDestroyPoolingDescriptor(pd);
    return false;
  }
  TensorDesc xd(type, xs, xst), yd(type, ys, yst);
  const float f1 = 1.0f, f0 = 0.0f;
  const double d1 = 1.0, d0 = 0.0;
  const bool dbl = type == CUDNN_DATA_DOUBLE;
  const cudnnStatus_t st = cudnnPoolingForward(cudnn_handle(), pd, dbl ? static_cast<const void*>(&d1) : &f1, xd.d, in.data,
                                               dbl ? static_cast<const void*>(&d0) : &f0, yd.d, out.data);
  cudnnDestroyPoolingDescriptor(pd);
  return st == CUDNN_STATUS_SUCCESS;
#else
  return false;
#endif
}

}  // namespace tz::cuda_backend
