// Max / average pooling over [N, C, *spatial] (1 to 3 spatial dims): oneDNN for f32 where its
// semantics match PyTorch's, reference loops for everything else (all float dtypes, dilation,
// ceil_mode, count_include_pad, divisor_override, max indices).
#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_pool.h"
#include "backends/cpu/loops.h"

#ifdef TZ_HAVE_ONEDNN
#include "backends/cpu/cpu_onednn_support.h"
#endif

namespace tz::cpu {

namespace {

/// Pooling geometry widened to three spatial dims: missing leading dims have size 1, kernel 1,
/// stride 1, no padding, and stride 0 in memory.
struct PoolGeometry {
  int64_t in[3], out[3], k[3], s[3], p[3], d[3];
  int64_t in_st[3], out_st[3], idx_st[3];
};

PoolGeometry make_geometry(const TensorView& out, const TensorView& idx, const TensorView& in, const PoolParams& p) {
  PoolGeometry g{};
  const int nsp = int(in.dim()) - 2;
  for (int j = 0; j < 3; ++j) {
    const int src = j - (3 - nsp);  // index into the real spatial dims, negative for padding dims
    if (src < 0) {
      g.in[j] = g.out[j] = g.k[j] = g.s[j] = g.d[j] = 1;
      g.p[j] = g.in_st[j] = g.out_st[j] = g.idx_st[j] = 0;
      continue;
    }
    g.in[j] = in.sizes[size_t(src + 2)];
    g.out[j] = out.sizes[size_t(src + 2)];
    g.k[j] = p.kernel[size_t(src)];
    g.s[j] = p.stride[size_t(src)];
    g.p[j] = p.padding[size_t(src)];
    g.d[j] = p.kind == PoolKind::Max ? p.dilation[size_t(src)] : 1;
    g.in_st[j] = in.strides[size_t(src + 2)];
    g.out_st[j] = out.strides[size_t(src + 2)];
    g.idx_st[j] = idx.data ? idx.strides[size_t(src + 2)] : 0;
  }
  return g;
}

/// One output row (all positions along the last spatial dim) of max pooling. PyTorch's rule:
/// start from -inf at the first in-bounds position; a larger value or a NaN takes over.
template <class T>
void max_pool_row(const PoolGeometry& g, const T* src, T* dst, int64_t* idx, int64_t o0, int64_t o1) {
  using C = compute_t<T>;
  int64_t lo[2], hi[2];
  const int64_t oo[2] = {o0, o1};
  for (int j = 0; j < 2; ++j) {
    lo[j] = oo[j] * g.s[j] - g.p[j];
    hi[j] = std::min(lo[j] + (g.k[j] - 1) * g.d[j] + 1, g.in[j]);
    while (lo[j] < 0) lo[j] += g.d[j];
  }
  for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
    int64_t lo2 = o2 * g.s[2] - g.p[2];
    const int64_t hi2 = std::min(lo2 + (g.k[2] - 1) * g.d[2] + 1, g.in[2]);
    while (lo2 < 0) lo2 += g.d[2];
    int64_t best_idx = (lo[0] * g.in[1] + lo[1]) * g.in[2] + lo2;
    C best = -std::numeric_limits<C>::infinity();
    for (int64_t i0 = lo[0]; i0 < hi[0]; i0 += g.d[0])
      for (int64_t i1 = lo[1]; i1 < hi[1]; i1 += g.d[1])
        for (int64_t i2 = lo2; i2 < hi2; i2 += g.d[2]) {
          const C v = C(src[i0 * g.in_st[0] + i1 * g.in_st[1] + i2 * g.in_st[2]]);
          if (v > best || std::isnan(v)) {
            best = v;
            best_idx = (i0 * g.in[1] + i1) * g.in[2] + i2;
          }
        }
    dst[o2 * g.out_st[2]] = T(best);
    if (idx) idx[o2 * g.idx_st[2]] = best_idx;
  }
}

/// One output row of average pooling with PyTorch's divisor rule: the window counted for
/// count_include_pad stops at the right padding (ceil_mode windows may reach past it).
template <class T>
void avg_pool_row(const PoolGeometry& g, const PoolParams& p, const T* src, T* dst, int64_t o0, int64_t o1) {
  int64_t lo[3], hi[3];
  const int64_t oo[2] = {o0, o1};
  int64_t padded_size = 1;
  for (int j = 0; j < 2; ++j) {
    lo[j] = oo[j] * g.s[j] - g.p[j];
    hi[j] = std::min(lo[j] + g.k[j], g.in[j] + g.p[j]);
    padded_size *= hi[j] - lo[j];
    lo[j] = std::max<int64_t>(lo[j], 0);
    hi[j] = std::min(hi[j], g.in[j]);
  }
  for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
    lo[2] = o2 * g.s[2] - g.p[2];
    hi[2] = std::min(lo[2] + g.k[2], g.in[2] + g.p[2]);
    const int64_t pool_size = padded_size * (hi[2] - lo[2]);
    lo[2] = std::max<int64_t>(lo[2], 0);
    hi[2] = std::min(hi[2], g.in[2]);
    if (lo[0] >= hi[0] || lo[1] >= hi[1] || lo[2] >= hi[2]) {
      dst[o2 * g.out_st[2]] = T(0.0f);
      continue;
    }
    double sum = 0;
    for (int64_t i0 = lo[0]; i0 < hi[0]; ++i0)
      for (int64_t i1 = lo[1]; i1 < hi[1]; ++i1)
        for (int64_t i2 = lo[2]; i2 < hi[2]; ++i2) sum += double(compute_t<T>(src[i0 * g.in_st[0] + i1 * g.in_st[1] + i2 * g.in_st[2]]));
    const int64_t divisor = p.divisor_override ? p.divisor_override
                            : p.count_include_pad ? pool_size
                                                  : (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]);
    dst[o2 * g.out_st[2]] = T(compute_t<T>(sum / double(divisor)));
  }
}

template <class T>
void pool_reference(const TensorView& out, const TensorView& idx, const TensorView& in, const PoolParams& p) {
  const PoolGeometry g = make_geometry(out, idx, in, p);
  const int64_t N = in.sizes[0], C = in.sizes[1];
  const int64_t rows = N * C * g.out[0] * g.out[1];
  int64_t window = 1;
  for (int j = 0; j < 3; ++j) window *= g.k[j];
  const bool big = rows * g.out[2] * window >= kParallelGrain;
  const bool is_max = p.kind == PoolKind::Max;
  parallel_for_if(big, rows, [&](int64_t r) {
    const int64_t o1 = r % g.out[1], o0 = (r / g.out[1]) % g.out[0], plane = r / (g.out[1] * g.out[0]);
    const int64_t n = plane / C, c = plane % C;
    const T* src = in.ptr<T>() + n * in.strides[0] + c * in.strides[1];
    T* dst = out.ptr<T>() + n * out.strides[0] + c * out.strides[1] + o0 * g.out_st[0] + o1 * g.out_st[1];
    if (is_max) {
      int64_t* ip = idx.data ? idx.ptr<int64_t>() + n * idx.strides[0] + c * idx.strides[1] + o0 * g.idx_st[0] +
                                   o1 * g.idx_st[1]
                             : nullptr;
      max_pool_row<T>(g, src, dst, ip, o0, o1);
    } else {
      avg_pool_row<T>(g, p, src, dst, o0, o1);
    }
  });
}

#ifdef TZ_HAVE_ONEDNN
bool any_nan_f32(const TensorView& in) {
  bool found = false;
  for_each_offset(in.sizes, in.strides, [&](int64_t o) { found = found || std::isnan(in.ptr<float>()[o]); });
  return found;
}

/// oneDNN f32 pooling where it computes exactly PyTorch's result: average pooling without a
/// divisor override (include-pad only when no ceil_mode window reaches past the right padding,
/// since oneDNN would count that extra padding), and max pooling without indices on NaN-free
/// input (oneDNN's max does not propagate NaN), on contiguous tensors large enough to pay for
/// the primitive's creation. Returns false when it does not apply.
bool pool_onednn(const TensorView& out, const TensorView& idx, const TensorView& in, const PoolParams& p) {
  if (in.dtype != DType::F32 || !in.is_contiguous() || !out.is_contiguous()) return false;
  // Small problems: primitive creation and thread start-up cost more than the loops.
  int64_t window = 1;
  for (int64_t k : p.kernel) window *= k;
  if (out.numel() * window < kParallelGrain) return false;
  const size_t nsp = p.kernel.size();
  dnnl::memory::dims strides, kernel, dilation, pad_l, pad_r;
  bool reaches_past_padding = false;
  for (size_t j = 0; j < nsp; ++j) {
    const int64_t in_j = in.sizes[j + 2], out_j = out.sizes[j + 2];
    const int64_t dil = p.kind == PoolKind::Max ? p.dilation[j] : 1;
    const int64_t extent = (out_j - 1) * p.stride[j] + (p.kernel[j] - 1) * dil + 1;
    const int64_t right = extent - in_j - p.padding[j];
    if (right > p.padding[j]) reaches_past_padding = true;
    strides.push_back(p.stride[j]);
    kernel.push_back(p.kernel[j]);
    dilation.push_back(dil - 1);  // oneDNN counts dilation from 0
    pad_l.push_back(p.padding[j]);
    pad_r.push_back(std::max<int64_t>(right, 0));
  }
  dnnl::algorithm alg;
  if (p.kind == PoolKind::Max) {
    if (idx.data || any_nan_f32(in)) return false;
    alg = dnnl::algorithm::pooling_max;
  } else {
    if (p.divisor_override) return false;
    if (p.count_include_pad && reaches_past_padding) return false;
    alg = p.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding : dnnl::algorithm::pooling_avg_exclude_padding;
  }
  try {
    // Built per call (oneDNN's own primitive cache makes that cheap), with a user scratchpad
    // like every oneDNN kernel here: see cpu_onednn_support.h.
    dnnl::engine& engine = onednn::engine();
    const dnnl::memory::desc src_md(dnnl::memory::dims(in.sizes.begin(), in.sizes.end()), dnnl::memory::data_type::f32,
                                    dnnl::memory::dims(in.strides.begin(), in.strides.end()));
    const dnnl::memory::desc dst_md(dnnl::memory::dims(out.sizes.begin(), out.sizes.end()), dnnl::memory::data_type::f32,
                                    dnnl::memory::dims(out.strides.begin(), out.strides.end()));
    const dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, alg, src_md, dst_md, strides, kernel,
                                              dilation, pad_l, pad_r);
    const dnnl::pooling_v2_forward::primitive_desc pd(desc, onednn::user_scratchpad_attr(), engine);
    dnnl::memory src_mem(src_md, engine, in.data), dst_mem(dst_md, engine, out.data);
    onednn::execute(dnnl::pooling_v2_forward(pd), pd.scratchpad_desc(), {{DNNL_ARG_SRC, src_mem}, {DNNL_ARG_DST, dst_mem}});
  } catch (const dnnl::error&) {
    return false;  // configuration oneDNN rejects: the reference loops handle it
  }
  return true;
}
#endif

template <class T>
void pool_reference_dispatch(const TensorView& out, const TensorView& idx, const TensorView& in, const PoolParams& p) {
  pool_reference<T>(out, idx, in, p);
}

}  // namespace

/// Forces the reference loops even where oneDNN applies (tests compare the two paths).
std::atomic<bool> g_pool_disable_onednn{false};

bool CpuBackend::pool(const TensorView& out, const TensorView& indices, const TensorView& in, const PoolParams& p) {
  TZ_CHECK(in.dim() >= 3 && in.dim() <= 5, "pool", "expected [N, C, *spatial] with 1 to 3 spatial dims, got ", in.dim(),
           " dims");
#ifdef TZ_HAVE_ONEDNN
  if (!g_pool_disable_onednn && pool_onednn(out, indices, in, p)) return true;
#endif
  TZ_DISPATCH_FLOAT(in.dtype, "pool", [&]<class T>() { pool_reference_dispatch<T>(out, indices, in, p); });
  return true;
}

}  // namespace tz::cpu
