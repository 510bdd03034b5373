#pragma once
/// The binary kernel families of the CPU backend, one file each, called by CpuBackend::binary
/// (cpu_binary.cpp) after its supports() check. Views are as Backend::binary receives them.
#include "core/backend.h"

namespace tz::cpu {

/// Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd/Or/Xor for every dtype; writes Bool (cpu_compare.cpp).
void binary_predicate(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b);
/// BitwiseAnd/Or/Xor of the integer dtypes and Bool (cpu_compare.cpp).
void binary_bitwise(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b);

}  // namespace tz::cpu
