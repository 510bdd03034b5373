// Registration, memory, supports(), fill and copy of the stub (ext0) backend.
#include "backends/stub/stub_backend.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "backends/stub/stub_elements.h"
#include "core/op_dtypes.h"
#include "core/registry.h"

namespace tz {

// Explicit registration: a static object that registers itself from a static library would be
// dropped by the linker when nothing references its translation unit.
void register_stub_backend() { register_backend(std::make_unique<stub::StubBackend>()); }

namespace stub {

// ---- memory ----------------------------------------------------------------------------------
// A real device backend allocates device memory here and copies with its DMA API (cudaMemcpy,
// ...). The core never dereferences a pointer from allocate(); it only hands it back to this
// backend's kernels and copy functions.
void* StubBackend::allocate(size_t nbytes, int) {
  void* p = std::malloc(nbytes ? nbytes : 1);
  if (!p) throw std::bad_alloc();
  return p;
}
void StubBackend::deallocate(void* ptr, size_t, int) { std::free(ptr); }
void StubBackend::copy_from_host(void* dst, const void* src, size_t nbytes, int) {
  if (nbytes) std::memcpy(dst, src, nbytes);
}
void StubBackend::copy_to_host(void* dst, const void* src, size_t nbytes, int) {
  if (nbytes) std::memcpy(dst, src, nbytes);
}

// ---- supports ----------------------------------------------------------------------------------
// The same dtype coverage as the CPU backend (the elementwise families' from core/op_dtypes.h),
// so every parity case that runs on the CPU also runs here. The switch over the op kinds (with
// -Werror=switch) catches a kind added later.
bool StubBackend::supports(OpKey op, DType dt) const {
  const bool floating = is_floating(dt);
  switch (op.kind) {
    case OpKind::Unary: return unary_op_supports(UnaryOp(op.code), dt);
    case OpKind::Binary: return binary_op_supports(BinaryOp(op.code), dt);
    case OpKind::Matmul: return dt != DType::Bool;
    // The fused kinds are asked about only when a fused kernel exists; these are floating-only
    // in the CPU backend too.
    case OpKind::Softmax: case OpKind::LayerNorm: case OpKind::Conv: case OpKind::Pool: case OpKind::Interpolate:
    case OpKind::Attention:
      return floating;
    case OpKind::Reduce: return op.code >= 0 && op.code < kNumReduceOps;
    case OpKind::ArgReduce: return op.code == int(ReduceOp::Max) || op.code == int(ReduceOp::Min);
    case OpKind::Scan: return op.code >= 0 && op.code < kNumScanOps;
    case OpKind::Random: return op.code >= 0 && op.code < kNumRandomOps;
    case OpKind::Fill: case OpKind::Copy: case OpKind::Where: case OpKind::Gather: case OpKind::Scatter:
    case OpKind::Sort: case OpKind::NonZero:
      return true;
  }
  return false;
}

// ---- fill and copy -------------------------------------------------------------------------------
void StubBackend::fill(const TensorView& out, const Scalar& value) {
  TZ_DISPATCH(out.dtype, "fill", [&]<class T>() {
    T v{};
    switch (value.kind()) {
      case Scalar::Kind::Bool: v = convert<T, bool>(value.to_bool()); break;
      case Scalar::Kind::Int: v = convert<T, int64_t>(value.to_int()); break;
      case Scalar::Kind::Float: v = convert<T, double>(value.to_double()); break;
    }
    for_each_index(out.sizes, [&](const Index& i) { at<T>(out, i) = v; });
  });
}

void StubBackend::copy(const TensorView& out, const TensorView& in) {
  TZ_CHECK(out.sizes == in.sizes, "copy", "sizes ", shape_str(out.sizes), " and ", shape_str(in.sizes), " differ");
  TZ_DISPATCH(out.dtype, "copy", [&]<class D>() {
    TZ_DISPATCH(in.dtype, "copy", [&]<class S>() {
      // Element by element, so an out that overlaps in only in the same positions is fine.
      for_each_index(out.sizes, [&](const Index& i) { at<D>(out, i) = convert<D, S>(at<S>(in, i)); });
    });
  });
}

}  // namespace stub
}  // namespace tz
