// Tensor factories (deterministic and random).
#include "core/factories.h"

#include <cmath>
#include <cstring>

#include "core/dispatch.h"

namespace tz {

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad) t.requires_grad_(true);
  return t;
}
}  // namespace

Tensor empty(const Shape& shape, const TensorOptions& o) { return finish(dispatch::empty(shape, o.dtype, o.device), o); }
Tensor full(const Shape& shape, const Scalar& value, const TensorOptions& o) {
  Tensor t = dispatch::empty(shape, o.dtype, o.device);
  dispatch::fill(t, value);
  return finish(t, o);
}
Tensor zeros(const Shape& shape, const TensorOptions& o) { return full(shape, 0, o); }
Tensor ones(const Shape& shape, const TensorOptions& o) { return full(shape, 1, o); }

namespace {
TensorOptions like_opts(const Tensor& like, std::optional<DType> dtype) {
  return TensorOptions(dtype.value_or(like.dtype()), like.device());
}
}  // namespace
Tensor empty_like(const Tensor& like, std::optional<DType> dt) { return empty(like.shape(), like_opts(like, dt)); }
Tensor zeros_like(const Tensor& like, std::optional<DType> dt) { return zeros(like.shape(), like_opts(like, dt)); }
Tensor ones_like(const Tensor& like, std::optional<DType> dt) { return ones(like.shape(), like_opts(like, dt)); }
Tensor full_like(const Tensor& like, const Scalar& v, std::optional<DType> dt) { return full(like.shape(), v, like_opts(like, dt)); }
Tensor rand_like(const Tensor& like) { return rand(like.shape(), like_opts(like, {})); }
Tensor randn_like(const Tensor& like) { return randn(like.shape(), like_opts(like, {})); }

Tensor from_blob_copy(const void* data, const Shape& shape, DType dtype, Device device) {
  Tensor t = dispatch::empty(shape, dtype, device);
  const size_t n = size_t(t.numel() * dtype_size(dtype));
  if (n) dispatch::backend_of(t).copy_from_host(t.data_ptr(), data, n, device.index);
  return t;
}

Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(data, size_t(numel_of(shape) * dtype_size(dtype)), kCPU, std::move(deleter));
  impl->sizes = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

template <class T>
Tensor from_vector(const std::vector<T>& data, std::optional<Shape> shape, Device device) {
  const Shape s = shape.value_or(Shape{int64_t(data.size())});
  TZ_CHECK(numel_of(s) == int64_t(data.size()), "from_vector", "shape ", shape_str(s), " needs ", numel_of(s),
           " elements, got ", data.size());
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(data.begin(), data.end());
    return from_blob_copy(bytes.data(), s, DType::Bool, device);
  } else {
    return from_blob_copy(data.data(), s, dtype_of<T>(), device);
  }
}
template Tensor from_vector<bool>(const std::vector<bool>&, std::optional<Shape>, Device);
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, std::optional<Shape>, Device);
template Tensor from_vector<int8_t>(const std::vector<int8_t>&, std::optional<Shape>, Device);
template Tensor from_vector<int32_t>(const std::vector<int32_t>&, std::optional<Shape>, Device);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, std::optional<Shape>, Device);
template Tensor from_vector<Half>(const std::vector<Half>&, std::optional<Shape>, Device);
template Tensor from_vector<BFloat16>(const std::vector<BFloat16>&, std::optional<Shape>, Device);
template Tensor from_vector<float>(const std::vector<float>&, std::optional<Shape>, Device);
template Tensor from_vector<double>(const std::vector<double>&, std::optional<Shape>, Device);

namespace {
template <class T>
Tensor literal(std::initializer_list<T> values, const TensorOptions& o) {
  return finish(dispatch::cast(from_vector(std::vector<T>(values), std::nullopt, o.device), o.dtype), o);
}
template <class T>
Tensor literal2(std::initializer_list<std::initializer_list<T>> rows, const TensorOptions& o) {
  std::vector<T> flat;
  const int64_t cols = rows.size() ? int64_t(rows.begin()->size()) : 0;
  for (auto& r : rows) {
    TZ_CHECK(int64_t(r.size()) == cols, "tensor", "ragged nested list: rows of ", cols, " and ", r.size(), " elements");
    flat.insert(flat.end(), r.begin(), r.end());
  }
  return finish(dispatch::cast(from_vector(flat, Shape{int64_t(rows.size()), cols}, o.device), o.dtype), o);
}
}  // namespace

Tensor tensor(std::initializer_list<float> v, const TensorOptions& o) { return literal(v, o); }
Tensor tensor(std::initializer_list<double> v, const TensorOptions& o) {
  // A double literal list keeps the requested dtype (default float32, like torch.tensor).
  return literal(v, o);
}
Tensor tensor(std::initializer_list<int64_t> v, const TensorOptions& o) { return literal(v, o); }
Tensor tensor(std::initializer_list<int> v, const TensorOptions& o) {
  std::vector<int64_t> w(v.begin(), v.end());
  return finish(dispatch::cast(from_vector(w, std::nullopt, o.device), o.dtype), o);
}
Tensor tensor(std::initializer_list<bool> v, const TensorOptions& o) { return literal(v, o); }
Tensor tensor(std::initializer_list<std::initializer_list<float>> rows, const TensorOptions& o) { return literal2(rows, o); }
Tensor tensor(std::initializer_list<std::initializer_list<int>> rows, const TensorOptions& o) {
  std::initializer_list<std::initializer_list<int>> r = rows;
  std::vector<int64_t> flat;
  const int64_t cols = r.size() ? int64_t(r.begin()->size()) : 0;
  for (auto& row : r) {
    TZ_CHECK(int64_t(row.size()) == cols, "tensor", "ragged nested list");
    flat.insert(flat.end(), row.begin(), row.end());
  }
  return finish(dispatch::cast(from_vector(flat, Shape{int64_t(r.size()), cols}, o.device), o.dtype), o);
}

Tensor scalar_tensor(const Scalar& v, const TensorOptions& o) { return finish(dispatch::scalar_tensor(v, o.dtype, o.device), o); }

Tensor arange(const Scalar& end, std::optional<TensorOptions> o) { return arange(Scalar(int64_t(0)), end, 1, o); }

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<TensorOptions> o) {
  const bool ints = start.is_integral() && end.is_integral() && step.is_integral();
  TensorOptions opts = o.value_or(TensorOptions(ints ? DType::I64 : kDefaultFloat));
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  TZ_CHECK(st != 0.0, "arange", "step must be nonzero");
  TZ_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange", "upper bound and step sign are inconsistent (start ", s,
           ", end ", e, ", step ", st, ")");
  const int64_t n = int64_t(std::ceil((e - s) / st));
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = s + double(i) * st;
  if (is_floating(opts.dtype)) return finish(dispatch::cast(from_vector(v, std::nullopt, opts.device), opts.dtype), opts);
  std::vector<int64_t> iv(v.begin(), v.end());
  for (int64_t i = 0; i < n; ++i) iv[size_t(i)] = start.to_int() + i * step.to_int();
  return finish(dispatch::cast(from_vector(iv, std::nullopt, opts.device), opts.dtype), opts);
}

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& o) {
  TZ_CHECK(steps >= 0, "linspace", "number of steps must be non-negative, got ", steps);
  std::vector<double> v(static_cast<size_t>(steps));
  const double step = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
  // Fill symmetrically from both ends, as PyTorch, so the last value is exactly `end`.
  for (int64_t i = 0; i < steps; ++i)
    v[size_t(i)] = i < steps / 2 ? start + step * double(i) : end - step * double(steps - 1 - i);
  return finish(dispatch::cast(from_vector(v, std::nullopt, o.device), o.dtype), o);
}

Tensor eye(int64_t n, std::optional<int64_t> m, const TensorOptions& o) {
  const int64_t cols = m.value_or(n);
  TZ_CHECK(n >= 0 && cols >= 0, "eye", "sizes must be non-negative, got ", n, " x ", cols);
  std::vector<double> v(static_cast<size_t>(n * cols), 0.0);
  for (int64_t i = 0; i < std::min(n, cols); ++i) v[size_t(i * cols + i)] = 1.0;
  return finish(dispatch::cast(from_vector(v, Shape{n, cols}, o.device), o.dtype), o);
}

// ---- random ----
Generator& default_generator() {
  static Generator g(0);
  return g;
}
void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

namespace {
Tensor random_fill(Tensor t, RandomOp op, double a, double b, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  const uint64_t offset = g.advance(uint64_t(t.numel()));
  dispatch::backend_of(t).random(op, t.kernel_view(), g.seed(), offset, a, b);
  return t;
}
}  // namespace

Tensor rand(const Shape& shape, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(is_floating(o.dtype), "rand", "expects a floating dtype, got ", dtype_name(o.dtype));
  return finish(random_fill(dispatch::empty(shape, o.dtype, o.device), RandomOp::Uniform, 0.0, 1.0, gen), o);
}
Tensor randn(const Shape& shape, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(is_floating(o.dtype), "randn", "expects a floating dtype, got ", dtype_name(o.dtype));
  return finish(random_fill(dispatch::empty(shape, o.dtype, o.device), RandomOp::Normal, 0.0, 1.0, gen), o);
}
Tensor randint(int64_t low, int64_t high, const Shape& shape, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(high > low, "randint", "high (", high, ") must exceed low (", low, ")");
  return random_fill(dispatch::empty(shape, o.dtype, o.device), RandomOp::RandInt, double(low), double(high), gen);
}
Tensor bernoulli(const Shape& shape, double p, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(p >= 0.0 && p <= 1.0, "bernoulli", "p must be in [0, 1], got ", p);
  return random_fill(dispatch::empty(shape, o.dtype, o.device), RandomOp::Bernoulli, p, 0.0, gen);
}
Tensor bernoulli(const Tensor& p, Generator* gen) {
  // Per-element probabilities: compare uniforms drawn on p's shape with p.
  TZ_CHECK(is_floating(p.dtype()), "bernoulli", "probabilities must be floating, got ", describe(p));
  Tensor u = random_fill(dispatch::empty(p.shape(), DType::F64, p.device()), RandomOp::Uniform, 0.0, 1.0, gen);
  return dispatch::cast(dispatch::binary(BinaryOp::Lt, u, dispatch::cast(p, DType::F64)), p.dtype());
}
Tensor randperm(int64_t n, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(n >= 0, "randperm", "n must be non-negative, got ", n);
  // Fisher-Yates driven by the counter-based stream: the same permutation on every backend.
  Generator& g = gen ? *gen : default_generator();
  Tensor r = dispatch::empty({n}, DType::I64, kCPU);
  int64_t* p = static_cast<int64_t*>(r.data_ptr());
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  if (n > 1) {
    Tensor draws = dispatch::empty({n}, DType::I64, kCPU);
    const uint64_t offset = g.advance(uint64_t(n));
    dispatch::backend_of(draws).random(RandomOp::RandInt, draws.kernel_view(), g.seed(), offset, 0.0, 9.0e15);
    const int64_t* d = static_cast<const int64_t*>(draws.data_ptr());
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[d[i] % (i + 1)]);
  }
  Tensor out = dispatch::cast(r, o.dtype);
  if (o.device != kCPU) {
    Tensor moved = dispatch::empty(out.shape(), out.dtype(), o.device);
    dispatch::copy_into(moved, out);
    return moved;
  }
  return out;
}
namespace {
/// The in-place random fills: draws into a fresh tensor of t's shape, copies it into t (which
/// may be a view) and counts as a write to t.
Tensor& random_fill_(Tensor& t, const char* name, RandomOp op, double a, double b, Generator* gen) {
  TZ_CHECK(is_floating(t.dtype()), name, "expects a floating tensor, got ", describe(t));
  Tensor tmp = random_fill(dispatch::empty(t.shape(), t.dtype(), t.device()), op, a, b, gen);
  dispatch::copy_into(t, tmp);
  t.bump_version();
  return t;
}
}  // namespace

Tensor& uniform_(Tensor& t, double from, double to, Generator* gen) {
  return random_fill_(t, "uniform_", RandomOp::Uniform, from, to, gen);
}
Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  return random_fill_(t, "normal_", RandomOp::Normal, mean, std, gen);
}

}  // namespace tz
