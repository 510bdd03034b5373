#pragma once
/// IEEE binary16 (Half) and bfloat16 (BFloat16) storage types. Arithmetic happens in float:
/// kernels load, compute in f32 and round back (round-to-nearest-even), as PyTorch's CPU does.
#include <cstdint>
#include <cstring>

namespace tz {

struct Half {
  uint16_t bits = 0;
  Half() = default;
  Half(float f) : bits(from_float(f)) {}  // NOLINT: implicit like a numeric type
  operator float() const { return to_float(bits); }

  static uint16_t from_float(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t mag = x & 0x7fffffffu;
    if (mag >= 0x7f800000u) return uint16_t(sign | (mag > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (mag >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // overflow rounds to inf
    if (mag < 0x38800000u) {                                   // subnormal or zero in half
      float af;
      std::memcpy(&af, &mag, 4);
      // Adding 0.5 shifts the value so the FPU rounds the 10-bit subnormal mantissa for us.
      af += 0.5f;
      uint32_t r;
      std::memcpy(&r, &af, 4);
      return uint16_t(sign | (r - 0x3f000000u));
    }
    const uint32_t odd = (mag >> 13) & 1u;
    mag += 0xc8000fffu + odd;  // rebias exponent (-112 << 23) and round to nearest even
    return uint16_t(sign | (mag >> 13));
  }
  static float to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, out;
    if (exp == 0) {
      if (man == 0) {
        out = sign;
      } else {  // subnormal: normalise
        int e = -1;
        do { ++e; man <<= 1; } while (!(man & 0x400u));
        out = sign | uint32_t(112 - e) << 23 | (man & 0x3ffu) << 13;
      }
    } else if (exp == 31) {
      out = sign | 0x7f800000u | man << 13;
    } else {
      out = sign | (exp + 112) << 23 | man << 13;
    }
    float f;
    std::memcpy(&f, &out, 4);
    return f;
  }
};

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  BFloat16(float f) : bits(from_float(f)) {}  // NOLINT
  operator float() const { return to_float(bits); }

  static uint16_t from_float(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);  // quiet NaN
    x += 0x7fffu + ((x >> 16) & 1u);  // round to nearest even
    return uint16_t(x >> 16);
  }
  static float to_float(uint16_t b) {
    uint32_t x = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &x, 4);
    return f;
  }
};

}  // namespace tz
