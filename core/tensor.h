#pragma once
/// tz::Tensor: the one eager tensor type, a shared handle to a TensorImpl (storage + shape +
/// strides + offset + dtype + optional autograd metadata). Copying a Tensor copies the handle;
/// views share storage. Free functions for every op live in the autograd/ops_*.h headers (all
/// included by tensorzoo.h); the member functions below forward to them.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/device.h"
#include "core/dtype.h"
#include "core/scalar.h"
#include "core/shape.h"
#include "core/storage.h"

namespace tz {

namespace autograd {
class Node;
struct AutogradMeta;
}  // namespace autograd

using Dims = std::vector<int64_t>;

/// dtype / device / requires_grad for factories. Converts implicitly from a DType or a Device:
/// tz::zeros({2, 3}, tz::DType::F64).
struct TensorOptions {
  DType dtype = kDefaultFloat;
  Device device = kCPU;
  bool requires_grad = false;
  TensorOptions() = default;
  TensorOptions(DType d) : dtype(d) {}    // NOLINT
  TensorOptions(Device d) : device(d) {}  // NOLINT
  TensorOptions(DeviceType d) : device(d) {}  // NOLINT
  TensorOptions(DType t, Device d, bool rg = false) : dtype(t), device(d), requires_grad(rg) {}
  TensorOptions with_dtype(DType d) const { auto o = *this; o.dtype = d; return o; }
  TensorOptions with_device(Device d) const { auto o = *this; o.device = d; return o; }
  TensorOptions with_requires_grad(bool r = true) const { auto o = *this; o.requires_grad = r; return o; }
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape sizes;
  Strides strides;
  int64_t offset = 0;  // in elements
  DType dtype = kDefaultFloat;
  /// A 0-d tensor made from a C++ number by an operator (x + 2.0): it promotes like a scalar.
  bool is_wrapped_number = false;
  /// Set on tensors produced by view ops (they alias another tensor's storage).
  bool is_view = false;
  std::shared_ptr<autograd::AutogradMeta> autograd;  // null until autograd needs it
};

/// Throws "[op] use of an undefined tensor ..." (out of line: keeps the checks' fast path small).
[[noreturn]] void throw_undefined(const char* op);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata ----------------------------------------------------------------------
  bool defined() const { return bool(impl_); }
  const Shape& shape() const;
  const Shape& sizes() const { return shape(); }
  int64_t size(int64_t dim) const;
  const Strides& strides() const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const;
  int64_t numel() const;
  DType dtype() const;
  Device device() const;
  int64_t storage_offset() const;
  bool is_contiguous() const;
  bool is_floating_point() const;
  /// Address of the first element (storage data + offset).
  void* data_ptr() const;
  /// Typed pointer; throws unless T matches the dtype. CPU tensors only make sense to read.
  template <class T> T* data() const;
  /// The non-owning view kernels receive.
  TensorView kernel_view() const;
  const std::shared_ptr<Storage>& storage() const;
  /// Throws on an undefined tensor: internal code dereferences the result at once, and an
  /// error beats a segfault where an op forgot its own check.
  TensorImpl* impl() const {
    if (!impl_) [[unlikely]] throw_undefined("tensor");
    return impl_.get();
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  /// Same TensorImpl (not just same storage).
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  /// Bumps the storage version counter: call after writing into the tensor in place.
  void bump_version() const;
  /// Makes this handle (and every copy of it) refer to other's data, shape and dtype, keeping
  /// its own autograd flags: how nn::Module::to() moves parameters that layers hold by handle.
  void set_data(const Tensor& other) const;

  // ---- autograd (autograd/tensor_autograd.cpp) -----------------------------------------
  bool requires_grad() const;
  /// Marks a leaf as requiring grad (throws on a non-leaf asked to stop requiring grad).
  Tensor& requires_grad_(bool on = true);
  /// Accumulated gradient (undefined until a backward reaches this leaf).
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  /// Clears .grad: to none (undefined) or to zeros in place.
  void zero_grad(bool set_to_none = true) const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  /// Index of this tensor among its grad_fn's outputs.
  uint32_t output_nr() const;
  bool is_leaf() const;
  /// Runs reverse-mode autodiff from this tensor (a scalar, or pass `grad` of its shape).
  void backward(const Tensor& grad = {}, bool retain_graph = false, bool create_graph = false) const;
  /// Same data, cut from the graph.
  Tensor detach() const;
  /// Registers fn to run on this tensor's gradient during backward; fn may return an undefined
  /// tensor (keep the gradient) or a replacement. Returns a handle for remove_hook().
  int register_hook(std::function<Tensor(const Tensor&)> fn) const;
  void remove_hook(int handle) const;
  /// Non-leaf tensors keep their .grad after backward when this is called.
  void retain_grad() const;

  // ---- conversion and data access --------------------------------------------------------
  Tensor to(DType dtype) const;
  Tensor to(const Device& device) const;
  Tensor to(const Device& device, DType dtype) const;
  Tensor cpu() const;
  Tensor contiguous() const;
  Tensor clone() const;
  /// The single element (numel must be 1) converted to T.
  template <class T> T item() const;
  Scalar item() const;
  /// All elements in row-major order, converted to T.
  template <class T> std::vector<T> to_vector() const;
  /// PyTorch-style printout: values (with elision past 1000 elements), dtype, device.
  std::string str() const;

  // ---- views (autograd/ops_view.cpp) ---------------------------------------------------
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor permute(const Dims& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  /// Transpose of a <= 2-d tensor.
  Tensor t() const;
  Tensor mT() const;
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const;
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, const Shape& sizes) const;
  /// Sliding windows along dim: a view with a new last dim of `size` (torch.Tensor.unfold).
  Tensor unfold(int64_t dim, int64_t size, int64_t step) const;
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  Tensor as_strided(const Shape& sizes, const Strides& strides, std::optional<int64_t> storage_offset = {}) const;
  Tensor view_as(const Tensor& o) const;

  // ---- in place (record autograd where allowed; bump the version counter) ---------------
  Tensor& fill_(const Scalar& value);
  Tensor& zero_();
  /// Copies src (broadcast, any dtype/device) into this tensor.
  Tensor& copy_(const Tensor& src);
  Tensor& add_(const Tensor& other, const Scalar& alpha = 1);
  Tensor& add_(const Scalar& other);
  Tensor& sub_(const Tensor& other, const Scalar& alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(const Scalar& other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(const Scalar& other);
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max);
  Tensor& masked_fill_(const Tensor& mask, const Scalar& value);
  Tensor& uniform_(double from = 0.0, double to = 1.0);
  Tensor& normal_(double mean = 0.0, double std = 1.0);

  // ---- common ops as methods (autograd/tensor_methods.cpp) -----------------------------
  Tensor neg() const;
  Tensor abs() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor square() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor pow(const Scalar& e) const;
  Tensor pow(const Tensor& e) const;
  Tensor sum(const Dims& dims = {}, bool keepdim = false) const;
  Tensor mean(const Dims& dims = {}, bool keepdim = false) const;
  Tensor amax(const Dims& dims = {}, bool keepdim = false) const;
  Tensor amin(const Dims& dims = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = {}, bool keepdim = false) const;
  Tensor var(const Dims& dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor matmul(const Tensor& o) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  Tensor masked_fill(const Tensor& mask, const Scalar& value) const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max) const;
  Tensor eq(const Tensor& o) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

using TensorList = std::vector<Tensor>;

/// Throws "[op] use of an undefined tensor" unless t is defined: the entry check of every public
/// op on a Tensor (a default-constructed or moved-from handle has no TensorImpl).
inline void check_defined(const Tensor& t, const char* op) {
  if (!t.defined()) [[unlikely]] throw_undefined(op);
}

// ---- operators (broadcasting, type promotion; autograd/tensor_methods.cpp) -----------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Scalar& b);
Tensor operator>(const Tensor& a, const Scalar& b);
Tensor operator&&(const Tensor& a, const Tensor& b);
Tensor operator||(const Tensor& a, const Tensor& b);
Tensor operator!(const Tensor& a);

std::ostream& operator<<(std::ostream& os, const Tensor& t);

/// "[2, 3] float32 cpu" — used in error messages.
std::string describe(const Tensor& t);

}  // namespace tz
