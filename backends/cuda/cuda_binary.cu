// Binary kernels of the CUDA backend. The formulas are backends/common/scalar_ops.h, which the
// CPU backend calls too: predicates write Bool; float maximum/minimum propagate NaN; remainder and
// floor_divide are Python's (the result of % takes the divisor's sign); integer division by
// zero raises before anything is written; integer pow with a negative exponent gives 0 except
// for bases 1 and -1; integer arithmetic wraps.
//
// Compile time: add/sub/mul/div of f32/f16/bf16 get a kernel each; every other (op, dtype)
// shares one kernel per dtype that switches on the op at run time.
#include "backends/common/scalar_ops.h"
#include "backends/cuda/cuda_allocator.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_loops.cuh"
#include "core/op_dtypes.h"

namespace tz::cuda_backend {

namespace {

/// Comparisons and logical ops on any dtype, compared in the compute type.
template <class T>
struct PredicateFn {
  BinaryOp op;
  __device__ bool operator()(T x, T y) const { return scalar::predicate<acc_t<T>>(op, to_acc(x), to_acc(y)); }
};

template <class T>
struct FloatBinaryFn {
  BinaryOp op;
  __device__ T operator()(T x, T y) const { return cast_to<T>(scalar::float_binary<acc_t<T>>(op, to_acc(x), to_acc(y))); }
};

template <class T, BinaryOp OP>
struct FixedBinaryFn {
  __device__ T operator()(T x, T y) const { return cast_to<T>(scalar::float_binary<acc_t<T>>(OP, to_acc(x), to_acc(y))); }
};

/// Integer binary ops (i64, i32, i8, u8), wrapping; divisors are checked on the host first.
template <class T>
struct IntBinaryFn {
  BinaryOp op;
  __device__ T operator()(T x, T y) const { return scalar::int_binary<T>(op, x, y); }
};

struct BoolBinaryFn {
  BinaryOp op;
  __device__ bool operator()(bool x, bool y) const { return scalar::bool_binary(op, x, y); }
};

template <class T>
__global__ void find_zero_kernel(int64_t n, const T* b, OffsetCalc<1> calc, int* found) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[1];
    calc.offsets(i, off);
    if (b[off[0]] == T(0)) *found = 1;  // every writer stores the same value
  }
}

/// Raises "integer division by zero" when any element of the divisor is 0 (waits for the
/// stream: integer division is rare and PyTorch raises too).
template <class T>
void check_int_divisor(const TensorView& b, BinaryOp op) {
  // Broadcast dims (stride 0) repeat the same elements: check each distinct element once.
  TensorView distinct = b;
  for (size_t d = 0; d < distinct.sizes.size(); ++d)
    if (distinct.strides[d] == 0) distinct.sizes[d] = 1;
  const int64_t n = distinct.numel();
  if (n == 0) return;
  const TensorView* views[1] = {&distinct};
  const OffsetCalc<1> calc = make_offset_calc<1>(distinct.sizes, views, binary_op_name(op));
  cudaStream_t stream = current_stream();
  const int device = current_device();
  auto& allocator = CachingAllocator::instance();
  int* found = static_cast<int*>(allocator.allocate(sizeof(int), device, stream));
  int host_found = 0;
  try {
    TZ_CUDA_CHECK(cudaMemsetAsync(found, 0, sizeof(int), stream));
    find_zero_kernel<T><<<grid_for(n), kThreads, 0, stream>>>(n, static_cast<const T*>(b.data), calc, found);
    TZ_CUDA_CHECK_LAUNCH();
    TZ_CUDA_CHECK(cudaMemcpyAsync(&host_found, found, sizeof(int), cudaMemcpyDeviceToHost, stream));
    TZ_CUDA_CHECK(cudaStreamSynchronize(stream));
  } catch (...) {
    allocator.deallocate(found, sizeof(int), device);
    throw;
  }
  allocator.deallocate(found, sizeof(int), device);
  TZ_CHECK(host_found == 0, binary_op_name(op), "integer division by zero");
}

template <class T>
void float_binary_launch(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  const char* name = binary_op_name(op);
  if constexpr (!std::is_same_v<T, double>) {
    switch (op) {
      case BinaryOp::Add: launch_map<T, T, T>(name, FixedBinaryFn<T, BinaryOp::Add>{}, out, a, b); return;
      case BinaryOp::Sub: launch_map<T, T, T>(name, FixedBinaryFn<T, BinaryOp::Sub>{}, out, a, b); return;
      case BinaryOp::Mul: launch_map<T, T, T>(name, FixedBinaryFn<T, BinaryOp::Mul>{}, out, a, b); return;
      case BinaryOp::Div: launch_map<T, T, T>(name, FixedBinaryFn<T, BinaryOp::Div>{}, out, a, b); return;
      case BinaryOp::Pow: case BinaryOp::Maximum: case BinaryOp::Minimum: case BinaryOp::Remainder:
      case BinaryOp::FloorDivide: case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le:
      case BinaryOp::Gt: case BinaryOp::Ge: case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr:
      case BinaryOp::LogicalXor: case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor:
      case BinaryOp::Atan2:
        break;  // the shared run-time kernel below
    }
  }
  launch_map<T, T, T>(name, FloatBinaryFn<T>{op}, out, a, b);
}

}  // namespace

void CudaBackend::binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  const char* name = binary_op_name(op);
  TZ_CHECK(a.dtype == b.dtype, name, "input dtypes differ: ", dtype_name(a.dtype), " and ", dtype_name(b.dtype));
  // One check up front (the CPU's): the kernels never see an (op, dtype) supports() rejects.
  TZ_CHECK(binary_op_supports(op, a.dtype), name, "not implemented on cuda for ", dtype_name(a.dtype));
  if (binary_op_is_predicate(op)) {
    TZ_CHECK(out.dtype == DType::Bool, name, "output must be bool, got ", dtype_name(out.dtype));
    TZ_CUDA_DISPATCH(a.dtype, name, ([&]<class T>() { launch_map<bool, T, T>(name, PredicateFn<T>{op}, out, a, b); }));
    return;
  }
  TZ_CHECK(out.dtype == a.dtype, name, "output dtype ", dtype_name(out.dtype), " differs from input ", dtype_name(a.dtype));
  if (is_floating(a.dtype)) {
    TZ_CUDA_DISPATCH_FLOAT(a.dtype, name, [&]<class T>() { float_binary_launch<T>(op, out, a, b); });
    return;
  }
  if (a.dtype == DType::Bool) {
    launch_map<bool, bool, bool>(name, BoolBinaryFn{op}, out, a, b);
    return;
  }
  TZ_CUDA_DISPATCH(a.dtype, name, ([&]<class T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (op == BinaryOp::Div || op == BinaryOp::FloorDivide || op == BinaryOp::Remainder) check_int_divisor<T>(b, op);
      launch_map<T, T, T>(name, IntBinaryFn<T>{op}, out, a, b);
    }
  }));
}

/// Unary/binary dtype coverage: the CPU backend's (core/op_dtypes.h), so every parity case that
/// runs on the CPU runs on cuda too.
bool elementwise_supports(OpKey op, DType dt) {
  switch (op.kind) {
    case OpKind::Unary: return unary_op_supports(UnaryOp(op.code), dt);
    case OpKind::Binary: return binary_op_supports(BinaryOp(op.code), dt);
    case OpKind::Fill: case OpKind::Copy: case OpKind::Where: case OpKind::Reduce: case OpKind::ArgReduce:
    case OpKind::Scan: case OpKind::Matmul: case OpKind::Gather: case OpKind::Scatter: case OpKind::Random:
    case OpKind::Sort: case OpKind::NonZero: case OpKind::Softmax: case OpKind::LayerNorm: case OpKind::Conv:
    case OpKind::Pool: case OpKind::Interpolate: case OpKind::Attention:
      break;  // not elementwise: CudaBackend::supports answers these
  }
  return false;
}

}  // namespace tz::cuda_backend
