// Reductions over trailing dims (the op layer permutes the reduced dims to the back).
//
// Three layouts, picked from the coalesced geometry:
//  - row mode: the reduced block is contiguous (sum over the last dim, or a full reduction).
//    Each output reduces one flat array with several independent accumulator lanes so the
//    compiler vectorises it; f32 sums run in float lanes that are flushed into a double total
//    every few hundred elements, which keeps the error near that of a double sum.
//  - column mode: the last kept dim is contiguous (sum over the batch of a [B, N] gradient):
//    whole contiguous rows are accumulated into a tile of accumulators, never walking columns.
//  - generic: any strides, one scalar accumulator per output.
// Rows too long for one thread, and column tiles too few for all threads, are split across
// threads into partial results that are merged afterwards.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

/// Per-op accumulation rules. A is the accumulator: double for floating sums/products, int64 for
/// integer ones, the compute type for max/min (NaN is sticky), bool for any/all.
template <ReduceOp OP, class T>
struct Rule {
  using C = compute_t<T>;
  static constexpr bool kFloat = std::is_floating_point_v<C>;
  static constexpr bool kArith = OP == ReduceOp::Sum || OP == ReduceOp::Prod;
  static constexpr bool kBool = OP == ReduceOp::Any || OP == ReduceOp::All;
  using A = std::conditional_t<kArith, std::conditional_t<kFloat, double, int64_t>, std::conditional_t<kBool, bool, C>>;

  static A identity() {
    if constexpr (OP == ReduceOp::Sum) return A(0);
    else if constexpr (OP == ReduceOp::Prod) return A(1);
    else if constexpr (OP == ReduceOp::Any) return false;
    else if constexpr (OP == ReduceOp::All) return true;
    else if constexpr (std::is_same_v<C, bool>) return OP == ReduceOp::Min;
    else if constexpr (kFloat) return OP == ReduceOp::Max ? -std::numeric_limits<C>::infinity() : std::numeric_limits<C>::infinity();
    else return OP == ReduceOp::Max ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max();
  }
  /// Folds b (an element or another accumulator) into a. Written branch-free so lanes vectorise.
  static A merge(A a, A b) {
    // Integer sums/products wrap like PyTorch's int64 (unsigned arithmetic: no signed overflow).
    if constexpr (OP == ReduceOp::Sum && !kFloat) return A(uint64_t(a) + uint64_t(b));
    else if constexpr (OP == ReduceOp::Prod && !kFloat) return A(uint64_t(a) * uint64_t(b));
    else if constexpr (OP == ReduceOp::Sum) return A(a + b);
    else if constexpr (OP == ReduceOp::Prod) return A(a * b);
    else if constexpr (OP == ReduceOp::Any) return a || b;
    else if constexpr (OP == ReduceOp::All) return a && b;
    else if constexpr (kFloat) {
      // NaN sticks: keep a when it is NaN or wins; otherwise b (which may be NaN).
      if constexpr (OP == ReduceOp::Max) return (a > b || a != a) ? a : b;
      else return (a < b || a != a) ? a : b;
    } else {
      if constexpr (OP == ReduceOp::Max) return a > b ? a : b;
      else return a < b ? a : b;
    }
  }
  static A load(T v) {
    if constexpr (kBool) return C(v) != C(0);
    else return A(C(v));
  }
  static T store(A a) { return T(C(a)); }
};

/// Reduces a contiguous array of n elements with independent lanes (vectorisable).
template <ReduceOp OP, class T>
typename Rule<OP, T>::A reduce_contiguous(const T* x, int64_t n) {
  using R = Rule<OP, T>;
  using A = typename R::A;
  using C = typename R::C;
  if constexpr (R::kBool) {
    // Short-circuit: the answer is known at the first decisive element.
    for (int64_t i = 0; i < n; ++i)
      if ((C(x[i]) != C(0)) == (OP == ReduceOp::Any)) return OP == ReduceOp::Any;
    return OP == ReduceOp::All;
  } else if constexpr (OP == ReduceOp::Sum && std::is_same_v<C, float>) {
    // Float lanes (4x wider than double on SSE2), flushed to a double total every kBlock.
    constexpr int L = 16;
    constexpr int64_t kBlock = 256;
    double total = 0;
    int64_t i = 0;
    for (; i + L <= n;) {
      const int64_t end = std::min(n - (n - i) % L, i + kBlock);
      float acc[L] = {};
      for (; i < end; i += L)
        for (int j = 0; j < L; ++j) acc[j] += float(x[i + j]);
      double s = 0;
      for (int j = 0; j < L; ++j) s += acc[j];
      total += s;
    }
    for (; i < n; ++i) total += double(float(x[i]));
    return total;
  } else {
    constexpr int L = 8;
    A acc[L];
    for (int j = 0; j < L; ++j) acc[j] = R::identity();
    int64_t i = 0;
    for (; i + L <= n; i += L)
      for (int j = 0; j < L; ++j) acc[j] = R::merge(acc[j], R::load(x[i + j]));
    A r = R::identity();
    for (int j = 0; j < L; ++j) r = R::merge(r, acc[j]);
    for (; i < n; ++i) r = R::merge(r, R::load(x[i]));
    return r;
  }
}

/// Element offset of linear index `lin` in a coalesced (row-major) index space.
inline int64_t offset_of(int64_t lin, int ndim, const std::array<int64_t, 16>& sizes, const std::array<int64_t, 16>& st) {
  int64_t off = 0;
  for (int d = ndim - 1; d >= 0 && lin > 0; --d) {
    off += (lin % sizes[size_t(d)]) * st[size_t(d)];
    lin /= sizes[size_t(d)];
  }
  return off;
}

/// Walks linear indices [lo, hi) of a coalesced index space, calling f(offset) (odometer: no
/// division per element).
template <class F>
void walk(int64_t lo, int64_t hi, int ndim, const std::array<int64_t, 16>& sizes, const std::array<int64_t, 16>& st, F f) {
  if (lo >= hi) return;
  if (ndim <= 1) {
    const int64_t s = ndim == 0 ? 0 : st[0];
    for (int64_t i = lo; i < hi; ++i) f(i * s);
    return;
  }
  std::array<int64_t, 16> idx{};
  int64_t rem = lo, off = 0;
  for (int d = ndim - 1; d >= 0; --d) {
    idx[size_t(d)] = rem % sizes[size_t(d)];
    rem /= sizes[size_t(d)];
    off += idx[size_t(d)] * st[size_t(d)];
  }
  const int last = ndim - 1;
  for (int64_t i = lo; i < hi;) {
    // Run along the innermost dim without touching the odometer.
    const int64_t run = std::min(hi - i, sizes[size_t(last)] - idx[size_t(last)]);
    for (int64_t k = 0; k < run; ++k) f(off + k * st[size_t(last)]);
    i += run;
    off += run * st[size_t(last)];
    idx[size_t(last)] += run;
    for (int d = last; d > 0 && idx[size_t(d)] == sizes[size_t(d)]; --d) {
      off -= sizes[size_t(d)] * st[size_t(d)];
      idx[size_t(d)] = 0;
      ++idx[size_t(d - 1)];
      off += st[size_t(d - 1)];
    }
  }
}

struct Geometry {
  Coalesced<2> kept;     // strides: [0] input, [1] output
  Coalesced<1> reduced;  // strides: input
  int64_t n_outer = 1, n_inner = 1;
};

Geometry geometry(const TensorView& out, const TensorView& in, int rnd) {
  const size_t keep = size_t(in.dim() - rnd);
  Geometry g;
  const Shape ks(in.sizes.begin(), in.sizes.begin() + long(keep)), rs(in.sizes.begin() + long(keep), in.sizes.end());
  const Strides kst(in.strides.begin(), in.strides.begin() + long(keep)), rst(in.strides.begin() + long(keep), in.strides.end());
  g.kept = coalesce<2>(ks, {&kst, &out.strides});
  g.reduced = coalesce<1>(rs, {&rst});
  g.n_outer = numel_of(ks);
  g.n_inner = numel_of(rs);
  return g;
}

/// Splits `work` items of `per_item` elements into chunks so that about all threads get work.
int64_t chunks_for(int64_t items, int64_t per_item) {
  const int64_t threads = omp_get_max_threads();
  if (items >= threads || items * per_item < 2 * kParallelGrain) return 1;
  return std::max<int64_t>(1, std::min((threads + items - 1) / items, per_item / kParallelGrain));
}

template <ReduceOp OP, class T, class O>
void reduce_rows(const Geometry& g, const T* src, O* dst) {
  using R = Rule<OP, T>;
  using A = typename R::A;
  const auto& rd = g.reduced;
  const bool contiguous = rd.ndim == 0 || (rd.ndim == 1 && rd.strides[0][0] == 1);
  auto range = [&](const T* p, int64_t lo, int64_t hi) -> A {
    if (contiguous) return reduce_contiguous<OP, T>(p + lo, hi - lo);
    A a = R::identity();
    walk(lo, hi, rd.ndim, rd.sizes, rd.strides[0], [&](int64_t off) { a = R::merge(a, R::load(p[off])); });
    return a;
  };
  auto write = [&](int64_t r, A a) {
    const int64_t oo = offset_of(r, g.kept.ndim, g.kept.sizes, g.kept.strides[1]);
    if constexpr (std::is_same_v<O, bool>) dst[oo] = bool(a);
    else dst[oo] = R::store(a);
  };
  const int64_t chunks = chunks_for(g.n_outer, g.n_inner);
  if (chunks == 1) {
    const bool par = g.n_outer > 1 && g.n_outer * g.n_inner >= kParallelGrain;
    parallel_for_if(par, g.n_outer, [&](int64_t r) {
      write(r, range(src + offset_of(r, g.kept.ndim, g.kept.sizes, g.kept.strides[0]), 0, g.n_inner));
    });
    return;
  }
  // Few long rows: each (row, chunk) pair is a task; partials merge in chunk order.
  // (Not std::vector: vector<bool> packs bits, which threads cannot write independently.)
  std::unique_ptr<A[]> partial(new A[size_t(g.n_outer * chunks)]);
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < g.n_outer * chunks; ++t) {
    const int64_t r = t / chunks, c = t % chunks;
    partial[size_t(t)] = range(src + offset_of(r, g.kept.ndim, g.kept.sizes, g.kept.strides[0]), g.n_inner * c / chunks,
                               g.n_inner * (c + 1) / chunks);
  }
  for (int64_t r = 0; r < g.n_outer; ++r) {
    A a = partial[size_t(r * chunks)];
    for (int64_t c = 1; c < chunks; ++c) a = R::merge(a, partial[size_t(r * chunks + c)]);
    write(r, a);
  }
}

/// Column mode: the last kept dim (size K) has input stride 1. For each tile of columns, every
/// reduced position contributes a contiguous run of the tile.
template <ReduceOp OP, class T, class O>
void reduce_columns(const Geometry& g, const T* src, O* dst) {
  using R = Rule<OP, T>;
  using A = typename R::A;
  constexpr int64_t kTile = 512;
  const auto& kp = g.kept;
  const int last = kp.ndim - 1;
  const int64_t K = kp.sizes[size_t(last)], ostride = kp.strides[1][size_t(last)];
  const int64_t n_lead = g.n_outer / K, n_tiles = (K + kTile - 1) / kTile, tasks = n_lead * n_tiles;
  const auto& rd = g.reduced;
  const int64_t chunks = chunks_for(tasks, g.n_inner * std::min(K, kTile));
  auto accumulate = [&](int64_t task, int64_t lo, int64_t hi, A* acc) {
    const int64_t lead = task / n_tiles, j0 = (task % n_tiles) * kTile, w = std::min(kTile, K - j0);
    const T* base = src + offset_of(lead, last, kp.sizes, kp.strides[0]) + j0;
    for (int64_t j = 0; j < kTile; ++j) acc[j] = R::identity();  // the whole tile: partials merge all of it
    walk(lo, hi, rd.ndim, rd.sizes, rd.strides[0], [&](int64_t off) {
      const T* p = base + off;
      for (int64_t j = 0; j < w; ++j) acc[j] = R::merge(acc[j], R::load(p[j]));
    });
  };
  auto write = [&](int64_t task, const A* acc) {
    const int64_t lead = task / n_tiles, j0 = (task % n_tiles) * kTile, w = std::min(kTile, K - j0);
    O* o = dst + offset_of(lead, last, kp.sizes, kp.strides[1]) + j0 * ostride;
    for (int64_t j = 0; j < w; ++j) {
      if constexpr (std::is_same_v<O, bool>) o[j * ostride] = bool(acc[j]);
      else o[j * ostride] = R::store(acc[j]);
    }
  };
  if (chunks == 1) {
    const bool par = tasks > 1 && g.n_outer * g.n_inner >= kParallelGrain;
    parallel_for_if(par, tasks, [&](int64_t t) {
      A acc[kTile];
      accumulate(t, 0, g.n_inner, acc);
      write(t, acc);
    });
    return;
  }
  std::unique_ptr<A[]> partial(new A[size_t(tasks * chunks * kTile)]);
#pragma omp parallel for schedule(static)
  for (int64_t tc = 0; tc < tasks * chunks; ++tc) {
    const int64_t t = tc / chunks, c = tc % chunks;
    accumulate(t, g.n_inner * c / chunks, g.n_inner * (c + 1) / chunks, partial.get() + tc * kTile);
  }
  for (int64_t t = 0; t < tasks; ++t) {
    A* acc = partial.get() + t * chunks * kTile;
    for (int64_t c = 1; c < chunks; ++c)
      for (int64_t j = 0; j < kTile; ++j) acc[j] = R::merge(acc[j], acc[c * kTile + j]);
    write(t, acc);
  }
}

template <ReduceOp OP, class T>
void reduce_typed(const TensorView& out, const TensorView& in, int rnd) {
  using O = std::conditional_t<OP == ReduceOp::Any || OP == ReduceOp::All, bool, T>;
  const Geometry g = geometry(out, in, rnd);
  if (g.n_outer == 0) return;
  TZ_CHECK(g.n_inner > 0 || (OP != ReduceOp::Max && OP != ReduceOp::Min), reduce_op_name(OP),
           "cannot reduce over an empty dim (max/min have no identity)");
  const T* src = in.ptr<T>();
  O* dst = out.ptr<O>();
  const bool inner_contiguous = g.reduced.ndim == 0 || (g.reduced.ndim == 1 && g.reduced.strides[0][0] == 1);
  const bool columns = !inner_contiguous && g.kept.ndim > 0 && g.kept.strides[0][size_t(g.kept.ndim - 1)] == 1 &&
                       g.kept.sizes[size_t(g.kept.ndim - 1)] >= 8;
  if (columns) reduce_columns<OP, T, O>(g, src, dst);
  else reduce_rows<OP, T, O>(g, src, dst);
}

template <class T>
void reduce_dispatch(ReduceOp op, const TensorView& out, const TensorView& in, int rnd) {
  switch (op) {
    case ReduceOp::Sum: return reduce_typed<ReduceOp::Sum, T>(out, in, rnd);
    case ReduceOp::Prod: return reduce_typed<ReduceOp::Prod, T>(out, in, rnd);
    case ReduceOp::Max: return reduce_typed<ReduceOp::Max, T>(out, in, rnd);
    case ReduceOp::Min: return reduce_typed<ReduceOp::Min, T>(out, in, rnd);
    case ReduceOp::Any: return reduce_typed<ReduceOp::Any, T>(out, in, rnd);
    case ReduceOp::All: return reduce_typed<ReduceOp::All, T>(out, in, rnd);
  }
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) {
  TZ_DISPATCH(in.dtype, reduce_op_name(op), [&]<class T>() { reduce_dispatch<T>(op, out, in, reduce_ndim); });
}

}  // namespace tz::cpu
