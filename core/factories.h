#pragma once
/// Tensor factories. Random factories draw from the default generator (core/random.h) unless a
/// generator is passed.
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"

namespace tz {

Tensor empty(const Shape& shape, const TensorOptions& opts = {});
Tensor zeros(const Shape& shape, const TensorOptions& opts = {});
Tensor ones(const Shape& shape, const TensorOptions& opts = {});
Tensor full(const Shape& shape, const Scalar& value, const TensorOptions& opts = {});
/// Same shape (and, unless given, dtype and device) as `like`.
Tensor empty_like(const Tensor& like, std::optional<DType> dtype = {});
Tensor zeros_like(const Tensor& like, std::optional<DType> dtype = {});
Tensor ones_like(const Tensor& like, std::optional<DType> dtype = {});
Tensor full_like(const Tensor& like, const Scalar& value, std::optional<DType> dtype = {});
Tensor rand_like(const Tensor& like);
Tensor randn_like(const Tensor& like);
/// Values start, start+step, ... < end. The dtype is int64 when all arguments are integers,
/// else the default float, unless opts names one.
Tensor arange(const Scalar& end, std::optional<TensorOptions> opts = {});
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1, std::optional<TensorOptions> opts = {});
Tensor linspace(double start, double end, int64_t steps, const TensorOptions& opts = {});
Tensor eye(int64_t n, std::optional<int64_t> m = {}, const TensorOptions& opts = {});
/// Copies data into a new tensor of the given shape (default: 1-d) with T's dtype.
template <class T>
Tensor from_vector(const std::vector<T>& data, std::optional<Shape> shape = {}, Device device = kCPU);
/// tz::tensor({1.f, 2.f}), tz::tensor({{1, 2}, {3, 4}}) style literals.
Tensor tensor(std::initializer_list<float> values, const TensorOptions& opts = {});
Tensor tensor(std::initializer_list<double> values, const TensorOptions& opts = {});
Tensor tensor(std::initializer_list<int64_t> values, const TensorOptions& opts = TensorOptions(DType::I64));
Tensor tensor(std::initializer_list<int> values, const TensorOptions& opts = TensorOptions(DType::I64));
Tensor tensor(std::initializer_list<bool> values, const TensorOptions& opts = TensorOptions(DType::Bool));
/// 2-d literals: float rows give the default float dtype, int rows int64. One template rather than
/// two overloads: clang ranks {{1.f, 2.f}} as ambiguous between nested float and int lists.
template <class T, class = std::enable_if_t<std::is_same_v<T, float> || std::is_same_v<T, int>>>
Tensor tensor(std::initializer_list<std::initializer_list<T>> rows,
              const TensorOptions& opts = std::is_same_v<T, float> ? TensorOptions() : TensorOptions(DType::I64));
/// A 0-d tensor.
Tensor scalar_tensor(const Scalar& value, const TensorOptions& opts = {});
/// Copies `shape` elements of `dtype` from a raw host pointer.
Tensor from_blob_copy(const void* data, const Shape& shape, DType dtype, Device device = kCPU);
/// Wraps caller-owned host memory without copying; `deleter` (optional) runs when the tensor dies.
Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter = {});

Tensor rand(const Shape& shape, const TensorOptions& opts = {}, Generator* gen = nullptr);
Tensor randn(const Shape& shape, const TensorOptions& opts = {}, Generator* gen = nullptr);
/// Integers in [low, high) (int64 unless opts names a dtype).
Tensor randint(int64_t low, int64_t high, const Shape& shape, const TensorOptions& opts = TensorOptions(DType::I64),
               Generator* gen = nullptr);
/// 1 with probability p[i] (same shape and dtype as p).
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
Tensor bernoulli(const Shape& shape, double p, const TensorOptions& opts = {}, Generator* gen = nullptr);
/// A random permutation of 0..n-1 (int64).
Tensor randperm(int64_t n, const TensorOptions& opts = TensorOptions(DType::I64), Generator* gen = nullptr);
/// Fill in place (no autograd; they bump the version counter).
Tensor& uniform_(Tensor& t, double from = 0.0, double to = 1.0, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);

}  // namespace tz
