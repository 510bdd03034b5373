#pragma once
/// Branch-free float32 math written so the compiler vectorises it (no library calls, selects
/// instead of branches). Accuracy: exp within ~2 ulp over the whole range (NaN/inf handled,
/// gradual underflow kept), tanh/sigmoid/gelu within a few 1e-7 relative. Used by the contiguous
/// fast paths of the CPU elementwise kernels (backends/cpu/cpu_vec_kernels.inc).
#include <cstdint>
#include <cstring>

namespace tz::cpu {
// Internal linkage on purpose: this header is compiled once per instruction set
// (cpu_vec_*.cpp), and shared inline definitions would let the linker mix ISA variants.
namespace {
namespace vm {

inline float bits_to_float(int32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// e^(hi + lo) where lo is a small correction carried separately from hi (so callers can pass
/// arguments more precise than one float); x = n ln2 + r with |r| <= ln2/2, e^r by a degree-7 polynomial, 2^n applied in two
/// halves so results near overflow and in the subnormal range stay exact in the exponent.
inline float exp_hilo(float x, float lo) {
  const bool nan = x != x;
  float xc = nan ? 0.0f : x;
  xc = xc > 89.0f ? 89.0f : xc;
  xc = xc < -104.0f ? -104.0f : xc;
  const float n = ((xc + lo) * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  const float r = ((xc - n * 0.693145751953125f) - n * 1.428606765330187045e-06f) + lo;
  float p = 1.0f / 5040.0f + r * (1.0f / 40320.0f);
  p = 1.0f / 720.0f + r * p;
  p = 1.0f / 120.0f + r * p;
  p = 1.0f / 24.0f + r * p;
  p = 1.0f / 6.0f + r * p;
  p = 0.5f + r * p;
  p = 1.0f + r * p;
  p = 1.0f + r * p;
  const int32_t ni = int32_t(n);
  const int32_t n1 = ni / 2, n2 = ni - n1;
  const float y = p * bits_to_float((n1 + 127) << 23) * bits_to_float((n2 + 127) << 23);
  return nan ? x : y;
}

inline float exp(float x) { return exp_hilo(x, 0.0f); }

inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

/// tanh: odd Taylor series to x^15 for |x| < 0.55 (no cancellation), 1 - 2/(e^{2|x|} + 1) above.
inline float tanh(float x) {
  const float ax = x < 0.0f ? -x : x;
  const float x2 = x * x;
  float s = -929569.0f / 638512875.0f;
  s = 21844.0f / 6081075.0f + x2 * s;
  s = -1382.0f / 155925.0f + x2 * s;
  s = 62.0f / 2835.0f + x2 * s;
  s = -17.0f / 315.0f + x2 * s;
  s = 2.0f / 15.0f + x2 * s;
  s = -1.0f / 3.0f + x2 * s;
  const float small = x + x * x2 * s;
  const float e = exp(2.0f * (ax > 20.0f ? 20.0f : ax));
  const float big_abs = 1.0f - 2.0f / (e + 1.0f);
  const float big = x < 0.0f ? -big_abs : big_abs;
  return ax < 0.55f ? small : (x != x ? x : big);
}

/// erfc(a / sqrt 2) for a >= 0 with relative error below ~2e-7, from the Chebyshev-fitted
/// exponent form of Numerical Recipes ("erfcc"): erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2).
/// Taking a rather than z matters: rounding z = a/sqrt2 to a float would be amplified ~2z^2
/// times by the exponent, so -z^2 = -a^2/2 is formed exactly from a Dekker split of a (ah keeps
/// 12 significant bits, so ah*ah is exact) and its rounding error travels as exp's low part.
inline float erfc_scaled(float a) {
  const float z = a * 0.70710678118654752f;
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = -0.82215223f + t * p;
  p = 1.48851587f + t * p;
  p = -1.13520398f + t * p;
  p = 0.27886807f + t * p;
  p = -0.18628806f + t * p;
  p = 0.09678418f + t * p;
  p = 0.37409196f + t * p;
  p = 1.00002368f + t * p;
  p = -1.26551223f + t * p;
  int32_t ab;
  std::memcpy(&ab, &a, 4);
  const float ah = bits_to_float(ab & int32_t(0xfffff000));
  const float al = a - ah;
  return t * exp_hilo(-0.5f * (ah * ah), p - 0.5f * (2.0f * ah * al + al * al));
}

/// gelu(x) = x Phi(x), written with erfc so neither tail loses relative accuracy:
/// x >= 0: x (1 - erfc(x/sqrt2)/2); x < 0: x erfc(-x/sqrt2)/2.
inline float gelu(float x) {
  const float c = erfc_scaled(x < 0.0f ? -x : x);
  return x < 0.0f ? 0.5f * x * c : x * (1.0f - 0.5f * c);
}

inline float gelu_tanh(float x) { return 0.5f * x * (1.0f + tanh(0.79788456080286535f * (x + 0.044715f * x * x * x))); }

inline float silu(float x) { return x / (1.0f + exp(-x)); }

}  // namespace vm
}  // namespace
}  // namespace tz::cpu
