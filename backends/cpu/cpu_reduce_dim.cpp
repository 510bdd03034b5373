// Kernels along the last dim: arg-reductions (values + first index) and inclusive scans.
//
// Both walk "lines" (one per index of the leading dims). When the lines are contiguous each is a
// flat loop; when instead the leading dims are contiguous (a scan over dim 0 of a [N, K] tensor,
// moved to the back by the op layer) a scan accumulates whole rows of K at once rather than
// striding down columns.
#include <cmath>
#include <memory>
#include <vector>

#include "backends/common/scalar_ops.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace tz::cpu {

namespace {

/// Offsets of line r (row-major over sizes[:-1]) in each operand.
struct Lines {
  Shape lead;
  int64_t count = 1;

  int64_t offset(int64_t r, const Strides& st) const {
    int64_t off = 0;
    for (size_t d = lead.size(); d-- > 0 && r > 0;) {
      off += (r % lead[d]) * st[d];
      r /= lead[d];
    }
    return off;
  }
};

Lines lines_of(const TensorView& in) {
  Lines l;
  l.lead.assign(in.sizes.begin(), in.sizes.end() - 1);
  l.count = numel_of(l.lead);
  return l;
}

// ---- arg_reduce --------------------------------------------------------------------------

template <class T, bool kMax>
void arg_reduce_typed(const TensorView& values, const TensorView& indices, const TensorView& in) {
  using C = compute_t<T>;
  const Lines lines = lines_of(in);
  const int64_t n = in.sizes.back(), s = in.strides.back();
  TZ_CHECK(n > 0 || lines.count == 0, "arg_reduce", "cannot reduce over an empty dim");
  const T* src = in.ptr<T>();
  T* vals = values.ptr<T>();
  int64_t* idxs = indices.ptr<int64_t>();
  const bool par = lines.count > 1 && lines.count * n >= kParallelGrain;
  parallel_for_if(par, lines.count, [&](int64_t r) {
    const T* p = src + lines.offset(r, in.strides);
    C best = C(p[0]);
    int64_t at = 0;
    bool done = false;
    if constexpr (std::is_floating_point_v<C>) done = std::isnan(best);
    for (int64_t k = 1; k < n && !done; ++k) {
      const C v = C(p[k * s]);
      if constexpr (std::is_floating_point_v<C>) {
        if (std::isnan(v)) {  // the first NaN wins, as in PyTorch
          best = v, at = k;
          break;
        }
      }
      // Strict comparison keeps the first index among ties.
      if (kMax ? v > best : v < best) best = v, at = k;
    }
    vals[lines.offset(r, values.strides)] = T(best);
    idxs[lines.offset(r, indices.strides)] = at;
  });
}

// ---- scan --------------------------------------------------------------------------------

/// Accumulator: double for floating types (as PyTorch's CPU cumsum), wrapping uint64 for
/// integers (no signed-overflow UB), bool stays bool-valued through int64.
template <class T>
using scan_acc_t = std::conditional_t<std::is_floating_point_v<compute_t<T>>, double, uint64_t>;

template <class T, ScanOp OP>
void scan_lines(const TensorView& out, const TensorView& in, bool reverse) {
  using A = scan_acc_t<T>;
  const Lines lines = lines_of(in);
  const int64_t n = in.sizes.back(), si = in.strides.back(), so = out.strides.back();
  const T* src = in.ptr<T>();
  T* dst = out.ptr<T>();
  const bool par = lines.count > 1 && lines.count * n >= kParallelGrain;
  parallel_for_if(par, lines.count, [&](int64_t r) {
    const T* p = src + lines.offset(r, in.strides);
    T* o = dst + lines.offset(r, out.strides);
    A acc = scalar::scan_identity<A>(OP);
    for (int64_t j = 0; j < n; ++j) {
      const int64_t k = reverse ? n - 1 - j : j;
      const A v = A(compute_t<T>(p[k * si]));
      acc = scalar::scan_combine<A>(OP, acc, v);
      o[k * so] = T(compute_t<T>(acc));
    }
  });
}

/// Scan along the last dim when the dim before it is contiguous in both operands: rows of K
/// elements are accumulated elementwise (vectorisable), tile by tile.
template <class T, ScanOp OP>
void scan_rows(const TensorView& out, const TensorView& in, bool reverse) {
  using A = scan_acc_t<T>;
  constexpr int64_t kTile = 512;
  const int64_t nd = in.dim(), n = in.sizes[size_t(nd - 1)], K = in.sizes[size_t(nd - 2)];
  const int64_t si = in.strides[size_t(nd - 1)], so = out.strides[size_t(nd - 1)];
  Shape lead(in.sizes.begin(), in.sizes.end() - 2);
  const int64_t n_lead = numel_of(lead), n_tiles = (K + kTile - 1) / kTile;
  Lines outer;
  outer.lead = lead;
  const T* src = in.ptr<T>();
  T* dst = out.ptr<T>();
  const bool par = n_lead * n_tiles > 1 && n_lead * K * n >= kParallelGrain;
  parallel_for_if(par, n_lead * n_tiles, [&](int64_t t) {
    const int64_t lead_i = t / n_tiles, j0 = (t % n_tiles) * kTile, w = std::min(kTile, K - j0);
    const T* p = src + outer.offset(lead_i, in.strides) + j0;
    T* o = dst + outer.offset(lead_i, out.strides) + j0;
    A acc[kTile];
    for (int64_t j = 0; j < w; ++j) acc[j] = scalar::scan_identity<A>(OP);
    for (int64_t step = 0; step < n; ++step) {
      const int64_t k = reverse ? n - 1 - step : step;
      const T* pr = p + k * si;
      T* orow = o + k * so;
      for (int64_t j = 0; j < w; ++j) {
        const A v = A(compute_t<T>(pr[j]));
        acc[j] = scalar::scan_combine<A>(OP, acc[j], v);
        orow[j] = T(compute_t<T>(acc[j]));
      }
    }
  });
}

template <class T>
void scan_typed(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) {
  if (in.numel() == 0) return;
  const int64_t nd = in.dim();
  const bool rows = nd >= 2 && in.sizes[size_t(nd - 2)] >= 8 && in.strides[size_t(nd - 2)] == 1 &&
                    out.strides[size_t(nd - 2)] == 1 && in.strides[size_t(nd - 1)] != 1;
  switch (op) {
    case ScanOp::CumSum:
      return rows ? scan_rows<T, ScanOp::CumSum>(out, in, reverse) : scan_lines<T, ScanOp::CumSum>(out, in, reverse);
    case ScanOp::CumProd:
      return rows ? scan_rows<T, ScanOp::CumProd>(out, in, reverse) : scan_lines<T, ScanOp::CumProd>(out, in, reverse);
  }
  TZ_FAIL("scan", "unknown scan op ", int(op));
}

}  // namespace

void CpuBackend::arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) {
  TZ_CHECK(op == ReduceOp::Max || op == ReduceOp::Min, "arg_reduce", "expects Max or Min, got ", reduce_op_name(op));
  TZ_CHECK(in.dim() >= 1, "arg_reduce", "expects at least one dim");
  TZ_DISPATCH(in.dtype, "arg_reduce", [&]<class T>() {
    if (op == ReduceOp::Max) arg_reduce_typed<T, true>(values, indices, in);
    else arg_reduce_typed<T, false>(values, indices, in);
  });
}

void CpuBackend::scan(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) {
  TZ_CHECK(in.dim() >= 1, scan_op_name(op), "expects at least one dim");
  TZ_DISPATCH(in.dtype, scan_op_name(op), [&]<class T>() { scan_typed<T>(op, out, in, reverse); });
}

}  // namespace tz::cpu
