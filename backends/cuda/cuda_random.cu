// Counter-based random kernels of the CUDA backend. Element i of the output (row-major logical
// order) is Philox4x32-10(seed, offset + i) mapped to its distribution exactly as the CPU
// backend does (backends/cpu/cpu_random.cpp, core/philox.h), so a seed gives the same tensor on
// both:
//  - the Philox words, the 24/53-bit uniforms, bernoulli and randint are integer or exact
//    operations: bit-identical;
//  - a + span * u and a + std * z are rounded separately (__dmul_rn/__dadd_rn), because nvcc
//    would otherwise contract them into an FMA the CPU does not use;
//  - normal's Box-Muller calls the GPU's double log/cos (within 1-2 ulp of glibc's), so f64
//    normals can differ from the CPU in the last bits; rounded to f32 or narrower they agree
//    except in the rare case where the double lies within an ulp of a rounding boundary.
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_loops.cuh"
#include "core/philox.h"

namespace tz::cuda_backend {

namespace {

struct RandomArgs {
  RandomOp op;
  uint64_t seed, offset;
  double a, b, span;  // span = b - a, computed on the host like the CPU does
  int64_t lo;         // randint: int64(a)
  uint64_t range;     // randint: int64(b) - int64(a)
};

/// The double value of a uniform/normal draw before rounding to the output type; uniform uses
/// the 53-bit draw for f64 outputs and the 24-bit one otherwise.
template <bool kWide>
__device__ __forceinline__ double real_draw(const RandomArgs& g, const philox::U32x4& r) {
  if (g.op == RandomOp::Uniform) {
    const double u = kWide ? philox::uniform_f64(r) : double(philox::uniform_f32(r));
    return __dadd_rn(g.a, __dmul_rn(g.span, u));
  }
  return __dadd_rn(g.a, __dmul_rn(g.b, philox::normal(r)));
}

__device__ __forceinline__ int64_t randint_draw(const RandomArgs& g, const philox::U32x4& r) {
  return int64_t(uint64_t(g.lo) + philox::below(r, g.range));
}

template <class T>
__device__ __forceinline__ T sample(const RandomArgs& g, const philox::U32x4& r) {
  const bool real = g.op == RandomOp::Uniform || g.op == RandomOp::Normal;
  if constexpr (std::is_same_v<T, double>) {
    if (real) return real_draw<true>(g, r);
    if (g.op == RandomOp::Bernoulli) return philox::uniform_f64(r) < g.a ? 1.0 : 0.0;
    return double(randint_draw(g, r));
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>) {
    // f32, f16 and bf16 all round through float, as the CPU's compute type.
    float v;
    if (real) v = float(real_draw<false>(g, r));
    else if (g.op == RandomOp::Bernoulli) v = philox::uniform_f64(r) < g.a ? 1.0f : 0.0f;
    else v = static_cast<float>(randint_draw(g, r));
    return cast_to<T>(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    // "value != 0" of the real-valued draw, not of its truncation.
    if (real) return real_draw<false>(g, r) != 0.0;
    if (g.op == RandomOp::Bernoulli) return philox::uniform_f64(r) < g.a;
    return randint_draw(g, r) != 0;
  } else {
    if (real) return float_to_int<T>(real_draw<false>(g, r));
    if (g.op == RandomOp::Bernoulli) return philox::uniform_f64(r) < g.a ? T(1) : T(0);
    return static_cast<T>(randint_draw(g, r));
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads) random_kernel(int64_t n, T* out, bool contiguous, OffsetCalc<1> calc, RandomArgs g) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    int64_t off[1] = {i};
    if (!contiguous) calc.offsets(i, off);
    out[off[0]] = sample<T>(g, philox::draw(g.seed, g.offset + uint64_t(i)));
  }
}

}  // namespace

void CudaBackend::random(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) {
  const int64_t n = out.numel();
  if (n == 0) return;
  RandomArgs g{op, seed, offset, a, b, b - a, 0, 0};
  if (op == RandomOp::RandInt) {
    g.lo = int64_t(a);
    g.range = uint64_t(int64_t(b) - int64_t(a));
  }
  const bool contiguous = out.is_contiguous();
  OffsetCalc<1> calc{};
  if (!contiguous) {
    const TensorView* views[1] = {&out};
    calc = make_offset_calc<1>(out.sizes, views, "random");
  }
  cudaStream_t stream = current_stream();
  TZ_CUDA_DISPATCH(out.dtype, "random", ([&]<class T>() {
    random_kernel<T><<<grid_for(n), kThreads, 0, stream>>>(n, static_cast<T*>(out.data), contiguous, calc, g);
  }));
  TZ_CUDA_CHECK_LAUNCH();
}

}  // namespace tz::cuda_backend
