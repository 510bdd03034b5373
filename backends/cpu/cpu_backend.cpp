#include "backends/cpu/cpu_backend.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "backends/cpu/cpu_block_cache.h"
#include "backends/cpu/loops.h"
#include "core/op_dtypes.h"
#include "core/registry.h"

namespace tz {

void register_cpu_backend() { register_backend(std::make_unique<cpu::CpuBackend>()); }

namespace cpu {

// 64-byte alignment suits AVX-512 loads and oneDNN; small blocks come from a per-thread cache.
void* CpuBackend::allocate(size_t nbytes, int) { return allocate_block(nbytes); }
void CpuBackend::deallocate(void* ptr, size_t nbytes, int) { free_block(ptr, nbytes); }
void CpuBackend::copy_from_host(void* dst, const void* src, size_t nbytes, int) { std::memcpy(dst, src, nbytes); }
void CpuBackend::copy_to_host(void* dst, const void* src, size_t nbytes, int) { std::memcpy(dst, src, nbytes); }

// Every kind answers explicitly (no default), so a kind added later needs a decision here to
// build (-Werror=switch). Each answer is what the kernel accepts: the kernels reject exactly the
// (op, dtype) pairs answered false (tests/core/test_dispatch_exhaustive.cpp runs them all).
bool CpuBackend::supports(OpKey op, DType dt) const {
  const bool fl = is_floating(dt);
  switch (op.kind) {
    case OpKind::Unary: return unary_op_supports(UnaryOp(op.code), dt);
    case OpKind::Binary: return binary_op_supports(BinaryOp(op.code), dt);
    case OpKind::Reduce: return op.code >= 0 && op.code < kNumReduceOps;  // every reduction, every dtype
    // The arg-reductions exist for max and min only.
    case OpKind::ArgReduce: return op.code == int(ReduceOp::Max) || op.code == int(ReduceOp::Min);
    case OpKind::Scan: return op.code >= 0 && op.code < kNumScanOps;
    case OpKind::Random: return op.code >= 0 && op.code < kNumRandomOps;
    case OpKind::Matmul: return dt != DType::Bool;  // GEMM over the numeric dtypes
    // The fused kernels (and the conv/pool/interpolation composites) are floating-only.
    case OpKind::Softmax: case OpKind::LayerNorm: case OpKind::Conv: case OpKind::Pool: case OpKind::Interpolate:
    case OpKind::Attention:
      return fl;
    // Data movement and indexing: every dtype.
    case OpKind::Fill: case OpKind::Copy: case OpKind::Where: case OpKind::Gather: case OpKind::Scatter:
    case OpKind::Sort: case OpKind::NonZero:
      return true;
  }
  return false;
}

void CpuBackend::fill(const TensorView& out, const Scalar& value) {
  TZ_DISPATCH(out.dtype, "fill", [&]<class T>() {
    const T v = value.to<T>();
    if constexpr (std::is_same_v<T, bool>) {
      // map1<bool> loads each output byte as a bool before overwriting it; fresh memory holds
      // arbitrary bytes, and loading one other than 0 or 1 as a bool is undefined behaviour
      // (UBSan: "load of value 171, which is not a valid value for type 'bool'"). As unsigned
      // char every byte is a valid value; the store is 0 or 1, the representation of a bool.
      static_assert(sizeof(bool) == sizeof(unsigned char));
      const unsigned char byte = v ? 1 : 0;
      map1<unsigned char, unsigned char>(out, out, [byte](unsigned char) { return byte; });
    } else {
      map1<T, T>(out, out, [v](T) { return v; });
    }
  });
}

void CpuBackend::copy(const TensorView& out, const TensorView& in) {
  TZ_DISPATCH(out.dtype, "copy", [&]<class To>() {
    TZ_DISPATCH(in.dtype, "copy", [&]<class Ti>() {
      map1<To, Ti>(out, in, [](Ti x) {
        if constexpr (std::is_same_v<To, Ti>) return x;
        else if constexpr (std::is_same_v<To, bool>) return bool(static_cast<compute_t<Ti>>(x) != compute_t<Ti>(0));
        // float -> narrow integer goes through int64 (wraps like PyTorch; a direct
        // out-of-range conversion is undefined behaviour in C++).
        else if constexpr (std::is_integral_v<To> && !std::is_integral_v<compute_t<Ti>>)
          return To(int64_t(static_cast<compute_t<Ti>>(x)));
        else return To(static_cast<compute_t<To>>(static_cast<compute_t<Ti>>(x)));
      });
    });
  });
}

}  // namespace cpu
}  // namespace tz
