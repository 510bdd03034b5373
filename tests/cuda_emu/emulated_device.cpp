// The test devices of emulated_device.h: a Backend that forwards every kernel to the CPU backend
// except the emulated family.
#include "tests/cuda_emu/emulated_device.h"

#include <memory>

#include "core/registry.h"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace tz::cuda_emu_tests {
namespace {

class EmulatedFamilyBackend final : public Backend {
 public:
  EmulatedFamilyBackend(EmulatedFamily family, DeviceType type, Backend& cpu)
      : family_(family), type_(type), cpu_(cpu) {}

  std::string name() const override { return Device(type_, 0).str(); }
  DeviceType device_type() const override { return type_; }
  void* allocate(size_t nbytes, int device) override { return cpu_.allocate(nbytes, device); }
  void deallocate(void* p, size_t nbytes, int device) override { cpu_.deallocate(p, nbytes, device); }
  void copy_from_host(void* dst, const void* src, size_t n, int device) override {
    cpu_.copy_from_host(dst, src, n, device);
  }
  void copy_to_host(void* dst, const void* src, size_t n, int device) override {
    cpu_.copy_to_host(dst, src, n, device);
  }
  bool supports(OpKey op, DType dt) const override {
    switch (op.kind) {
      case OpKind::Interpolate: return family_ == EmulatedFamily::resample && is_floating(dt);
      case OpKind::Softmax: case OpKind::LayerNorm: case OpKind::Conv: case OpKind::Pool: case OpKind::Attention:
        return false;
      default: return cpu_.supports(op, dt);
    }
  }
  void fill(const TensorView& out, const Scalar& v) override { cpu_.fill(out, v); }
  void copy(const TensorView& out, const TensorView& in) override { cpu_.copy(out, in); }
  void unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) override {
    cpu_.unary(op, out, in, p);
  }
  void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) override {
    cpu_.binary(op, out, a, b);
  }
  void where(const TensorView& out, const TensorView& c, const TensorView& a, const TensorView& b) override {
    cpu_.where(out, c, a, b);
  }
  void reduce(ReduceOp op, const TensorView& out, const TensorView& in, int n) override {
    if (family_ != EmulatedFamily::reduce) return cpu_.reduce(op, out, in, n);
    count(in, out);
    cuda_emu_tests::reduce(op, out, in, n);
  }
  void arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) override {
    if (family_ != EmulatedFamily::reduce) return cpu_.arg_reduce(op, values, indices, in);
    count(in, values);
    cuda_emu_tests::arg_reduce(op, values, indices, in);
  }
  void scan(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) override {
    cpu_.scan(op, out, in, reverse);
  }
  void matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool acc) override {
    cpu_.matmul(out, a, b, acc);
  }
  void gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) override {
    if (family_ != EmulatedFamily::index) return cpu_.gather(out, in, index, dim);
    count(in, out);
    cuda_emu_tests::gather(out, in, index, dim);
  }
  void scatter(ScatterReduce r, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
               bool include_self) override {
    if (family_ != EmulatedFamily::index) return cpu_.scatter(r, out, index, src, dim, include_self);
    count(src, out);
    cuda_emu_tests::scatter(r, out, index, src, dim, include_self);
  }
  void random(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) override {
    cpu_.random(op, out, seed, offset, a, b);
  }
  void sort(const TensorView& v, const TensorView& i, const TensorView& in, bool descending) override {
    cpu_.sort(v, i, in, descending);
  }
  void nonzero(const TensorView& out, const TensorView& in) override {
    if (family_ != EmulatedFamily::index) return cpu_.nonzero(out, in);
    count(in, out);
    cuda_emu_tests::nonzero(out, in);
  }
  bool resample(const TensorView& out, const TensorView& in, const ResampleParams& p) override {
    if (family_ != EmulatedFamily::resample) return false;
    count(in, out);
    return cuda_emu_tests::resample(out, in, p);
  }

 private:
  void count(const TensorView& in, const TensorView& out) {
    EmulatedCalls& c = emulated_calls(family_);
    ++c.calls;
    if (!in.is_contiguous() || !out.is_contiguous()) ++c.strided;
  }

  EmulatedFamily family_;
  DeviceType type_;
  Backend& cpu_;
};

DeviceType device_type_of(EmulatedFamily family) {
  switch (family) {
    case EmulatedFamily::resample: return DeviceType::Ext3;
    case EmulatedFamily::reduce: return DeviceType::Ext2;
    case EmulatedFamily::index: return DeviceType::Ext1;
  }
  return DeviceType::Ext1;
}

}  // namespace

Device emulated_device(EmulatedFamily family) {
  static const bool registered = [] {
    for (EmulatedFamily f : {EmulatedFamily::resample, EmulatedFamily::reduce, EmulatedFamily::index})
      register_backend(std::make_unique<EmulatedFamilyBackend>(f, device_type_of(f), backend_for(kCPU)));
    return true;
  }();
  (void)registered;
  return Device(device_type_of(family), 0);
}

EmulatedCalls& emulated_calls(EmulatedFamily family) {
  static EmulatedCalls calls[3];
  return calls[int(family)];
}

}  // namespace tz::cuda_emu_tests
