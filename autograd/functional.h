#pragma once
/// tz::grad: gradients of outputs w.r.t. chosen inputs, without touching .grad.
#include "core/tensor.h"

namespace tz {

/// Returns d(sum_i <outputs[i], grad_outputs[i]>)/d(inputs[j]) for each j. grad_outputs may be
/// empty (all outputs must then be scalars) or hold undefined entries (ones for scalars).
/// With create_graph the results are themselves differentiable (higher-order gradients).
/// An input that the outputs do not depend on gives an error unless allow_unused, in which case
/// its entry is undefined.
TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs = {},
                std::optional<bool> retain_graph = {}, bool create_graph = false, bool allow_unused = false);

}  // namespace tz
