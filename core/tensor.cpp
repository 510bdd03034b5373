#include "core/tensor.h"

#include "core/dispatch.h"

namespace tz {

namespace {
const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  if (!impl) throw Error("[tensor] use of an undefined tensor");
  return *impl;
}
}  // namespace

const Shape& Tensor::shape() const { return checked(impl_).sizes; }
int64_t Tensor::size(int64_t d) const { return shape()[size_t(wrap_dim(d, dim(), "size"))]; }
const Strides& Tensor::strides() const { return checked(impl_).strides; }
int64_t Tensor::stride(int64_t d) const { return strides()[size_t(wrap_dim(d, dim(), "stride"))]; }
int64_t Tensor::dim() const { return int64_t(shape().size()); }
int64_t Tensor::numel() const { return numel_of(shape()); }
DType Tensor::dtype() const { return checked(impl_).dtype; }
Device Tensor::device() const { return checked(impl_).storage->device(); }
int64_t Tensor::storage_offset() const { return checked(impl_).offset; }
const std::shared_ptr<Storage>& Tensor::storage() const { return checked(impl_).storage; }
void Tensor::bump_version() const { storage()->bump_version(); }

void Tensor::set_data(const Tensor& other) const {
  TensorImpl& im = *impl_;
  const TensorImpl& o = checked(other.impl_ptr());
  im.storage = o.storage;
  im.sizes = o.sizes;
  im.strides = o.strides;
  im.offset = o.offset;
  im.dtype = o.dtype;
  im.is_view = o.is_view;
}

bool Tensor::is_contiguous() const {
  const auto& s = shape();
  const auto& st = strides();
  int64_t expected = 1;
  for (size_t i = s.size(); i-- > 0;) {
    if (s[i] == 1) continue;
    if (st[i] != expected) return false;
    expected *= s[i];
  }
  return true;
}

void* Tensor::data_ptr() const {
  const auto& im = checked(impl_);
  return static_cast<char*>(im.storage->data()) + im.offset * dtype_size(im.dtype);
}

template <class T> T* Tensor::data() const {
  TZ_CHECK(dtype() == dtype_of<T>(), "data", "tensor has dtype ", dtype_name(dtype()), ", asked for ",
           dtype_name(dtype_of<T>()));
  return static_cast<T*>(data_ptr());
}

TensorView Tensor::kernel_view() const {
  return TensorView{data_ptr(), dtype(), shape(), strides()};
}

template <class T> std::vector<T> Tensor::to_vector() const {
  Tensor c = dispatch::contiguous(dispatch::cast(*this, dtype_of<T>()));
  if (!c.device().is_cpu()) {
    Tensor host = dispatch::empty(c.shape(), c.dtype(), kCPU);
    dispatch::copy_into(host, c);
    c = host;
  }
  const T* p = static_cast<const T*>(c.data_ptr());
  return std::vector<T>(p, p + c.numel());
}

template <class T> T Tensor::item() const {
  TZ_CHECK(numel() == 1, "item", "a tensor with ", numel(), " elements (shape ", shape_str(shape()),
           ") cannot be converted to a scalar");
  return to_vector<T>()[0];
}

Scalar Tensor::item() const {
  if (is_floating(dtype())) return Scalar(item<double>());
  if (dtype() == DType::Bool) return Scalar(item<bool>());
  return Scalar(item<int64_t>());
}

#define TZ_INSTANTIATE(T)                              \
  template T* Tensor::data<T>() const;                 \
  template T Tensor::item<T>() const;                  \
  template std::vector<T> Tensor::to_vector<T>() const;
TZ_INSTANTIATE(bool)
TZ_INSTANTIATE(uint8_t)
TZ_INSTANTIATE(int8_t)
TZ_INSTANTIATE(int32_t)
TZ_INSTANTIATE(int64_t)
TZ_INSTANTIATE(Half)
TZ_INSTANTIATE(BFloat16)
TZ_INSTANTIATE(float)
TZ_INSTANTIATE(double)
#undef TZ_INSTANTIATE

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined";
  return shape_str(t.shape()) + " " + dtype_name(t.dtype()) + " " + t.device().str();
}

}  // namespace tz
