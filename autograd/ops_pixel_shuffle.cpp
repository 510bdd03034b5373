// pixel_shuffle / pixel_unshuffle: pure reshape + permute rearrangements (autograd is automatic
// through the view ops).
#include "autograd/ops_conv.h"
#include "autograd/ops_shape.h"
#include "core/error.h"

namespace tz {

Tensor pixel_shuffle(const Tensor& x, int64_t upscale_factor) {
  const char* op = "pixel_shuffle";
  TZ_CHECK(x.defined(), op, "the input is undefined");
  TZ_CHECK(x.dim() >= 3, op, "expected an input of at least 3 dims [*, C*r^2, H, W], got ", describe(x));
  TZ_CHECK(upscale_factor > 0, op, "expects a positive upscale_factor, but got ", upscale_factor);
  const int64_t r = upscale_factor, c = x.size(-3), h = x.size(-2), w = x.size(-1);
  TZ_CHECK(c % (r * r) == 0, op, "expects its input's 'channel' dimension to be divisible by the square of ",
           "upscale_factor, but input.size(-3)=", c, " is not divisible by ", r * r, " (input ", describe(x), ")");
  const int64_t b = x.dim() - 3;
  Shape split(x.shape().begin(), x.shape().begin() + b);
  Shape result = split;
  split.insert(split.end(), {c / (r * r), r, r, h, w});
  result.insert(result.end(), {c / (r * r), h * r, w * r});
  Dims order;
  for (int64_t i = 0; i < b; ++i) order.push_back(i);
  order.insert(order.end(), {b, b + 3, b + 1, b + 4, b + 2});  // [oc, h, r, w, r]
  return reshape(permute(reshape(x, split), order), result);
}

Tensor pixel_unshuffle(const Tensor& x, int64_t downscale_factor) {
  const char* op = "pixel_unshuffle";
  TZ_CHECK(x.defined(), op, "the input is undefined");
  TZ_CHECK(x.dim() >= 3, op, "expected an input of at least 3 dims [*, C, H*r, W*r], got ", describe(x));
  TZ_CHECK(downscale_factor > 0, op, "expects a positive downscale_factor, but got ", downscale_factor);
  const int64_t r = downscale_factor, c = x.size(-3), h = x.size(-2), w = x.size(-1);
  TZ_CHECK(h % r == 0, op, "expects height to be divisible by downscale_factor, but input.size(-2)=", h,
           " is not divisible by ", r, " (input ", describe(x), ")");
  TZ_CHECK(w % r == 0, op, "expects width to be divisible by downscale_factor, but input.size(-1)=", w,
           " is not divisible by ", r, " (input ", describe(x), ")");
  const int64_t b = x.dim() - 3;
  Shape split(x.shape().begin(), x.shape().begin() + b);
  Shape result = split;
  split.insert(split.end(), {c, h / r, r, w / r, r});
  result.insert(result.end(), {c * r * r, h / r, w / r});
  Dims order;
  for (int64_t i = 0; i < b; ++i) order.push_back(i);
  order.insert(order.end(), {b, b + 2, b + 4, b + 1, b + 3});  // [c, r, r, h, w]
  return reshape(permute(reshape(x, split), order), result);
}

}  // namespace tz
