#include "core/dispatch.h"

#include <algorithm>
#include <new>
#include <string>

namespace tz::dispatch {

namespace {
[[noreturn]] void out_of_memory(const char* op, int64_t nbytes, const Shape& shape, DType dtype, Device device,
                                const std::string& reason) {
  throw OutOfMemoryError(cat_str("[", op, "] cannot allocate ", nbytes, " bytes (shape ", shape_str(shape), ", ",
                                 dtype_name(dtype), ") on ", device.str(), ": ", reason),
                         reason);
}
}  // namespace

int64_t check_allocation(const Shape& shape, DType dtype, Device device, const char* op) {
  for (int64_t d : shape) TZ_CHECK(d >= 0, op, "negative dimension ", d, " in shape ", shape_str(shape));
  const int64_t nbytes = nbytes_of(shape, dtype_size(dtype), op);
  try {
    Storage::check_fits(size_t(nbytes), device);
  } catch (const OutOfMemoryError& e) {
    out_of_memory(op, nbytes, shape, dtype, device, e.reason());
  }
  return nbytes;
}

Tensor empty(const Shape& shape, DType dtype, Device device, const char* op) {
  const int64_t nbytes = check_allocation(shape, dtype, device, op);
  auto impl = std::make_shared<TensorImpl>();
  impl->strides = contiguous_strides(shape, op);
  try {
    impl->storage = std::make_shared<Storage>(size_t(nbytes), device);
  } catch (const OutOfMemoryError& e) {
    out_of_memory(op, nbytes, shape, dtype, device, e.reason());
  } catch (const std::bad_alloc&) {  // the control block
    out_of_memory(op, nbytes, shape, dtype, device, "out of memory");
  }
  impl->sizes = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, const Shape& sizes, const Strides& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->sizes = sizes;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = base.dtype();
  impl->is_view = true;
  return Tensor(std::move(impl));
}

Backend& backend_of(const Tensor& t) { return t.storage()->backend(); }

void check_same_device(const char* op, std::initializer_list<const Tensor*> ts) {
  const Tensor* first = nullptr;
  for (const Tensor* t : ts) {
    if (!t || !t->defined()) continue;
    if (!first) {
      first = t;
    } else if (t->device() != first->device()) {
      TZ_FAIL(op, "expected all tensors on one device, got ", first->device().str(), " and ", t->device().str(),
              " (call .to(device) first)");
    }
  }
}

namespace {
/// [first, last] bytes of storage that t's elements can touch (t non-empty).
std::pair<int64_t, int64_t> byte_extent(const Tensor& t) {
  int64_t lo = t.storage_offset(), hi = t.storage_offset();
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t span = (t.shape()[size_t(d)] - 1) * t.strides()[size_t(d)];
    (span < 0 ? lo : hi) += span;
  }
  const int64_t item = dtype_size(t.dtype());
  return {lo * item, hi * item + item - 1};
}
/// Some permutation of t's dims is contiguous (no gaps, no aliases): then overlapping byte
/// extents mean shared elements. For other views (x[::2] against x[1::2]) extents can overlap
/// with disjoint elements, so, as PyTorch, no verdict is given for them.
bool non_overlapping_and_dense(const Tensor& t) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size)
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.shape()[size_t(d)] != 1) dims.emplace_back(t.strides()[size_t(d)], t.shape()[size_t(d)]);
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (const auto& [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}
}  // namespace

void check_inplace_overlap(const char* op, const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  if (out.numel() <= 1) return;
  for (int64_t d = 0; d < out.dim(); ++d)
    TZ_CHECK(out.strides()[size_t(d)] != 0 || out.shape()[size_t(d)] <= 1, op,
             "unsupported operation: more than one element of the written-to tensor ", describe(out),
             " refers to a single memory location (an expanded view); clone() it first");
  const auto [out_lo, out_hi] = byte_extent(out);
  for (const Tensor* in : inputs) {
    if (!in || !in->defined() || in->numel() == 0 || in->storage().get() != out.storage().get()) continue;
    const bool same_view = in->storage_offset() == out.storage_offset() && in->dtype() == out.dtype() &&
                           in->shape() == out.shape() && in->strides() == out.strides();
    if (same_view || !non_overlapping_and_dense(out) || !non_overlapping_and_dense(*in)) continue;
    const auto [in_lo, in_hi] = byte_extent(*in);
    TZ_CHECK(in_hi < out_lo || out_hi < in_lo, op,
             "unsupported operation: some elements of the input tensor ", describe(*in),
             " and the written-to tensor ", describe(out),
             " refer to a single memory location; clone() the input first");
  }
}

void check_supported(const char* op, const Tensor& t, OpKey key, DType dtype) {
  Backend& b = backend_of(t);
  TZ_CHECK(b.supports(key, dtype), op, "not implemented on ", b.name(), " for ", dtype_name(dtype));
}

TensorView broadcast_view(const Tensor& t, const Shape& shape, const char* op) {
  TensorView v;
  v.data = t.data_ptr();
  v.dtype = t.dtype();
  v.sizes = shape;
  v.strides.assign(shape.size(), 0);
  const Shape& ts = t.shape();
  const Strides& tst = t.strides();
  const size_t nd = ts.size();
  TZ_CHECK(shape.size() >= nd, op, "cannot broadcast ", shape_str(ts), " to ", shape_str(shape));
  const size_t off = shape.size() - nd;
  for (size_t i = 0; i < nd; ++i) {
    const int64_t s = ts[i];
    TZ_CHECK(s == shape[off + i] || s == 1, op, "cannot broadcast ", shape_str(ts), " to ", shape_str(shape));
    v.strides[off + i] = (s == 1 && shape[off + i] != 1) ? 0 : tst[i];
  }
  return v;
}

namespace {
int category(DType t) { return t == DType::Bool ? 0 : is_floating(t) ? 2 : 1; }
int rank(const Tensor& t) { return t.impl()->is_wrapped_number ? 0 : t.dim() == 0 ? 1 : 2; }
}  // namespace

DType result_type(const Tensor& a, const Tensor& b) {
  const int ra = rank(a), rb = rank(b);
  if (ra == rb) {
    // Two wrapped numbers: integers stay int64, floats become the default float.
    if (ra == 0) return category(promote(a.dtype(), b.dtype())) == 2 ? kDefaultFloat : promote(a.dtype(), b.dtype());
    return promote(a.dtype(), b.dtype());
  }
  const Tensor& hi = ra > rb ? a : b;
  const Tensor& lo = ra > rb ? b : a;
  if (category(lo.dtype()) <= category(hi.dtype())) return hi.dtype();
  // The lower-ranked operand raises the category: wrapped floats give the default float,
  // 0-d tensors keep their own dtype.
  if (lo.impl()->is_wrapped_number) return category(lo.dtype()) == 2 ? kDefaultFloat : DType::I64;
  return lo.dtype();
}

Tensor scalar_tensor(const Scalar& s, DType dtype, Device device) {
  Tensor t = empty({}, dtype, device);
  fill(t, s);
  return t;
}

Tensor wrap_scalar(const Scalar& s, Device device) {
  // A wrapped float keeps double precision so f64 tensors see the exact value.
  Tensor t = scalar_tensor(s, s.is_floating() ? DType::F64 : s.default_dtype(), device);
  t.impl()->is_wrapped_number = true;
  return t;
}

Tensor wrap_scalar_like(const Scalar& s, const Tensor& like) {
  if (!is_floating(like.dtype())) return wrap_scalar(s, like.device());
  Tensor t = scalar_tensor(s, like.dtype(), like.device());
  t.impl()->is_wrapped_number = true;
  return t;
}

Tensor cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = empty(t.shape(), dtype, t.device(), "to");
  backend_of(t).copy(out.kernel_view(), t.kernel_view());
  return out;
}

void copy_into(const Tensor& dst, const Tensor& src) {
  TensorView sv = broadcast_view(src, dst.shape(), "copy_");
  if (src.device() == dst.device()) {
    backend_of(dst).copy(dst.kernel_view(), sv);
    return;
  }
  // Cross-device: stage through a contiguous host buffer of src's dtype.
  Tensor s = contiguous(src);
  Tensor host = s.device().is_cpu() ? s : empty(s.shape(), s.dtype(), kCPU, "copy_");
  if (!s.device().is_cpu())
    backend_of(s).copy_to_host(host.data_ptr(), s.data_ptr(), size_t(s.numel() * dtype_size(s.dtype())), s.device().index);
  if (dst.device().is_cpu()) {
    backend_of(dst).copy(dst.kernel_view(), broadcast_view(host, dst.shape(), "copy_"));
    return;
  }
  Tensor staged = empty(s.shape(), s.dtype(), dst.device(), "copy_");
  backend_of(staged).copy_from_host(staged.data_ptr(), host.data_ptr(), size_t(s.numel() * dtype_size(s.dtype())),
                                    dst.device().index);
  backend_of(dst).copy(dst.kernel_view(), broadcast_view(staged, dst.shape(), "copy_"));
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.shape(), t.dtype(), t.device(), "contiguous");
  backend_of(t).copy(out.kernel_view(), t.kernel_view());
  return out;
}

Tensor host_contiguous(const Tensor& t) {
  if (t.device().type == DeviceType::CPU) return contiguous(t);
  Tensor out = empty(t.shape(), t.dtype(), kCPU, "to");
  copy_into(out, t);
  return out;
}

Tensor unary(UnaryOp op, const Tensor& x, const UnaryParams& p) {
  check_supported(unary_op_name(op), x, op, x.dtype());
  Tensor out = empty(x.shape(), op == UnaryOp::LogicalNot ? DType::Bool : x.dtype(), x.device(), unary_op_name(op));
  backend_of(x).unary(op, out.kernel_view(), x.kernel_view(), p);
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, std::optional<DType> compute) {
  const char* name = binary_op_name(op);
  check_same_device(name, {&a, &b});
  const DType ct = compute ? *compute : result_type(a, b);
  check_supported(name, a, op, ct);
  Shape broadcast;  // computed only when the shapes differ (saves an allocation otherwise)
  const Shape& shape = a.shape() == b.shape() ? a.shape() : (broadcast = broadcast_shapes(a.shape(), b.shape(), name));
  Tensor ac = cast(a, ct), bc = cast(b, ct);
  Tensor out = empty(shape, binary_op_is_predicate(op) ? DType::Bool : ct, a.device(), name);
  backend_of(a).binary(op, out.kernel_view(), broadcast_view(ac, shape, name), broadcast_view(bc, shape, name));
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_device("where", {&cond, &a, &b});
  TZ_CHECK(cond.dtype() == DType::Bool, "where", "condition must be bool, got ", dtype_name(cond.dtype()));
  const DType ct = result_type(a, b);
  check_supported("where", a, OpKind::Where, ct);
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor ac = cast(a, ct), bc = cast(b, ct);
  Tensor out = empty(shape, ct, a.device(), "where");
  backend_of(a).where(out.kernel_view(), broadcast_view(cond, shape, "where"), broadcast_view(ac, shape, "where"),
                      broadcast_view(bc, shape, "where"));
  return out;
}

void fill(const Tensor& t, const Scalar& v) { backend_of(t).fill(t.kernel_view(), v); }

}  // namespace tz::dispatch
