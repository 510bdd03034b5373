#include "core/storage.h"

#include <unistd.h>

#include <limits>
#include <new>
#include <stdexcept>
#if defined(__linux__)
#include <sys/sysinfo.h>
#endif

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

// Why a bound before allocating: on Linux a huge malloc does not reliably fail. With
// vm.overcommit_memory=1 a 4 TiB request "succeeds" and the process is killed by the OOM killer
// when the pages are touched; with the default heuristic (0) it fails, but only because the
// kernel applies this same RAM + swap bound. Refusing every request larger than RAM + swap here
// makes such requests fail the same way, at once and as a tz::Error, on every machine and
// overcommit setting. Requests below the bound are left to the allocator (a cgroup limit lower
// than RAM is not consulted): those can be satisfiable, and PyTorch behaves the same way.
uint64_t Storage::host_memory_limit() {
  static const uint64_t limit = [] {
#if defined(__linux__)
    struct sysinfo si {};
    if (sysinfo(&si) == 0) return (uint64_t(si.totalram) + uint64_t(si.totalswap)) * uint64_t(si.mem_unit);
#endif
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? uint64_t(pages) * uint64_t(page) : uint64_t(0);
  }();
  return limit;
}

void Storage::check_fits(size_t nbytes, Device device) {
  const auto fail = [&](const std::string& reason) {
    throw OutOfMemoryError(cat_str("[storage] cannot allocate ", nbytes, " bytes on ", device.str(), ": ", reason), reason);
  };
  // Sizes and offsets are int64 throughout (live_bytes, kernel offsets).
  if (nbytes > size_t(std::numeric_limits<int64_t>::max())) fail("more than INT64_MAX bytes");
  const uint64_t limit = device.is_cpu() ? host_memory_limit() : 0;
  if (limit && nbytes > limit)
    fail(cat_str("out of memory (more than the machine's ", limit, " bytes of RAM + swap)"));
}

Storage::Storage(size_t nbytes, Device device)
    : nbytes_(nbytes), device_(device), backend_(&backend_for(device)) {
  check_fits(nbytes, device);
  try {
    data_ = nbytes ? backend_->allocate(nbytes, device.index) : nullptr;
  } catch (const std::bad_alloc&) {  // std::bad_array_new_length included
    throw OutOfMemoryError(cat_str("[storage] cannot allocate ", nbytes, " bytes on ", device.str(), ": out of memory"),
                           "out of memory");
  } catch (const std::length_error&) {
    throw OutOfMemoryError(cat_str("[storage] cannot allocate ", nbytes, " bytes on ", device.str(), ": out of memory"),
                           "out of memory");
  }
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
