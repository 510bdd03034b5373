// Tensor member functions and operators: thin forwards to the free ops.
#include "autograd/ops_binary.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "autograd/record.h"
#include "core/dispatch.h"
#include "core/factories.h"

namespace tz {

namespace {
/// t itself after the undefined-tensor check: every member below names itself in the error
/// (the free op it forwards to may first touch t through an accessor with another name).
const Tensor& def(const Tensor& t, const char* op) {
  check_defined(t, op);
  return t;
}
}  // namespace

// ---- views ----
Tensor Tensor::view(const Shape& s) const { return tz::view(def(*this, "view"), s); }
Tensor Tensor::reshape(const Shape& s) const { return tz::reshape(def(*this, "reshape"), s); }
Tensor Tensor::permute(const Dims& d) const { return tz::permute(def(*this, "permute"), d); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return tz::transpose(def(*this, "transpose"), a, b); }
Tensor Tensor::t() const {
  check_defined(*this, "t");
  TZ_CHECK(dim() <= 2, "t", "expects a tensor with <= 2 dims, got ", describe(*this));
  return dim() < 2 ? *this : transpose(0, 1);
}
Tensor Tensor::slice(int64_t d, std::optional<int64_t> s, std::optional<int64_t> e, int64_t step) const {
  return tz::slice(def(*this, "slice"), d, s, e, step);
}
Tensor Tensor::narrow(int64_t d, int64_t s, int64_t l) const { return tz::narrow(def(*this, "narrow"), d, s, l); }
Tensor Tensor::select(int64_t d, int64_t i) const { return tz::select(def(*this, "select"), d, i); }
Tensor Tensor::expand(const Shape& s) const { return tz::expand(def(*this, "expand"), s); }
Tensor Tensor::expand_as(const Tensor& o) const { return expand(def(o, "expand_as").shape()); }
Tensor Tensor::view_as(const Tensor& o) const { return view(def(o, "view_as").shape()); }
Tensor Tensor::mT() const { return tz::transpose(def(*this, "mT"), -2, -1); }
Tensor Tensor::operator[](int64_t index) const { return tz::select(def(*this, "select"), 0, index); }
Tensor Tensor::squeeze() const { return tz::squeeze(def(*this, "squeeze")); }
Tensor Tensor::squeeze(int64_t d) const { return tz::squeeze(def(*this, "squeeze"), d); }
Tensor Tensor::unsqueeze(int64_t d) const { return tz::unsqueeze(def(*this, "unsqueeze"), d); }
Tensor Tensor::flatten(int64_t s, int64_t e) const { return tz::flatten(def(*this, "flatten"), s, e); }
Tensor Tensor::unflatten(int64_t d, const Shape& s) const { return tz::unflatten(def(*this, "unflatten"), d, s); }
Tensor Tensor::unfold(int64_t d, int64_t size, int64_t step) const { return tz::unfold(def(*this, "unfold"), d, size, step); }
Tensor Tensor::diagonal(int64_t o, int64_t a, int64_t b) const { return tz::diagonal(def(*this, "diagonal"), o, a, b); }
Tensor Tensor::as_strided(const Shape& s, const Strides& st, std::optional<int64_t> o) const {
  return tz::as_strided(def(*this, "as_strided"), s, st, o);
}

// ---- conversions ----
Tensor Tensor::to(DType d) const { return tz::to_dtype(def(*this, "to"), d); }
Tensor Tensor::to(const Device& d) const { return tz::to_device(def(*this, "to"), d); }
Tensor Tensor::to(const Device& d, DType t) const { return tz::to_dtype(tz::to_device(def(*this, "to"), d), t); }
Tensor Tensor::cpu() const { return tz::to_device(def(*this, "cpu"), kCPU); }
Tensor Tensor::contiguous() const { return tz::contiguous(def(*this, "contiguous")); }
Tensor Tensor::clone() const { return tz::clone(def(*this, "clone")); }

// ---- in place ----
Tensor& Tensor::fill_(const Scalar& v) {
  check_defined(*this, "fill_");
  autograd::check_inplace(*this, "fill_");
  dispatch::fill(*this, v);
  bump_version();
  if (requires_grad() && GradMode::is_enabled()) {
    // A constant carries no gradient: cut the history.
    autograd::meta_of(*this).grad_fn = nullptr;
    autograd::meta_of(*this).requires_grad = false;
  }
  return *this;
}
Tensor& Tensor::zero_() {
  check_defined(*this, "zero_");
  return fill_(0);
}
Tensor& Tensor::copy_(const Tensor& src) {
  check_defined(*this, "copy_");
  check_defined(src, "copy_");
  dispatch::check_inplace_overlap("copy_", *this, {&src});
  if (autograd::needs_grad({*this, src})) {
    // The result is src's values (broadcast, cast): its gradient flows to src only.
    Tensor r = tz::to_dtype(tz::expand(tz::to_device(src, device()), shape()), dtype());
    autograd::commit_inplace(*this, tz::clone(r), "copy_");
    return *this;
  }
  dispatch::copy_into(*this, src);
  bump_version();
  return *this;
}

namespace {
/// In-place binary update: the kernel writes into self directly when no graph is recorded,
/// else the out-of-place op runs on a clone and commit_inplace moves the history.
Tensor& inplace_binary(Tensor& self, const Tensor& other, BinaryOp op, const char* name,
                       Tensor (*outofplace)(const Tensor&, const Tensor&)) {
  check_defined(self, name);
  check_defined(other, name);
  dispatch::check_inplace_overlap(name, self, {&other});
  if (autograd::needs_grad({self, other})) {
    autograd::check_inplace(self, name, other.requires_grad());
    // x.mul_(x): the recorded op would save x's own TensorImpl, which commit_inplace then gives
    // the new history: a node owning itself, never freed. A view of x saves the old history.
    const Tensor operand = other.impl() == self.impl() ? tz::view(self, self.shape()) : other;
    autograd::commit_inplace(self, outofplace(self.clone(), operand), name);
    return self;
  }
  dispatch::check_same_device(name, {&self, &other});
  const DType rt = dispatch::result_type(self, other);
  // The in-place output keeps its dtype, so the result type must not outrank it.
  TZ_CHECK(promote(rt, self.dtype()) == self.dtype(), name, "result type ", dtype_name(rt), " cannot be cast to the in-place output ", describe(self));
  Tensor o = dispatch::cast(other, self.dtype());
  dispatch::check_supported(name, self, op, self.dtype());
  dispatch::backend_of(self).binary(op, self.kernel_view(), self.kernel_view(),
                                    dispatch::broadcast_view(o, self.shape(), name));
  self.bump_version();
  return self;
}
Tensor mul2(const Tensor& a, const Tensor& b) { return tz::mul(a, b); }
Tensor div2(const Tensor& a, const Tensor& b) { return tz::div(a, b); }
Tensor add2(const Tensor& a, const Tensor& b) { return tz::add(a, b); }
}  // namespace

Tensor& Tensor::add_(const Tensor& o, const Scalar& alpha) {
  check_defined(*this, "add_");
  check_defined(o, "add_");
  if (alpha.to_double() == 1.0) return inplace_binary(*this, o, BinaryOp::Add, "add_", add2);
  return inplace_binary(*this, tz::mul(o, dispatch::wrap_scalar_like(alpha, o)), BinaryOp::Add, "add_", add2);
}
// In-place ops cast the number to this tensor's dtype (the result type may not outrank it).
Tensor& Tensor::add_(const Scalar& o) { return add_(dispatch::wrap_scalar_like(o, def(*this, "add_"))); }
Tensor& Tensor::sub_(const Tensor& o, const Scalar& alpha) {
  check_defined(*this, "sub_");
  check_defined(o, "sub_");
  return add_(o, Scalar(-alpha.to_double()));
}
Tensor& Tensor::mul_(const Tensor& o) { return inplace_binary(*this, o, BinaryOp::Mul, "mul_", mul2); }
Tensor& Tensor::mul_(const Scalar& o) { return mul_(dispatch::wrap_scalar_like(o, def(*this, "mul_"))); }
Tensor& Tensor::div_(const Tensor& o) {
  check_defined(*this, "div_");
  TZ_CHECK(is_floating(dtype()), "div_", "true division into an integer tensor (", describe(*this),
           ") is not allowed; use floor_divide");
  return inplace_binary(*this, o, BinaryOp::Div, "div_", div2);
}
Tensor& Tensor::div_(const Scalar& o) { return div_(dispatch::wrap_scalar_like(o, def(*this, "div_"))); }
Tensor& Tensor::clamp_(std::optional<Scalar> lo, std::optional<Scalar> hi) {
  check_defined(*this, "clamp_");
  if (autograd::needs_grad({*this})) {
    autograd::commit_inplace(*this, tz::clamp(clone(), lo, hi), "clamp_");
    return *this;
  }
  Tensor r = tz::clamp(*this, lo, hi);
  dispatch::copy_into(*this, r);
  bump_version();
  return *this;
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& v) {
  check_defined(*this, "masked_fill_");
  check_defined(mask, "masked_fill_");
  if (autograd::needs_grad({*this})) {
    autograd::commit_inplace(*this, tz::masked_fill(clone(), mask, v), "masked_fill_");
    return *this;
  }
  dispatch::copy_into(*this, tz::masked_fill(*this, mask, v));
  bump_version();
  return *this;
}
Tensor& Tensor::uniform_(double from, double to) {
  check_defined(*this, "uniform_");
  return tz::uniform_(*this, from, to);
}
Tensor& Tensor::normal_(double mean, double std) {
  check_defined(*this, "normal_");
  return tz::normal_(*this, mean, std);
}

// ---- common ops ----
Tensor Tensor::neg() const { return tz::neg(def(*this, "neg")); }
Tensor Tensor::abs() const { return tz::abs(def(*this, "abs")); }
Tensor Tensor::exp() const { return tz::exp(def(*this, "exp")); }
Tensor Tensor::log() const { return tz::log(def(*this, "log")); }
Tensor Tensor::sqrt() const { return tz::sqrt(def(*this, "sqrt")); }
Tensor Tensor::rsqrt() const { return tz::rsqrt(def(*this, "rsqrt")); }
Tensor Tensor::square() const { return tz::square(def(*this, "square")); }
Tensor Tensor::tanh() const { return tz::tanh(def(*this, "tanh")); }
Tensor Tensor::sigmoid() const { return tz::sigmoid(def(*this, "sigmoid")); }
Tensor Tensor::relu() const { return tz::relu(def(*this, "relu")); }
Tensor Tensor::pow(const Scalar& e) const { return tz::pow(def(*this, "pow"), e); }
Tensor Tensor::pow(const Tensor& e) const { return tz::pow(def(*this, "pow"), e); }
Tensor Tensor::sum(const Dims& d, bool k) const { return tz::sum(def(*this, "sum"), d, k); }
Tensor Tensor::mean(const Dims& d, bool k) const { return tz::mean(def(*this, "mean"), d, k); }
Tensor Tensor::amax(const Dims& d, bool k) const { return tz::amax(def(*this, "amax"), d, k); }
Tensor Tensor::amin(const Dims& d, bool k) const { return tz::amin(def(*this, "amin"), d, k); }
Tensor Tensor::argmax(std::optional<int64_t> d, bool k) const { return tz::argmax(def(*this, "argmax"), d, k); }
Tensor Tensor::var(const Dims& d, int64_t c, bool k) const { return tz::var(def(*this, "var"), d, c, k); }
Tensor Tensor::matmul(const Tensor& o) const { return tz::matmul(def(*this, "matmul"), def(o, "matmul")); }
Tensor Tensor::softmax(int64_t d) const { return tz::softmax(def(*this, "softmax"), d); }
Tensor Tensor::log_softmax(int64_t d) const { return tz::log_softmax(def(*this, "log_softmax"), d); }
Tensor Tensor::masked_fill(const Tensor& m, const Scalar& v) const { return tz::masked_fill(def(*this, "masked_fill"), m, v); }
Tensor Tensor::clamp(std::optional<Scalar> lo, std::optional<Scalar> hi) const { return tz::clamp(def(*this, "clamp"), lo, hi); }
Tensor Tensor::eq(const Tensor& o) const { return tz::eq(def(*this, "eq"), o); }

// ---- operators ----
namespace {
/// The number as a wrapped 0-d tensor; `like` is checked first so that `undefined + 1` names the op.
Tensor w(const Scalar& s, const Tensor& like, const char* op) { return dispatch::wrap_scalar_like(s, def(like, op)); }
}  // namespace
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, w(b, a, "add")); }
Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, w(b, a, "sub")); }
Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, w(b, a, "mul")); }
Tensor operator/(const Tensor& a, const Scalar& b) { return div(a, w(b, a, "div")); }
Tensor operator+(const Scalar& a, const Tensor& b) { return add(w(a, b, "add"), b); }
Tensor operator-(const Scalar& a, const Tensor& b) { return sub(w(a, b, "sub"), b); }
Tensor operator*(const Scalar& a, const Tensor& b) { return mul(w(a, b, "mul"), b); }
Tensor operator/(const Scalar& a, const Tensor& b) { return div(w(a, b, "div"), b); }
Tensor operator-(const Tensor& a) { return neg(def(a, "neg")); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator<(const Tensor& a, const Scalar& b) { return lt(a, b); }
Tensor operator>(const Tensor& a, const Scalar& b) { return gt(a, b); }
Tensor operator&&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
Tensor operator||(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
Tensor operator!(const Tensor& a) { return logical_not(def(a, "logical_not")); }

}  // namespace tz
