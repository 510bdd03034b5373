// interpolate(): nearest, (bi/tri)linear, bicubic and area resizing with PyTorch's coordinate
// rules. Every mode is separable, so each spatial dim is one sparse resample (1, 2 or 4 taps
// per output) whose backward is the transposed resample.
#include <cmath>

#include "autograd/ops_conv.h"
#include "autograd/pool_support.h"
#include "core/dispatch.h"

namespace tz {

using detail::ResampleTaps;
using detail::TapsPtr;

namespace {

enum class Mode { Nearest, Linear, Cubic, Area };

/// PyTorch's area_pixel_compute_scale, in the kernel's math type S (float for f32 and the
/// 16-bit types, double for f64) so that source indices round the same way.
template <class S>
S pixel_scale(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  if (align_corners) return out > 1 ? S(in - 1) / S(out - 1) : S(0);
  if (scale && *scale > 0.0) return S(1.0 / *scale);
  return S(in) / S(out);
}

/// PyTorch's area_pixel_compute_source_index.
template <class S>
S source_index(S scale, int64_t dst, bool align_corners, bool cubic) {
  if (align_corners) return scale * S(dst);
  const S src = scale * (S(dst) + S(0.5)) - S(0.5);
  return (!cubic && src < S(0)) ? S(0) : src;
}

/// Integer part (clamped to in-1) and fraction, as PyTorch's guard_index_and_lambda.
template <class S>
void index_and_lambda(S real, int64_t in, int64_t& index, S& lambda) {
  index = std::min(int64_t(std::floor(real)), in - 1);
  lambda = std::min(std::max(real - S(index), S(0)), S(1));
}

/// Keys' cubic convolution weights with A = -0.75 (PyTorch's bicubic).
template <class S>
void cubic_weights(S t, S w[4]) {
  const S A = S(-0.75);
  auto near = [&](S x) { return ((A + S(2)) * x - (A + S(3))) * x * x + S(1); };
  auto far = [&](S x) { return ((A * x - S(5) * A) * x + S(8) * A) * x - S(4) * A; };
  w[0] = far(t + S(1));
  w[1] = near(t);
  w[2] = near(S(1) - t);
  w[3] = far(S(2) - t);
}

template <class S>
TapsPtr interp_taps(Mode mode, int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  auto t = std::make_shared<ResampleTaps>();
  t->in_len = in;
  t->out_len = out;
  t->taps = mode == Mode::Nearest ? 1 : mode == Mode::Linear ? 2 : 4;
  t->index.assign(size_t(out * t->taps), 0);
  t->weight.assign(size_t(out * t->taps), 0.0);
  const S sc = pixel_scale<S>(in, out, mode != Mode::Nearest && align_corners, scale);
  for (int64_t o = 0; o < out; ++o) {
    int64_t* ix = t->index.data() + o * t->taps;
    double* w = t->weight.data() + o * t->taps;
    if (mode == Mode::Nearest) {
      // floor(dst * scale), clamped: PyTorch's (legacy) nearest rule.
      ix[0] = std::min(int64_t(std::floor(source_index<S>(sc, o, true, false))), in - 1);
      w[0] = 1.0;
    } else if (mode == Mode::Linear) {
      if (in == out) {  // PyTorch copies same-size dims whatever the scale
        ix[0] = o;
        w[0] = 1.0;
        continue;
      }
      int64_t i0;
      S l1;
      index_and_lambda<S>(source_index<S>(sc, o, align_corners, false), in, i0, l1);
      ix[0] = i0;
      ix[1] = i0 + (i0 < in - 1 ? 1 : 0);
      w[0] = double(S(1) - l1);
      w[1] = double(l1);
    } else {
      int64_t i0;
      S frac, cw[4];
      index_and_lambda<S>(source_index<S>(sc, o, align_corners, true), in, i0, frac);
      cubic_weights<S>(frac, cw);
      for (int k = 0; k < 4; ++k) {
        ix[k] = std::min(std::max<int64_t>(i0 - 1 + k, 0), in - 1);  // border clamping
        w[k] = double(cw[k]);
      }
    }
  }
  return t;
}

Mode parse_mode(const std::string& mode, int64_t x_dim, int64_t& required_dim) {
  required_dim = 0;
  if (mode == "nearest") return Mode::Nearest;
  if (mode == "area") return Mode::Area;
  if (mode == "linear") return required_dim = 3, Mode::Linear;
  if (mode == "bilinear") return required_dim = 4, Mode::Linear;
  if (mode == "trilinear") return required_dim = 5, Mode::Linear;
  if (mode == "bicubic") return required_dim = 4, Mode::Cubic;
  TZ_FAIL("interpolate", "unknown mode '", mode,
          "'; expected nearest, linear, bilinear, bicubic, trilinear or area (input ", x_dim, "-d)");
}

}  // namespace

Tensor interpolate(const Tensor& x, const IntList& size, const std::vector<double>& scale_factor,
                   const std::string& mode, std::optional<bool> align_corners) {
  const char* op = "interpolate";
  TZ_CHECK(x.defined(), op, "the input is undefined");
  int64_t required_dim = 0;
  const Mode m = parse_mode(mode, x.dim(), required_dim);
  TZ_CHECK(x.dim() >= 3 && x.dim() <= 5, op, "expected a 3-d, 4-d or 5-d input [N, C, *spatial], got ", describe(x));
  TZ_CHECK(required_dim == 0 || x.dim() == required_dim, op, "got a ", x.dim(), "-d input ", describe(x), ", but ", mode,
           " mode needs a ", required_dim, "-d input");
  TZ_CHECK(x.is_floating_point(), op, "expected a floating input, got ", describe(x));
  TZ_CHECK(!align_corners || m == Mode::Linear || m == Mode::Cubic, op,
           "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear");
  TZ_CHECK(size.empty() != scale_factor.empty(), op, "only one of size or scale_factor should be defined (got size ",
           detail::list_str(size), " and ", scale_factor.size(), " scale factors)");
  const int64_t nsp = x.dim() - 2;
  for (int64_t d = 2; d < x.dim(); ++d)
    TZ_CHECK(x.size(d) > 0, op, "expected non-zero spatial sizes, got ", describe(x));
  std::vector<int64_t> out(static_cast<size_t>(nsp));
  std::vector<std::optional<double>> scales(static_cast<size_t>(nsp));
  if (!size.empty()) {
    TZ_CHECK(size.size() == 1 || int64_t(size.size()) == nsp, op, "size must have 1 or ", nsp,
             " entries for input ", describe(x), ", got ", detail::list_str(size));
    for (int64_t j = 0; j < nsp; ++j) out[size_t(j)] = size.size() == 1 ? size[0] : size[size_t(j)];
  } else {
    TZ_CHECK(scale_factor.size() == 1 || int64_t(scale_factor.size()) == nsp, op, "scale_factor must have 1 or ", nsp,
             " entries for input ", describe(x), ", got ", scale_factor.size());
    for (int64_t j = 0; j < nsp; ++j) {
      const double sf = scale_factor.size() == 1 ? scale_factor[0] : scale_factor[size_t(j)];
      TZ_CHECK(sf > 0.0 && std::isfinite(sf), op, "scale_factor must be positive and finite, got ", sf);
      // Converting a double >= 2**63 to int64 is undefined: check the output size first.
      const double o = std::floor(double(x.size(2 + j)) * sf);
      TZ_CHECK(o < 9223372036854775808.0, op, "output size ", o, " (input size ", x.size(2 + j), " * scale_factor ", sf,
               ") overflows int64");
      out[size_t(j)] = int64_t(o);
      scales[size_t(j)] = sf;
    }
  }
  for (int64_t o : out)
    TZ_CHECK(o > 0, op, "output sizes must be positive, got ", detail::list_str(out), " for input ", describe(x));
  // The interpolation tables below are sized by the output: refuse an impossible output before
  // building them (a std::bad_alloc there, or a lazily overcommitted table).
  Shape out_shape = {x.size(0), x.size(1)};
  out_shape.insert(out_shape.end(), out.begin(), out.end());
  dispatch::check_allocation(out_shape, x.dtype(), x.device(), op);
  if (m == Mode::Area) {
    const IntList o(out.begin(), out.end());
    return nsp == 1 ? adaptive_avg_pool1d(x, o) : nsp == 2 ? adaptive_avg_pool2d(x, o) : adaptive_avg_pool3d(x, o);
  }
  const bool corners = align_corners.value_or(false);
  const bool wide = x.dtype() == DType::F64;
  Tensor r = x;
  // Last dim first (the order only affects rounding).
  for (int64_t j = nsp - 1; j >= 0; --j) {
    const int64_t in = x.size(2 + j);
    const TapsPtr taps = wide ? interp_taps<double>(m, in, out[size_t(j)], corners, scales[size_t(j)])
                              : interp_taps<float>(m, in, out[size_t(j)], corners, scales[size_t(j)]);
    r = detail::resample(r, 2 + j, taps);
  }
  return r;
}

}  // namespace tz
