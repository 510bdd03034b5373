// Tensor factories (deterministic and random).
#include "core/factories.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/dispatch.h"

namespace tz {

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad) t.requires_grad_(true);
  return t;
}
}  // namespace

namespace {
Tensor filled(const Shape& shape, const Scalar& value, const TensorOptions& o, const char* op) {
  Tensor t = dispatch::empty(shape, o.dtype, o.device, op);
  dispatch::fill(t, value);
  return finish(t, o);
}

/// A new tensor of `shape` with o's dtype and device whose values `fill` writes into a host
/// buffer of T (double or int64, the exact compute types). The output is allocated first, so an
/// impossible size is reported with the dtype the caller asked for and before any host work.
template <class T, class Fill>
Tensor from_host_values(const Shape& shape, const TensorOptions& o, const char* op, Fill fill) {
  Tensor out = dispatch::empty(shape, o.dtype, o.device, op);
  const bool direct = o.device.is_cpu() && o.dtype == dtype_of<T>();
  Tensor host = direct ? out : dispatch::empty(shape, dtype_of<T>(), kCPU, op);
  fill(static_cast<T*>(host.data_ptr()));
  if (!direct) dispatch::copy_into(out, host);
  return finish(out, o);
}
}  // namespace

Tensor empty(const Shape& shape, const TensorOptions& o) { return finish(dispatch::empty(shape, o.dtype, o.device, "empty"), o); }
Tensor full(const Shape& shape, const Scalar& value, const TensorOptions& o) { return filled(shape, value, o, "full"); }
Tensor zeros(const Shape& shape, const TensorOptions& o) { return filled(shape, 0, o, "zeros"); }
Tensor ones(const Shape& shape, const TensorOptions& o) { return filled(shape, 1, o, "ones"); }

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
  Tensor t = dispatch::empty(shape, dtype, device, "from_blob_copy");
  const size_t n = size_t(t.numel() * dtype_size(dtype));  // cannot overflow: empty() checked it
  if (n) dispatch::backend_of(t).copy_from_host(t.data_ptr(), data, n, device.index);
  return t;
}

Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter) {
  for (int64_t d : shape) TZ_CHECK(d >= 0, "from_blob", "negative dimension ", d, " in shape ", shape_str(shape));
  const int64_t nbytes = nbytes_of(shape, dtype_size(dtype), "from_blob");
  auto impl = std::make_shared<TensorImpl>();
  impl->strides = contiguous_strides(shape, "from_blob");
  impl->storage = std::make_shared<Storage>(data, size_t(nbytes), kCPU, std::move(deleter));
  impl->sizes = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

template <class T>
Tensor from_vector(const std::vector<T>& data, std::optional<Shape> shape, Device device) {
  const Shape s = shape.value_or(Shape{int64_t(data.size())});
  TZ_CHECK(numel_of(s, "from_vector") == int64_t(data.size()), "from_vector", "shape ", shape_str(s), " needs ", numel_of(s),
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
  std::vector<std::conditional_t<std::is_same_v<T, int>, int64_t, T>> flat;  // int rows are stored as int64
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
template <class T, class>
Tensor tensor(std::initializer_list<std::initializer_list<T>> rows, const TensorOptions& o) {
  return literal2(rows, o);
}
template Tensor tensor<float, void>(std::initializer_list<std::initializer_list<float>>, const TensorOptions&);
template Tensor tensor<int, void>(std::initializer_list<std::initializer_list<int>>, const TensorOptions&);

Tensor scalar_tensor(const Scalar& v, const TensorOptions& o) { return finish(dispatch::scalar_tensor(v, o.dtype, o.device), o); }

Tensor arange(const Scalar& end, std::optional<TensorOptions> o) { return arange(Scalar(int64_t(0)), end, 1, o); }

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<TensorOptions> o) {
  const bool ints = start.is_integral() && end.is_integral() && step.is_integral();
  TensorOptions opts = o.value_or(TensorOptions(ints ? DType::I64 : kDefaultFloat));
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  TZ_CHECK(std::isfinite(s) && std::isfinite(e), "arange", "unsupported range: ", s, " -> ", e);
  TZ_CHECK(st != 0.0, "arange", "step must be nonzero");
  TZ_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange", "upper bound and step sign are inconsistent (start ", s,
           ", end ", e, ", step ", st, ")");
  int64_t n = 0;
  if (ints) {
    // Exact in 128 bits: end - start and the rounding-up addition can leave int64, and a double
    // count is inexact past 2**53.
    const __int128 diff = __int128(end.to_int()) - start.to_int(), stp = step.to_int();
    const __int128 count = stp > 0 ? (diff + stp - 1) / stp : (diff + stp + 1) / stp;
    TZ_CHECK(count <= INT64_MAX, "arange", "invalid size, possible overflow? (start ", start.to_int(), ", end ",
             end.to_int(), ", step ", step.to_int(), " give more than INT64_MAX elements)");
    n = int64_t(count);
  } else {
    // Converting a double >= 2**63 (or NaN, inf) to int64 is undefined: check first.
    const double count = std::ceil((e - s) / st);
    TZ_CHECK(count >= 0.0 && count < 9223372036854775808.0, "arange", "invalid size, possible overflow? (start ", s,
             ", end ", e, ", step ", st, " give ", count, " elements)");
    n = int64_t(count);
  }
  if (is_floating(opts.dtype))
    return from_host_values<double>({n}, opts, "arange", [&](double* v) {
      for (int64_t i = 0; i < n; ++i) v[i] = s + double(i) * st;
    });
  return from_host_values<int64_t>({n}, opts, "arange", [&](int64_t* v) {
    // Accumulated in uint64: start + i * step stays in range for every element, but i * step
    // alone need not (start -2**62, step 2**62 + 1); the unsigned sum wraps back exactly.
    uint64_t x = uint64_t(start.to_int());
    for (int64_t i = 0; i < n; ++i, x += uint64_t(step.to_int())) v[i] = int64_t(x);
  });
}

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& o) {
  TZ_CHECK(steps >= 0, "linspace", "number of steps must be non-negative, got ", steps);
  const double step = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
  return from_host_values<double>({steps}, o, "linspace", [&](double* v) {
    // Fill symmetrically from both ends, as PyTorch, so the last value is exactly `end`.
    for (int64_t i = 0; i < steps; ++i) v[i] = i < steps / 2 ? start + step * double(i) : end - step * double(steps - 1 - i);
  });
}

Tensor eye(int64_t n, std::optional<int64_t> m, const TensorOptions& o) {
  const int64_t cols = m.value_or(n);
  TZ_CHECK(n >= 0 && cols >= 0, "eye", "sizes must be non-negative, got ", n, " x ", cols);
  return from_host_values<double>({n, cols}, o, "eye", [&](double* v) {
    std::fill(v, v + n * cols, 0.0);  // n * cols fits: empty() checked the byte size
    for (int64_t i = 0; i < std::min(n, cols); ++i) v[i * cols + i] = 1.0;
  });
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
  // Seed and offset from one reservation: reading g.seed() afterwards could see another
  // thread's manual_seed.
  const GeneratorState at = g.reserve(uint64_t(t.numel()));
  dispatch::backend_of(t).random(op, t.kernel_view(), at.seed, at.offset, a, b);
  return t;
}
}  // namespace

Tensor rand(const Shape& shape, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(is_floating(o.dtype), "rand", "expects a floating dtype, got ", dtype_name(o.dtype));
  return finish(random_fill(dispatch::empty(shape, o.dtype, o.device, "rand"), RandomOp::Uniform, 0.0, 1.0, gen), o);
}
Tensor randn(const Shape& shape, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(is_floating(o.dtype), "randn", "expects a floating dtype, got ", dtype_name(o.dtype));
  return finish(random_fill(dispatch::empty(shape, o.dtype, o.device, "randn"), RandomOp::Normal, 0.0, 1.0, gen), o);
}
Tensor randint(int64_t low, int64_t high, const Shape& shape, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(high > low, "randint", "high (", high, ") must exceed low (", low, ")");
  return random_fill(dispatch::empty(shape, o.dtype, o.device, "randint"), RandomOp::RandInt, double(low), double(high), gen);
}
Tensor bernoulli(const Shape& shape, double p, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(p >= 0.0 && p <= 1.0, "bernoulli", "p must be in [0, 1], got ", p);
  return random_fill(dispatch::empty(shape, o.dtype, o.device, "bernoulli"), RandomOp::Bernoulli, p, 0.0, gen);
}
Tensor bernoulli(const Tensor& p, Generator* gen) {
  // Per-element probabilities: compare uniforms drawn on p's shape with p.
  TZ_CHECK(is_floating(p.dtype()), "bernoulli", "probabilities must be floating, got ", describe(p));
  {
    // PyTorch checks 0 <= p <= 1 per element; NaN fails the comparison too. One pass over a host
    // copy, as cheap as the draw itself.
    const Tensor host = dispatch::host_contiguous(dispatch::cast(p, DType::F64));
    const double* v = static_cast<const double*>(host.data_ptr());
    for (int64_t i = 0; i < host.numel(); ++i)
      TZ_CHECK(v[i] >= 0.0 && v[i] <= 1.0, "bernoulli", "all elements of p must be in [0, 1], got ", v[i],
               " at flat index ", i, " of ", describe(p));
  }
  Tensor u = random_fill(dispatch::empty(p.shape(), DType::F64, p.device(), "bernoulli"), RandomOp::Uniform, 0.0, 1.0, gen);
  return dispatch::cast(dispatch::binary(BinaryOp::Lt, u, dispatch::cast(p, DType::F64)), p.dtype());
}
Tensor randperm(int64_t n, const TensorOptions& o, Generator* gen) {
  TZ_CHECK(n >= 0, "randperm", "n must be non-negative, got ", n);
  // Fisher-Yates driven by the counter-based stream: the same permutation on every backend.
  // The result first: an impossible n fails here, with the dtype and device asked for.
  dispatch::check_allocation({n}, o.dtype, o.device, "randperm");
  Generator& g = gen ? *gen : default_generator();
  Tensor r = dispatch::empty({n}, DType::I64, kCPU, "randperm");
  int64_t* p = static_cast<int64_t*>(r.data_ptr());
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  if (n > 1) {
    Tensor draws = dispatch::empty({n}, DType::I64, kCPU, "randperm");
    const GeneratorState at = g.reserve(uint64_t(n));
    dispatch::backend_of(draws).random(RandomOp::RandInt, draws.kernel_view(), at.seed, at.offset, 0.0, 9.0e15);
    const int64_t* d = static_cast<const int64_t*>(draws.data_ptr());
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[d[i] % (i + 1)]);
  }
  Tensor out = dispatch::cast(r, o.dtype);
  if (o.device != kCPU) {
    Tensor moved = dispatch::empty(out.shape(), out.dtype(), o.device, "randperm");
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
  Tensor tmp = random_fill(dispatch::empty(t.shape(), t.dtype(), t.device(), name), op, a, b, gen);
  dispatch::copy_into(t, tmp);
  t.bump_version();
  return t;
}
}  // namespace

Tensor& uniform_(Tensor& t, double from, double to, Generator* gen) {
  // PyTorch: "uniform_ expects to return a [from, to) range, but found from=1 > to=0".
  TZ_CHECK(std::isfinite(from) && std::isfinite(to) && from <= to, "uniform_",
           "expects a finite range from <= to, got from=", from, ", to=", to);
  return random_fill_(t, "uniform_", RandomOp::Uniform, from, to, gen);
}
Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  TZ_CHECK(std >= 0.0 && std::isfinite(mean) && std::isfinite(std), "normal_",
           "expects a finite mean and std >= 0, got mean=", mean, ", std=", std);
  return random_fill_(t, "normal_", RandomOp::Normal, mean, std, gen);
}

}  // namespace tz
