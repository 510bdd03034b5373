#pragma once
/// tz::cuda — the CUDA device API that every build has. Without the CUDA backend (not compiled,
/// or no GPU at run time) is_available() is false, device_count() is 0 and the other calls throw
/// "[cuda] ...". No CUDA header is included here: the backend (backends/cuda) installs its
/// implementation as a table of hooks when it registers.
#include <cstdint>
#include <memory>
#include <string>

namespace tz::cuda {

/// True when the CUDA backend is compiled in and at least one GPU is visible.
bool is_available();
/// Number of visible GPUs (0 without the backend).
int device_count();
/// Name of the device ("NVIDIA H100 80GB HBM3").
std::string device_name(int device = 0);
/// Waits for all work queued on the device.
void synchronize(int device = 0);

struct MemoryInfo {
  size_t free_bytes = 0;
  size_t total_bytes = 0;
};
/// cudaMemGetInfo of the device.
MemoryInfo memory_info(int device = 0);

/// The caching allocator's counters for one device (bytes unless said otherwise).
struct MemoryStats {
  size_t allocated = 0;        // in tensors now
  size_t peak_allocated = 0;   // highest `allocated` since the last reset_peak_memory_stats
  size_t reserved = 0;         // held from the driver (allocated + cached free blocks)
  size_t peak_reserved = 0;
  uint64_t num_device_allocs = 0;  // cudaMalloc calls
  uint64_t num_device_frees = 0;   // cudaFree calls
  uint64_t num_alloc_requests = 0; // allocations served (cache hits + cudaMalloc)
};
MemoryStats memory_stats(int device = 0);
void reset_peak_memory_stats(int device = 0);
/// Returns every cached, unused block to the driver.
void empty_cache();

/// TF32 tensor-core math for f32 matmul/conv. Off by default so f32 results match the CPU
/// within f32 tolerance; turn on for speed (PyTorch: torch.backends.cuda.matmul.allow_tf32).
void set_allow_tf32(bool allow);
bool allow_tf32();

/// A CUDA stream. Kernels of the calling thread go to the current stream (the device's default
/// stream unless a StreamGuard is active).
class Stream {
 public:
  /// A new non-blocking stream on `device`.
  static Stream create(int device = 0);
  /// The stream kernels are queued on now (this thread).
  static Stream current(int device = 0);
  void synchronize() const;
  /// Makes this stream wait until all work queued on `other` so far is done.
  void wait(const Stream& other) const;
  void* handle() const { return handle_.get(); }  // cudaStream_t
  int device() const { return device_; }

 private:
  std::shared_ptr<void> handle_;  // null = the legacy default stream
  int device_ = 0;
  friend class StreamGuard;
  friend class Event;
};

/// Makes `stream` current for this thread until destroyed.
class StreamGuard {
 public:
  explicit StreamGuard(const Stream& stream);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  Stream previous_;
};

/// A CUDA event (timing enabled).
class Event {
 public:
  explicit Event(int device = 0);
  void record(const Stream& stream);
  void synchronize() const;
  bool query() const;  // true when the recorded work is done
  /// Milliseconds between two recorded events.
  float elapsed_ms(const Event& end) const;

 private:
  std::shared_ptr<void> handle_;  // cudaEvent_t
  int device_ = 0;
};

/// The implementation the backend installs (function table; null members = not available).
struct Hooks {
  int (*device_count)() = nullptr;
  std::string (*device_name)(int) = nullptr;
  void (*synchronize)(int) = nullptr;
  MemoryInfo (*memory_info)(int) = nullptr;
  MemoryStats (*memory_stats)(int) = nullptr;
  void (*reset_peak_memory_stats)(int) = nullptr;
  void (*empty_cache)() = nullptr;
  std::shared_ptr<void> (*create_stream)(int) = nullptr;
  void* (*current_stream)(int) = nullptr;
  void (*set_current_stream)(int, void*) = nullptr;
  void (*stream_synchronize)(int, void*) = nullptr;
  void (*stream_wait)(int, void* waiting, void* other) = nullptr;
  std::shared_ptr<void> (*create_event)(int) = nullptr;
  void (*event_record)(void* event, int, void* stream) = nullptr;
  void (*event_synchronize)(void* event) = nullptr;
  bool (*event_query)(void* event) = nullptr;
  float (*event_elapsed_ms)(void* start, void* end) = nullptr;
};
/// Called by the CUDA backend at registration.
void install_hooks(const Hooks& hooks);

}  // namespace tz::cuda
