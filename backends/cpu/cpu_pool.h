#pragma once
/// Switches of the CPU pooling kernel (backends/cpu/cpu_pool.cpp).
#include <atomic>

namespace tz::cpu {

/// When true, CpuBackend::pool always runs its reference loops instead of oneDNN (tests use it
/// to check that both paths agree). Atomic, so flipping it while other threads pool is not a data
/// race (those calls may take either path).
extern std::atomic<bool> g_pool_disable_onednn;

}  // namespace tz::cpu
