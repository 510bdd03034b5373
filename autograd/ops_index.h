#pragma once
/// Indexing, scatter/gather, sorting and selection ops.
#include <optional>
#include <string>

#include "autograd/ops_reduce.h"
#include "core/tensor.h"

namespace tz {

/// out[i][j] = x[index[i][j]][j] (dim 0); index is int64 with index.dim() == x.dim().
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
/// gather with index broadcast against x (torch.take_along_dim); no dim: flattened.
Tensor take_along_dim(const Tensor& x, const Tensor& index, std::optional<int64_t> dim = {});
/// Out-of-place scatter: copy of x with x[index[i][j]][j] = src[i][j] (dim 0).
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
/// reduce: "sum", "prod", "mean", "amax", "amin".
Tensor scatter_reduce(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                      bool include_self = true);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
/// x with alpha * source added at index positions along dim.
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha = 1);
/// Advanced indexing x[indices...] (one int64/int32 or bool tensor per leading dim; undefined
/// entries mean ':'). Integer index tensors broadcast together; negative indices wrap; a k-d bool
/// mask covers k dims (a 0-d bool adds a size-1 dim). Placement follows PyTorch: when the indexed
/// dims are adjacent the broadcast index shape replaces them in place, otherwise it goes first.
/// Out-of-range indices throw "[index] index 7 is out of bounds for dim 1 with size 5".
/// Differentiable (through index_select / index_add / scatter).
Tensor index(const Tensor& x, const TensorList& indices);
/// Out-of-place x[indices...] = values (or += with accumulate); values broadcast to the shape of
/// x[indices...] and must have x's dtype. Without accumulate, duplicate indices keep the last value.
Tensor index_put(const Tensor& x, const TensorList& indices, const Tensor& values, bool accumulate = false);
/// In-place version; returns x.
Tensor& index_put_(Tensor& x, const TensorList& indices, const Tensor& values, bool accumulate = false);
/// Rows of `weight` picked by int64 `indices`; padding_idx rows get no gradient.
Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx = {});
/// int64 indices -> int64 one-hot with a trailing dim of num_classes (-1: max + 1).
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);
/// Coordinates of nonzero elements, [count, dim] int64.
Tensor nonzero(const Tensor& x);
/// 1-d tensor of the elements where mask (broadcast to x) is true.
Tensor masked_select(const Tensor& x, const Tensor& mask);
/// Stable sort along dim; values differentiable.
ValuesIndices sort(const Tensor& x, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false);
/// k largest (or smallest) along dim, sorted.
ValuesIndices topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);

struct UniqueResult {
  Tensor values;
  Tensor inverse;  // int64, shape of the input (or of the dim), when asked for
  Tensor counts;   // int64, when asked for
};
/// Sorted unique elements of the flattened input (or unique slices along dim).
UniqueResult unique(const Tensor& x, bool return_inverse = false, bool return_counts = false,
                    std::optional<int64_t> dim = {});
/// Counts of each non-negative int value (weighted sums with weights), at least minlength bins.
Tensor bincount(const Tensor& x, const Tensor& weights = {}, int64_t minlength = 0);

}  // namespace tz
