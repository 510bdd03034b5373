#pragma once
/// The raw op layer: device checks, dtype promotion, broadcasting, output allocation and kernel
/// calls. Nothing here records autograd; the public ops in autograd/ops_*.cpp call these and
/// attach backward nodes.
#include <initializer_list>

#include "core/registry.h"
#include "core/tensor.h"

namespace tz::dispatch {

/// New contiguous tensor with uninitialised contents. `op` is the user-facing op that asked for
/// it: a negative size, an element count or byte size past int64, or a request the device
/// cannot hold throws tz::Error "[op] ..." (OutOfMemoryError for the last) with the shape.
Tensor empty(const Shape& shape, DType dtype, Device device, const char* op = "empty");
/// The checks of empty() without allocating; returns the byte size. For ops that build large
/// host-side tables (interpolation taps, index lists) or views before their output exists.
int64_t check_allocation(const Shape& shape, DType dtype, Device device, const char* op);
/// A tensor viewing `storage` with the given geometry (no checks beyond bounds).
Tensor make_view(const Tensor& base, const Shape& sizes, const Strides& strides, int64_t offset);
/// The backend of t's device.
Backend& backend_of(const Tensor& t);
/// Throws "[op] expected all tensors on one device, got cpu and cuda:0 (call .to(device))".
void check_same_device(const char* op, std::initializer_list<const Tensor*> ts);
/// In-place writes into `out` reading `inputs` (PyTorch's assert_no_internal_overlap and
/// assert_no_partial_overlap): throws "[op] unsupported operation: more than one element of the
/// written-to tensor refers to a single memory location" when out has a stride-0 dim of size > 1
/// (an expanded view, where each alias would be updated several times), and "[op] unsupported
/// operation: some elements of the input tensor and the written-to tensor refer to a single
/// memory location" when an input shares out's storage and overlaps it without being the same
/// view (the result would depend on the kernel's loop order). Exactly the same view is fine.
void check_inplace_overlap(const char* op, const Tensor& out, std::initializer_list<const Tensor*> inputs);
/// Throws "[op] not implemented on <backend> for <dtype>" unless the backend supports it.
void check_supported(const char* op, const Tensor& t, OpKey key, DType dtype);
/// Kernel view of t broadcast to `shape` (stride 0 on expanded dims); throws if incompatible.
TensorView broadcast_view(const Tensor& t, const Shape& shape, const char* op);

/// PyTorch's result_type for two operands: dimensioned tensors outrank 0-d tensors, which
/// outrank wrapped numbers; a lower-ranked operand only matters when its category (bool < int <
/// float) is higher.
DType result_type(const Tensor& a, const Tensor& b);
/// 0-d tensor holding s, marked as a wrapped number (promotes like a Python scalar).
Tensor wrap_scalar(const Scalar& s, Device device);
/// wrap_scalar for an op between s and `like` whose compute dtype is result_type(like, s): for a
/// floating `like` that is like's own dtype (a scalar never widens a floating tensor), so the
/// number is stored in it at once, as the op's cast would store it, saving that cast's
/// allocation and kernel. Otherwise the same as wrap_scalar(s, like.device()).
Tensor wrap_scalar_like(const Scalar& s, const Tensor& like);
/// 0-d tensor holding s with an explicit dtype.
Tensor scalar_tensor(const Scalar& s, DType dtype, Device device);

/// Copy with cast; returns t itself when the dtype already matches.
Tensor cast(const Tensor& t, DType dtype);
/// Writes src (broadcast to dst's shape, cast, possibly from another device) into dst.
void copy_into(const Tensor& dst, const Tensor& src);
/// Contiguous copy (or t itself when already contiguous).
Tensor contiguous(const Tensor& t);
/// Contiguous copy on the host (or t itself when already a contiguous CPU tensor); no autograd
/// record, for readers of raw values (printing, serialisation, argument checks).
Tensor host_contiguous(const Tensor& t);

/// Elementwise kernels. unary keeps x's dtype; binary casts both operands to `compute` (default:
/// result_type) and writes `compute` (Bool for predicates).
Tensor unary(UnaryOp op, const Tensor& x, const UnaryParams& p = {});
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, std::optional<DType> compute = {});
/// cond ? a : b with broadcasting; a and b promote together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
void fill(const Tensor& t, const Scalar& v);

}  // namespace tz::dispatch
