#pragma once
/// Run-time selection of the per-ISA float32 loops (backends/cpu/cpu_vec_kernels.inc).
#include <cstdint>

#include "core/backend.h"

namespace tz::cpu {

using UnaryF32 = bool (*)(UnaryOp, float*, const float*, int64_t);
using SoftmaxRowF32 = void (*)(float*, const float*, int64_t);

/// The variants for the widest instruction set the running CPU supports (decided once).
UnaryF32 best_unary_f32();
SoftmaxRowF32 best_softmax_row_f32();

}  // namespace tz::cpu
