#pragma once
/// Kernel coverage recording of the reference backend (ext0), for the op-parity coverage test
/// (tests/ops/test_parity_table.cpp): while recording is on, every kernel the stub is asked to
/// run adds its (op kind, code, dtype), including the optional fused kernels it declines (the
/// backend under test ran its own fused kernel for the same call, and the parity test compared
/// it with the composite the core ran here). Off by default; the check when off is one relaxed
/// atomic load per kernel call.
#include <set>
#include <tuple>

#include "core/backend.h"

namespace tz::stub {

/// (OpKind, code, dtype). Codes: the family enum value (UnaryOp, BinaryOp, ReduceOp for Reduce
/// and ArgReduce, ScanOp, ScatterReduce, RandomOp, PoolKind); 0 for the other kinds.
using KernelRecord = std::tuple<OpKind, int, DType>;

/// Turns recording on or off (thread-safe; the set is kept until cleared).
void set_kernel_recording(bool on);
/// Empties the recorded set.
void clear_kernel_records();
/// A copy of the records so far.
std::set<KernelRecord> kernel_records();
/// Adds one record when recording is on.
void record_kernel(OpKind kind, int code, DType dtype);

}  // namespace tz::stub

namespace tz {
/// Registers the stub backend for DeviceType::Ext0 as register_stub_backend() does, in a
/// subclass that records each kernel call (when recording is on) before running the stub's own.
/// The kernels themselves stay untouched, and anything the stub adds later is inherited.
void register_recording_stub_backend();

}  // namespace tz::stub
