// Counter-based random kernels: element i of the (row-major) output draws Philox(seed, offset+i).
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"
#include "core/philox.h"

namespace tz::cpu {

namespace {
template <class T>
void random_typed(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) {
    using C = compute_t<T>;
    T* base = out.ptr<T>();
    const int64_t n = out.numel();
    // The logical index -> storage offset map of the (possibly strided) output.
    std::vector<int64_t> offs;
    offs.reserve(size_t(n));
    for_each_offset(out.sizes, out.strides, [&](int64_t o) { offs.push_back(o); });
    parallel_for_if(n > kParallelGrain, n, [&](int64_t i) {
      const philox::U32x4 r = philox::draw(seed, offset + uint64_t(i));
      C v{};
      switch (op) {
        case RandomOp::Uniform:
          if constexpr (std::is_same_v<C, double>) v = C(a + (b - a) * philox::uniform_f64(r));
          else v = C(a + (b - a) * double(philox::uniform_f32(r)));
          break;
        case RandomOp::Normal: v = C(a + b * philox::normal(r)); break;
        case RandomOp::Bernoulli: v = C(philox::uniform_f64(r) < a ? 1 : 0); break;
        case RandomOp::RandInt: v = C(int64_t(a) + int64_t(philox::below(r, uint64_t(int64_t(b) - int64_t(a))))); break;
      }
      base[offs[size_t(i)]] = T(v);
    });
}
}  // namespace

void CpuBackend::random(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) {
  TZ_DISPATCH(out.dtype, "random", [&]<class T>() { random_typed<T>(op, out, seed, offset, a, b); });
}

}  // namespace tz::cpu
