// Kernels not written yet: each family's file replaces its entries here. This file must be
// empty (and deleted) before the CPU backend is called complete.
#include "backends/cpu/cpu_backend.h"

namespace tz::cpu {
#define TZ_PENDING(name) TZ_FAIL(name, "not implemented on cpu yet")
void CpuBackend::matmul(const TensorView&, const TensorView&, const TensorView&, bool) { TZ_PENDING("matmul"); }
bool CpuBackend::softmax(const TensorView&, const TensorView&, bool) { return false; }
bool CpuBackend::softmax_backward(const TensorView&, const TensorView&, const TensorView&, bool) { return false; }
bool CpuBackend::layer_norm(const TensorView&, const TensorView&, const TensorView&, const TensorView&, const TensorView&, const TensorView&, double) { return false; }
}  // namespace tz::cpu
