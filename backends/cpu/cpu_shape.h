#pragma once
/// CPU helpers for shape ops whose natural form needs negative strides, which kernel views
/// cannot carry (core/backend.h). The core calls them directly for CPU tensors; other devices
/// use the copy-kernel composite in autograd/ops_reorder.cpp.
#include <vector>

#include "core/backend.h"

namespace tz::cpu {

/// out = in reversed along every dim d with flip[d]; same sizes and dtype; out must not overlap
/// in. One pass, any strides, OpenMP for large tensors.
void flip_copy(const TensorView& out, const TensorView& in, const std::vector<bool>& flip);

}  // namespace tz::cpu
