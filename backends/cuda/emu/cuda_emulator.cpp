// The CUDA kernel emulator (cuda_emulator.h): blocks run in order, the threads of a block are
// ucontext fibers resumed round-robin; barriers and warp collectives yield until every
// participant has arrived.
#include "backends/cuda/emu/cuda_emulator.h"

#include <ucontext.h>

#include <cstdlib>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <vector>

#include "core/error.h"

namespace tz::cuda_emu {
namespace {

constexpr size_t kStackBytes = 256 * 1024;
constexpr size_t kSlotBytes = 64;  // the largest warp-collective contribution (an MMA's fragments)
constexpr size_t kMaxSharedBytes = 227 * 1024;
constexpr size_t kDefaultSharedBytes = 48 * 1024;

struct PendingCopy {
  void* dst;
  const void* src;
  int src_bytes;
};

struct Thread {
  ucontext_t ctx{};
  uint3 idx{};
  int lane = 0, warp = 0;
  bool done = false;
  // While waiting: the generation counter that must move past `wait_value` (the scheduler does
  // not resume the thread before it has).
  const uint64_t* wait_counter = nullptr;
  uint64_t wait_value = 0;
  std::vector<PendingCopy> open_group;
  std::deque<std::vector<PendingCopy>> groups;  // committed, oldest first
};

struct Warp {
  int size = 0, arrived = 0;
  uint64_t generation = 0;
  alignas(16) unsigned char slots[32][kSlotBytes];
};

struct Block {
  uint3 idx{};
  std::vector<Thread> threads;
  std::vector<Warp> warps;
  int live = 0, arrived = 0;
  uint64_t generation = 0;
  unsigned char* smem = nullptr;
};

struct State {
  dim3 grid, block;
  Block* current_block = nullptr;
  Thread* current = nullptr;
  ucontext_t scheduler{};
  const std::function<void()>* body = nullptr;
  uint64_t events = 0;  // arrivals and exits: a round without any is a deadlock
  std::exception_ptr error;
  Schedule schedule = Schedule::forward;
  std::vector<std::unique_ptr<char[]>> stacks;
  std::map<const void*, int> smem_limits;  // from cudaFuncSetAttribute
};

State& state() {
  static thread_local State s;
  return s;
}

Thread& me() { return *state().current; }

/// Suspends the calling thread until *counter != value.
void wait_for_change(const uint64_t* counter, uint64_t value) {
  State& s = state();
  Thread& t = *s.current;
  t.wait_counter = counter;
  t.wait_value = value;
  while (*counter == value) swapcontext(&t.ctx, &s.scheduler);
  t.wait_counter = nullptr;
}

void release_barrier(Block& b) {
  b.arrived = 0;
  ++b.generation;
}

void thread_entry() {
  State& s = state();
  try {
    (*s.body)();
  } catch (...) {
    if (!s.error) s.error = std::current_exception();
  }
  Thread& t = me();
  t.done = true;
  ++s.events;
  Block& b = *s.current_block;
  --b.live;  // a warp's size stays: a collective that waits for an exited lane is a deadlock
  if (b.arrived > 0 && b.arrived == b.live) release_barrier(b);
  // Returning resumes uc_link: the scheduler.
}

void run_block(Block& b) {
  State& s = state();
  const int n = int(b.threads.size());
  for (int i = 0; i < n; ++i) {
    Thread& t = b.threads[i];
    getcontext(&t.ctx);
    t.ctx.uc_stack.ss_sp = s.stacks[i].get();
    t.ctx.uc_stack.ss_size = kStackBytes;
    t.ctx.uc_link = &s.scheduler;
    makecontext(&t.ctx, thread_entry, 0);
  }
  // Resumes thread k unless it is finished or still blocked; false when it is finished.
  auto resume = [&](int k) {
    Thread& t = b.threads[k];
    if (t.done) return false;
    if (t.wait_counter == nullptr || *t.wait_counter != t.wait_value) {
      s.current = &t;
      swapcontext(&s.scheduler, &t.ctx);
    }
    return true;
  };
  for (;;) {
    bool all_done = true;
    const uint64_t before = s.events;
    if (s.schedule == Schedule::warp_greedy) {
      // Each warp runs as far as it can (until its threads wait for other warps) before the next.
      for (int w0 = 0; w0 < n; w0 += 32) {
        for (;;) {
          const uint64_t warp_before = s.events;
          for (int k = w0; k < std::min(n, w0 + 32); ++k) all_done = !resume(k) && all_done;
          if (s.events == warp_before) break;
        }
      }
    } else {
      for (int k = 0; k < n; ++k) all_done = !resume(s.schedule == Schedule::forward ? k : n - 1 - k) && all_done;
    }
    if (all_done) break;
    if (s.events == before) {
      int waiting = 0;
      for (const Thread& t : b.threads) waiting += t.done ? 0 : 1;
      TZ_FAIL("cuda-emulator", "deadlock in block (", b.idx.x, ", ", b.idx.y, ", ", b.idx.z, "): ", waiting,
              " threads wait at a barrier or warp collective that the other threads never reach");
    }
  }
  s.current = nullptr;
}

}  // namespace

void set_schedule(Schedule schedule) { state().schedule = schedule; }

void launch(const void* kernel, dim3 grid, dim3 block, size_t dynamic_smem, const std::function<void()>& body) {
  State& s = state();
  const int n = int(block.x * block.y * block.z);
  TZ_CHECK(n >= 1 && n <= 1024, "cuda-emulator", "block of ", n, " threads (1..1024)");
  TZ_CHECK(grid.x >= 1 && grid.y >= 1 && grid.z >= 1 && grid.y <= 65535 && grid.z <= 65535, "cuda-emulator",
           "grid (", grid.x, ", ", grid.y, ", ", grid.z, ")");
  const auto limit = s.smem_limits.find(kernel);
  const size_t allowed = limit == s.smem_limits.end() ? kDefaultSharedBytes : size_t(limit->second);
  TZ_CHECK(dynamic_smem <= allowed && dynamic_smem <= kMaxSharedBytes, "cuda-emulator", "launch with ",
           dynamic_smem, " bytes of dynamic shared memory; the kernel may use ", std::min(allowed, kMaxSharedBytes),
           " (cudaFuncSetAttribute raises the 48 KiB default)");
  while (s.stacks.size() < size_t(n)) s.stacks.push_back(std::make_unique<char[]>(kStackBytes));
  const size_t smem_bytes = std::max<size_t>(16, dynamic_smem);
  std::unique_ptr<unsigned char, decltype(&std::free)> smem(
      static_cast<unsigned char*>(std::aligned_alloc(128, (smem_bytes + 127) / 128 * 128)), &std::free);
  s.grid = grid;
  s.block = block;
  s.body = &body;
  s.error = nullptr;
  for (unsigned bz = 0; bz < grid.z; ++bz)
    for (unsigned by = 0; by < grid.y; ++by)
      for (unsigned bx = 0; bx < grid.x; ++bx) {
        Block b;
        b.idx = uint3{bx, by, bz};
        b.threads.resize(size_t(n));
        b.warps.resize(size_t((n + 31) / 32));
        for (int i = 0; i < n; ++i) {
          Thread& t = b.threads[i];
          t.idx = uint3{unsigned(i) % block.x, unsigned(i) / block.x % block.y, unsigned(i) / (block.x * block.y)};
          t.lane = i % 32;
          t.warp = i / 32;
          ++b.warps[t.warp].size;
        }
        b.live = n;
        std::memset(smem.get(), 0xFF, smem_bytes);
        b.smem = smem.get();
        s.current_block = &b;
        run_block(b);
        s.current_block = nullptr;
        if (s.error) std::rethrow_exception(s.error);
      }
}

const uint3& thread_idx() { return me().idx; }
const uint3& block_idx() { return state().current_block->idx; }
const dim3& block_dim() { return state().block; }
const dim3& grid_dim() { return state().grid; }
unsigned char* dynamic_shared() { return state().current_block->smem; }
int lane_id() { return me().lane; }

void sync_threads() {
  State& s = state();
  Block& b = *s.current_block;
  ++s.events;
  const uint64_t generation = b.generation;
  if (++b.arrived == b.live) {
    release_barrier(b);
    return;
  }
  wait_for_change(&b.generation, generation);
}

namespace {
void warp_arrive(Warp& w) {
  ++state().events;
  const uint64_t generation = w.generation;
  if (++w.arrived == w.size) {
    w.arrived = 0;
    ++w.generation;
    return;
  }
  wait_for_change(&w.generation, generation);
}
}  // namespace

void warp_all_gather(const void* mine, size_t bytes, void* all) {
  TZ_CHECK(bytes <= kSlotBytes, "cuda-emulator", "warp collective of ", bytes, " bytes per lane");
  Warp& w = state().current_block->warps[me().warp];
  std::memcpy(w.slots[me().lane], mine, bytes);
  warp_arrive(w);  // every lane has written
  for (int l = 0; l < 32; ++l) std::memcpy(static_cast<unsigned char*>(all) + l * bytes, w.slots[l], bytes);
  warp_arrive(w);  // every lane has read: the slots may be reused
}

namespace {
float half_bits_to_float(uint16_t bits, bool bf16) {
  if (bf16) {
    const uint32_t u = uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  __half h;
  std::memcpy(&h, &bits, 2);
  return __half2float(h);
}
float lo_half(uint32_t w, bool bf16) { return half_bits_to_float(uint16_t(w & 0xFFFF), bf16); }
float hi_half(uint32_t w, bool bf16) { return half_bits_to_float(uint16_t(w >> 16), bf16); }
}  // namespace

void mma_m16n8k16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], bool bf16) {
  struct Fragments {
    uint32_t a[4], b[2];
  };
  Fragments mine{{a[0], a[1], a[2], a[3]}, {b[0], b[1]}};
  Fragments all[32];
  warp_all_gather(&mine, sizeof(mine), all);
  float A[16][16], B[16][8];
  for (int l = 0; l < 32; ++l) {
    const int g = l >> 2, t = l & 3;
    const Fragments& f = all[l];
    const int rows[4] = {g, g + 8, g, g + 8}, cols[4] = {2 * t, 2 * t, 2 * t + 8, 2 * t + 8};
    for (int r = 0; r < 4; ++r) {
      A[rows[r]][cols[r]] = lo_half(f.a[r], bf16);
      A[rows[r]][cols[r] + 1] = hi_half(f.a[r], bf16);
    }
    B[2 * t][g] = lo_half(f.b[0], bf16);
    B[2 * t + 1][g] = hi_half(f.b[0], bf16);
    B[2 * t + 8][g] = lo_half(f.b[1], bf16);
    B[2 * t + 9][g] = hi_half(f.b[1], bf16);
  }
  const int g = me().lane >> 2, t = me().lane & 3;
  for (int c = 0; c < 4; ++c) {
    const int row = g + 8 * (c >> 1), col = 2 * t + (c & 1);
    double sum = d[c];
    for (int k = 0; k < 16; ++k) sum += double(A[row][k]) * double(B[k][col]);
    d[c] = float(sum);
  }
}

namespace {
/// ldmatrix of `count` 8x8 matrices: lane 8m + i supplies row i of matrix m.
void ldmatrix(uint32_t* r, int count, const void* row, bool trans) {
  const int l = me().lane;
  TZ_CHECK(l >= 8 * count || reinterpret_cast<uintptr_t>(row) % 16 == 0, "cuda-emulator", "ldmatrix row address ",
           row, " is not 16-byte aligned");
  const void* rows[32];
  warp_all_gather(&row, sizeof(row), rows);
  for (int m = 0; m < count; ++m) {
    if (!trans) {
      const uint16_t* p = static_cast<const uint16_t*>(rows[m * 8 + l / 4]) + 2 * (l % 4);
      r[m] = uint32_t(p[0]) | (uint32_t(p[1]) << 16);
    } else {
      const uint16_t lo = static_cast<const uint16_t*>(rows[m * 8 + 2 * (l % 4)])[l / 4];
      const uint16_t hi = static_cast<const uint16_t*>(rows[m * 8 + 2 * (l % 4) + 1])[l / 4];
      r[m] = uint32_t(lo) | (uint32_t(hi) << 16);
    }
  }
}
}  // namespace

void ldmatrix_x4(uint32_t (&r)[4], const void* row, bool trans) { ldmatrix(r, 4, row, trans); }

void cp_async_16(void* smem, const void* gmem, int src_bytes) {
  TZ_CHECK(reinterpret_cast<uintptr_t>(smem) % 16 == 0 && reinterpret_cast<uintptr_t>(gmem) % 16 == 0,
           "cuda-emulator", "cp.async of 16 bytes needs 16-byte aligned addresses (", smem, ", ", gmem, ")");
  TZ_CHECK(src_bytes >= 0 && src_bytes <= 16, "cuda-emulator", "cp.async src size ", src_bytes);
  me().open_group.push_back({smem, gmem, src_bytes});
}

void cp_async_commit() {
  Thread& t = me();
  t.groups.push_back(std::move(t.open_group));
  t.open_group.clear();
}

void cp_async_wait(int newest_groups_left) {
  Thread& t = me();
  while (t.groups.size() > size_t(newest_groups_left)) {
    for (const PendingCopy& c : t.groups.front()) {
      unsigned char bytes[16] = {};
      std::memcpy(bytes, c.src, size_t(c.src_bytes));
      std::memcpy(c.dst, bytes, 16);
    }
    t.groups.pop_front();
  }
}

cudaError_t func_set_attribute(const void* kernel, cudaFuncAttribute attr, int value) {
  if (attr == cudaFuncAttributeMaxDynamicSharedMemorySize) state().smem_limits[kernel] = value;
  return cudaSuccess;
}
cudaError_t memset_async(void* p, int value, size_t n, cudaStream_t) {
  std::memset(p, value, n);
  return cudaSuccess;
}
cudaError_t memcpy_async(void* dst, const void* src, size_t n, cudaMemcpyKind, cudaStream_t) {
  if (n > 0) std::memcpy(dst, src, n);
  return cudaSuccess;
}
cudaError_t device_get_attribute(int* value, cudaDeviceAttr attr, int) {
  if (attr != cudaDevAttrMultiProcessorCount) return cudaErrorInvalidValue;
  *value = kEmulatedSmCount;
  return cudaSuccess;
}
cudaError_t stream_synchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t get_last_error() { return cudaSuccess; }
const char* get_error_string(cudaError_t) { return "emulated launch error"; }

}  // namespace tz::cuda_emu

// The backend's stream and device queries, as the emulated kernel files call them.
namespace tz::cuda_backend {
cudaStream_t current_stream() { return nullptr; }
int current_device() { return 0; }
}  // namespace tz::cuda_backend
