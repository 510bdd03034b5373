#pragma once
/// Switches of the CPU pooling kernel (backends/cpu/cpu_pool.cpp).
namespace tz::cpu {

/// When true, CpuBackend::pool always runs its reference loops instead of oneDNN (tests use it
/// to check that both paths agree). Not thread-safe: flip it only while no pooling runs.
extern bool g_pool_disable_onednn;

}  // namespace tz::cpu
