// Engine, per-thread stream and per-thread scratchpad buffer for the oneDNN kernels (see the
// header for why scratchpads are user-managed).
#ifdef TZ_HAVE_ONEDNN
#include "backends/cpu/cpu_onednn_support.h"

#include <cstdlib>
#include <memory>
#include <new>

namespace tz::cpu::onednn {

namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

/// Grows to the largest scratchpad this thread has needed; freed when the thread exits.
struct ScratchBuffer {
  std::unique_ptr<void, FreeDeleter> data;
  size_t size = 0;
};

}  // namespace

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

dnnl::primitive_attr user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void execute(const dnnl::primitive& prim, const dnnl::memory::desc& scratch, std::unordered_map<int, dnnl::memory> args) {
  // Reused by every execution on this thread; safe because each one waits for completion
  // before returning, so no two executions of one thread overlap.
  thread_local ScratchBuffer buf;
  const size_t need = scratch.get_size();
  if (need > 0) {
    if (need > buf.size) {
      // 64-byte aligned like oneDNN's own scratchpads (its kernels use aligned vector stores).
      void* p = std::aligned_alloc(64, (need + 63) / 64 * 64);
      if (!p) throw std::bad_alloc();
      buf.data.reset(p);
      buf.size = need;
    }
    args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratch, engine(), buf.data.get()));
  }
  prim.execute(stream(), args);
  stream().wait();
}

}  // namespace tz::cpu::onednn
#endif  // TZ_HAVE_ONEDNN
