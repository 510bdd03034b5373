// F.pad: constant, reflect, replicate and circular padding over any number of trailing dims.
//
// Constant padding copies x (cropped where a pad is negative) into a filled output; its backward
// is the opposite padding of the gradient. The other modes are built per dim from public
// differentiable pieces (narrow, flip, expand, cat), so their backward accumulates the
// overlapping contributions automatically and grad-of-grad works.
#include <algorithm>

#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "autograd/shape_raw.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;

namespace {

std::string pair_str(int64_t l, int64_t r) { return cat_str("(", l, ", ", r, ")"); }

Tensor constant_pad(const Tensor& x, const std::vector<int64_t>& pads, double value) {
  const size_t npad = pads.size() / 2;
  Shape out_shape = x.shape();
  for (size_t k = 0; k < npad; ++k) {
    const int64_t d = x.dim() - 1 - int64_t(k);
    const int64_t n = out_shape[size_t(d)] + pads[2 * k] + pads[2 * k + 1];
    TZ_CHECK(n >= 0, "pad", "padding ", pair_str(pads[2 * k], pads[2 * k + 1]), " makes dimension ", d, " of ",
             describe(x), " negative (", n, ")");
    out_shape[size_t(d)] = n;
  }
  Tensor out = dispatch::empty(out_shape, x.dtype(), x.device());
  dispatch::fill(out, value);
  // The part of x that survives, and where it lands in out.
  Tensor src = x, dst = out;
  bool empty_overlap = false;
  for (size_t k = 0; k < npad; ++k) {
    const int64_t d = x.dim() - 1 - int64_t(k), l = pads[2 * k], r = pads[2 * k + 1], n = x.size(d);
    const int64_t src_start = std::max<int64_t>(-l, 0), src_end = n - std::max<int64_t>(-r, 0);
    if (src_end <= src_start) {
      empty_overlap = true;
      break;
    }
    src = shape_raw::raw_narrow(src, d, src_start, src_end - src_start);
    dst = shape_raw::raw_narrow(dst, d, std::max<int64_t>(l, 0), src_end - src_start);
  }
  if (!empty_overlap) shape_raw::raw_copy(dst, src);
  if (autograd::needs_grad({x})) {
    std::vector<int64_t> back(pads.size());
    for (size_t i = 0; i < pads.size(); ++i) back[i] = -pads[i];
    autograd::record("ConstantPadBackward", {x}, {out}, [back](const BackwardArgs& a) {
      return TensorList{pad(a.grads[0], back, "constant", 0.0)};
    });
  }
  return out;
}

/// One dim of a non-constant pad: output index i reads x at j = i - l mapped back into [0, n)
/// by the mode (reflect: mirror without repeating the edge; replicate: clamp; circular: wrap
/// within x cropped by the negative pads, as PyTorch does). Emitted as at most three runs of
/// source indices (the mirrored ones through flip, the clamped ones through expand).
Tensor pad_dim(const Tensor& x_in, int64_t d, int64_t l, int64_t r, const std::string& mode) {
  Tensor x = x_in;
  int64_t n = x.size(d);
  const std::string asked = pair_str(l, r);
  TZ_CHECK(n + l + r >= 0 && -l <= n && -r <= n, "pad", "padding ", pair_str(l, r), " crops more than dimension ", d,
           " of ", describe(x), " holds");
  if (mode == "circular") {
    // PyTorch crops first and wraps around what is left.
    const int64_t lo = std::max<int64_t>(-l, 0), hi = n - std::max<int64_t>(-r, 0);
    x = narrow(x, d, lo, hi - lo);
    n = hi - lo;
    l = std::max<int64_t>(l, 0), r = std::max<int64_t>(r, 0);
    TZ_CHECK(l <= n && r <= n, "pad", "circular padding ", asked, " at dimension ", d, " of input ",
             shape_str(x_in.shape()), " wraps around more than once");
  } else if (mode == "reflect") {
    TZ_CHECK(l < n && r < n, "pad", "reflect padding size should be less than the corresponding input dimension, but got: ",
             "padding ", pair_str(l, r), " at dimension ", d, " of input ", shape_str(x.shape()));
  } else {
    TZ_CHECK(n > 0 || (l <= 0 && r <= 0), "pad", "replicate padding of an empty dimension ", d, " of ", describe(x));
  }
  if (l == 0 && r == 0) return x;
  TensorList parts;
  const int64_t lo = std::max<int64_t>(-l, 0), hi = n - std::max<int64_t>(-r, 0);  // kept middle [lo, hi)
  if (l > 0) {
    if (mode == "reflect") {
      parts.push_back(flip(narrow(x, d, 1, l), {d}));
    } else if (mode == "replicate") {
      Shape s = x.shape();
      s[size_t(d)] = l;
      parts.push_back(expand(narrow(x, d, 0, 1), s));
    } else {
      parts.push_back(narrow(x, d, n - l, l));
    }
  }
  if (hi > lo) parts.push_back(narrow(x, d, lo, hi - lo));
  if (r > 0) {
    if (mode == "reflect") {
      parts.push_back(flip(narrow(x, d, n - 1 - r, r), {d}));
    } else if (mode == "replicate") {
      Shape s = x.shape();
      s[size_t(d)] = r;
      parts.push_back(expand(narrow(x, d, n - 1, 1), s));
    } else {
      parts.push_back(narrow(x, d, 0, r));
    }
  }
  if (parts.empty()) return narrow(x, d, 0, 0);
  return parts.size() == 1 ? parts[0] : cat(parts, d);
}

}  // namespace

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, const std::string& mode, double value) {
  TZ_CHECK(pads.size() % 2 == 0, "pad", "padding length must be divisible by 2, got ", shape_str(pads));
  TZ_CHECK(int64_t(pads.size()) <= 2 * x.dim(), "pad",
           "padding length should be less than or equal to two times the input dimension but got padding length ",
           pads.size(), " and input ", describe(x));
  if (mode == "constant") return constant_pad(x, pads, value);
  TZ_CHECK(mode == "reflect" || mode == "replicate" || mode == "circular", "pad", "unrecognised padding mode '", mode,
           "' (expected constant, reflect, replicate or circular)");
  TZ_CHECK(value == 0.0, "pad", "padding mode '", mode, "' doesn't take in value argument");
  Tensor y = x;
  for (size_t k = 0; k < pads.size() / 2; ++k) y = pad_dim(y, x.dim() - 1 - int64_t(k), pads[2 * k], pads[2 * k + 1], mode);
  // Views (all-zero or cropping-only pads) still return a fresh tensor, as F.pad does.
  return y.storage() == x.storage() ? clone(y) : y;
}

}  // namespace tz
