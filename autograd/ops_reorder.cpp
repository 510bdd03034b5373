// Shape ops that reorder elements along dims: flip and roll.
//
// Kernel views cannot carry negative strides, so a reversal is not a strided copy. flip reaches
// the kernels through core's dispatch only (autograd never includes a backend): it runs the
// backend's optional flip kernel (Backend::flip; the CPU's is one pass), and a backend without it
// gets flip_into, which reverses a dim with the copy kernel alone: short dims take one copy per
// index; long dims are split into (outer, inner) with a small outer size, reversed along outer
// into a buffer, then recursively along inner. That costs about outer + inner copies per level,
// so a dim of a million elements needs a few hundred kernel calls instead of a million.
#include <algorithm>

#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "autograd/shape_raw.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;

namespace {
/// Dims at most this long are reversed with one copy per index.
constexpr int64_t kDirectFlip = 32;

int64_t largest_small_divisor(int64_t n) {
  for (int64_t a = kDirectFlip; a >= 2; --a)
    if (n % a == 0) return a;
  return 1;
}

Dims unique_dims(const Dims& dims, int64_t ndim, const char* op) {
  Dims out;
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, ndim, op);
    TZ_CHECK(std::find(out.begin(), out.end(), w) == out.end(), op, "dim ", w,
             " appears multiple times in the list of dims ", shape_str(dims));
    out.push_back(w);
  }
  return out;
}
}  // namespace

namespace shape_raw {
void flip_into(const Tensor& dst, const Tensor& src, int64_t d) {
  const int64_t n = src.size(d);
  if (n <= 1 || src.numel() == 0) return raw_copy(dst, src);
  if (n <= kDirectFlip) {
    for (int64_t i = 0; i < n; ++i) raw_copy(raw_narrow(dst, d, i, 1), raw_narrow(src, d, n - 1 - i, 1));
    return;
  }
  const int64_t outer = largest_small_divisor(n);
  if (outer == 1) {
    // No small factor (n is prime or has only large factors): move the first element to the end
    // and reverse the remaining n - 1 (an even count) the fast way.
    raw_copy(raw_narrow(dst, d, n - 1, 1), raw_narrow(src, d, 0, 1));
    return flip_into(raw_narrow(dst, d, 0, n - 1), raw_narrow(src, d, 1, n - 1), d);
  }
  // dst[i, j] = src[outer-1-i, inner-1-j]: reverse the outer index into tmp, then the inner one.
  const Tensor src2 = split_dim(src, d, outer), dst2 = split_dim(dst, d, outer);
  const Tensor tmp = dispatch::empty(src2.shape(), dst.dtype(), dst.device());
  for (int64_t i = 0; i < outer; ++i) raw_copy(raw_narrow(tmp, d, i, 1), raw_narrow(src2, d, outer - 1 - i, 1));
  flip_into(dst2, tmp, d + 1);
}

void flip_composite(const Tensor& out, const Tensor& x, const Dims& dims) {
  // One reversal per dim with the copy kernel (dims of size <= 1 need none).
  Dims work;
  for (int64_t d : dims)
    if (x.size(d) > 1) work.push_back(d);
  if (work.empty()) return raw_copy(out, x);
  Tensor src = x;
  for (size_t k = 0; k < work.size(); ++k) {
    const Tensor dst = k + 1 == work.size() ? out : dispatch::empty(x.shape(), x.dtype(), x.device());
    flip_into(dst, src, work[k]);
    src = dst;
  }
}
}  // namespace shape_raw

Tensor flip(const Tensor& x, const Dims& dims) {
  Dims ds = unique_dims(dims, x.dim(), "flip");
  if (x.dim() == 0) ds.clear();  // dim 0 / -1 of a 0-d tensor is accepted and changes nothing
  Tensor cur = dispatch::empty(x.shape(), x.dtype(), x.device());
  std::vector<bool> mask(size_t(x.dim()), false);
  for (int64_t d : ds) mask[size_t(d)] = true;
  if (!dispatch::backend_of(x).flip(cur.kernel_view(), x.kernel_view(), mask)) shape_raw::flip_composite(cur, x, ds);
  if (autograd::needs_grad({x}))
    autograd::record("FlipBackward", {x}, {cur}, [ds](const BackwardArgs& a) { return TensorList{flip(a.grads[0], ds)}; });
  return cur;
}

Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const Dims& dims) {
  if (dims.empty()) {
    TZ_CHECK(shifts.size() == 1, "roll", "shifts and dimensions must align: ", shifts.size(), " shifts and no dims (",
             "without dims, exactly one shift rolls the flattened tensor)");
    if (x.dim() == 0) return roll(x.reshape({1}), shifts, {0}).reshape({});
    return roll(x.flatten(), shifts, {0}).view(x.shape());
  }
  TZ_CHECK(shifts.size() == dims.size(), "roll", "shifts and dimensions must align: ", shifts.size(), " shifts and ",
           dims.size(), " dims");
  TZ_CHECK(x.dim() > 0, "roll", "dims ", shape_str(dims), " given for a 0-d tensor, which has no dimensions");
  Dims ds;
  for (int64_t d : dims) ds.push_back(wrap_dim(d, x.dim(), "roll"));
  Tensor cur = x;
  for (size_t k = 0; k < ds.size(); ++k) {
    const int64_t d = ds[k], n = x.size(d);
    if (n == 0) continue;
    const int64_t s = ((shifts[k] % n) + n) % n;
    if (s == 0) continue;
    Tensor next = dispatch::empty(x.shape(), x.dtype(), x.device());
    shape_raw::raw_copy(shape_raw::raw_narrow(next, d, s, n - s), shape_raw::raw_narrow(cur, d, 0, n - s));
    shape_raw::raw_copy(shape_raw::raw_narrow(next, d, 0, s), shape_raw::raw_narrow(cur, d, n - s, s));
    cur = next;
  }
  if (cur.is_same(x)) {  // every shift was a multiple of its dim: still a fresh tensor
    cur = dispatch::empty(x.shape(), x.dtype(), x.device());
    shape_raw::raw_copy(cur, x);
  }
  if (autograd::needs_grad({x})) {
    std::vector<int64_t> back(shifts.size());
    for (size_t k = 0; k < shifts.size(); ++k) back[k] = -shifts[k];
    autograd::record("RollBackward", {x}, {cur}, [back, ds](const BackwardArgs& a) {
      return TensorList{roll(a.grads[0], back, ds)};
    });
  }
  return cur;
}

}  // namespace tz
