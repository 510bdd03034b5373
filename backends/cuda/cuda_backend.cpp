// Registration, memory, devices, streams and events of the CUDA backend.
#include "backends/cuda/cuda_backend.h"

#include <cuda_runtime.h>

#include <memory>

#include "backends/cuda/cuda_allocator.h"
#include "backends/cuda/cuda_common.cuh"
#include "core/cuda.h"
#include "core/registry.h"

namespace tz::cuda_backend {
namespace {

thread_local cudaStream_t t_current_stream = nullptr;  // null = legacy default stream

int query_device_count() {
  int n = 0;
  // No driver or no GPU: the backend registers with zero devices (tz::cuda::is_available() false).
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return n;
}

cuda::Hooks make_hooks() {
  cuda::Hooks h;
  h.device_count = [] {
    static const int n = query_device_count();
    return n;
  };
  h.device_name = [](int device) {
    cudaDeviceProp prop{};
    TZ_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    return std::string(prop.name);
  };
  h.synchronize = [](int device) {
    TZ_CUDA_CHECK(cudaSetDevice(device));
    TZ_CUDA_CHECK(cudaDeviceSynchronize());
  };
  h.memory_info = [](int device) {
    TZ_CUDA_CHECK(cudaSetDevice(device));
    cuda::MemoryInfo info;
    TZ_CUDA_CHECK(cudaMemGetInfo(&info.free_bytes, &info.total_bytes));
    return info;
  };
  h.memory_stats = [](int device) { return CachingAllocator::instance().stats(device); };
  h.reset_peak_memory_stats = [](int device) { CachingAllocator::instance().reset_peak(device); };
  h.empty_cache = [] { CachingAllocator::instance().empty_cache(); };
  h.create_stream = [](int device) {
    TZ_CUDA_CHECK(cudaSetDevice(device));
    cudaStream_t s = nullptr;
    TZ_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    return std::shared_ptr<void>(s, [](void* p) { cudaStreamDestroy(static_cast<cudaStream_t>(p)); });
  };
  h.current_stream = [](int) { return static_cast<void*>(t_current_stream); };
  h.set_current_stream = [](int, void* s) { t_current_stream = static_cast<cudaStream_t>(s); };
  h.stream_synchronize = [](int, void* s) { TZ_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(s))); };
  h.stream_wait = [](int device, void* waiting, void* other) {
    cudaEvent_t e = nullptr;
    TZ_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    TZ_CUDA_CHECK(cudaEventRecord(e, static_cast<cudaStream_t>(other)));
    TZ_CUDA_CHECK(cudaStreamWaitEvent(static_cast<cudaStream_t>(waiting), e, 0));
    TZ_CUDA_CHECK(cudaEventDestroy(e));
  };
  h.create_event = [](int device) {
    TZ_CUDA_CHECK(cudaSetDevice(device));
    cudaEvent_t e = nullptr;
    TZ_CUDA_CHECK(cudaEventCreate(&e));
    return std::shared_ptr<void>(e, [](void* p) { cudaEventDestroy(static_cast<cudaEvent_t>(p)); });
  };
  h.event_record = [](void* e, int, void* s) {
    TZ_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(e), static_cast<cudaStream_t>(s)));
  };
  h.event_synchronize = [](void* e) { TZ_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(e))); };
  h.event_query = [](void* e) {
    const cudaError_t r = cudaEventQuery(static_cast<cudaEvent_t>(e));
    if (r == cudaErrorNotReady) {
      (void)cudaGetLastError();
      return false;
    }
    TZ_CUDA_CHECK(r);
    return true;
  };
  h.event_elapsed_ms = [](void* start, void* end) {
    float ms = 0;
    TZ_CUDA_CHECK(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(start), static_cast<cudaEvent_t>(end)));
    return ms;
  };
  return h;
}

}  // namespace

void install_cuda_hooks() { cuda::install_hooks(make_hooks()); }

cudaStream_t current_stream() { return t_current_stream; }

int current_device() {
  int d = 0;
  TZ_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

CudaBackend::CudaBackend() : device_count_(query_device_count()) {}

void* CudaBackend::allocate(size_t nbytes, int device_index) {
  return CachingAllocator::instance().allocate(nbytes, device_index, current_stream());
}

void CudaBackend::deallocate(void* ptr, size_t nbytes, int device_index) {
  CachingAllocator::instance().deallocate(ptr, nbytes, device_index);
}

void CudaBackend::copy_from_host(void* dst, const void* src, size_t nbytes, int device_index) {
  if (nbytes == 0) return;
  // Pageable host memory: cudaMemcpyAsync returns once the source is staged, so src may be
  // reused by the caller; stream order keeps it behind earlier kernels writing dst.
  TZ_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, current_stream()));
}

void CudaBackend::copy_to_host(void* dst, const void* src, size_t nbytes, int device_index) {
  if (nbytes == 0) return;
  TZ_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, current_stream()));
  TZ_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
}

void CudaBackend::synchronize(int device_index) { TZ_CUDA_CHECK(cudaStreamSynchronize(current_stream())); }

bool CudaBackend::supports(OpKey op, DType dtype) const {
  switch (op.kind) {
    case OpKind::Unary:
    case OpKind::Binary:
      return elementwise_supports(op, dtype);
    case OpKind::Fill:
    case OpKind::Copy:
    case OpKind::Where:
    case OpKind::Gather:
    case OpKind::Scatter:
    case OpKind::Sort:
    case OpKind::NonZero:
      return true;
    case OpKind::Reduce: return op.code >= 0 && op.code < kNumReduceOps;
    case OpKind::ArgReduce: return op.code == int(ReduceOp::Max) || op.code == int(ReduceOp::Min);
    case OpKind::Scan: return op.code >= 0 && op.code < kNumScanOps;
    case OpKind::Random: return op.code >= 0 && op.code < kNumRandomOps;
    case OpKind::Matmul:
      return is_floating(dtype) || dtype == DType::I64 || dtype == DType::I32;
    case OpKind::Softmax:
    case OpKind::LayerNorm:
    case OpKind::Conv:
    case OpKind::Pool:
    case OpKind::Interpolate:
    case OpKind::Attention:
      return is_floating(dtype);
  }
  return false;
}

void install_cuda_hooks();

}  // namespace tz::cuda_backend

namespace tz {

void register_cuda_backend() {
  auto backend = std::make_unique<cuda_backend::CudaBackend>();
  // Hooks first: tz::cuda::device_count() works (returning 0) even without a GPU.
  cuda_backend::install_cuda_hooks();
  register_backend(std::move(backend));
}

}  // namespace tz
