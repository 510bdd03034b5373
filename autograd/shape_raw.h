#pragma once
/// Raw (non-recording) helpers shared by the shape-op files: strided sub-views and copies that
/// go straight to the backend's copy kernel. Callers record autograd themselves.
#include "core/dispatch.h"

namespace tz::shape_raw {

/// View of t restricted to [start, start + length) along dim d (no autograd, no checks).
inline Tensor raw_narrow(const Tensor& t, int64_t d, int64_t start, int64_t length) {
  Shape s = t.shape();
  s[size_t(d)] = length;
  return dispatch::make_view(t, s, t.strides(), t.storage_offset() + (length > 0 ? start * t.stride(d) : 0));
}

/// View of t with dim d replaced by the two dims (outer, size / outer) (always expressible).
inline Tensor split_dim(const Tensor& t, int64_t d, int64_t outer) {
  Shape s = t.shape();
  Strides st = t.strides();
  const int64_t inner = s[size_t(d)] / outer;
  s[size_t(d)] = inner;
  s.insert(s.begin() + d, outer);
  st.insert(st.begin() + d, st[size_t(d)] * inner);
  return dispatch::make_view(t, s, st, t.storage_offset());
}

/// dst = src (same shape, same device; casts to dst's dtype). Skips empty copies.
inline void raw_copy(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  dispatch::backend_of(dst).copy(dst.kernel_view(), src.kernel_view());
}

/// Writes src reversed along dim d into dst (same shape, non-overlapping). Defined in
/// autograd/ops_reorder.cpp: uses only the copy kernel, since kernel views cannot carry the
/// negative strides a reversed view would need.
void flip_into(const Tensor& dst, const Tensor& src, int64_t d);
/// out = x reversed along each of `dims` (wrapped, distinct) with flip_into: the fallback of flip
/// for a backend without the optional Backend::flip kernel. Exposed so that tests can run it on
/// any device, including one whose backend has the kernel.
void flip_composite(const Tensor& out, const Tensor& x, const Dims& dims);

}  // namespace tz::shape_raw
