// Thread-local autocast state and the differentiable casts of the op hooks.
#include "autograd/autocast.h"

#include "autograd/ops_shape.h"
#include "core/error.h"

namespace tz::autocast {
namespace {

thread_local bool t_enabled = false;
thread_local DType t_dtype = DType::BF16;

bool is_16bit(DType d) { return d == DType::F16 || d == DType::BF16; }

}  // namespace

bool is_enabled() { return t_enabled; }
DType dtype() { return t_dtype; }

Guard::Guard(DType dtype, bool enabled) : prev_enabled_(t_enabled), prev_dtype_(t_dtype) {
  TZ_CHECK(is_16bit(dtype), "autocast", "the autocast dtype must be bfloat16 or float16, got ", dtype_name(dtype));
  t_enabled = enabled;
  t_dtype = dtype;
}

Guard::~Guard() {
  t_enabled = prev_enabled_;
  t_dtype = prev_dtype_;
}

Suspend::Suspend() : prev_enabled_(t_enabled) { t_enabled = false; }
Suspend::~Suspend() { t_enabled = prev_enabled_; }

Tensor to_lower(const Tensor& t) {
  if (!t.defined() || !is_floating(t.dtype()) || t.dtype() == DType::F64 || t.dtype() == t_dtype) return t;
  return to_dtype(t, t_dtype);
}

Tensor to_f32(const Tensor& t) {
  if (!t.defined() || !is_16bit(t.dtype())) return t;
  return to_dtype(t, DType::F32);
}

}  // namespace tz::autocast
