#include "core/storage.h"

#include "core/backend.h"
#include "core/registry.h"

namespace tz {

namespace {
std::atomic<int64_t> g_live_count{0};
std::atomic<int64_t> g_live_bytes{0};
std::atomic<int64_t> g_peak_bytes{0};

void add_live_bytes(int64_t n) {
  const int64_t now = g_live_bytes.fetch_add(n) + n;
  int64_t peak = g_peak_bytes.load(std::memory_order_relaxed);
  while (now > peak && !g_peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}
}  // namespace

int64_t Storage::live_count() { return g_live_count.load(); }
int64_t Storage::live_bytes() { return g_live_bytes.load(); }
int64_t Storage::peak_bytes() { return g_peak_bytes.load(); }
void Storage::reset_peak_bytes() { g_peak_bytes.store(g_live_bytes.load()); }

Storage::Storage(size_t nbytes, Device device)
    : nbytes_(nbytes), device_(device), backend_(&backend_for(device)) {
  data_ = nbytes ? backend_->allocate(nbytes, device.index) : nullptr;
  g_live_count++;
  add_live_bytes(int64_t(nbytes));
}

Storage::Storage(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), backend_(&backend_for(device)),
      deleter_(std::move(deleter)), owned_(false) {
  g_live_count++;
  add_live_bytes(int64_t(nbytes));
}

Storage::~Storage() {
  g_live_count--;
  g_live_bytes -= int64_t(nbytes_);
  if (owned_) {
    if (data_) backend_->deallocate(data_, nbytes_, device_.index);
  } else if (deleter_) {
    deleter_(data_);
  }
}

}  // namespace tz
