#pragma once
/// Per-thread cache of small freed CPU buffers, so that the many tiny tensors of an eager step
/// (scalars, biases, per-op temporaries) reuse memory instead of each going through
/// aligned_alloc/free. glibc serves aligned requests on its slow path (no thread cache: it
/// splits a larger chunk and frees the remainder, which also triggers heap consolidation), and
/// on tiny tensors that costs more than the kernel.
///
/// Blocks are 64-byte aligned, in size classes of 64 bytes up to kMaxCachedBytes; larger
/// requests go straight to aligned_alloc/free. A block may be freed on another thread than the
/// one that allocated it (it then joins that thread's cache). Each class keeps at most
/// kMaxBlocksPerClass blocks, so a thread holds at most about 1 MiB it does not use; a thread's
/// cache is released when the thread exits.
#include <cstddef>

namespace tz::cpu {

inline constexpr size_t kBlockAlignment = 64;
inline constexpr size_t kMaxCachedBytes = 2048;
inline constexpr int kMaxBlocksPerClass = 32;

/// 64-byte aligned memory for at least nbytes (> 0); throws std::bad_alloc when out of memory.
void* allocate_block(size_t nbytes);
/// Returns a block from allocate_block(nbytes) (same nbytes).
void free_block(void* ptr, size_t nbytes);

}  // namespace tz::cpu
