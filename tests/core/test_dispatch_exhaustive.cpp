// Exhaustive dispatch (issue 13): every enumerator of every op enum has its own name, the CPU
// backend's supports() answers what its kernels really do (each (kind, code, dtype) is run on a
// small input and must run exactly when supports() says so), the shared scalar formulas of
// backends/common/scalar_ops.h give the hand-computed values, and the scan ops dispatch by name.
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <string>

#include "backends/common/optim_update.h"
#include "backends/common/scalar_ops.h"
#include "core/dispatch.h"
#include "core/op_dtypes.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

const Device kExt0(DeviceType::Ext0, 0);
const std::vector<DType> kAllDTypes{DType::Bool, DType::U8,   DType::I8,  DType::I32, DType::I64,
                                    DType::F16,  DType::BF16, DType::F32, DType::F64};

/// Names of codes 0..n-1 of one enum: each non-empty, not "?", and distinct.
template <class E, class F>
void expect_distinct_names(int n, F name_of, const char* what) {
  std::set<std::string> seen;
  for (int c = 0; c < n; ++c) {
    const std::string name = name_of(E(c));
    EXPECT_FALSE(name.empty()) << what << " " << c;
    EXPECT_NE(name, "?") << what << " " << c << " has no name";
    EXPECT_TRUE(seen.insert(name).second) << what << " " << c << " repeats the name " << name;
  }
  EXPECT_EQ(int(seen.size()), n) << what;
}

TEST(DispatchNames, EveryEnumeratorHasADistinctName) {
  expect_distinct_names<UnaryOp>(kNumUnaryOps, unary_op_name, "UnaryOp");
  expect_distinct_names<BinaryOp>(kNumBinaryOps, binary_op_name, "BinaryOp");
  expect_distinct_names<ReduceOp>(kNumReduceOps, reduce_op_name, "ReduceOp");
  expect_distinct_names<ScanOp>(kNumScanOps, scan_op_name, "ScanOp");
  expect_distinct_names<ScatterReduce>(kNumScatterReduces, scatter_reduce_name, "ScatterReduce");
  expect_distinct_names<RandomOp>(kNumRandomOps, random_op_name, "RandomOp");
  expect_distinct_names<OpKind>(kNumOpKinds, op_kind_name, "OpKind");
  expect_distinct_names<PoolKind>(2, pool_kind_name, "PoolKind");
  // The counts end at the last enumerator: one past it has no name.
  EXPECT_STREQ(unary_op_name(UnaryOp(kNumUnaryOps)), "?");
  EXPECT_STREQ(binary_op_name(BinaryOp(kNumBinaryOps)), "?");
  EXPECT_STREQ(scan_op_name(ScanOp(kNumScanOps)), "?");
  EXPECT_STREQ(op_kind_name(OpKind(kNumOpKinds)), "?");
  EXPECT_STREQ(scan_op_name(ScanOp::CumSum), "cumsum");
  EXPECT_STREQ(scan_op_name(ScanOp::CumProd), "cumprod");
}

TEST(DispatchNames, PredicatesAreExactlyTheBoolOps) {
  const std::set<BinaryOp> preds{BinaryOp::Eq, BinaryOp::Ne, BinaryOp::Lt, BinaryOp::Le, BinaryOp::Gt,
                                 BinaryOp::Ge, BinaryOp::LogicalAnd, BinaryOp::LogicalOr, BinaryOp::LogicalXor};
  for (int c = 0; c < kNumBinaryOps; ++c)
    EXPECT_EQ(binary_op_is_predicate(BinaryOp(c)), preds.count(BinaryOp(c)) == 1) << binary_op_name(BinaryOp(c));
}

// ---- supports() against the CPU kernels --------------------------------------------------------

/// A small CPU tensor of dtype dt with values 1, 2, 3 (nonzero: integer divisors are valid).
Tensor small(DType dt, const Shape& shape = {3}) {
  std::vector<double> v(size_t(numel_of(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(i % 3 + 1);
  return from_vector<double>(v, shape).to(dt);
}

/// Runs `kernel` and reports whether it ran (true) or threw a tz::Error (false).
template <class F>
bool runs(F kernel) {
  try {
    kernel();
    return true;
  } catch (const Error&) {
    return false;
  }
}

Backend& cpu_backend() { return backend_for(kCPU); }

TEST(CpuSupports, UnaryKernelsRunExactlyWhenSupported) {
  Backend& be = cpu_backend();
  for (int c = 0; c < kNumUnaryOps; ++c) {
    const UnaryOp op = UnaryOp(c);
    for (DType dt : kAllDTypes) {
      const Tensor in = small(dt);
      const Tensor out = dispatch::empty(in.shape(), op == UnaryOp::LogicalNot ? DType::Bool : dt, kCPU);
      const UnaryParams p{op == UnaryOp::Clamp ? -1.0 : 1.0, op == UnaryOp::Clamp ? 2.0 : 20.0};
      const bool ran = runs([&] { be.unary(op, out.kernel_view(), in.kernel_view(), p); });
      EXPECT_EQ(ran, be.supports(op, dt)) << unary_op_name(op) << " " << dtype_name(dt);
      EXPECT_EQ(be.supports(op, dt), unary_op_supports(op, dt)) << unary_op_name(op) << " " << dtype_name(dt);
    }
  }
  // Bool had identity fallbacks for every op; exp and neg of bool now fail instead of copying.
  EXPECT_FALSE(be.supports(UnaryOp::Exp, DType::Bool));
  EXPECT_FALSE(be.supports(UnaryOp::Neg, DType::Bool));
}

TEST(CpuSupports, BinaryKernelsRunExactlyWhenSupported) {
  Backend& be = cpu_backend();
  for (int c = 0; c < kNumBinaryOps; ++c) {
    const BinaryOp op = BinaryOp(c);
    for (DType dt : kAllDTypes) {
      const Tensor a = small(dt), b = small(dt);
      const Tensor out = dispatch::empty(a.shape(), binary_op_is_predicate(op) ? DType::Bool : dt, kCPU);
      const bool ran = runs([&] { be.binary(op, out.kernel_view(), a.kernel_view(), b.kernel_view()); });
      EXPECT_EQ(ran, be.supports(op, dt)) << binary_op_name(op) << " " << dtype_name(dt);
      EXPECT_EQ(be.supports(op, dt), binary_op_supports(op, dt)) << binary_op_name(op) << " " << dtype_name(dt);
    }
  }
}

TEST(CpuSupports, ReduceScanArgReduceAndRandomRunExactlyWhenSupported) {
  Backend& be = cpu_backend();
  for (DType dt : kAllDTypes) {
    const Tensor in = small(dt, {2, 3});
    for (int c = 0; c < kNumReduceOps; ++c) {
      const ReduceOp op = ReduceOp(c);
      const bool boolean = op == ReduceOp::Any || op == ReduceOp::All;
      const Tensor out = dispatch::empty({2}, boolean ? DType::Bool : dt, kCPU);
      EXPECT_EQ(runs([&] { be.reduce(op, out.kernel_view(), in.kernel_view(), 1); }), be.supports(op, dt))
          << reduce_op_name(op) << " " << dtype_name(dt);
      const Tensor values = dispatch::empty({2}, dt, kCPU), indices = dispatch::empty({2}, DType::I64, kCPU);
      EXPECT_EQ(runs([&] { be.arg_reduce(op, values.kernel_view(), indices.kernel_view(), in.kernel_view()); }),
                be.supports(OpKey(OpKind::ArgReduce, c), dt))
          << "arg_reduce " << reduce_op_name(op) << " " << dtype_name(dt);
    }
    for (int c = 0; c < kNumScanOps; ++c) {
      const Tensor out = dispatch::empty(in.shape(), dt, kCPU);
      EXPECT_TRUE(be.supports(OpKey(OpKind::Scan, c), dt));
      EXPECT_TRUE(runs([&] { be.scan(ScanOp(c), out.kernel_view(), in.kernel_view(), false); }))
          << scan_op_name(ScanOp(c)) << " " << dtype_name(dt);
    }
    for (int c = 0; c < kNumRandomOps; ++c) {
      const Tensor out = dispatch::empty({4}, dt, kCPU);
      // Parameters whose draws fit every dtype (a negative double converted to u8 is undefined).
      const RandomOp op = RandomOp(c);
      const double a = op == RandomOp::RandInt ? 0.0 : op == RandomOp::Normal ? 10.0 : 0.5;
      const double b = op == RandomOp::RandInt ? 2.0 : 1.0;
      EXPECT_TRUE(be.supports(OpKey(OpKind::Random, c), dt));
      EXPECT_TRUE(runs([&] { be.random(op, out.kernel_view(), 1, 0, a, b); }))
          << random_op_name(RandomOp(c)) << " " << dtype_name(dt);
    }
    // Out-of-range codes are not supported.
    EXPECT_FALSE(be.supports(OpKey(OpKind::Scan, kNumScanOps), dt));
    EXPECT_FALSE(be.supports(OpKey(OpKind::Reduce, kNumReduceOps), dt));
    EXPECT_FALSE(be.supports(OpKey(OpKind::Random, kNumRandomOps), dt));
  }
}

TEST(CpuSupports, MatmulDataMovementAndFusedKindsMatchTheKernels) {
  Backend& be = cpu_backend();
  for (DType dt : kAllDTypes) {
    const Tensor a = small(dt, {1, 2, 2}), b = small(dt, {1, 2, 2});
    const Tensor out = dispatch::empty({1, 2, 2}, dt, kCPU);
    EXPECT_EQ(runs([&] { be.matmul(out.kernel_view(), a.kernel_view(), b.kernel_view(), false); }),
              be.supports(OpKind::Matmul, dt))
        << "matmul " << dtype_name(dt);
    const Tensor x = small(dt, {2, 3}), y = dispatch::empty({2, 3}, dt, kCPU);
    const Tensor index = zeros({2, 3}, DType::I64);
    const Tensor cond = small(DType::Bool, {2, 3});
    EXPECT_TRUE(be.supports(OpKind::Fill, dt) && runs([&] { be.fill(y.kernel_view(), Scalar(1)); }));
    EXPECT_TRUE(be.supports(OpKind::Copy, dt) && runs([&] { be.copy(y.kernel_view(), x.kernel_view()); }));
    EXPECT_TRUE(be.supports(OpKind::Where, dt) &&
                runs([&] { be.where(y.kernel_view(), cond.kernel_view(), x.kernel_view(), x.kernel_view()); }));
    EXPECT_TRUE(be.supports(OpKind::Gather, dt) &&
                runs([&] { be.gather(y.kernel_view(), x.kernel_view(), index.kernel_view(), 1); }));
    EXPECT_TRUE(be.supports(OpKind::Scatter, dt) && runs([&] {
      be.scatter(ScatterReduce::Sum, y.kernel_view(), index.kernel_view(), x.kernel_view(), 1, true);
    }));
    const Tensor sorted = dispatch::empty({2, 3}, dt, kCPU), order = dispatch::empty({2, 3}, DType::I64, kCPU);
    EXPECT_TRUE(be.supports(OpKind::Sort, dt) &&
                runs([&] { be.sort(sorted.kernel_view(), order.kernel_view(), x.kernel_view(), false); }));
    const Tensor coords = dispatch::empty({6, 2}, DType::I64, kCPU);  // small() has no zero
    EXPECT_TRUE(be.supports(OpKind::NonZero, dt) && runs([&] { be.nonzero(coords.kernel_view(), x.kernel_view()); }));
    // The fused kernels: floating only; for other dtypes the softmax kernel declines or throws.
    EXPECT_EQ(be.supports(OpKind::Softmax, dt), is_floating(dt));
    bool done = false;
    const bool ran = runs([&] { done = be.softmax(y.kernel_view(), x.kernel_view(), false); });
    EXPECT_EQ(ran && done, is_floating(dt)) << "softmax " << dtype_name(dt);
    for (OpKind k : {OpKind::LayerNorm, OpKind::Conv, OpKind::Pool, OpKind::Interpolate, OpKind::Attention})
      EXPECT_EQ(be.supports(k, dt), is_floating(dt)) << op_kind_name(k) << " " << dtype_name(dt);
  }
}

TEST(CpuSupports, TheReferenceBackendAgrees) {
  // The stub (ext0) promises the CPU's coverage: the parity table runs a case on both or neither.
  Backend& cpu = cpu_backend();
  Backend& ref = backend_for(kExt0);
  for (int k = 0; k < kNumOpKinds; ++k) {
    const int codes = k == int(OpKind::Unary) ? kNumUnaryOps : k == int(OpKind::Binary) ? kNumBinaryOps : kNumReduceOps;
    for (int c = 0; c <= codes; ++c)  // one past the last code too
      for (DType dt : kAllDTypes)
        EXPECT_EQ(cpu.supports(OpKey(OpKind(k), c), dt), ref.supports(OpKey(OpKind(k), c), dt))
            << op_kind_name(OpKind(k)) << " code " << c << " " << dtype_name(dt);
  }
}

// ---- the shared scalar formulas ----------------------------------------------------------------

TEST(ScalarOps, IntegerWrappingAndDivision) {
  EXPECT_EQ(scalar::wrapped_add<int8_t>(127, 1), int8_t(-128));
  EXPECT_EQ(scalar::wrapped_mul<uint8_t>(16, 16), uint8_t(0));
  EXPECT_EQ(scalar::wrapped_mul<int32_t>(65536, 65536), 0);
  EXPECT_EQ(scalar::wrapped_neg<int64_t>(std::numeric_limits<int64_t>::min()), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(scalar::int_pow<int32_t>(3, 4), 81);
  EXPECT_EQ(scalar::int_pow<int32_t>(2, -1), 0);
  EXPECT_EQ(scalar::int_pow<int32_t>(-1, -3), -1);
  EXPECT_EQ(scalar::int_pow<int8_t>(2, 8), int8_t(0));  // 256 wraps
  EXPECT_EQ(scalar::int_div_trunc<int32_t>(-7, 2), -3);
  EXPECT_EQ(scalar::int_floor_divide<int32_t>(-7, 2), -4);
  EXPECT_EQ(scalar::int_remainder<int32_t>(-7, 2), 1);
  EXPECT_EQ(scalar::int_remainder<int32_t>(7, -2), -1);
  EXPECT_EQ(scalar::int_div_trunc<int8_t>(-128, -1), int8_t(-128));
  EXPECT_EQ(scalar::int_remainder<int8_t>(-128, -1), int8_t(0));
  EXPECT_EQ(scalar::saturate_to<int8_t>(1e9), int8_t(127));
  EXPECT_EQ(scalar::saturate_to<int64_t>(-INFINITY), std::numeric_limits<int64_t>::min());
  int8_t lo = 0, hi = 0;
  scalar::int_clamp_bounds<int8_t>(-2.5, 300.0, lo, hi);
  EXPECT_EQ(lo, -2);
  EXPECT_EQ(hi, 127);
  EXPECT_EQ(scalar::int_unary<int8_t>(UnaryOp::Clamp, -100, lo, hi), -2);
  EXPECT_EQ(scalar::int_unary<int32_t>(UnaryOp::Sign, -5, 0, 0), -1);
  EXPECT_EQ(scalar::int_unary<uint8_t>(UnaryOp::Neg, 1, 0, 0), uint8_t(255));
}

TEST(ScalarOps, FloatingFormulas) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(scalar::float_floor_divide(1.0, 0.1), 9.0);  // Python's //, not floor(1 / 0.1) == 10
  EXPECT_EQ(scalar::float_remainder(-1.0, 3.0), 2.0);
  EXPECT_EQ(scalar::sign(nan), 0.0);
  EXPECT_TRUE(std::isnan(scalar::relu(nan)));
  EXPECT_TRUE(std::isnan(scalar::clamp(nan, 0.0, 1.0)));
  EXPECT_TRUE(std::isnan(scalar::maximum(1.0, nan)));
  EXPECT_EQ(scalar::float_unary<double>(UnaryOp::Round, 2.5, 0, 0), 2.0);  // half to even
  EXPECT_EQ(scalar::float_unary<double>(UnaryOp::Round, 3.5, 0, 0), 4.0);
  EXPECT_DOUBLE_EQ(scalar::gelu_erf(1.0), 0.5 * (1.0 + std::erf(1.0 / std::sqrt(2.0))));
  EXPECT_DOUBLE_EQ(scalar::softplus(1.0, 2.0, 20.0), std::log1p(std::exp(2.0)) / 2.0);
  EXPECT_EQ(scalar::softplus(30.0, 1.0, 20.0), 30.0);  // linear above the threshold
  EXPECT_DOUBLE_EQ(scalar::hardswish(1.0), 1.0 * 4.0 / 6.0);
  EXPECT_EQ(scalar::hardsigmoid(-5.0), 0.0);
  EXPECT_DOUBLE_EQ(scalar::elu(-1.0, 2.0), 2.0 * std::expm1(-1.0));
  EXPECT_EQ(scalar::leaky_relu(-2.0, 0.1), -2.0 * 0.1);
  EXPECT_EQ(scalar::scan_combine<double>(ScanOp::CumProd, 3.0, 4.0), 12.0);
  EXPECT_EQ(scalar::scan_identity<double>(ScanOp::CumProd), 1.0);
  EXPECT_EQ(scalar::scan_identity<uint64_t>(ScanOp::CumSum), 0u);
}

TEST(ScalarOps, OptimizerUpdatesMatchHandComputedSteps) {
  // SGD, momentum 0.5, dampening 0, nesterov, lr 0.1: buf = 0.5 * 2 + 1 = 2, g = 1 + 0.5 * 2 = 2.
  SgdStepParams sp;
  sp.lr = 0.1, sp.momentum = 0.5, sp.nesterov = true;
  double param = 1.0, buf = 2.0;
  scalar::sgd_update(sgd_scalars<double>(sp), 1.0, param, &buf);
  EXPECT_DOUBLE_EQ(buf, 2.0);
  EXPECT_DOUBLE_EQ(param, 1.0 - 0.1 * 2.0);
  // Adam, first step (bias corrections 0.1 and sqrt(0.001)), no decay: m = 0.1 g, v = 0.001 g^2,
  // p -= lr / 0.1 * m / (sqrt(v) / sqrt(0.001) + eps) = lr * g / (|g| + eps).
  AdamStepParams ap;
  ap.lr = 0.01, ap.eps = 1e-8, ap.bias_correction1 = 1.0 - 0.9, ap.bias_correction2_sqrt = std::sqrt(1.0 - 0.999);
  double p = 0.5, m = 0.0, v = 0.0;
  scalar::adam_update<double>(adam_scalars<double>(ap), 2.0, p, m, v, nullptr);
  EXPECT_NEAR(m, 0.2, 1e-15);
  EXPECT_NEAR(v, 0.004, 1e-15);
  EXPECT_NEAR(p, 0.5 - 0.01 * 2.0 / (2.0 + 1e-8), 1e-12);
}

// ---- scans by op ----------------------------------------------------------------------------------

TEST(ScanDispatch, CumsumAndCumprodOnEveryBackendByName) {
  for (Device dev : {kCPU, kExt0}) {
    const Tensor x = from_vector<double>({1, 2, 3, 4, 5, 6}, Shape{2, 3}).to(dev);
    EXPECT_TENSOR_EQ(cumsum(x, 1).cpu(), from_vector<double>({1, 3, 6, 4, 9, 15}, Shape{2, 3}));
    EXPECT_TENSOR_EQ(cumprod(x, 1).cpu(), from_vector<double>({1, 2, 6, 4, 20, 120}, Shape{2, 3}));
    EXPECT_TENSOR_EQ(cumprod(x, 0, /*reverse=*/true).cpu(), from_vector<double>({4, 10, 18, 4, 5, 6}, Shape{2, 3}));
    EXPECT_TENSOR_EQ(cumsum(x.transpose(0, 1), 1).cpu(), from_vector<double>({1, 5, 2, 7, 3, 9}, Shape{3, 2}));
    // Integers accumulate in int64 and wrap: 2^22 * 2^22 * 2^22 = 2^66 is 0 modulo 2^64.
    const Tensor i = from_vector<int32_t>({1 << 22, 1 << 22, 1 << 22}).to(dev);
    const Tensor y = cumprod(i, 0).cpu();
    EXPECT_EQ(y.dtype(), DType::I64);
    EXPECT_TENSOR_EQ(y, from_vector<int64_t>({int64_t(1) << 22, int64_t(1) << 44, 0}));
  }
}

TEST(ScanDispatch, AnUnsupportedScanIsNamedInTheError) {
  // The backend rejects a code past the last scan op by name and code, instead of running cumprod.
  const Tensor x = small(DType::F32, {4});
  const Tensor out = dispatch::empty({4}, DType::F32, kCPU);
  EXPECT_TZ_ERROR(cpu_backend().scan(ScanOp(kNumScanOps), out.kernel_view(), x.kernel_view(), false), "unknown scan op");
}

}  // namespace
}  // namespace tz::test
