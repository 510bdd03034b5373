#pragma once
/// The example/reference backend: device type Ext0 ("ext0"), ordinary host memory and plain,
/// single-threaded, obviously-correct loops over arbitrary strides.
///
/// It has two jobs:
///  1. A starting point for a new backend: copy this folder, rename, and replace the loops with
///     your device's kernels one family at a time (see backends/README.md).
///  2. The reference oracle of the op-parity table (tests/support/parity.h): every case runs on
///     each real backend and is compared with ext0. That only means something if this code is
///     independent of backends/cpu/, so it shares none of it: floats are computed in double
///     (16-bit floats through their float conversions), integers in int64 with two's-complement
///     wrap, and no fused kernels are provided (the core's composite paths run here).
#include "core/backend.h"

namespace tz {

/// Registers the stub backend for DeviceType::Ext0 (replacing any backend in that slot).
/// Call it once before using Device(DeviceType::Ext0); the test binaries do so at start-up.
void register_stub_backend();

namespace stub {

class StubBackend : public Backend {  // not final: stub_coverage.cpp records its calls
 public:
  std::string name() const override { return "ext0"; }
  DeviceType device_type() const override { return DeviceType::Ext0; }

  // Memory: plain malloc/free; "device" memory is host memory, so copies are memcpy.
  void* allocate(size_t nbytes, int device_index) override;
  void deallocate(void* ptr, size_t nbytes, int device_index) override;
  void copy_from_host(void* dst, const void* src, size_t nbytes, int device_index) override;
  void copy_to_host(void* dst, const void* src, size_t nbytes, int device_index) override;
  bool supports(OpKey op, DType dtype) const override;

  // Mandatory kernels (one file per family: stub_elementwise.cpp, stub_reduce.cpp, ...).
  void fill(const TensorView& out, const Scalar& value) override;
  void copy(const TensorView& out, const TensorView& in) override;
  void unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) override;
  void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) override;
  void where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) override;
  void reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) override;
  void arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) override;
  void scan(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) override;
  void matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) override;
  void gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) override;
  void scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
               bool include_self) override;
  void random(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) override;
  void sort(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) override;
  void nonzero(const TensorView& out, const TensorView& in) override;
  // Optional fused kernels (softmax, layer_norm, conv, pool, resample) are deliberately not overridden:
  // the base class returns false and the core runs its composite of the kernels above.
};

}  // namespace stub
}  // namespace tz
