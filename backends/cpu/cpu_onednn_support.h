#pragma once
/// What every oneDNN-backed CPU kernel shares: the process-wide engine, a per-thread stream, and
/// user-managed scratchpads.
///
/// Why user scratchpads: oneDNN 2.x built without ONEDNN_ENABLE_CONCURRENT_EXEC (the default,
/// and Debian's libdnnl) gives primitives in the default "library" scratchpad mode a global
/// scratchpad that is sized when a primitive is created and looked up again when it runs. A
/// primitive created on one thread and executed on another (our conv primitive cache is shared
/// by all threads), or the same primitive executed by two threads at once, then writes into a
/// buffer that is too small or in use: heap corruption. With dnnl::scratchpad_mode::user each
/// execution passes its own buffer (DNNL_ARG_SCRATCHPAD), which oneDNN documents as the way to
/// execute one primitive concurrently. The buffer is per thread and only grows, so the
/// single-thread path allocates once per size high-water mark.
///
/// Only included by backends/cpu sources compiled with TZ_HAVE_ONEDNN.
#include <dnnl.hpp>

#include <unordered_map>

namespace tz::cpu::onednn {

/// The CPU engine, created once (thread-safe static initialisation).
dnnl::engine& engine();
/// This thread's stream on engine() (streams must not be shared between threads).
dnnl::stream& stream();
/// Attributes that make a primitive take its scratchpad from the caller.
dnnl::primitive_attr user_scratchpad_attr();
/// Runs `prim` (built with user_scratchpad_attr()) on this thread's stream and waits. `scratch`
/// is its primitive_desc's scratchpad_desc(); the scratchpad lives in a per-thread buffer, so
/// any number of threads may execute the same primitive at once.
void execute(const dnnl::primitive& prim, const dnnl::memory::desc& scratch, std::unordered_map<int, dnnl::memory> args);

}  // namespace tz::cpu::onednn
