#include "core/cuda.h"

#include <atomic>

#include "core/error.h"
#include "core/registry.h"

namespace tz::cuda {
namespace {

Hooks& hooks() {
  static Hooks h;
  return h;
}
std::atomic<bool> g_allow_tf32{false};

// Registration is lazy (tz::init()); make sure it ran before reading the hooks.
const Hooks& ready() {
  init();
  return hooks();
}

template <class F>
F need(F fn, const char* what) {
  if (!fn) TZ_FAIL("cuda", what, ": CUDA is not available (", is_available() ? "" : "no GPU or built without CUDA", ")");
  return fn;
}

void check_device(int device) {
  const int n = device_count();
  if (device < 0 || device >= n)
    TZ_FAIL("cuda", "device index ", device, " out of range: ", n, " CUDA device(s) visible");
}

}  // namespace

void install_hooks(const Hooks& h) { hooks() = h; }

bool is_available() { return device_count() > 0; }

int device_count() {
  const Hooks& h = ready();
  return h.device_count ? h.device_count() : 0;
}

std::string device_name(int device) {
  check_device(device);
  return need(ready().device_name, "device_name")(device);
}

void synchronize(int device) {
  check_device(device);
  need(ready().synchronize, "synchronize")(device);
}

MemoryInfo memory_info(int device) {
  check_device(device);
  return need(ready().memory_info, "memory_info")(device);
}

MemoryStats memory_stats(int device) {
  check_device(device);
  return need(ready().memory_stats, "memory_stats")(device);
}

void reset_peak_memory_stats(int device) {
  check_device(device);
  need(ready().reset_peak_memory_stats, "reset_peak_memory_stats")(device);
}

void empty_cache() {
  if (ready().empty_cache) hooks().empty_cache();
}

void set_allow_tf32(bool allow) { g_allow_tf32 = allow; }
bool allow_tf32() { return g_allow_tf32; }

Stream Stream::create(int device) {
  check_device(device);
  Stream s;
  s.handle_ = need(ready().create_stream, "Stream::create")(device);
  s.device_ = device;
  return s;
}

Stream Stream::current(int device) {
  check_device(device);
  Stream s;
  // Non-owning: the current stream is owned by whoever created it (or is the default stream).
  s.handle_ = std::shared_ptr<void>(need(ready().current_stream, "Stream::current")(device), [](void*) {});
  s.device_ = device;
  return s;
}

void Stream::synchronize() const { need(ready().stream_synchronize, "Stream::synchronize")(device_, handle_.get()); }

void Stream::wait(const Stream& other) const {
  need(ready().stream_wait, "Stream::wait")(device_, handle_.get(), other.handle_.get());
}

StreamGuard::StreamGuard(const Stream& stream) : previous_(Stream::current(stream.device())) {
  need(ready().set_current_stream, "StreamGuard")(stream.device(), stream.handle());
}

StreamGuard::~StreamGuard() { hooks().set_current_stream(previous_.device(), previous_.handle()); }

Event::Event(int device) : device_(device) {
  check_device(device);
  handle_ = need(ready().create_event, "Event")(device);
}

void Event::record(const Stream& stream) {
  need(ready().event_record, "Event::record")(handle_.get(), device_, stream.handle());
}
void Event::synchronize() const { need(ready().event_synchronize, "Event::synchronize")(handle_.get()); }
bool Event::query() const { return need(ready().event_query, "Event::query")(handle_.get()); }
float Event::elapsed_ms(const Event& end) const {
  return need(ready().event_elapsed_ms, "Event::elapsed_ms")(handle_.get(), end.handle_.get());
}

}  // namespace tz::cuda
