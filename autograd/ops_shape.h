#pragma once
/// Views (share storage; see also the Tensor members) and shape ops that copy.
#include <optional>
#include <string>

#include "core/tensor.h"

namespace tz {

// ---- views (differentiable; gradients flow back into the base) -----------------------------
/// Same data with a new shape; one dim may be -1. Throws if the strides cannot express it.
Tensor view(const Tensor& x, const Shape& shape);
/// view() when possible, else a contiguous copy.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor permute(const Tensor& x, const Dims& dims);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor movedim(const Tensor& x, int64_t source, int64_t destination);
/// Python slicing x[start:end:step] along dim (negative start/end count from the end, clamped).
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
/// Removes dim by taking one index (negative counts from the end).
Tensor select(const Tensor& x, int64_t dim, int64_t index);
/// Broadcast view; -1 keeps a size.
Tensor expand(const Tensor& x, const Shape& shape);
Tensor squeeze(const Tensor& x, std::optional<int64_t> dim = {});
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& x, int64_t dim, const Shape& sizes);
/// Sliding windows of `size` every `step` along dim, as a new trailing dim.
Tensor unfold(const Tensor& x, int64_t dim, int64_t size, int64_t step);
Tensor diagonal(const Tensor& x, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
/// Raw strided view of x's storage (no overlap checks; gradients scatter-add back).
Tensor as_strided(const Tensor& x, const Shape& sizes, const Strides& strides, std::optional<int64_t> storage_offset = {});
/// Splits a dim into views of equal pieces.
TensorList unbind(const Tensor& x, int64_t dim = 0);

// ---- copies and conversions ---------------------------------------------------------------
Tensor contiguous(const Tensor& x);
Tensor clone(const Tensor& x);
Tensor to_dtype(const Tensor& x, DType dtype);
Tensor to_device(const Tensor& x, const Device& device);

// ---- shape ops that copy -------------------------------------------------------------------
Tensor cat(const TensorList& xs, int64_t dim = 0);
Tensor stack(const TensorList& xs, int64_t dim = 0);
/// Pieces of `split_size` along dim (the last may be smaller); views.
TensorList split(const Tensor& x, int64_t split_size, int64_t dim = 0);
TensorList split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
TensorList chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
/// pads: PyTorch's F.pad order (last dim first: left, right, then the dim before, ...).
/// mode: "constant", "reflect", "replicate", "circular".
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, const std::string& mode = "constant", double value = 0.0);
Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const Dims& dims = {});
Tensor flip(const Tensor& x, const Dims& dims);
/// Tiles x: repeats[i] copies along dim i (repeats may have more dims than x).
Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats);
/// Each element repeated along dim (flattened when dim is empty).
Tensor repeat_interleave(const Tensor& x, int64_t repeats, std::optional<int64_t> dim = {});
Tensor repeat_interleave(const Tensor& x, const Tensor& repeats, std::optional<int64_t> dim = {});
/// Lower / upper triangle of the last two dims (others zero).
Tensor tril(const Tensor& x, int64_t diagonal = 0);
Tensor triu(const Tensor& x, int64_t diagonal = 0);
/// indexing: "ij" (matrix) or "xy" (Cartesian).
TensorList meshgrid(const TensorList& xs, const std::string& indexing = "ij");

}  // namespace tz
