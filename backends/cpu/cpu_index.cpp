// CPU gather / scatter / nonzero kernels.
//
// gather and scatter walk "slices": every coordinate of the index except along `dim` names one
// slice, and all reads and writes of a slice stay inside the matching slice of `out`. Slices
// therefore never collide, so they run on OpenMP threads, while the elements of one slice (which
// may hit the same output element several times) are combined serially in index order. That
// keeps scatter reductions race-free and deterministic (the last write wins for Assign).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {
namespace {

/// Geometry of a dim-wise walk over `sizes`: rows enumerate the other dims, each row is a run
/// of sizes[dim] elements. strides[k] are operand k's strides.
template <int N>
struct SliceWalk {
  Shape outer;                              // sizes without dim
  std::array<Strides, N> outer_strides;     // per operand, without dim
  std::array<int64_t, N> inner_stride{};    // per operand, along dim
  int64_t inner = 1;
  int64_t rows = 1;

  SliceWalk(const Shape& sizes, int dim, const std::array<const Strides*, N>& strides) {
    for (int64_t d = 0; d < int64_t(sizes.size()); ++d) {
      if (d == dim) {
        inner = sizes[size_t(d)];
        for (int k = 0; k < N; ++k) inner_stride[k] = (*strides[k])[size_t(d)];
        continue;
      }
      outer.push_back(sizes[size_t(d)]);
      rows *= sizes[size_t(d)];
      for (int k = 0; k < N; ++k) outer_strides[k].push_back((*strides[k])[size_t(d)]);
    }
  }
  /// Element offsets of row r's first element, per operand.
  std::array<int64_t, N> row_offsets(int64_t r) const {
    std::array<int64_t, N> off{};
    for (int64_t d = int64_t(outer.size()) - 1; d >= 0; --d) {
      const int64_t i = r % outer[size_t(d)];
      r /= outer[size_t(d)];
      for (int k = 0; k < N; ++k) off[k] += i * outer_strides[k][size_t(d)];
    }
    return off;
  }
};

/// Remembers the first out-of-range index seen by any thread (throwing inside an OpenMP region
/// would terminate the program), and raises it after the parallel loop.
struct BadIndex {
  std::atomic<bool> seen{false};
  int64_t value = 0;
  void record(int64_t v) {
    bool expected = false;
    if (seen.compare_exchange_strong(expected, true)) value = v;
  }
  void raise_if_any(const char* op, int dim, int64_t size) const {
    if (seen.load())
      TZ_FAIL(op, "index ", value, " is out of bounds for dim ", dim, " with size ", size);
  }
};

template <class T>
void gather_loop(const TensorView& out, const TensorView& in, const TensorView& index, int dim, BadIndex& bad) {
  const SliceWalk<3> w(index.sizes, dim, {&out.strides, &in.strides, &index.strides});
  const int64_t n = in.sizes[size_t(dim)], in_dim_stride = in.strides[size_t(dim)];
  T* o = out.ptr<T>();
  const T* x = in.ptr<T>();
  const int64_t* idx = index.ptr<int64_t>();
  const bool par = index.numel() >= kParallelGrain && w.rows > 1;
  parallel_for_if(par, w.rows, [&](int64_t r) {
    const auto off = w.row_offsets(r);
    for (int64_t j = 0; j < w.inner; ++j) {
      const int64_t i = idx[off[2] + j * w.inner_stride[2]];
      if (i < 0 || i >= n) {
        bad.record(i);
        break;
      }
      o[off[0] + j * w.inner_stride[0]] = x[off[1] + i * in_dim_stride];
    }
  });
}

/// Combines one scattered value into an accumulator (NaN propagates through amax/amin).
template <class A>
inline A combine(ScatterReduce op, A acc, A v) {
  switch (op) {
    case ScatterReduce::Assign: return v;
    case ScatterReduce::Sum: case ScatterReduce::Mean: return A(acc + v);
    case ScatterReduce::Prod: return A(acc * v);
    case ScatterReduce::Amax:
      if constexpr (std::is_floating_point_v<A>) if (std::isnan(v) || std::isnan(acc)) return std::isnan(acc) ? acc : v;
      return v > acc ? v : acc;
    case ScatterReduce::Amin:
      if constexpr (std::is_floating_point_v<A>) if (std::isnan(v) || std::isnan(acc)) return std::isnan(acc) ? acc : v;
      return v < acc ? v : acc;
  }
  return v;
}

template <class T>
void scatter_loop(ScatterReduce op, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
                  bool include_self, BadIndex& bad) {
  using A = std::conditional_t<std::is_same_v<T, bool>, int64_t, compute_t<T>>;
  const SliceWalk<3> w(index.sizes, dim, {&out.strides, &index.strides, &src.strides});
  const int64_t n = out.sizes[size_t(dim)], out_dim_stride = out.strides[size_t(dim)];
  T* o = out.ptr<T>();
  const T* s = src.ptr<T>();
  const int64_t* idx = index.ptr<int64_t>();
  // Assign and a self-including Sum update `out` directly; the other reductions keep a
  // per-slice accumulator and count so that include_self=false and mean can be honoured.
  const bool direct = op == ScatterReduce::Assign || (op == ScatterReduce::Sum && include_self);
  const bool par = index.numel() >= kParallelGrain && w.rows > 1;
#pragma omp parallel if (par)
  {
    std::vector<A> acc(direct ? 0 : size_t(n));
    std::vector<int64_t> count(direct ? 0 : size_t(n), 0);
    std::vector<int64_t> touched;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < w.rows; ++r) {
      const auto off = w.row_offsets(r);
      T* orow = o + off[0];
      for (int64_t j = 0; j < w.inner; ++j) {
        const int64_t i = idx[off[1] + j * w.inner_stride[1]];
        if (i < 0 || i >= n) {
          bad.record(i);
          break;
        }
        const A v = A(static_cast<compute_t<T>>(s[off[2] + j * w.inner_stride[2]]));
        T& dst = orow[i * out_dim_stride];
        if (direct) {
          dst = T(op == ScatterReduce::Assign ? v : combine(op, A(static_cast<compute_t<T>>(dst)), v));
          continue;
        }
        if (count[size_t(i)] == 0) {
          touched.push_back(i);
          acc[size_t(i)] = include_self ? combine(op, A(static_cast<compute_t<T>>(dst)), v) : v;
          count[size_t(i)] = include_self ? 2 : 1;
        } else {
          acc[size_t(i)] = combine(op, acc[size_t(i)], v);
          ++count[size_t(i)];
        }
      }
      for (int64_t i : touched) {
        A v = acc[size_t(i)];
        if (op == ScatterReduce::Mean) {
          const A c = A(count[size_t(i)]);
          if constexpr (std::is_integral_v<A>) {
            // Integer mean rounds toward -inf (PyTorch divides with rounding_mode="floor").
            v = A(v / c - ((v % c != 0) && ((v < 0) != (c < 0)) ? 1 : 0));
          } else {
            v = A(v / c);
          }
        }
        orow[i * out_dim_stride] = T(v);
        count[size_t(i)] = 0;
      }
      touched.clear();
    }
  }
}

}  // namespace

// Kernel bodies live in templates (a #pragma cannot sit inside TZ_DISPATCH's lambda argument).
void CpuBackend::gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) {
  BadIndex bad;
  TZ_DISPATCH(out.dtype, "gather", [&]<class T>() { gather_loop<T>(out, in, index, dim, bad); });
  bad.raise_if_any("gather", dim, in.sizes[size_t(dim)]);
}

void CpuBackend::scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src,
                         int dim, bool include_self) {
  BadIndex bad;
  TZ_DISPATCH(out.dtype, "scatter", [&]<class T>() { scatter_loop<T>(reduce, out, index, src, dim, include_self, bad); });
  bad.raise_if_any("scatter", dim, out.sizes[size_t(dim)]);
}

void CpuBackend::nonzero(const TensorView& out, const TensorView& in) {
  // Row-major order makes this sequential: element k's output row depends on all before it.
  const int64_t nd = in.dim(), rows = out.sizes.empty() ? 0 : out.sizes[0];
  int64_t* o = out.ptr<int64_t>();
  const int64_t os0 = out.strides[0], os1 = nd > 0 ? out.strides[1] : 0;
  TZ_DISPATCH(in.dtype, "nonzero", [&]<class T>() {
    const T* x = in.ptr<T>();
    std::vector<int64_t> coord(size_t(nd), 0);
    int64_t row = 0;
    for_each_offset(in.sizes, in.strides, [&](int64_t off) {
      if (static_cast<compute_t<T>>(x[off]) != compute_t<T>(0) && row < rows) {
        for (int64_t d = 0; d < nd; ++d) o[row * os0 + d * os1] = coord[size_t(d)];
        ++row;
      }
      for (int64_t d = nd - 1; d >= 0; --d) {
        if (++coord[size_t(d)] < in.sizes[size_t(d)]) break;
        coord[size_t(d)] = 0;
      }
    });
  });
}

}  // namespace tz::cpu
