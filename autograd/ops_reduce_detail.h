#pragma once
/// Helpers shared by the reduction and scan files (autograd/ops_reduce*.cpp, ops_scan.cpp).
/// Internal: not part of the public API.
#include "core/tensor.h"

namespace tz::detail {

/// Sorted, wrapped, de-duplicated reduction dims (all dims when empty; none for a 0-d tensor).
Dims reduction_dims(const Tensor& x, const Dims& dims, const char* op);
/// Output shape of a reduction over `rd` (keepdim keeps size-1 dims).
Shape reduced_shape(const Tensor& x, const Dims& rd, bool keepdim);
/// Number of elements folded into each output (product of the reduced sizes).
int64_t reduced_numel(const Tensor& x, const Dims& rd);
/// Throws "[op] cannot reduce over an empty dim ..." when a reduced dim has size 0 (max/min-style
/// reductions have no identity).
void check_nonempty(const Tensor& x, const Dims& rd, const char* op);

/// Runs the backend reduce kernel over `rd` (raw: no autograd). Output dtype: x's (Bool for
/// Any/All).
Tensor raw_reduce(ReduceOp op, const Tensor& x, const Dims& rd, bool keepdim);
/// Runs the backend arg_reduce kernel along `dim` (raw). Returns values (x's dtype) and int64
/// indices with `dim` removed (or kept as size 1).
std::pair<Tensor, Tensor> raw_arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim);

/// A reduction result with the reduced dims re-inserted as size 1 (broadcasts against x).
Tensor unsqueeze_back(const Tensor& y, const Dims& rd, bool keepdim);
/// Gradient of a reduction broadcast back to the input's shape (re-inserting reduced dims).
Tensor expand_back(const Tensor& g, const Shape& in_shape, const Dims& rd, bool keepdim);

/// Gradient of y = cumprod(x, dim, reverse) for incoming gradient g, exact at zeros of x and
/// with exact first derivatives there too (so grad-of-grad is right). Uses public ops only.
Tensor cumprod_backward(const Tensor& g, const Tensor& x, const Tensor& y, int64_t dim, bool reverse);

}  // namespace tz::detail
