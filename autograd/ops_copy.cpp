// Copies and conversions: contiguous, clone, to(dtype), to(device).
#include "autograd/ops_shape.h"
#include "autograd/record.h"
#include "core/dispatch.h"

namespace tz {

using autograd::BackwardArgs;

namespace {
Tensor copy_of(const Tensor& x, const char* op) {
  Tensor out = dispatch::empty(x.shape(), x.dtype(), x.device(), op);
  dispatch::backend_of(x).copy(out.kernel_view(), x.kernel_view());
  return out;
}
Tensor identity_grad(const char* node, const Tensor& x, const Tensor& y) {
  if (autograd::needs_grad({x}))
    autograd::record(node, {x}, {y}, [](const BackwardArgs& a) { return TensorList{a.grads[0]}; });
  return y;
}
}  // namespace

Tensor contiguous(const Tensor& x) {
  if (x.is_contiguous()) return x;
  return identity_grad("ContiguousBackward", x, copy_of(x, "contiguous"));
}

Tensor clone(const Tensor& x) { return identity_grad("CloneBackward", x, copy_of(x, "clone")); }

Tensor to_dtype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor y = dispatch::cast(x, dtype);
  if (autograd::needs_grad({x}) && is_floating(dtype)) {
    autograd::record("ToDtypeBackward", {x}, {y}, [src = x.dtype()](const BackwardArgs& a) {
      return TensorList{a.grads[0].to(src)};
    });
  }
  return y;
}

Tensor to_device(const Tensor& x, const Device& device) {
  if (x.device() == device) return x;
  Tensor y = dispatch::empty(x.shape(), x.dtype(), device, "to");
  dispatch::copy_into(y, x);
  if (autograd::needs_grad({x})) {
    autograd::record("ToDeviceBackward", {x}, {y}, [src = x.device()](const BackwardArgs& a) {
      return TensorList{a.grads[0].to(src)};
    });
  }
  return y;
}

}  // namespace tz
