#pragma once
/// What the optimizers' fused paths (Backend::adam_step, Backend::sgd_step) share. Internal to
/// nn/optim (not part of tensorzoo.h).
#include <initializer_list>

#include "core/tensor.h"

namespace tz::optim::detail {

/// True when the tensors (null entries skipped; the first is the parameter) can go to a fused
/// optimizer kernel together: all of the parameter's dtype, device and shape, contiguous, and
/// no two sharing storage (the kernels read and write each element once, in place).
bool fusable(std::initializer_list<const Tensor*> tensors);

}  // namespace tz::optim::detail
