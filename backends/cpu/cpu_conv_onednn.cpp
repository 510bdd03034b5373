// oneDNN convolution primitives for f32: forward, backward data (which is also the transposed
// convolution) and backward weights, on the callers' strided buffers (plain strided memory
// descriptors, so no reorders). Built primitives are cached by problem signature and shared
// by all threads; they use user-managed scratchpads (cpu_onednn_support.h), which is what lets
// several threads execute one cached primitive at once.
#include "backends/cpu/cpu_conv.h"

#ifdef TZ_HAVE_ONEDNN
#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "backends/cpu/cpu_onednn_support.h"
#endif

namespace tz::cpu {

#ifndef TZ_HAVE_ONEDNN

bool conv_onednn_available() { return false; }
namespace conv_onednn {
bool forward(const TensorView&, const TensorView&, const TensorView&, const TensorView&, const ConvParams&) { return false; }
bool backward_input(const TensorView&, const TensorView&, const TensorView&, const ConvParams&) { return false; }
bool backward_weight(const TensorView&, const TensorView&, const TensorView&, const ConvParams&) { return false; }
}  // namespace conv_onednn

#else

bool conv_onednn_available() { return true; }

namespace conv_onednn {

namespace {

using dnnl::memory;
using dt = dnnl::memory::data_type;

dnnl::engine& cpu_engine() { return onednn::engine(); }

/// oneDNN wants dense, non-negative strides and no broadcast (stride-0) dims.
bool usable(const TensorView& v) {
  if (v.dtype != DType::F32 || v.numel() == 0) return false;
  for (size_t i = 0; i < v.sizes.size(); ++i)
    if (v.strides[i] < 0 || (v.strides[i] == 0 && v.sizes[i] > 1)) return false;
  return true;
}

memory::dims dims_of(const std::vector<int64_t>& v) { return memory::dims(v.begin(), v.end()); }

memory::desc plain_md(const TensorView& v) { return memory::desc(dims_of(v.sizes), dt::f32, dims_of(v.strides)); }

/// Weight [O, Cg, *k] as oneDNN's grouped [G, O/G, Cg, *k] when groups > 1.
memory::desc weight_md(const TensorView& w, int64_t groups) {
  if (groups == 1) return plain_md(w);
  memory::dims d{groups, w.sizes[0] / groups}, s{w.strides[0] * (w.sizes[0] / groups), w.strides[0]};
  for (size_t i = 1; i < w.sizes.size(); ++i) d.push_back(w.sizes[i]), s.push_back(w.strides[i]);
  return memory::desc(d, dt::f32, s);
}

struct Geometry {
  memory::dims strides, dilates, pad_l, pad_r;
};

/// oneDNN counts dilation from 0 and needs the right padding that makes the sizes consistent;
/// false when the sizes do not form a valid convolution (e.g. an output_padding >= stride).
bool geometry(const TensorView& x, const TensorView& w, const TensorView& y, const ConvParams& p, Geometry& g) {
  const size_t n = size_t(x.dim() - 2);
  for (size_t i = 0; i < n; ++i) {
    const int64_t reach = (w.sizes[2 + i] - 1) * p.dilation[i] + 1;
    const int64_t pr = (y.sizes[2 + i] - 1) * p.stride[i] + reach - x.sizes[2 + i] - p.padding_begin[i];
    // Keep the caller's end padding when it is consistent (pr may only shrink by the rounding).
    const int64_t end = std::min(p.padding_end[i], pr + p.stride[i] - 1);
    if (end < pr || (x.sizes[2 + i] + p.padding_begin[i] + end - reach) / p.stride[i] + 1 != y.sizes[2 + i]) return false;
    g.strides.push_back(p.stride[i]);
    g.dilates.push_back(p.dilation[i] - 1);
    g.pad_l.push_back(p.padding_begin[i]);
    g.pad_r.push_back(end);
  }
  return true;
}

void key_view(std::ostringstream& k, const TensorView& v) {
  for (int64_t s : v.sizes) k << s << ',';
  k << '/';
  for (int64_t s : v.strides) k << s << ',';
  k << '|';
}

std::string problem_key(char kind, const TensorView& a, const TensorView& b, const TensorView& c, bool bias,
                        const ConvParams& p, const Geometry& g) {
  std::ostringstream k;
  k << kind << p.groups << (bias ? 'b' : 'n') << '|';
  key_view(k, a);
  key_view(k, b);
  key_view(k, c);
  for (size_t i = 0; i < g.strides.size(); ++i) k << g.strides[i] << ',' << g.dilates[i] << ',' << g.pad_l[i] << ',' << g.pad_r[i] << ';';
  return k.str();
}

/// A built primitive and the scratchpad each execution must pass it.
struct Built {
  dnnl::primitive prim;
  memory::desc scratch;
};

template <class PD>
Built built(const PD& pd) {
  return {dnnl::primitive(pd), pd.scratchpad_desc()};
}

/// Small cache of built primitives (cleared when full: shapes of one model repeat). The mutex
/// guards the map only; entries are handles (reference counted), copied out under the lock and
/// executed outside it, so a clear() never frees a primitive another thread is running.
Built cached(const std::string& key, const std::function<Built()>& build) {
  static std::mutex mu;
  static std::unordered_map<std::string, Built> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  Built b = build();  // outside the lock: creation is slow; two threads may both build, harmlessly
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= 256) cache.clear();
  cache.emplace(key, b);
  return b;
}

memory mem(const memory::desc& md, const TensorView& v) { return memory(md, cpu_engine(), v.data); }

using fwd = dnnl::convolution_forward;
using bwd_data = dnnl::convolution_backward_data;
using bwd_weights = dnnl::convolution_backward_weights;
constexpr auto kDirect = dnnl::algorithm::convolution_direct;
constexpr auto kTraining = dnnl::prop_kind::forward_training;

/// The forward primitive_desc (also the hint of the backward ones, which need no attributes).
fwd::primitive_desc forward_pd(const memory::desc& x, const memory::desc& w, const memory::desc* b, const memory::desc& y,
                               const Geometry& g, const dnnl::primitive_attr& attr = {}) {
#if DNNL_VERSION_MAJOR >= 3
  if (b) return fwd::primitive_desc(cpu_engine(), kTraining, kDirect, x, w, *b, y, g.strides, g.dilates, g.pad_l, g.pad_r, attr);
  return fwd::primitive_desc(cpu_engine(), kTraining, kDirect, x, w, y, g.strides, g.dilates, g.pad_l, g.pad_r, attr);
#else
  if (b)
    return fwd::primitive_desc(fwd::desc(kTraining, kDirect, x, w, *b, y, g.strides, g.dilates, g.pad_l, g.pad_r), attr,
                               cpu_engine());
  return fwd::primitive_desc(fwd::desc(kTraining, kDirect, x, w, y, g.strides, g.dilates, g.pad_l, g.pad_r), attr,
                             cpu_engine());
#endif
}

template <class F>
bool guarded(F&& f) {
  try {
    f();
    return true;
  } catch (const dnnl::error&) {
    return false;  // a problem this oneDNN build does not take: the reference loops run instead
  }
}

}  // namespace

bool forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias, const ConvParams& p) {
  const bool has_bias = bias.data != nullptr;
  if (!usable(y) || !usable(x) || !usable(w) || (has_bias && !usable(bias))) return false;
  Geometry g;
  if (!geometry(x, w, y, p, g)) return false;
  return guarded([&] {
    const memory::desc xm = plain_md(x), wm = weight_md(w, p.groups), ym = plain_md(y);
    const memory::desc bm = has_bias ? plain_md(bias) : memory::desc();
    const Built b = cached(problem_key('f', x, w, y, has_bias, p, g), [&] {
      return built(forward_pd(xm, wm, has_bias ? &bm : nullptr, ym, g, onednn::user_scratchpad_attr()));
    });
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, mem(xm, x)}, {DNNL_ARG_WEIGHTS, mem(wm, w)}, {DNNL_ARG_DST, mem(ym, y)}};
    if (has_bias) args.emplace(DNNL_ARG_BIAS, mem(bm, bias));
    onednn::execute(b.prim, b.scratch, std::move(args));
  });
}

bool backward_input(const TensorView& gx, const TensorView& gy, const TensorView& w, const ConvParams& p) {
  if (!usable(gx) || !usable(gy) || !usable(w)) return false;
  Geometry g;
  if (!geometry(gx, w, gy, p, g)) return false;
  return guarded([&] {
    const memory::desc xm = plain_md(gx), wm = weight_md(w, p.groups), ym = plain_md(gy);
    const Built b = cached(problem_key('d', gx, w, gy, false, p, g), [&] {
      const fwd::primitive_desc hint = forward_pd(xm, wm, nullptr, ym, g);
      const dnnl::primitive_attr attr = onednn::user_scratchpad_attr();
#if DNNL_VERSION_MAJOR >= 3
      return built(bwd_data::primitive_desc(cpu_engine(), kDirect, xm, wm, ym, g.strides, g.dilates, g.pad_l, g.pad_r,
                                            hint, attr));
#else
      return built(bwd_data::primitive_desc(bwd_data::desc(kDirect, xm, wm, ym, g.strides, g.dilates, g.pad_l, g.pad_r),
                                            attr, cpu_engine(), hint));
#endif
    });
    onednn::execute(b.prim, b.scratch,
                    {{DNNL_ARG_DIFF_DST, mem(ym, gy)}, {DNNL_ARG_WEIGHTS, mem(wm, w)}, {DNNL_ARG_DIFF_SRC, mem(xm, gx)}});
  });
}

bool backward_weight(const TensorView& gw, const TensorView& gy, const TensorView& x, const ConvParams& p) {
  if (!usable(gw) || !usable(gy) || !usable(x)) return false;
  Geometry g;
  if (!geometry(x, gw, gy, p, g)) return false;
  return guarded([&] {
    const memory::desc xm = plain_md(x), wm = weight_md(gw, p.groups), ym = plain_md(gy);
    const Built b = cached(problem_key('w', x, gw, gy, false, p, g), [&] {
      const fwd::primitive_desc hint = forward_pd(xm, wm, nullptr, ym, g);
      const dnnl::primitive_attr attr = onednn::user_scratchpad_attr();
#if DNNL_VERSION_MAJOR >= 3
      return built(bwd_weights::primitive_desc(cpu_engine(), kDirect, xm, wm, ym, g.strides, g.dilates, g.pad_l,
                                               g.pad_r, hint, attr));
#else
      return built(bwd_weights::primitive_desc(
          bwd_weights::desc(kDirect, xm, wm, ym, g.strides, g.dilates, g.pad_l, g.pad_r), attr, cpu_engine(), hint));
#endif
    });
    onednn::execute(b.prim, b.scratch,
                    {{DNNL_ARG_SRC, mem(xm, x)}, {DNNL_ARG_DIFF_DST, mem(ym, gy)}, {DNNL_ARG_DIFF_WEIGHTS, mem(wm, gw)}});
  });
}

}  // namespace conv_onednn

#endif  // TZ_HAVE_ONEDNN

}  // namespace tz::cpu
