#include "backends/cpu/cpu_block_cache.h"

#include <array>
#include <cstdlib>
#include <new>

namespace tz::cpu {

namespace {

constexpr size_t kNumClasses = kMaxCachedBytes / kBlockAlignment;

// Under AddressSanitizer every buffer goes to the system allocator, so a use after free of a
// small tensor buffer is still caught instead of landing in a recycled block.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheEnabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCacheEnabled = false;
#else
constexpr bool kCacheEnabled = true;
#endif
#else
constexpr bool kCacheEnabled = true;
#endif

/// Size class c holds blocks of (c + 1) * 64 bytes (a 0-byte request takes class 0).
size_t class_of(size_t nbytes) { return nbytes == 0 ? 0 : (nbytes - 1) / kBlockAlignment; }

/// Free blocks form intrusive singly linked lists: a cached block's first bytes hold the next.
struct FreeBlock {
  FreeBlock* next;
};

/// Trivially destructible and constant-initialised, so one thread-local access reaches it
/// and it stays readable while the thread exits: storages released after the reaper ran
/// (by other thread_local or static objects) see `gone` and bypass the cache.
struct ThreadCache {
  std::array<FreeBlock*, kNumClasses> head;
  std::array<int, kNumClasses> count;
  bool armed;  // this thread's Reaper exists
  bool gone;   // the Reaper ran
};
thread_local ThreadCache t_cache{};

/// Frees the blocks a thread still caches when it exits.
struct Reaper {
  ~Reaper() {
    t_cache.gone = true;
    for (FreeBlock*& b : t_cache.head) {
      while (b) {
        FreeBlock* next = b->next;
        std::free(b);
        b = next;
      }
    }
    t_cache.count.fill(0);
  }
};

void* system_allocate(size_t nbytes) {
  void* p = std::aligned_alloc(kBlockAlignment, (nbytes + kBlockAlignment - 1) / kBlockAlignment * kBlockAlignment);
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

void* allocate_block(size_t nbytes) {
  if (!kCacheEnabled || nbytes > kMaxCachedBytes) return system_allocate(nbytes);
  const size_t c = class_of(nbytes);
  ThreadCache& cache = t_cache;
  if (FreeBlock* b = cache.head[c]) {
    cache.head[c] = b->next;
    --cache.count[c];
    return b;
  }
  // Allocate the whole class size, so the block can serve any request of its class later.
  return system_allocate((c + 1) * kBlockAlignment);
}

void free_block(void* ptr, size_t nbytes) {
  if (!kCacheEnabled || nbytes > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  const size_t c = class_of(nbytes);
  ThreadCache& cache = t_cache;
  if (cache.gone || cache.count[c] >= kMaxBlocksPerClass) {
    std::free(ptr);
    return;
  }
  if (!cache.armed) {
    cache.armed = true;
    thread_local Reaper reaper;
    (void)reaper;
  }
  auto* b = static_cast<FreeBlock*>(ptr);
  b->next = cache.head[c];
  cache.head[c] = b;
  ++cache.count[c];
}

}  // namespace tz::cpu
