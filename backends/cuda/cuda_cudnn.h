#pragma once
/// cuDNN plumbing shared by conv and pooling (only with TZ_HAVE_CUDNN): the per-thread,
/// per-device handle bound to the current stream, status checks, dtype mapping and RAII
/// descriptors.
#ifdef TZ_HAVE_CUDNN
#include <cudnn.h>

#include <vector>

#include "core/backend.h"
#include "core/error.h"

#define TZ_CUDNN_CHECK(op, expr)                                                                  \
  do {                                                                                            \
    const cudnnStatus_t tz_st_ = (expr);                                                          \
    if (tz_st_ != CUDNN_STATUS_SUCCESS) TZ_FAIL(op, #expr, " failed: ", cudnnGetErrorString(tz_st_)); \
  } while (0)

namespace tz::cuda_backend {

/// This thread's cuDNN handle for the current device, set to the current stream.
cudnnHandle_t cudnn_handle();
/// cuDNN's data type for a floating dtype; false for the others.
bool cudnn_type(DType d, cudnnDataType_t& out);

/// Tensor descriptor of a view with at least 4 dims (callers pad 3-d views with a size-1 dim).
struct TensorDesc {
  cudnnTensorDescriptor_t d = nullptr;
  TensorDesc(cudnnDataType_t t, const std::vector<int>& sizes, const std::vector<int>& strides);
  ~TensorDesc() { if (d) cudnnDestroyTensorDescriptor(d); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
};

/// Sizes and strides of a view as int, with trailing size-1 dims appended up to `min_dims`;
/// false when a value does not fit an int.
bool int_dims(const TensorView& v, int min_dims, std::vector<int>& sizes, std::vector<int>& strides);

}  // namespace tz::cuda_backend
#endif
