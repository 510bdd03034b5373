// Backend registry, cross-device behaviour and the reference backend (ext0, backends/stub).
#include <cmath>
#include <cstring>
#include <limits>

#include "core/dispatch.h"
#include "tests/support/parity.h"

namespace tz::test {
namespace {

const Device kExt0(DeviceType::Ext0, 0);
const std::vector<DType> kAllDTypes{DType::Bool, DType::U8,   DType::I8,  DType::I32, DType::I64,
                                    DType::F16,  DType::BF16, DType::F32, DType::F64};

/// The tensor's elements as raw bytes (row-major, on the host): for bit-exact comparisons.
std::vector<unsigned char> raw_bytes(const Tensor& t) {
  Tensor c = t.cpu().contiguous();
  std::vector<unsigned char> out(size_t(c.numel() * dtype_size(c.dtype())));
  if (!out.empty()) std::memcpy(out.data(), c.data_ptr(), out.size());
  return out;
}

/// A CPU tensor of dtype `dt` with varied values (negative ones only for signed types).
Tensor varied(DType dt, const Shape& shape) {
  const double lo = dt == DType::U8 || dt == DType::Bool ? 0 : -50, hi = dt == DType::Bool ? 2 : 50;
  Tensor x = make_input(shape, DType::F64, lo, hi, 7);
  return is_floating(dt) ? x.to(dt) : floor(x).to(dt);
}

TEST(Backends, RegistryListsCpuAndReference) {
  const auto names = registered_backends();
  EXPECT_NE(std::find(names.begin(), names.end(), "cpu"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "ext0"), names.end());
  EXPECT_TRUE(has_backend(DeviceType::CPU));
  EXPECT_TRUE(has_backend(DeviceType::Ext0));
  EXPECT_FALSE(has_backend(DeviceType::Ext3));
  EXPECT_EQ(backend_for(kExt0).name(), "ext0");
  EXPECT_EQ(backend_for(kExt0).device_type(), DeviceType::Ext0);
  EXPECT_EQ(Device("ext0"), kExt0);
  EXPECT_EQ(kExt0.str(), "ext0:0");
}

TEST(Backends, UnknownDeviceListsAvailableBackends) {
  EXPECT_TZ_ERROR(zeros({2}, Device(DeviceType::Ext3)), "[device] no backend registered for ext3:0 (available: cpu");
  EXPECT_TZ_ERROR(zeros({2}, Device(DeviceType::Ext3)), "ext0");
  EXPECT_TZ_ERROR(zeros({2}, Device(DeviceType::Ext0, 1)), "no backend registered for ext0:1");
  EXPECT_TZ_ERROR(Device("tpu"), "[device] unknown device 'tpu'");
}

TEST(Backends, CrossDeviceOpIsAnError) {
  Tensor a = ones({2, 3}), b = ones({2, 3}).to(kExt0);
  EXPECT_TZ_ERROR(add(a, b, 1), "[add] expected all tensors on one device, got cpu and ext0:0 (call .to(device) first)");
  EXPECT_TZ_ERROR(b * a, "got ext0:0 and cpu");
  EXPECT_TZ_ERROR(where(a > 0.0, a, b), "[where] expected all tensors on one device");
  // Moving one operand fixes it.
  EXPECT_TENSOR_EQ((a.to(kExt0) + b).cpu(), full({2, 3}, 2.0));
}

TEST(Backends, RoundTripEveryDType) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = varied(dt, {3, 4});
    const Tensor on_ext = x.to(kExt0);
    EXPECT_EQ(on_ext.device(), kExt0);
    EXPECT_EQ(on_ext.dtype(), dt);
    EXPECT_EQ(on_ext.shape(), x.shape());
    const Tensor back = on_ext.cpu();
    EXPECT_EQ(back.device(), kCPU);
    EXPECT_EQ(raw_bytes(back), raw_bytes(x));
    // A non-contiguous source and a cast on the way.
    const Tensor xt = x.transpose(0, 1);
    EXPECT_EQ(raw_bytes(xt.to(kExt0).cpu()), raw_bytes(xt));
    EXPECT_TENSOR_EQ(x.to(kExt0, DType::F64).cpu(), x.to(DType::F64));
    // Empty and 0-d tensors.
    EXPECT_EQ(varied(dt, {0, 3}).to(kExt0).cpu().shape(), (Shape{0, 3}));
    const Tensor s = varied(dt, {});
    EXPECT_EQ(raw_bytes(s.to(kExt0).cpu()), raw_bytes(s));
  }
}

TEST(Backends, CopyIntoAcrossDevices) {
  Tensor dst = zeros({2, 3}).to(kExt0);
  dst.copy_(arange(6, TensorOptions(DType::I64)).view({2, 3}));  // cast + device change
  EXPECT_TENSOR_EQ(dst.cpu(), arange(6).view({2, 3}));
  Tensor host = zeros({3, 2});
  host.copy_(dst.transpose(0, 1));
  EXPECT_TENSOR_EQ(host, arange(6).view({2, 3}).transpose(0, 1));
}

TEST(Backends, RandomNumbersIdenticalOnCpuAndReference) {
  for (DType dt : {DType::F32, DType::F64, DType::F16, DType::BF16}) {
    SCOPED_TRACE(dtype_name(dt));
    manual_seed(1234);
    const Tensor u_cpu = rand({5, 7}, dt), n_cpu = randn({3, 9}, dt);
    manual_seed(1234);
    const Tensor u_ext = rand({5, 7}, TensorOptions(dt, kExt0)), n_ext = randn({3, 9}, TensorOptions(dt, kExt0));
    EXPECT_EQ(u_ext.device(), kExt0);
    EXPECT_EQ(raw_bytes(u_ext), raw_bytes(u_cpu));
    EXPECT_EQ(raw_bytes(n_ext), raw_bytes(n_cpu));
  }
  for (DType dt : {DType::I64, DType::I32, DType::I8, DType::U8, DType::F32}) {
    SCOPED_TRACE(dtype_name(dt));
    manual_seed(99);
    const Tensor r_cpu = randint(-3, 100, {4, 6}, dt);
    const Tensor b_cpu = bernoulli({4, 6}, 0.3, dt);
    manual_seed(99);
    const Tensor r_ext = randint(-3, 100, {4, 6}, TensorOptions(dt, kExt0));
    const Tensor b_ext = bernoulli({4, 6}, 0.3, TensorOptions(dt, kExt0));
    EXPECT_EQ(raw_bytes(r_ext), raw_bytes(r_cpu));
    EXPECT_EQ(raw_bytes(b_ext), raw_bytes(b_cpu));
  }
  // Per-element probabilities, and a different seed giving different numbers.
  const Tensor p = make_input({6, 5}, DType::F32, 0, 1, 3);
  manual_seed(5);
  const Tensor bc = bernoulli(p);
  manual_seed(5);
  const Tensor be = bernoulli(p.to(kExt0));
  EXPECT_EQ(raw_bytes(be), raw_bytes(bc));
  manual_seed(6);
  EXPECT_NE(raw_bytes(rand({5, 7}, TensorOptions(DType::F32, kExt0))), raw_bytes(rand({5, 7})));
}

TEST(Backends, RandomIntoStridedOutputFollowsLogicalOrder) {
  // Element i in row-major logical order draws counter offset + i, whatever the strides.
  Backend& ext = backend_for(kExt0);
  Tensor base = zeros({4, 3}).to(kExt0);
  Tensor view = base.transpose(0, 1);  // [3, 4], strides [1, 3]
  ext.random(RandomOp::Uniform, view.kernel_view(), 42, 10, 0.0, 1.0);
  Tensor contig = zeros({3, 4});
  backend_for(kCPU).random(RandomOp::Uniform, contig.kernel_view(), 42, 10, 0.0, 1.0);
  EXPECT_TENSOR_EQ(view.cpu(), contig);
}

/// Runs fn on CPU and ext0 copies of the inputs and compares the outputs.
void expect_same_on_both(const char* what, const TensorList& inputs, const std::function<TensorList(const TensorList&)>& fn) {
  SCOPED_TRACE(what);
  TensorList on_ext;
  for (const Tensor& t : inputs) on_ext.push_back(t.to(kExt0));
  const TensorList a = fn(inputs), b = fn(on_ext);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i].device(), kExt0);
    EXPECT_EQ(a[i].dtype(), b[i].dtype()) << "output " << i;
    const Tolerance t = default_tolerance(a[i].dtype());
    EXPECT_TRUE(tensors_close(b[i].cpu(), a[i], t.rtol, t.atol)) << "output " << i;
  }
}

TEST(Backends, ReferenceAgreesWithCpuOnElementwiseOps) {
  for (DType dt : {DType::F32, DType::F64, DType::F16, DType::BF16}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = make_input({4, 5}, dt, -3, 3, 1), y = make_input({5}, dt, 0.5, 2, 2);
    expect_same_on_both("float unary", {x}, [](const TensorList& v) {
      const Tensor& a = v[0];
      return TensorList{sign(a),  expm1(a),         log1p(abs(a)),     sqrt(abs(a)), rsqrt(abs(a) + 1.0),
                        sin(a),   cos(a),           erf(a),            gelu(a, "tanh"), elu(a, 0.7),
                        leaky_relu(a, 0.1), hardswish(a), hardsigmoid(a), floor(a), ceil(a), trunc(a),
                        round(a * 2.0),   reciprocal(a), square(a), logical_not(a), clamp(a, std::nullopt, 1.0)};
    });
    expect_same_on_both("float binary", {x, y}, [](const TensorList& v) {
      return TensorList{remainder(v[0], v[1]), floor_divide(v[0], v[1]), pow(abs(v[0]), v[1]), atan2(v[0], v[1]),
                        minimum(v[0], v[1]),   v[0] >= v[1],              logical_xor(v[0], v[1]),
                        div(v[0], v[1], "floor"), div(v[0], v[1], "trunc")};
    });
  }
  // Python-style // and % on exact float cases where floor(a / b) is wrong.
  expect_same_on_both("floor_divide edge", {tensor({1.0, -1.0, 7.5, 0.3}, DType::F64), tensor({0.1, 0.1, -2.0, 0.1}, DType::F64)},
                      [](const TensorList& v) { return TensorList{floor_divide(v[0], v[1]), remainder(v[0], v[1])}; });
  EXPECT_TENSOR_EQ(floor_divide(tensor({1.0, -1.0}, DType::F64), tensor({0.1, 0.1}, DType::F64)).to(kExt0).cpu(),
                   tensor({9.0, -10.0}, DType::F64));
  // NaN semantics.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_same_on_both("nan", {tensor({nan, -1.0, 2.0}, DType::F32), tensor({1.0, nan, 0.0}, DType::F32)}, [](const TensorList& v) {
    return TensorList{sign(v[0]), relu(v[0]), clamp(v[0], -0.5, 0.5), maximum(v[0], v[1]), minimum(v[0], v[1]), v[0] == v[0]};
  });
  EXPECT_TENSOR_EQ(sign(tensor({nan, -2.0, 0.0}).to(kExt0)).cpu(), tensor({0.0, -1.0, 0.0}));  // torch.sign(nan) == 0
  EXPECT_TENSOR_EQ(sign(tensor({nan, -2.0, 0.0})), tensor({0.0, -1.0, 0.0}));
  for (DType dt : {DType::I64, DType::I32, DType::I8, DType::U8}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor a = varied(dt, {3, 4}), b = floor(make_input({4}, DType::F64, 1, 9, 4)).to(dt);
    expect_same_on_both("int binary", {a, b}, [](const TensorList& v) {
      return TensorList{v[0] + v[1], v[0] - v[1], v[0] * v[1], remainder(v[0], v[1]), floor_divide(v[0], v[1]),
                        div(v[0], v[1], "trunc"), bitwise_and(v[0], v[1]), bitwise_xor(v[0], v[1]),
                        maximum(v[0], v[1]), pow(v[0], Scalar(2)), bitwise_not(v[0]), neg(v[0]), abs(v[0]),
                        clamp(v[0], -5, 20), v[0] < v[1]};
    });
  }
  // Integer pow with negative tensor exponents (PyTorch: 1 -> 1, -1 -> +-1, else 0).
  const Tensor base = tensor({2, 1, -1, 3, -1}), ex = tensor({-1, -2, -3, 2, -4});
  EXPECT_TENSOR_EQ(pow(base.to(kExt0), ex.to(kExt0)).cpu(), tensor({0, 1, -1, 9, 1}));
  EXPECT_TENSOR_EQ(pow(base, ex), tensor({0, 1, -1, 9, 1}));
  EXPECT_TZ_ERROR(pow(base.to(kExt0), Scalar(-1)), "[pow] integers to negative integer powers are not allowed");
  // Bool arithmetic.
  expect_same_on_both("bool", {tensor({true, false, true}), tensor({true, true, false})}, [](const TensorList& v) {
    return TensorList{v[0] + v[1], v[0] * v[1], maximum(v[0], v[1]), bitwise_xor(v[0], v[1]), bitwise_not(v[0]), abs(v[0])};
  });
}

TEST(Backends, ReferenceIntegerDivisionByZeroThrows) {
  const Tensor a = tensor({1, 2}).to(kExt0), z = tensor({1, 0}).to(kExt0);
  EXPECT_TZ_ERROR(floor_divide(a, z), "integer division by zero");
  EXPECT_TZ_ERROR(remainder(a, z), "integer division by zero");
  EXPECT_TZ_ERROR(div(a, z, "trunc"), "integer division by zero");
  // Float division by zero is IEEE.
  EXPECT_TENSOR_EQ(div(tensor({1.0f}).to(kExt0), tensor({0.0f}).to(kExt0)).cpu(), tensor({INFINITY}));
}

TEST(Backends, ReferenceAgreesWithCpuOnCastsAndReductions) {
  for (DType from : kAllDTypes)
    for (DType to : kAllDTypes) {
      SCOPED_TRACE(std::string(dtype_name(from)) + " -> " + dtype_name(to));
      const Tensor x = varied(from, {2, 3, 2}).transpose(0, 2);
      EXPECT_EQ(raw_bytes(x.to(kExt0).to(to)), raw_bytes(x.to(to)));
    }
  // Float -> narrow integer goes through int64 and wraps (torch: 300.7 -> uint8 44, -1.5 -> 255).
  EXPECT_TENSOR_EQ(tensor({300.7f, -1.5f}).to(kExt0).to(DType::U8).cpu(), tensor({44, 255}));
  EXPECT_TENSOR_EQ(tensor({300.7f, -1.5f}).to(kExt0).to(DType::I8).cpu(), tensor({44, -1}));
  for (DType dt : {DType::F32, DType::F64, DType::I64, DType::I32}) {
    SCOPED_TRACE(dtype_name(dt));
    expect_same_on_both("reduce", {varied(dt, {3, 4, 5})}, [](const TensorList& v) {
      const Tensor x = v[0].permute({2, 0, 1});
      return TensorList{sum(x, {}, false, std::nullopt), sum(x, {0, 2}, true, std::nullopt), mean(x.to(DType::F64), {1}, false)};
    });
  }
}

TEST(Backends, ReferenceSupportsWhatTheCpuSupports) {
  // Same dtype coverage, so every parity case that runs on the CPU also runs on the reference.
  Backend& cpu = backend_for(kCPU);
  Backend& ext = backend_for(kExt0);
  for (int kind = 0; kind <= int(OpKind::Attention); ++kind) {
    const int codes = kind == int(OpKind::Unary) ? kNumUnaryOps : kind == int(OpKind::Binary) ? kNumBinaryOps
                      : kind == int(OpKind::Reduce) ? int(ReduceOp::All) + 1 : 1;
    for (int code = 0; code < codes; ++code)
      for (DType dt : kAllDTypes)
        EXPECT_EQ(ext.supports(OpKey(OpKind(kind), code), dt), cpu.supports(OpKey(OpKind(kind), code), dt))
            << "kind " << kind << " code " << code << " " << dtype_name(dt);
  }
}

TEST(Backends, InPlaceOpsOnReferenceViews) {
  // In-place methods pass the same view as output and input; writes land in the base.
  Tensor x = arange(12, TensorOptions(DType::F32, kExt0)).view({3, 4});
  x.t()[1].add_(tensor({10.f, 20.f, 30.f}).to(kExt0));  // column 1
  x.slice(1, 2, 4).mul_(2.0);
  EXPECT_TENSOR_EQ(x.cpu(), tensor({{0.f, 11.f, 4.f, 6.f}, {4.f, 25.f, 12.f, 14.f}, {8.f, 39.f, 20.f, 22.f}}));
  x.narrow(0, 0, 1).fill_(-1.0);
  EXPECT_TENSOR_EQ(x.cpu()[0], full({4}, -1.0));
}

// ---- the reference kernels that the CPU backend does not have yet, checked by hand --------

Tensor on_ext(const Tensor& t) { return t.to(kExt0); }

TEST(StubKernels, MatmulTripleLoopWithAccumulate) {
  Backend& ext = backend_for(kExt0);
  const Tensor a = on_ext(tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}).view({1, 2, 3}));
  const Tensor bt = on_ext(tensor({{1.f, 0.f, 2.f}, {-1.f, 3.f, 1.f}}).view({1, 2, 3}));
  const Tensor b = bt.transpose(1, 2);  // [1, 3, 2], non-contiguous
  Tensor out = on_ext(full({1, 2, 2}, 10.0));
  ext.matmul(out.kernel_view(), a.kernel_view(), b.kernel_view(), false);
  EXPECT_TENSOR_EQ(out.cpu(), tensor({{7.f, 8.f}, {16.f, 17.f}}).view({1, 2, 2}));
  ext.matmul(out.kernel_view(), a.kernel_view(), b.kernel_view(), true);
  EXPECT_TENSOR_EQ(out.cpu(), tensor({{14.f, 16.f}, {32.f, 34.f}}).view({1, 2, 2}));
  // Integer matmul with a broadcast (stride-0) batch operand.
  const Tensor ai = on_ext(tensor({{1, 2}, {3, 4}}).view({1, 2, 2}).expand({3, 2, 2}));
  const Tensor bi = on_ext(arange(12).view({3, 2, 2}));
  Tensor oi = on_ext(zeros({3, 2, 2}, DType::I64));
  ext.matmul(oi.kernel_view(), ai.kernel_view(), bi.kernel_view(), false);
  EXPECT_TENSOR_EQ(oi.cpu()[2], tensor({{28, 31}, {64, 71}}));
}

TEST(StubKernels, GatherAndScatterModes) {
  Backend& ext = backend_for(kExt0);
  const Tensor in = on_ext(tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}));
  const Tensor idx = on_ext(tensor({{2, 0}, {1, 1}}));
  Tensor out = on_ext(zeros({2, 2}));
  ext.gather(out.kernel_view(), in.kernel_view(), idx.kernel_view(), 1);
  EXPECT_TENSOR_EQ(out.cpu(), tensor({{3.f, 1.f}, {5.f, 5.f}}));
  const Tensor bad = on_ext(tensor({{3, 0}, {1, 1}}));
  EXPECT_TZ_ERROR(ext.gather(out.kernel_view(), in.kernel_view(), bad.kernel_view(), 1),
                  "[gather] index 3 is out of bounds for dimension 1 with size 3");

  // torch.scatter_reduce(tensor([1,2,3,4]), 0, tensor([0,0,1]), tensor([5,6,-7]), mode, include_self)
  const Tensor sidx = on_ext(tensor({0, 0, 1})), src = on_ext(tensor({5, 6, -7}));
  auto run = [&](ScatterReduce r, bool include_self) {
    Tensor o = on_ext(tensor({1, 2, 3, 4}));
    ext.scatter(r, o.kernel_view(), sidx.kernel_view(), src.kernel_view(), 0, include_self);
    return o.cpu();
  };
  EXPECT_TENSOR_EQ(run(ScatterReduce::Assign, true), tensor({6, -7, 3, 4}));
  EXPECT_TENSOR_EQ(run(ScatterReduce::Sum, true), tensor({12, -5, 3, 4}));
  EXPECT_TENSOR_EQ(run(ScatterReduce::Sum, false), tensor({11, -7, 3, 4}));
  EXPECT_TENSOR_EQ(run(ScatterReduce::Prod, true), tensor({30, -14, 3, 4}));
  EXPECT_TENSOR_EQ(run(ScatterReduce::Prod, false), tensor({30, -7, 3, 4}));
  EXPECT_TENSOR_EQ(run(ScatterReduce::Mean, true), tensor({4, -3, 3, 4}));   // (1+5+6)/3, floor(-5/2)
  EXPECT_TENSOR_EQ(run(ScatterReduce::Mean, false), tensor({5, -7, 3, 4}));  // floor(11/2)
  EXPECT_TENSOR_EQ(run(ScatterReduce::Amax, true), tensor({6, 2, 3, 4}));
  EXPECT_TENSOR_EQ(run(ScatterReduce::Amin, false), tensor({5, -7, 3, 4}));
  // Floating mean divides exactly.
  Tensor of = on_ext(tensor({1.f, 2.f}));
  const Tensor fsrc = on_ext(tensor({2.f, 4.f}));
  ext.scatter(ScatterReduce::Mean, of.kernel_view(), on_ext(tensor({1, 1})).kernel_view(), fsrc.kernel_view(), 0, true);
  EXPECT_TENSOR_EQ(of.cpu(), tensor({1.f, 8.f / 3.f}));
  Tensor untouched = on_ext(tensor({1, 2, 3, 4}));
  EXPECT_TZ_ERROR(ext.scatter(ScatterReduce::Sum, untouched.kernel_view(), on_ext(tensor({0, 4, 1})).kernel_view(),
                              src.kernel_view(), 0, true),
                  "index 4 is out of bounds");
  EXPECT_TENSOR_EQ(untouched.cpu(), tensor({1, 2, 3, 4}));
}

TEST(StubKernels, ArgReduceScanSortNonzero) {
  Backend& ext = backend_for(kExt0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = on_ext(tensor({1.0, nan, 3.0, 2.0, 2.0, 1.0}, DType::F64).view({2, 3}));
  Tensor vals = on_ext(zeros({2}, DType::F64)), idx = on_ext(zeros({2}, DType::I64));
  ext.arg_reduce(ReduceOp::Max, vals.kernel_view(), idx.kernel_view(), x.kernel_view());
  EXPECT_TENSOR_EQ(idx.cpu(), tensor({1, 0}));  // NaN wins; ties give the first index
  EXPECT_TRUE(std::isnan(vals.cpu().to_vector<double>()[0]));
  ext.arg_reduce(ReduceOp::Min, vals.kernel_view(), idx.kernel_view(), x.kernel_view());
  EXPECT_TENSOR_EQ(idx.cpu(), tensor({1, 2}));

  const Tensor s = on_ext(tensor({{1, 2, 3}, {4, 5, 6}}));
  Tensor cs = on_ext(zeros({2, 3}, DType::I64));
  ext.scan(ScanOp::CumSum, cs.kernel_view(), s.kernel_view(), false);
  EXPECT_TENSOR_EQ(cs.cpu(), tensor({{1, 3, 6}, {4, 9, 15}}));
  ext.scan(ScanOp::CumProd, cs.kernel_view(), s.kernel_view(), true);
  EXPECT_TENSOR_EQ(cs.cpu(), tensor({{6, 6, 3}, {120, 30, 6}}));
  Tensor cst = on_ext(zeros({3, 2}, DType::I64));  // along the columns of s via a transposed view
  ext.scan(ScanOp::CumSum, cst.kernel_view(), s.transpose(0, 1).kernel_view(), false);
  EXPECT_TENSOR_EQ(cst.cpu(), tensor({{1, 5}, {2, 7}, {3, 9}}));

  // torch.sort(tensor([3., nan, 1., 3.]), descending=True) -> [nan, 3, 3, 1], [1, 0, 3, 2]
  const Tensor u = on_ext(tensor({3.0, nan, 1.0, 3.0}, DType::F32));
  Tensor sv = on_ext(zeros({4})), si = on_ext(zeros({4}, DType::I64));
  ext.sort(sv.kernel_view(), si.kernel_view(), u.kernel_view(), true);
  EXPECT_TENSOR_EQ(si.cpu(), tensor({1, 0, 3, 2}));
  ext.sort(sv.kernel_view(), si.kernel_view(), u.kernel_view(), false);
  EXPECT_TENSOR_EQ(si.cpu(), tensor({2, 0, 3, 1}));
  EXPECT_TENSOR_EQ(sv.cpu().narrow(0, 0, 3), tensor({1.f, 3.f, 3.f}));

  const Tensor m = on_ext(tensor({{0, 3, 0}, {7, 0, 1}}));
  Tensor nz = on_ext(zeros({3, 2}, DType::I64));
  ext.nonzero(nz.kernel_view(), m.kernel_view());
  EXPECT_TENSOR_EQ(nz.cpu(), tensor({{0, 1}, {1, 0}, {1, 2}}));
}

TEST(StubKernels, NoFusedKernels) {
  // The reference runs the core's composite paths: every optional kernel reports absence.
  Backend& ext = backend_for(kExt0);
  TensorView v;
  EXPECT_FALSE(ext.softmax(v, v, false));
  EXPECT_FALSE(ext.layer_norm(v, v, v, v, v, v, 1e-5));
  EXPECT_FALSE(ext.conv(v, v, v, v, ConvParams{}));
  EXPECT_FALSE(ext.pool(v, v, v, PoolParams{}));
  EXPECT_FALSE(ext.resample(v, v, ResampleParams{}));
  EXPECT_FALSE(ext.supports(UnaryOp::Exp, DType::I64));
  EXPECT_TRUE(ext.supports(UnaryOp::Exp, DType::BF16));
  EXPECT_TZ_ERROR(dispatch::unary(UnaryOp::Exp, tensor({1, 2}).to(kExt0)), "[exp] not implemented on ext0 for int64");
}

}  // namespace
}  // namespace tz::test
