#pragma once
/// Strided elementwise iteration for the CPU kernels. Operands share `sizes`; each has its own
/// strides (in elements). Dims are coalesced first, so a contiguous (or uniformly strided)
/// tensor becomes one flat loop that the compiler vectorises; large loops run on OpenMP threads.
#include <array>
#include <cstdint>
#include <omp.h>

#include "core/backend.h"

namespace tz::cpu {

/// Work below this many elements stays on one thread (thread start-up costs more).
inline constexpr int64_t kParallelGrain = 32768;

/// Runs body(i) for i in [0, n): on OpenMP threads when `parallel` holds, else inline on this
/// thread. Deciding before entering OpenMP matters for small tensors: a parallel region whose
/// if-clause is false still creates and frees a one-thread team (a heap allocation and
/// bookkeeping), which costs more than a kernel on a few elements.
template <class Body>
inline void parallel_for_if(bool parallel, int64_t n, Body&& body) {
  if (parallel && n > 1) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

/// Dims after coalescing, innermost last, with each operand's strides.
template <int N>
struct Coalesced {
  int ndim = 0;
  std::array<int64_t, 16> sizes{};
  std::array<std::array<int64_t, 16>, N> strides{};
};

template <int N>
Coalesced<N> coalesce(const Shape& sizes, const std::array<const Strides*, N>& strides) {
  Coalesced<N> c;
  TZ_CHECK(sizes.size() <= 16, "cpu", "tensors of more than 16 dims are not supported, got ", sizes.size());
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    if (c.ndim > 0) {
      bool merge = true;
      for (int k = 0; k < N; ++k)
        if (c.strides[k][c.ndim - 1] != (*strides[k])[d] * sizes[d]) merge = false;
      if (merge) {
        c.sizes[c.ndim - 1] *= sizes[d];
        for (int k = 0; k < N; ++k) c.strides[k][c.ndim - 1] = (*strides[k])[d];
        continue;
      }
    }
    c.sizes[c.ndim] = sizes[d];
    for (int k = 0; k < N; ++k) c.strides[k][c.ndim] = (*strides[k])[d];
    ++c.ndim;
  }
  return c;
}

/// Calls body(ptrs, inner_strides, n) for every innermost run, where ptrs[k] points at operand
/// k's first element of the run (as char*, element size `elem[k]`) and inner_strides are in
/// elements. Runs are split across threads when the total is large.
template <int N, class Body>
void for_each_run(const Shape& sizes, std::array<char*, N> base, std::array<const Strides*, N> strides,
                  std::array<int64_t, N> elem, Body&& body) {
  const Coalesced<N> c = coalesce<N>(sizes, strides);
  int64_t total = 1;
  for (int64_t s : sizes) total *= s;
  if (total == 0) return;
  if (c.ndim == 0) {
    std::array<int64_t, N> one{};
    body(base, one, int64_t(1));
    return;
  }
  const int64_t inner = c.sizes[c.ndim - 1];
  std::array<int64_t, N> inner_strides;
  for (int k = 0; k < N; ++k) inner_strides[k] = c.strides[k][c.ndim - 1];
  const int64_t rows = total / inner;
  if (rows == 1) {
    // One long run: split it across threads in chunks.
    const int64_t chunks = total >= 2 * kParallelGrain ? std::min<int64_t>(omp_get_max_threads() * 4, total / kParallelGrain) : 1;
    parallel_for_if(chunks > 1, chunks, [&](int64_t ch) {
      const int64_t lo = inner * ch / chunks, hi = inner * (ch + 1) / chunks;
      std::array<char*, N> p;
      for (int k = 0; k < N; ++k) p[k] = base[k] + lo * inner_strides[k] * elem[k];
      body(p, inner_strides, hi - lo);
    });
    return;
  }
  const bool par = total >= kParallelGrain;
  parallel_for_if(par, rows, [&](int64_t r) {
    std::array<char*, N> p = base;
    int64_t rem = r;
    for (int d = c.ndim - 2; d >= 0; --d) {
      const int64_t i = rem % c.sizes[d];
      rem /= c.sizes[d];
      for (int k = 0; k < N; ++k) p[k] += i * c.strides[k][d] * elem[k];
    }
    body(p, inner_strides, inner);
  });
}

/// out[i] = f(a[i]) over same-shaped strided views (types given explicitly).
template <class To, class Ta, class F>
void map1(const TensorView& out, const TensorView& a, F f) {
  for_each_run<2>(out.sizes, {static_cast<char*>(out.data), static_cast<char*>(a.data)}, {&out.strides, &a.strides},
                  {int64_t(sizeof(To)), int64_t(sizeof(Ta))},
                  [&](std::array<char*, 2> p, std::array<int64_t, 2> s, int64_t n) {
                    To* o = reinterpret_cast<To*>(p[0]);
                    const Ta* x = reinterpret_cast<const Ta*>(p[1]);
                    if (s[0] == 1 && s[1] == 1) {
                      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
                    } else {
                      for (int64_t i = 0; i < n; ++i) o[i * s[0]] = f(x[i * s[1]]);
                    }
                  });
}

/// out[i] = f(a[i], b[i]).
template <class To, class Ta, class Tb, class F>
void map2(const TensorView& out, const TensorView& a, const TensorView& b, F f) {
  for_each_run<3>(out.sizes,
                  {static_cast<char*>(out.data), static_cast<char*>(a.data), static_cast<char*>(b.data)},
                  {&out.strides, &a.strides, &b.strides}, {int64_t(sizeof(To)), int64_t(sizeof(Ta)), int64_t(sizeof(Tb))},
                  [&](std::array<char*, 3> p, std::array<int64_t, 3> s, int64_t n) {
                    To* o = reinterpret_cast<To*>(p[0]);
                    const Ta* x = reinterpret_cast<const Ta*>(p[1]);
                    const Tb* y = reinterpret_cast<const Tb*>(p[2]);
                    if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
                      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
                    } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {
                      const Tb yv = y[0];
                      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
                    } else if (s[0] == 1 && s[1] == 0 && s[2] == 1) {
                      const Ta xv = x[0];
                      for (int64_t i = 0; i < n; ++i) o[i] = f(xv, y[i]);
                    } else {
                      for (int64_t i = 0; i < n; ++i) o[i * s[0]] = f(x[i * s[1]], y[i * s[2]]);
                    }
                  });
}

/// out[i] = f(a[i], b[i], c[i]).
template <class To, class Ta, class Tb, class Tc, class F>
void map3(const TensorView& out, const TensorView& a, const TensorView& b, const TensorView& c, F f) {
  for_each_run<4>(out.sizes,
                  {static_cast<char*>(out.data), static_cast<char*>(a.data), static_cast<char*>(b.data),
                   static_cast<char*>(c.data)},
                  {&out.strides, &a.strides, &b.strides, &c.strides},
                  {int64_t(sizeof(To)), int64_t(sizeof(Ta)), int64_t(sizeof(Tb)), int64_t(sizeof(Tc))},
                  [&](std::array<char*, 4> p, std::array<int64_t, 4> s, int64_t n) {
                    To* o = reinterpret_cast<To*>(p[0]);
                    const Ta* x = reinterpret_cast<const Ta*>(p[1]);
                    const Tb* y = reinterpret_cast<const Tb*>(p[2]);
                    const Tc* z = reinterpret_cast<const Tc*>(p[3]);
                    for (int64_t i = 0; i < n; ++i) o[i * s[0]] = f(x[i * s[1]], y[i * s[2]], z[i * s[3]]);
                  });
}

/// Calls f(offset_in_elements) for each element of a strided view, in row-major order, on one
/// thread (for kernels that are inherently sequential or index-heavy).
template <class F>
void for_each_offset(const Shape& sizes, const Strides& strides, F f) {
  const int64_t total = numel_of(sizes);
  if (total == 0) return;
  const size_t nd = sizes.size();
  std::vector<int64_t> idx(nd, 0);
  int64_t off = 0;
  for (int64_t n = 0; n < total; ++n) {
    f(off);
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < sizes[d]) {
        off += strides[d];
        break;
      }
      off -= (sizes[d] - 1) * strides[d];
      idx[d] = 0;
    }
  }
}

}  // namespace tz::cpu
