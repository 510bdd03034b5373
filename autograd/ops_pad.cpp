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
    const int64_t l = pads[2 * k], r = pads[2 * k + 1], n = x.size(d);
    // Negative pads crop before positive ones pad, so the crops alone must fit (as in PyTorch).
    TZ_CHECK(n + std::min<int64_t>(l, 0) + std::min<int64_t>(r, 0) >= 0, "pad", "padding ", pair_str(l, r),
             " crops more than dimension ", d, " of ", describe(x), " holds");
    out_shape[size_t(d)] = n + l + r;
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
/// by the mode (reflect: mirror without repeating the edge; replicate: clamp), emitted as at
/// most three runs of source indices (mirrored ones through flip, clamped ones through expand).
/// Circular follows PyTorch instead: crop by the negative pads, then repeat what is left
/// periodically on both sides.
Tensor pad_dim(const Tensor& x_in, int64_t d, int64_t l, int64_t r, const std::string& mode) {
  Tensor x = x_in;
  const int64_t n = x.size(d);
  const std::string asked = pair_str(l, r);
  // Replicate clamps any source index, and circular wraps within what the crops leave, so
  // only their output size must stay non-negative.
  TZ_CHECK(n + l + r >= 0 && (mode != "reflect" || (-l <= n && -r <= n)), "pad", "padding ", asked,
           " crops more than dimension ", d, " of ", describe(x), " holds");
  if (mode == "circular") {
    // PyTorch checks the pads against the input size, crops, then continues the cropped data
    // periodically on both sides (a pad may exceed the cropped size).
    TZ_CHECK(l <= n && r <= n, "pad", "circular padding ", asked, " at dimension ", d, " of input ",
             shape_str(x_in.shape()), " wraps around more than once");
    const int64_t lo = std::min(std::max<int64_t>(-l, 0), n), hi = std::max(n - std::max<int64_t>(-r, 0), lo);
    x = narrow(x, d, lo, hi - lo);
    const int64_t m = hi - lo, out_n = n + l + r;
    if (out_n == 0) return narrow(x, d, 0, 0);
    TZ_CHECK(m > 0 || out_n == 0, "pad", "circular padding ", asked, " at dimension ", d, " of input ",
             shape_str(x_in.shape()), " crops the dimension away and leaves nothing to wrap");
    if (out_n == m) return x;
    TensorList runs;
    int64_t start = ((-std::max<int64_t>(l, 0)) % m + m) % m;
    for (int64_t done = 0; done < out_n;) {
      const int64_t len = std::min(m - start, out_n - done);
      runs.push_back(narrow(x, d, start, len));
      done += len;
      start = 0;
    }
    return runs.size() == 1 ? runs[0] : cat(runs, d);
  } else if (mode == "reflect") {
    TZ_CHECK(l < n && r < n, "pad", "reflect padding size should be less than the corresponding input dimension, but got: ",
             "padding ", pair_str(l, r), " at dimension ", d, " of input ", shape_str(x.shape()));
  } else {
    TZ_CHECK(n > 0 || (l <= 0 && r <= 0), "pad", "replicate padding of an empty dimension ", d, " of ", describe(x));
  }
  if (l == 0 && r == 0) return x;
  // Runs along the output: the left pad, the kept middle [lo, hi) of x, the right pad.
  const int64_t out_n = n + l + r;
  const int64_t lo = std::max<int64_t>(-l, 0), hi = n - std::max<int64_t>(-r, 0);
  const int64_t left = std::min(std::max<int64_t>(l, 0), out_n), mid = std::max<int64_t>(hi - lo, 0);
  const int64_t right = out_n - left - mid;
  auto edge = [&](int64_t index, int64_t count) {
    Shape s = x.shape();
    s[size_t(d)] = count;
    return expand(narrow(x, d, index, 1), s);
  };
  TensorList parts;
  if (left > 0) parts.push_back(mode == "reflect" ? flip(narrow(x, d, 1, left), {d}) : edge(0, left));
  if (mid > 0) parts.push_back(narrow(x, d, lo, mid));
  if (right > 0) parts.push_back(mode == "reflect" ? flip(narrow(x, d, n - 1 - right, right), {d}) : edge(n - 1, right));
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
