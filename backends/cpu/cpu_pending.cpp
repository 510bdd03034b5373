// Kernels not written yet: each family's file replaces its entries here. This file must be
// empty (and deleted) before the CPU backend is called complete.
#include "backends/cpu/cpu_backend.h"

namespace tz::cpu {
#define TZ_PENDING(name) TZ_FAIL(name, "not implemented on cpu yet")
void CpuBackend::arg_reduce(ReduceOp, const TensorView&, const TensorView&, const TensorView&) { TZ_PENDING("arg_reduce"); }
void CpuBackend::scan(ScanOp, const TensorView&, const TensorView&, bool) { TZ_PENDING("scan"); }
void CpuBackend::matmul(const TensorView&, const TensorView&, const TensorView&, bool) { TZ_PENDING("matmul"); }
bool CpuBackend::softmax(const TensorView&, const TensorView&, bool) { return false; }
bool CpuBackend::softmax_backward(const TensorView&, const TensorView&, const TensorView&, bool) { return false; }
bool CpuBackend::layer_norm(const TensorView&, const TensorView&, const TensorView&, const TensorView&, const TensorView&, const TensorView&, double) { return false; }
bool CpuBackend::conv(const TensorView&, const TensorView&, const TensorView&, const TensorView&, const ConvParams&) { return false; }
bool CpuBackend::conv_backward_input(const TensorView&, const TensorView&, const TensorView&, const ConvParams&) { return false; }
bool CpuBackend::conv_backward_weight(const TensorView&, const TensorView&, const TensorView&, const ConvParams&) { return false; }
bool CpuBackend::pool(const TensorView&, const TensorView&, const TensorView&, const PoolParams&) { return false; }
}  // namespace tz::cpu
