#include "autograd/saved.h"

#include "core/dispatch.h"

namespace tz::autograd {

SavedTensor SavedTensor::input(const Tensor& t) {
  SavedTensor s;
  if (!t.defined()) return s;
  s.data_ = t;
  s.version_ = t.storage()->version();
  return s;
}

SavedTensor SavedTensor::output(const Tensor& t, uint32_t output_nr) {
  SavedTensor s;
  if (!t.defined()) return s;
  // A detached alias: keeping `t` itself would make node -> t -> node a cycle.
  s.data_ = dispatch::make_view(t, t.shape(), t.strides(), t.storage_offset());
  s.data_.impl()->is_view = t.impl()->is_view;
  s.version_ = t.storage()->version();
  s.is_output_ = true;
  s.output_nr_ = output_nr;
  return s;
}

Tensor SavedTensor::unpack(Node* owner) const {
  if (!data_.defined()) return {};
  const uint64_t now = data_.storage()->version();
  if (now != version_) {
    TZ_FAIL("autograd", "a tensor of shape ", shape_str(data_.shape()), " saved by ",
            owner ? owner->name() : std::string("a backward node"),
            " was modified by an in-place operation after it was saved (version ", now, ", expected ",
            version_, "); use an out-of-place op or clone() the tensor first");
  }
  if (!is_output_) return data_;
  TZ_CHECK(owner != nullptr, "autograd", "internal: unpacking a saved output needs its node");
  Tensor t = dispatch::make_view(data_, data_.shape(), data_.strides(), data_.storage_offset());
  t.impl()->is_view = data_.impl()->is_view;
  auto& m = meta_of(t);
  m.requires_grad = true;
  m.grad_fn = owner->shared_from_this();
  m.output_nr = output_nr_;
  return t;
}

}  // namespace tz::autograd
