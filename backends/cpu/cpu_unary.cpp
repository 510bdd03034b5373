// Unary kernels of the CPU backend. The formulas are backends/common/scalar_ops.h (shared with
// CUDA); 16-bit floats compute in f32 (compute_t). Contiguous f32 inputs take the SIMD loops of
// cpu_vec_kernels.inc where one exists.
#include <algorithm>

#include "backends/common/scalar_ops.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"
#include "backends/cpu/vec_dispatch.h"
#include "core/op_dtypes.h"

namespace tz::cpu {

namespace {

/// Contiguous float32 fast path, split across threads; false when the op has none.
bool unary_f32_contiguous(UnaryOp op, const TensorView& out, const TensorView& in) {
  if (in.dtype != DType::F32 || !in.is_contiguous() || !out.is_contiguous()) return false;
  const UnaryF32 fn = best_unary_f32();
  float* o = out.ptr<float>();
  const float* x = in.ptr<float>();
  const int64_t n = in.numel();
  if (!fn(op, o, x, 0)) return false;
  const int64_t chunks = n >= 2 * kParallelGrain ? std::min<int64_t>(omp_get_max_threads() * 4, n / kParallelGrain) : 1;
  parallel_for_if(chunks > 1, chunks, [&](int64_t c) {
    const int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
    fn(op, o + lo, x + lo, hi - lo);
  });
  return true;
}

template <class T>
void float_unary_typed(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  using C = compute_t<T>;
  const C a = C(p.a), b = C(p.b);
  // The hot simple ops get a loop each (the formula inlined, so the compiler vectorises it);
  // the others share one loop that switches on the op per element.
  auto generic = [&] { map1<T, T>(out, in, [op, a, b](T x) { return T(scalar::float_unary<C>(op, C(x), a, b)); }); };
  switch (op) {
    case UnaryOp::Neg: map1<T, T>(out, in, [](T x) { return T(-C(x)); }); return;
    case UnaryOp::Abs: map1<T, T>(out, in, [](T x) { return T(scalar::fabs(C(x))); }); return;
    case UnaryOp::Square: map1<T, T>(out, in, [](T x) { return T(C(x) * C(x)); }); return;
    case UnaryOp::Relu: map1<T, T>(out, in, [](T x) { return T(scalar::relu(C(x))); }); return;
    case UnaryOp::Sign: map1<T, T>(out, in, [](T x) { return T(scalar::sign(C(x))); }); return;
    case UnaryOp::Clamp: map1<T, T>(out, in, [a, b](T x) { return T(scalar::clamp(C(x), a, b)); }); return;
    case UnaryOp::Exp: map1<T, T>(out, in, [](T x) { return T(scalar::exp(C(x))); }); return;
    case UnaryOp::Tanh: map1<T, T>(out, in, [](T x) { return T(scalar::tanh(C(x))); }); return;
    case UnaryOp::Expm1: case UnaryOp::Log: case UnaryOp::Log1p: case UnaryOp::Sqrt: case UnaryOp::Rsqrt:
    case UnaryOp::Reciprocal: case UnaryOp::Sin: case UnaryOp::Cos: case UnaryOp::Sigmoid: case UnaryOp::Erf:
    case UnaryOp::GeluErf: case UnaryOp::GeluTanh: case UnaryOp::Silu: case UnaryOp::Softplus: case UnaryOp::Elu:
    case UnaryOp::LeakyRelu: case UnaryOp::Hardswish: case UnaryOp::Hardsigmoid: case UnaryOp::Floor:
    case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
      generic();
      return;
    case UnaryOp::LogicalNot: case UnaryOp::BitwiseNot:
      break;  // LogicalNot is handled by the caller; BitwiseNot is rejected there
  }
  TZ_FAIL(unary_op_name(op), "not implemented on cpu for ", dtype_name(in.dtype));
}

template <class T>
void int_unary_typed(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  T lo{}, hi{};
  if (op == UnaryOp::Clamp) scalar::int_clamp_bounds<T>(p.a, p.b, lo, hi);
  // A loop per op (the op is a constant inside it, so the formula folds to one expression).
#define TZ_INT_UNARY(OP) \
  case UnaryOp::OP: map1<T, T>(out, in, [lo, hi](T x) { return scalar::int_unary<T>(UnaryOp::OP, x, lo, hi); }); return;
  switch (op) {
    TZ_INT_UNARY(Neg)
    TZ_INT_UNARY(Abs)
    TZ_INT_UNARY(Sign)
    TZ_INT_UNARY(Square)
    TZ_INT_UNARY(Relu)
    TZ_INT_UNARY(BitwiseNot)
    TZ_INT_UNARY(Clamp)
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
      map1<T, T>(out, in, [](T x) { return x; });  // the identity on integers
      return;
    case UnaryOp::LogicalNot:  // handled by the caller
    case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Log: case UnaryOp::Log1p: case UnaryOp::Sqrt:
    case UnaryOp::Rsqrt: case UnaryOp::Reciprocal: case UnaryOp::Sin: case UnaryOp::Cos: case UnaryOp::Tanh:
    case UnaryOp::Sigmoid: case UnaryOp::Erf: case UnaryOp::GeluErf: case UnaryOp::GeluTanh: case UnaryOp::Silu:
    case UnaryOp::Softplus: case UnaryOp::Elu: case UnaryOp::LeakyRelu: case UnaryOp::Hardswish:
    case UnaryOp::Hardsigmoid:
      break;
  }
#undef TZ_INT_UNARY
  TZ_FAIL(unary_op_name(op), "not implemented on cpu for ", dtype_name(in.dtype));
}

template <class T>
void unary_typed(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  using C = compute_t<T>;
  if (op == UnaryOp::LogicalNot) {
    map1<bool, T>(out, in, [](T x) { return !(static_cast<C>(x) != C(0)); });
  } else if constexpr (std::is_same_v<T, bool>) {
    // Clamp converts its bounds to {0, 1}; the rest is the identity or a negation on {0, 1}.
    const bool lo = p.a > 0, hi = p.b >= 1;
    map1<bool, bool>(out, in, [op, lo, hi](bool x) { return scalar::bool_unary(op, x, lo, hi); });
  } else if constexpr (std::is_floating_point_v<C>) {
    float_unary_typed<T>(op, out, in, p);
  } else {
    int_unary_typed<T>(op, out, in, p);
  }
}

}  // namespace

void CpuBackend::unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  // One check up front, so that no (op, dtype) supports() rejects computes anything.
  TZ_CHECK(unary_op_supports(op, in.dtype), unary_op_name(op), "not implemented on cpu for ", dtype_name(in.dtype));
  if (unary_f32_contiguous(op, out, in)) return;
  TZ_DISPATCH(in.dtype, unary_op_name(op), [&]<class T>() { unary_typed<T>(op, out, in, p); });
}

}  // namespace tz::cpu
