// Counter-based random numbers of the stub backend. Element i of the output (row-major logical
// order) is a function of Philox(seed, offset + i) only, mapped to each distribution exactly as
// the CPU backend does (core/philox.h), so a seed gives the same tensor on every backend.
#include "backends/stub/stub_backend.h"
#include "backends/stub/stub_elements.h"
#include "core/philox.h"

namespace tz::stub {

namespace {

/// The draw's value before rounding to the output type: double for f64 outputs, float for the
/// other floating types (f32, f16, bf16 all round through float), int64 for integers.
template <class T>
T sample(RandomOp op, const philox::U32x4& r, double a, double b) {
  if constexpr (is_float_v<T>) {
    double v = 0.0;
    switch (op) {
      case RandomOp::Uniform:
        // f64 uses 53 random bits; narrower floats use the 24-bit float draw.
        v = std::is_same_v<T, double> ? a + (b - a) * philox::uniform_f64(r) : a + (b - a) * double(philox::uniform_f32(r));
        break;
      case RandomOp::Normal: v = a + b * philox::normal(r); break;
      case RandomOp::Bernoulli: v = philox::uniform_f64(r) < a ? 1.0 : 0.0; break;
      case RandomOp::RandInt: v = double(int64_t(a) + int64_t(philox::below(r, uint64_t(int64_t(b) - int64_t(a))))); break;
    }
    return store_f<T>(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    // A bool output is "value != 0" of the real-valued draw (not of its truncation).
    switch (op) {
      case RandomOp::Uniform: return a + (b - a) * double(philox::uniform_f32(r)) != 0.0;
      case RandomOp::Normal: return a + b * philox::normal(r) != 0.0;
      case RandomOp::Bernoulli: return philox::uniform_f64(r) < a;
      case RandomOp::RandInt: return int64_t(a) + int64_t(philox::below(r, uint64_t(int64_t(b) - int64_t(a)))) != 0;
    }
    return false;
  } else {
    int64_t v = 0;
    switch (op) {
      case RandomOp::Uniform: v = trunc_to_i64(a + (b - a) * double(philox::uniform_f32(r))); break;
      case RandomOp::Normal: v = trunc_to_i64(a + b * philox::normal(r)); break;
      case RandomOp::Bernoulli: v = philox::uniform_f64(r) < a ? 1 : 0; break;
      case RandomOp::RandInt: v = int64_t(a) + int64_t(philox::below(r, uint64_t(int64_t(b) - int64_t(a)))); break;
    }
    return store_i<T>(v);
  }
}

}  // namespace

void StubBackend::random(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) {
  TZ_DISPATCH(out.dtype, "random", [&]<class T>() {
    uint64_t counter = offset;
    for_each_index(out.sizes, [&](const Index& i) { at<T>(out, i) = sample<T>(op, philox::draw(seed, counter++), a, b); });
  });
}

}  // namespace tz::stub
