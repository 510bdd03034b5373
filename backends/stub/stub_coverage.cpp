// Kernel coverage recording of the reference backend: a subclass of the stub that records each
// kernel call, then runs the stub's kernel (or, for the optional fused kernels, declines as the
// stub does).
#include "backends/stub/stub_coverage.h"

#include <atomic>
#include <memory>
#include <mutex>

#include "backends/stub/stub_backend.h"
#include "core/registry.h"

namespace tz::stub {
namespace {

std::atomic<bool> g_recording{false};
std::mutex g_mutex;

std::set<KernelRecord>& records() {
  static std::set<KernelRecord> r;
  return r;
}

class RecordingStubBackend final : public StubBackend {
 public:
  void fill(const TensorView& out, const Scalar& value) override {
    record_kernel(OpKind::Fill, 0, out.dtype);
    StubBackend::fill(out, value);
  }
  void copy(const TensorView& out, const TensorView& in) override {
    record_kernel(OpKind::Copy, 0, in.dtype);
    StubBackend::copy(out, in);
  }
  void unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) override {
    record_kernel(OpKind::Unary, int(op), in.dtype);
    StubBackend::unary(op, out, in, p);
  }
  void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) override {
    record_kernel(OpKind::Binary, int(op), a.dtype);
    StubBackend::binary(op, out, a, b);
  }
  void where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) override {
    record_kernel(OpKind::Where, 0, a.dtype);
    StubBackend::where(out, cond, a, b);
  }
  void reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) override {
    record_kernel(OpKind::Reduce, int(op), in.dtype);
    StubBackend::reduce(op, out, in, reduce_ndim);
  }
  void arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) override {
    record_kernel(OpKind::ArgReduce, int(op), in.dtype);
    StubBackend::arg_reduce(op, values, indices, in);
  }
  void scan(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) override {
    record_kernel(OpKind::Scan, int(op), in.dtype);
    StubBackend::scan(op, out, in, reverse);
  }
  void matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) override {
    record_kernel(OpKind::Matmul, 0, a.dtype);
    StubBackend::matmul(out, a, b, accumulate);
  }
  void gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) override {
    record_kernel(OpKind::Gather, 0, in.dtype);
    StubBackend::gather(out, in, index, dim);
  }
  void scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
               bool include_self) override {
    record_kernel(OpKind::Scatter, int(reduce), src.dtype);
    StubBackend::scatter(reduce, out, index, src, dim, include_self);
  }
  void random(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) override {
    record_kernel(OpKind::Random, int(op), out.dtype);
    StubBackend::random(op, out, seed, offset, a, b);
  }
  void sort(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) override {
    record_kernel(OpKind::Sort, 0, in.dtype);
    StubBackend::sort(values, indices, in, descending);
  }
  void nonzero(const TensorView& out, const TensorView& in) override {
    record_kernel(OpKind::NonZero, 0, in.dtype);
    StubBackend::nonzero(out, in);
  }

  // Optional fused kernels: the backend under test ran its own for the same call, and the parity
  // test compared it with the composite the core runs here after the stub declines.
  bool softmax(const TensorView& out, const TensorView& in, bool log) override {
    record_kernel(OpKind::Softmax, 0, in.dtype);
    return StubBackend::softmax(out, in, log);
  }
  bool layer_norm(const TensorView& out, const TensorView& mean, const TensorView& rstd, const TensorView& in,
                  const TensorView& weight, const TensorView& bias, double eps) override {
    record_kernel(OpKind::LayerNorm, 0, in.dtype);
    return StubBackend::layer_norm(out, mean, rstd, in, weight, bias, eps);
  }
  bool rms_norm(const TensorView& out, const TensorView& rstd, const TensorView& in, const TensorView& weight,
                double eps) override {
    record_kernel(OpKind::LayerNorm, 0, in.dtype);
    return StubBackend::rms_norm(out, rstd, in, weight, eps);
  }
  bool conv(const TensorView& out, const TensorView& in, const TensorView& weight, const TensorView& bias,
            const ConvParams& p) override {
    record_kernel(OpKind::Conv, 0, in.dtype);
    return StubBackend::conv(out, in, weight, bias, p);
  }
  bool pool(const TensorView& out, const TensorView& indices, const TensorView& in, const PoolParams& p) override {
    record_kernel(OpKind::Pool, int(p.kind), in.dtype);
    return StubBackend::pool(out, indices, in, p);
  }
  bool resample(const TensorView& out, const TensorView& in, const ResampleParams& p) override {
    record_kernel(OpKind::Interpolate, 0, in.dtype);
    return StubBackend::resample(out, in, p);
  }
  bool attention_forward(const TensorView& out, const TensorView& lse, const TensorView& q, const TensorView& k,
                         const TensorView& v, const TensorView& bias, const TensorView& key_padding_mask,
                         const AttentionParams& p) override {
    record_kernel(OpKind::Attention, 0, q.dtype);
    return StubBackend::attention_forward(out, lse, q, k, v, bias, key_padding_mask, p);
  }
};

}  // namespace

void set_kernel_recording(bool on) { g_recording.store(on, std::memory_order_relaxed); }

void clear_kernel_records() {
  std::lock_guard<std::mutex> lock(g_mutex);
  records().clear();
}

std::set<KernelRecord> kernel_records() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return records();
}

void record_kernel(OpKind kind, int code, DType dtype) {
  if (!g_recording.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  records().emplace(kind, code, dtype);
}

}  // namespace tz::stub

namespace tz {
void register_recording_stub_backend() { register_backend(std::make_unique<stub::RecordingStubBackend>()); }
}  // namespace tz
