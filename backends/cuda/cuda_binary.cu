// Binary kernels of the CUDA backend, with the CPU backend's semantics (backends/cpu/
// cpu_elementwise.cpp): predicates write Bool; float maximum/minimum propagate NaN; remainder and
// floor_divide are Python's (the result of % takes the divisor's sign); integer division by
// zero raises before anything is written; integer pow with a negative exponent gives 0 except
// for bases 1 and -1; integer arithmetic wraps.
//
// Compile time: add/sub/mul/div of f32/f16/bf16 get a kernel each; every other (op, dtype)
// shares one kernel per dtype that switches on the op at run time.
#include "backends/cuda/cuda_allocator.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_loops.cuh"
#include "backends/cuda/cuda_math.cuh"
#include "core/op_dtypes.h"

namespace tz::cuda_backend {

namespace {

/// Comparisons and logical ops on any dtype, compared in the compute type.
template <class T>
struct PredicateFn {
  BinaryOp op;
  __device__ bool operator()(T xv, T yv) const {
    using C = acc_t<T>;
    const C x = to_acc(xv), y = to_acc(yv);
    switch (op) {
      case BinaryOp::Eq: return x == y;
      case BinaryOp::Ne: return x != y;
      case BinaryOp::Lt: return x < y;
      case BinaryOp::Le: return x <= y;
      case BinaryOp::Gt: return x > y;
      case BinaryOp::Ge: return x >= y;
      case BinaryOp::LogicalAnd: return x != C(0) && y != C(0);
      case BinaryOp::LogicalOr: return x != C(0) || y != C(0);
      case BinaryOp::LogicalXor: return (x != C(0)) != (y != C(0));
      default: return false;  // not a predicate: rejected on the host
    }
  }
};

/// PyTorch's floor division of floats: derived from fmod so that it agrees with the remainder
/// (1 // 0.1 == 9, while floor(1 / 0.1) == 10).
template <class C>
__device__ __forceinline__ C float_floor_divide(C a, C b) {
  using namespace dmath;
  if (b == C(0)) return a / b;
  const C mod = fmod(a, b);
  C div = (a - mod) / b;
  if (mod != C(0) && (b < C(0)) != (mod < C(0))) div -= C(1);
  if (div == C(0)) return copysign(C(0), a / b);
  C fl = floor(div);
  if (div - fl > C(0.5)) fl += C(1);
  return fl;
}

template <class C>
__device__ __forceinline__ C float_binary(BinaryOp op, C x, C y) {
  using namespace dmath;
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    case BinaryOp::Pow: return y == C(2) ? x * x : pow(x, y);
    case BinaryOp::Maximum: return isnan(x) || isnan(y) ? x + y : std_max(x, y);
    case BinaryOp::Minimum: return isnan(x) || isnan(y) ? x + y : std_min(x, y);
    case BinaryOp::Remainder: {
      const C r = fmod(x, y);
      return (r != C(0) && ((r < C(0)) != (y < C(0)))) ? r + y : r;
    }
    case BinaryOp::FloorDivide: return float_floor_divide(x, y);
    case BinaryOp::Atan2: return atan2(x, y);
    default: return C(0);  // predicates and bitwise ops: rejected on the host
  }
}

template <class T>
struct FloatBinaryFn {
  BinaryOp op;
  __device__ T operator()(T x, T y) const { return cast_to<T>(float_binary<acc_t<T>>(op, to_acc(x), to_acc(y))); }
};

template <class T, BinaryOp OP>
struct FixedBinaryFn {
  __device__ T operator()(T x, T y) const { return cast_to<T>(float_binary<acc_t<T>>(OP, to_acc(x), to_acc(y))); }
};

/// Integer binary ops (i64, i32, i8, u8). Add/sub/mul/pow go through the unsigned type so that
/// overflow wraps (signed overflow is undefined in C++).
template <class T>
struct IntBinaryFn {
  BinaryOp op;
  using U = std::make_unsigned_t<T>;
  static __device__ __forceinline__ T wrap_mul(T a, T b) { return T(U(U(a) * U(b))); }
  static __device__ __forceinline__ bool negative(T v) {
    if constexpr (std::is_unsigned_v<T>) return false;
    else return v < T(0);
  }

  static __device__ T int_pow(T base, T exp) {
    if (negative(exp)) {
      if (base == T(1)) return T(1);
      if constexpr (std::is_signed_v<T>) {
        if (base == T(-1)) return (exp & 1) ? T(-1) : T(1);
      }
      return T(0);  // PyTorch's tensor-exponent kernel (a negative scalar exponent is rejected earlier)
    }
    T r = 1;
    while (exp) {
      if (exp & 1) r = wrap_mul(r, base);
      base = wrap_mul(base, base);
      exp = T(exp >> 1);
    }
    return r;
  }

  __device__ T operator()(T x, T y) const {
    switch (op) {
      case BinaryOp::Add: return T(U(U(x) + U(y)));
      case BinaryOp::Sub: return T(U(U(x) - U(y)));
      case BinaryOp::Mul: return wrap_mul(x, y);
      case BinaryOp::Maximum: return dmath::std_max(x, y);
      case BinaryOp::Minimum: return dmath::std_min(x, y);
      case BinaryOp::BitwiseAnd: return T(x & y);
      case BinaryOp::BitwiseOr: return T(x | y);
      case BinaryOp::BitwiseXor: return T(x ^ y);
      case BinaryOp::Pow: return int_pow(x, y);
      case BinaryOp::Div: case BinaryOp::FloorDivide: case BinaryOp::Remainder: {
        if (y == T(0)) return T(0);  // unreachable: divisors are checked on the host first
        if constexpr (std::is_signed_v<T>) {
          // T_MIN / -1 overflows (a trap on x86): the wrapped quotient is -x, the remainder 0.
          if (y == T(-1)) return op == BinaryOp::Remainder ? T(0) : T(U(U(0) - U(x)));
        }
        const T q = T(x / y), r = T(x % y);  // C++ truncates toward zero
        const bool signs_differ = r != T(0) && (negative(r) != negative(y));
        if (op == BinaryOp::Div) return q;  // rounding_mode="trunc"
        if (op == BinaryOp::FloorDivide) return signs_differ ? T(q - 1) : q;
        return signs_differ ? T(r + y) : r;  // Python's %
      }
      default: return T(0);  // rejected on the host
    }
  }
};

struct BoolBinaryFn {
  BinaryOp op;
  __device__ bool operator()(bool x, bool y) const {
    switch (op) {
      case BinaryOp::Add: case BinaryOp::Maximum: case BinaryOp::BitwiseOr: return x || y;
      case BinaryOp::Mul: case BinaryOp::Minimum: case BinaryOp::BitwiseAnd: return x && y;
      case BinaryOp::BitwiseXor: return x != y;
      default: return false;  // rejected on the host
    }
  }
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

bool int_binary_supported(BinaryOp op) { return op != BinaryOp::Atan2; }
bool bool_binary_supported(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: case BinaryOp::Maximum: case BinaryOp::BitwiseOr: case BinaryOp::Mul: case BinaryOp::Minimum:
    case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseXor:
      return true;
    default:
      return false;
  }
}
bool float_binary_supported(BinaryOp op) {
  return op != BinaryOp::BitwiseAnd && op != BinaryOp::BitwiseOr && op != BinaryOp::BitwiseXor;
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
      default: break;
    }
  }
  launch_map<T, T, T>(name, FloatBinaryFn<T>{op}, out, a, b);
}

}  // namespace

void CudaBackend::binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  const char* name = binary_op_name(op);
  TZ_CHECK(a.dtype == b.dtype, name, "input dtypes differ: ", dtype_name(a.dtype), " and ", dtype_name(b.dtype));
  if (binary_op_is_predicate(op)) {
    TZ_CHECK(out.dtype == DType::Bool, name, "output must be bool, got ", dtype_name(out.dtype));
    TZ_CUDA_DISPATCH(a.dtype, name, ([&]<class T>() { launch_map<bool, T, T>(name, PredicateFn<T>{op}, out, a, b); }));
    return;
  }
  TZ_CHECK(out.dtype == a.dtype, name, "output dtype ", dtype_name(out.dtype), " differs from input ", dtype_name(a.dtype));
  if (is_floating(a.dtype)) {
    TZ_CHECK(float_binary_supported(op), name, "not implemented on cuda for ", dtype_name(a.dtype));
    TZ_CUDA_DISPATCH_FLOAT(a.dtype, name, [&]<class T>() { float_binary_launch<T>(op, out, a, b); });
    return;
  }
  if (a.dtype == DType::Bool) {
    TZ_CHECK(bool_binary_supported(op), name, "not implemented on cuda for bool");
    launch_map<bool, bool, bool>(name, BoolBinaryFn{op}, out, a, b);
    return;
  }
  TZ_CHECK(int_binary_supported(op), name, "not implemented on cuda for ", dtype_name(a.dtype));
  TZ_CUDA_DISPATCH(a.dtype, name, ([&]<class T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (op == BinaryOp::Div || op == BinaryOp::FloorDivide || op == BinaryOp::Remainder) check_int_divisor<T>(b, op);
      launch_map<T, T, T>(name, IntBinaryFn<T>{op}, out, a, b);
    }
  }));
}

/// Unary/binary dtype coverage: the CPU backend's (core/op_dtypes.h; the binary kernels' own
/// tables above give the same answers as binary_op_supports), so every parity case that runs on
/// the CPU runs on cuda too.
bool elementwise_supports(OpKey op, DType dt) {
  const bool fl = is_floating(dt);
  if (op.kind == OpKind::Unary) return unary_op_supports(UnaryOp(op.code), dt);
  if (op.kind == OpKind::Binary) {
    const BinaryOp b = BinaryOp(op.code);
    if (binary_op_is_predicate(b)) return true;
    if (fl) return float_binary_supported(b);
    if (dt == DType::Bool) return bool_binary_supported(b);
    return int_binary_supported(b);
  }
  return true;
}

}  // namespace tz::cuda_backend
