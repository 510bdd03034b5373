// Unary, binary and where kernels of the stub backend. Floating values are computed in double
// and rounded once to the output type; integers in int64 with two's-complement wrap.
#include <cmath>
#include <limits>

#include "backends/stub/stub_backend.h"
#include "backends/stub/stub_elements.h"

namespace tz::stub {

namespace {

// ---- unary ---------------------------------------------------------------------------------

/// torch.round: nearest integer, ties to the even neighbour. Written out instead of relying on
/// the current floating-point rounding mode.
double round_half_even(double x) {
  if (!std::isfinite(x)) return x;
  const double lo = std::floor(x), frac = x - lo;
  if (frac > 0.5) return lo + 1.0;
  if (frac < 0.5) return lo;
  return std::fmod(lo, 2.0) == 0.0 ? lo : lo + 1.0;
}

double float_unary(UnaryOp op, double x, const UnaryParams& p) {
  constexpr double kPi = 3.14159265358979323846;
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Abs: return std::fabs(x);
    case UnaryOp::Sign: return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;  // torch.sign(nan) == 0
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Expm1: return std::expm1(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Log1p: return std::log1p(x);
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Rsqrt: return 1.0 / std::sqrt(x);
    case UnaryOp::Reciprocal: return 1.0 / x;
    case UnaryOp::Square: return x * x;
    case UnaryOp::Sin: return std::sin(x);
    case UnaryOp::Cos: return std::cos(x);
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case UnaryOp::Erf: return std::erf(x);
    case UnaryOp::Relu: return std::isnan(x) ? x : (x > 0.0 ? x : 0.0);
    case UnaryOp::GeluErf: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case UnaryOp::GeluTanh: {
      const double inner = std::sqrt(2.0 / kPi) * (x + 0.044715 * x * x * x);
      return 0.5 * x * (1.0 + std::tanh(inner));
    }
    case UnaryOp::Silu: return x / (1.0 + std::exp(-x));
    case UnaryOp::Softplus: {  // beta = a, threshold = b: linear above the threshold
      const double beta = p.a, threshold = p.b;
      return x * beta > threshold ? x : std::log1p(std::exp(x * beta)) / beta;
    }
    case UnaryOp::Elu: return x > 0.0 ? x : p.a * std::expm1(x);
    case UnaryOp::LeakyRelu: return x > 0.0 ? x : x * p.a;
    case UnaryOp::Hardswish: {
      if (std::isnan(x)) return x;
      const double r = x + 3.0 < 0.0 ? 0.0 : x + 3.0 > 6.0 ? 6.0 : x + 3.0;
      return x * r / 6.0;
    }
    case UnaryOp::Hardsigmoid: {
      if (std::isnan(x)) return x;
      const double r = x + 3.0 < 0.0 ? 0.0 : x + 3.0 > 6.0 ? 6.0 : x + 3.0;
      return r / 6.0;
    }
    case UnaryOp::Floor: return std::floor(x);
    case UnaryOp::Ceil: return std::ceil(x);
    case UnaryOp::Round: return round_half_even(x);
    case UnaryOp::Trunc: return std::trunc(x);
    case UnaryOp::Clamp:  // NaN stays NaN (PyTorch); bounds are -inf/+inf when absent
      if (std::isnan(x)) return x;
      return x < p.a ? p.a : x > p.b ? p.b : x;
    case UnaryOp::LogicalNot: return x != 0.0 ? 0.0 : 1.0;
    case UnaryOp::BitwiseNot: break;
  }
  TZ_FAIL(unary_op_name(op), "not implemented on ext0 for floating dtypes");
}

/// Integer (and bool, as 0/1) unary ops in int64; `lowest`/`highest` bound T's range for clamp.
int64_t int_unary(UnaryOp op, int64_t x, const UnaryParams& p, double lowest, double highest, bool is_bool) {
  switch (op) {
    case UnaryOp::Neg: return wrap_sub(0, x);
    case UnaryOp::Abs: return x < 0 ? wrap_sub(0, x) : x;
    case UnaryOp::Sign: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case UnaryOp::Square: return wrap_mul(x, x);
    case UnaryOp::Relu: return x > 0 ? x : 0;
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc: return x;
    case UnaryOp::Clamp: {
      // Integer bounds only reach here (a float bound promotes the tensor to float first).
      // Bounds beyond T's range cannot bind.
      const double lo = std::max(p.a, lowest), hi = std::min(p.b, highest);
      const double v = double(x);
      if (v < lo) return int64_t(std::ceil(lo));
      if (v > hi) return int64_t(std::floor(hi));
      return x;
    }
    case UnaryOp::LogicalNot: return x == 0 ? 1 : 0;
    case UnaryOp::BitwiseNot: return is_bool ? (x == 0 ? 1 : 0) : ~x;
    case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Log: case UnaryOp::Log1p: case UnaryOp::Sqrt:
    case UnaryOp::Rsqrt: case UnaryOp::Reciprocal: case UnaryOp::Sin: case UnaryOp::Cos: case UnaryOp::Tanh:
    case UnaryOp::Sigmoid: case UnaryOp::Erf: case UnaryOp::GeluErf: case UnaryOp::GeluTanh: case UnaryOp::Silu:
    case UnaryOp::Softplus: case UnaryOp::Elu: case UnaryOp::LeakyRelu: case UnaryOp::Hardswish:
    case UnaryOp::Hardsigmoid:
      break;  // floating only
  }
  TZ_FAIL(unary_op_name(op), "not implemented on ext0 for integer dtypes");
}

template <class T>
void unary_typed(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  if (op == UnaryOp::LogicalNot) {
    for_each_index(in.sizes, [&](const Index& i) { at<bool>(out, i) = to_double(at<T>(in, i)) == 0.0; });
    return;
  }
  if constexpr (is_float_v<T>) {
    for_each_index(in.sizes, [&](const Index& i) { at<T>(out, i) = store_f<T>(float_unary(op, load_f(at<T>(in, i)), p)); });
  } else {
    const double lowest = double(std::numeric_limits<T>::lowest()), highest = double(std::numeric_limits<T>::max());
    for_each_index(in.sizes, [&](const Index& i) {
      at<T>(out, i) = store_i<T>(int_unary(op, int64_t(at<T>(in, i)), p, lowest, highest, std::is_same_v<T, bool>));
    });
  }
}

// ---- binary --------------------------------------------------------------------------------

/// Comparisons and logical ops: Bool result (for any input dtype, compared exactly).
template <class T>
bool predicate(BinaryOp op, T xv, T yv) {
  // double holds every value of every dtype except int64 beyond 2^53, so int64 compares as int64.
  using V = std::conditional_t<std::is_same_v<T, int64_t>, int64_t, double>;
  const V x = V(to_double(xv)), y = V(to_double(yv));
  switch (op) {
    case BinaryOp::Eq: return x == y;
    case BinaryOp::Ne: return x != y;
    case BinaryOp::Lt: return x < y;
    case BinaryOp::Le: return x <= y;
    case BinaryOp::Gt: return x > y;
    case BinaryOp::Ge: return x >= y;
    case BinaryOp::LogicalAnd: return x != 0 && y != 0;
    case BinaryOp::LogicalOr: return x != 0 || y != 0;
    case BinaryOp::LogicalXor: return (x != 0) != (y != 0);
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Pow:
    case BinaryOp::Maximum: case BinaryOp::Minimum: case BinaryOp::Remainder: case BinaryOp::FloorDivide:
    case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor: case BinaryOp::Atan2:
      break;
  }
  TZ_FAIL(binary_op_name(op), "is not a predicate");
}

/// PyTorch's floor division of floats (Python's //): from fmod, so 1 // 0.1 == 9, not 10.
double float_floor_divide(double a, double b) {
  if (b == 0.0) return a / b;
  const double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && (b < 0.0) != (mod < 0.0)) div -= 1.0;
  if (div == 0.0) return std::copysign(0.0, a / b);
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

double float_binary(BinaryOp op, double x, double y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    case BinaryOp::Pow: return std::pow(x, y);
    case BinaryOp::Maximum: return std::isnan(x) || std::isnan(y) ? std::nan("") : (x > y ? x : y);
    case BinaryOp::Minimum: return std::isnan(x) || std::isnan(y) ? std::nan("") : (x < y ? x : y);
    case BinaryOp::Remainder: {  // Python's %: the result takes the divisor's sign
      double r = std::fmod(x, y);
      if (r != 0.0 && ((r < 0.0) != (y < 0.0))) r += y;
      return r;
    }
    case BinaryOp::FloorDivide: return float_floor_divide(x, y);
    case BinaryOp::Atan2: return std::atan2(x, y);
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
    case BinaryOp::BitwiseAnd: case BinaryOp::BitwiseOr: case BinaryOp::BitwiseXor:
      break;  // predicates are routed elsewhere; bitwise ops are integer-only
  }
  TZ_FAIL(binary_op_name(op), "not implemented on ext0 for floating dtypes");
}

/// Integer power by repeated multiplication with wrap. Negative exponents follow PyTorch's
/// tensor-exponent kernel: 1 and -1 have exact results, every other base gives 0 (the error for
/// a negative integer *scalar* exponent is raised by the front end).
int64_t int_pow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exp % 2 == 0) ? 1 : -1;
    return 0;
  }
  // Square-and-multiply: exact modulo 2^64, hence modulo T's width after narrowing.
  int64_t r = 1;
  for (uint64_t e = uint64_t(exp); e != 0; e >>= 1) {
    if (e & 1u) r = wrap_mul(r, base);
    base = wrap_mul(base, base);
  }
  return r;
}

int64_t int_binary(BinaryOp op, int64_t x, int64_t y) {
  switch (op) {
    case BinaryOp::Add: return wrap_add(x, y);
    case BinaryOp::Sub: return wrap_sub(x, y);
    case BinaryOp::Mul: return wrap_mul(x, y);
    case BinaryOp::Maximum: return x > y ? x : y;
    case BinaryOp::Minimum: return x < y ? x : y;
    case BinaryOp::BitwiseAnd: return x & y;
    case BinaryOp::BitwiseOr: return x | y;
    case BinaryOp::BitwiseXor: return x ^ y;
    case BinaryOp::Pow: return int_pow(x, y);
    case BinaryOp::Div: case BinaryOp::FloorDivide: case BinaryOp::Remainder: {
      TZ_CHECK(y != 0, binary_op_name(op), "integer division by zero");
      if (y == -1) return op == BinaryOp::Remainder ? 0 : wrap_sub(0, x);  // INT64_MIN / -1 overflows
      const int64_t q = x / y, r = x % y;  // C++ truncates toward zero
      const bool signs_differ = r != 0 && ((r < 0) != (y < 0));
      if (op == BinaryOp::Div) return q;                    // rounding_mode="trunc"
      if (op == BinaryOp::FloorDivide) return signs_differ ? q - 1 : q;
      return signs_differ ? r + y : r;                      // Python's %
    }
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
    case BinaryOp::Atan2:
      break;  // predicates are routed elsewhere; atan2 is floating-only
  }
  TZ_FAIL(binary_op_name(op), "not implemented on ext0 for integer dtypes");
}

int64_t bool_binary(BinaryOp op, bool x, bool y) {
  switch (op) {
    case BinaryOp::Add: case BinaryOp::Maximum: case BinaryOp::BitwiseOr: return x || y;
    case BinaryOp::Mul: case BinaryOp::Minimum: case BinaryOp::BitwiseAnd: return x && y;
    case BinaryOp::BitwiseXor: return x != y;
    case BinaryOp::Eq: case BinaryOp::Ne: case BinaryOp::Lt: case BinaryOp::Le: case BinaryOp::Gt: case BinaryOp::Ge:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
    case BinaryOp::Sub: case BinaryOp::Div: case BinaryOp::Pow: case BinaryOp::Remainder: case BinaryOp::FloorDivide:
    case BinaryOp::Atan2:
      break;  // predicates are routed elsewhere; the rest is not defined for bool
  }
  TZ_FAIL(binary_op_name(op), "not implemented on ext0 for bool");
}

template <class T>
void binary_typed(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  if (binary_op_is_predicate(op)) {
    for_each_index(out.sizes, [&](const Index& i) { at<bool>(out, i) = predicate<T>(op, at<T>(a, i), at<T>(b, i)); });
    return;
  }
  if constexpr (is_float_v<T>) {
    for_each_index(out.sizes, [&](const Index& i) {
      at<T>(out, i) = store_f<T>(float_binary(op, load_f(at<T>(a, i)), load_f(at<T>(b, i))));
    });
  } else if constexpr (std::is_same_v<T, bool>) {
    for_each_index(out.sizes, [&](const Index& i) { at<bool>(out, i) = bool_binary(op, at<bool>(a, i), at<bool>(b, i)) != 0; });
  } else {
    // Check every divisor before writing anything, so a failing op leaves `out` untouched.
    if (op == BinaryOp::Div || op == BinaryOp::FloorDivide || op == BinaryOp::Remainder)
      for_each_index(out.sizes, [&](const Index& i) {
        TZ_CHECK(at<T>(b, i) != T(0), binary_op_name(op), "integer division by zero");
      });
    for_each_index(out.sizes, [&](const Index& i) {
      at<T>(out, i) = store_i<T>(int_binary(op, int64_t(at<T>(a, i)), int64_t(at<T>(b, i))));
    });
  }
}

}  // namespace

void StubBackend::unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) {
  TZ_DISPATCH(in.dtype, unary_op_name(op), [&]<class T>() { unary_typed<T>(op, out, in, p); });
}

void StubBackend::binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) {
  TZ_DISPATCH(a.dtype, binary_op_name(op), [&]<class T>() { binary_typed<T>(op, out, a, b); });
}

void StubBackend::where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) {
  TZ_DISPATCH(out.dtype, "where", [&]<class T>() {
    for_each_index(out.sizes, [&](const Index& i) { at<T>(out, i) = at<bool>(cond, i) ? at<T>(a, i) : at<T>(b, i); });
  });
}

}  // namespace tz::stub
