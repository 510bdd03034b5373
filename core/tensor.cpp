#include "core/tensor.h"

#include "core/dispatch.h"

namespace tz {

void throw_undefined(const char* op) {
  // The hint names the usual causes: PyTorch's Tensor() is also undefined until assigned.
  TZ_FAIL(op, "use of an undefined tensor (default-constructed or moved-from tz::Tensor)");
}

namespace {
/// The TensorImpl of a defined tensor, else "[op] use of an undefined tensor".
const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl, const char* op) {
  if (!impl) [[unlikely]] throw_undefined(op);
  return *impl;
}
}  // namespace

const Shape& Tensor::shape() const { return checked(impl_, "shape").sizes; }
int64_t Tensor::size(int64_t d) const {
  const Shape& s = checked(impl_, "size").sizes;
  return s[size_t(wrap_dim(d, int64_t(s.size()), "size"))];
}
const Strides& Tensor::strides() const { return checked(impl_, "strides").strides; }
int64_t Tensor::stride(int64_t d) const {
  const Strides& s = checked(impl_, "stride").strides;
  return s[size_t(wrap_dim(d, int64_t(s.size()), "stride"))];
}
int64_t Tensor::dim() const { return int64_t(checked(impl_, "dim").sizes.size()); }
int64_t Tensor::numel() const { return numel_of(checked(impl_, "numel").sizes); }
DType Tensor::dtype() const { return checked(impl_, "dtype").dtype; }
bool Tensor::is_floating_point() const { return is_floating(checked(impl_, "is_floating_point").dtype); }
Device Tensor::device() const { return checked(impl_, "device").storage->device(); }
int64_t Tensor::storage_offset() const { return checked(impl_, "storage_offset").offset; }
const std::shared_ptr<Storage>& Tensor::storage() const { return checked(impl_, "storage").storage; }
void Tensor::bump_version() const { checked(impl_, "bump_version").storage->bump_version(); }

void Tensor::set_data(const Tensor& other) const {
  if (!impl_) throw_undefined("set_data");
  TensorImpl& im = *impl_;
  const TensorImpl& o = checked(other.impl_ptr(), "set_data");
  im.storage = o.storage;
  im.sizes = o.sizes;
  im.strides = o.strides;
  im.offset = o.offset;
  im.dtype = o.dtype;
  im.is_view = o.is_view;
}

bool Tensor::is_contiguous() const {
  const TensorImpl& im = checked(impl_, "is_contiguous");
  const auto& s = im.sizes;
  const auto& st = im.strides;
  int64_t expected = 1;
  for (size_t i = s.size(); i-- > 0;) {
    if (s[i] == 1) continue;
    if (st[i] != expected) return false;
    expected *= s[i];
  }
  return true;
}

void* Tensor::data_ptr() const {
  const auto& im = checked(impl_, "data_ptr");
  return static_cast<char*>(im.storage->data()) + im.offset * dtype_size(im.dtype);
}

template <class T> T* Tensor::data() const {
  checked(impl_, "data");
  TZ_CHECK(dtype() == dtype_of<T>(), "data", "tensor has dtype ", dtype_name(dtype()), ", asked for ",
           dtype_name(dtype_of<T>()));
  return static_cast<T*>(data_ptr());
}

TensorView Tensor::kernel_view() const {
  checked(impl_, "kernel_view");
  return TensorView{data_ptr(), dtype(), shape(), strides()};
}

template <class T> std::vector<T> Tensor::to_vector() const {
  checked(impl_, "to_vector");
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
  checked(impl_, "item");
  TZ_CHECK(numel() == 1, "item", "a tensor with ", numel(), " elements (shape ", shape_str(shape()),
           ") cannot be converted to a scalar");
  return to_vector<T>()[0];
}

Scalar Tensor::item() const {
  checked(impl_, "item");
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
