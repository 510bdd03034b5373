// Reductions over trailing dims, arg-reductions and scans along the last dim.
#include <cmath>
#include <limits>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

/// Accumulator type: double for floats (accurate sums of long rows), int64 for integers.
template <class T>
using acc_t = std::conditional_t<std::is_floating_point_v<compute_t<T>>, double, std::conditional_t<std::is_same_v<T, bool>, int64_t, int64_t>>;

template <class T>
void reduce_typed(ReduceOp op, const TensorView& out, const TensorView& in, int rnd) {
  const int64_t nd = in.dim(), keep = nd - rnd;
  Shape outer(in.sizes.begin(), in.sizes.begin() + keep), inner(in.sizes.begin() + keep, in.sizes.end());
  Strides outer_st(in.strides.begin(), in.strides.begin() + keep), inner_st(in.strides.begin() + keep, in.strides.end());
  const int64_t n_outer = numel_of(outer), n_inner = numel_of(inner);
  // Output offsets for each outer index (out may be strided).
  std::vector<int64_t> in_off, out_off;
  in_off.reserve(size_t(n_outer));
  out_off.reserve(size_t(n_outer));
  for_each_offset(outer, outer_st, [&](int64_t o) { in_off.push_back(o); });
  for_each_offset(out.sizes, out.strides, [&](int64_t o) { out_off.push_back(o); });
  const T* src = in.ptr<T>();
  // A contiguous inner block is one flat loop.
  bool inner_contig = true;
  {
    int64_t expect = 1;
    for (size_t d = inner.size(); d-- > 0;) {
      if (inner[d] == 1) continue;
      if (inner_st[d] != expect) inner_contig = false;
      expect *= inner[d];
    }
  }
  std::vector<int64_t> inner_offs;
  if (!inner_contig) for_each_offset(inner, inner_st, [&](int64_t o) { inner_offs.push_back(o); });
  using C = compute_t<T>;
  using A = acc_t<T>;
  const bool par = n_outer > 1 && n_outer * n_inner >= kParallelGrain;
  auto body = [&](int64_t r) {
    const T* p = src + in_off[size_t(r)];
    auto at = [&](int64_t k) { return C(p[inner_contig ? k : inner_offs[size_t(k)]]); };
    switch (op) {
      case ReduceOp::Sum: {
        A s = 0;
        for (int64_t k = 0; k < n_inner; ++k) s += A(at(k));
        return double(s);
      }
      case ReduceOp::Prod: {
        A s = 1;
        for (int64_t k = 0; k < n_inner; ++k) s *= A(at(k));
        return double(s);
      }
      case ReduceOp::Max: case ReduceOp::Min: {
        C best = at(0);
        for (int64_t k = 1; k < n_inner; ++k) {
          const C v = at(k);
          if constexpr (std::is_floating_point_v<C>) {
            if (std::isnan(best)) break;
            if (std::isnan(v)) { best = v; break; }
          }
          if (op == ReduceOp::Max ? v > best : v < best) best = v;
        }
        return double(best);
      }
      case ReduceOp::Any: {
        for (int64_t k = 0; k < n_inner; ++k)
          if (at(k) != C(0)) return 1.0;
        return 0.0;
      }
      case ReduceOp::All: {
        for (int64_t k = 0; k < n_inner; ++k)
          if (!(at(k) != C(0))) return 0.0;
        return 1.0;
      }
    }
    return 0.0;
  };
  if (op == ReduceOp::Any || op == ReduceOp::All) {
    bool* dst = out.ptr<bool>();
#pragma omp parallel for schedule(static) if (par)
    for (int64_t r = 0; r < n_outer; ++r) dst[out_off[size_t(r)]] = body(r) != 0.0;
    return;
  }
  T* dst = out.ptr<T>();
  if constexpr (std::is_integral_v<C> && !std::is_same_v<T, bool>) {
    // Integer sums/products must not round-trip through double (int64 exactness).
    if (op == ReduceOp::Sum || op == ReduceOp::Prod) {
#pragma omp parallel for schedule(static) if (par)
      for (int64_t r = 0; r < n_outer; ++r) {
        const T* p = src + in_off[size_t(r)];
        A s = op == ReduceOp::Sum ? 0 : 1;
        for (int64_t k = 0; k < n_inner; ++k) {
          const A v = A(p[inner_contig ? k : inner_offs[size_t(k)]]);
          s = op == ReduceOp::Sum ? A(s + v) : A(s * v);
        }
        dst[out_off[size_t(r)]] = T(s);
      }
      return;
    }
  }
#pragma omp parallel for schedule(static) if (par)
  for (int64_t r = 0; r < n_outer; ++r) dst[out_off[size_t(r)]] = T(C(body(r)));
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) {
  TZ_DISPATCH(in.dtype, reduce_op_name(op), [&]<class T>() { reduce_typed<T>(op, out, in, reduce_ndim); });
}

}  // namespace tz::cpu
