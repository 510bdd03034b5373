#pragma once
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3") and the exact
/// mapping from (seed, counter) to each distribution, shared by every backend. Header-only and
/// usable from CUDA device code.
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define TZ_HOST_DEVICE __host__ __device__
#else
#define TZ_HOST_DEVICE
#endif

namespace tz::philox {

struct U32x4 {
  uint32_t v[4];
};

TZ_HOST_DEVICE inline uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = uint64_t(a) * uint64_t(b);
  *hi = uint32_t(p >> 32);
  return uint32_t(p);
}

/// Ten rounds of Philox4x32 on counter (c0..c3) with key (k0, k1).
TZ_HOST_DEVICE inline U32x4 philox4x32(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo(0xD2511F53u, c0, &hi0);
    const uint32_t lo1 = mulhilo(0xCD9E8D57u, c2, &hi1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

/// The four 32-bit words for element counter `n` of stream `seed`.
TZ_HOST_DEVICE inline U32x4 draw(uint64_t seed, uint64_t n) {
  return philox4x32(uint32_t(n), uint32_t(n >> 32), 0u, 0u, uint32_t(seed), uint32_t(seed >> 32));
}

/// Uniform in [0, 1) with 24 bits (float) or 53 bits (double) of the draw.
TZ_HOST_DEVICE inline float uniform_f32(const U32x4& r) { return float(r.v[0] >> 8) * (1.0f / 16777216.0f); }
TZ_HOST_DEVICE inline double uniform_f64(const U32x4& r) {
  const uint64_t x = (uint64_t(r.v[0]) << 21) ^ uint64_t(r.v[1] >> 11);
  return double(x & ((uint64_t(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}
/// Standard normal by Box-Muller on words 2 and 3 (computed in double for every dtype).
TZ_HOST_DEVICE inline double normal(const U32x4& r) {
  const double u1 = (double(r.v[2]) + 1.0) * (1.0 / 4294967296.0);  // (0, 1]
  const double u2 = double(r.v[3]) * (1.0 / 4294967296.0);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925286766559 * u2);
}
/// Integer in [0, range) from words 0 and 1.
TZ_HOST_DEVICE inline uint64_t below(const U32x4& r, uint64_t range) {
  const uint64_t x = (uint64_t(r.v[0]) << 32) | r.v[1];
  return range ? x % range : 0;
}

}  // namespace tz::philox
