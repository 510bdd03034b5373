#pragma once
/// Helpers shared by the indexing op files (ops_gather_scatter.cpp, ops_advanced_index.cpp,
/// ops_sort.cpp). Not part of the public API.
#include <string>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace tz::index_detail {

/// Kernel view of t, with a 0-d tensor seen as 1-d of size 1 (kernels index a dim).
TensorView view_nd(const Tensor& t);
/// An int64 copy of an int64/int32 index (int64 passes through); other dtypes throw
/// "[op] tensors used as indices must be long, int or bool tensors, got ...".
Tensor as_long_index(const Tensor& index, const char* op);
/// Runs fn and renames kernel errors ("[gather] ..." / "[scatter] ...") to come from `op`.
template <class F>
void as_op(const char* op, F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    std::string m = e.what();
    if (m.rfind("[gather] ", 0) == 0 || m.rfind("[scatter] ", 0) == 0) m = "[" + std::string(op) + "] " + m.substr(m.find(']') + 2);
    throw Error(m);
  }
}
/// x gathered along dim d at a 1-d int64 `index` (index_select without autograd); fresh tensor.
Tensor raw_index_select(const Tensor& x, int64_t d, const Tensor& index, const char* op);
/// Stable sort of x along d (no autograd): values and int64 indices, fresh contiguous tensors.
std::pair<Tensor, Tensor> raw_sort(const Tensor& x, int64_t d, bool descending);
/// Fresh (non-view) tensor with t's contiguous data reinterpreted as `shape`.
Tensor reshape_fresh(const Tensor& t, const Shape& shape);

}  // namespace tz::index_detail
