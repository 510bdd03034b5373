#pragma once
/// Reductions over any set of dims (empty dims = all dims) and scans.
#include <optional>

#include "core/tensor.h"

namespace tz {

struct ValuesIndices {
  Tensor values;
  Tensor indices;  // int64
};

/// Sum; integer and bool inputs accumulate in int64 (as PyTorch). `dtype` casts first.
Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false, std::optional<DType> dtype = {});
/// Mean of floating inputs (integers raise, as in PyTorch).
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor prod(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
/// Max/min values over dims (gradient split evenly among ties, as torch.amax).
Tensor amax(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
/// Max/min over all elements.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
/// Values and first indices along one dim (gradient flows to the chosen index).
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
/// Index of the max/min (over the flattened tensor when dim is empty). Not differentiable.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = {}, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = {}, bool keepdim = false);
/// Variance with Bessel-style `correction` (1 = unbiased).
Tensor var(const Tensor& x, const Dims& dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, const Dims& dims = {}, int64_t correction = 1, bool keepdim = false);
/// log(sum(exp(x))) computed stably.
Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim = false);
/// p-norm (p = 2 default; inf / -inf give max / min of |x|; p = 0 counts nonzeros).
Tensor norm(const Tensor& x, double p = 2.0, const Dims& dims = {}, bool keepdim = false);
/// Bool reductions (not differentiable).
Tensor any(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor all(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor count_nonzero(const Tensor& x, const Dims& dims = {});
/// Inclusive cumulative sum/product along dim; reverse accumulates from the end.
Tensor cumsum(const Tensor& x, int64_t dim, bool reverse = false);
Tensor cumprod(const Tensor& x, int64_t dim, bool reverse = false);

}  // namespace tz
