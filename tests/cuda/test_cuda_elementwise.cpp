// CUDA unary, binary and where kernels against the CPU backend: every op, every dtype the CPU
// supports, on contiguous, misaligned (scalar path), transposed and broadcast operands.
#include "tests/cuda/cuda_elementwise_inputs.h"

namespace tz::test {
namespace {

constexpr int64_t kFlat = kRows * kCols + 1;

Backend& cpu_backend() { return dispatch::backend_of(zeros({1})); }

UnaryParams params_for(UnaryOp op, DType dt) {
  switch (op) {
    case UnaryOp::Softplus: return {1.5, 2.0};  // beta, threshold: both branches are taken
    case UnaryOp::Elu: return {0.7, 0.0};
    case UnaryOp::LeakyRelu: return {0.1, 0.0};
    case UnaryOp::Clamp:
      if (dt == DType::Bool) return {0.0, 1.0};
      return is_floating(dt) ? UnaryParams{-0.5, 0.75} : UnaryParams{-3.0, 50.0};
    default: return {};
  }
}

TEST(CudaElementwise, SupportsMatchesCpu) {
  TZ_REQUIRE_CUDA();
  Backend& cuda = dispatch::backend_of(zeros({1}, cuda_device()));
  for (DType dt : all_dtypes()) {
    for (int op = 0; op < kNumUnaryOps; ++op)
      EXPECT_EQ(cuda.supports(UnaryOp(op), dt), cpu_backend().supports(UnaryOp(op), dt)) << unary_op_name(UnaryOp(op));
    for (int op = 0; op < kNumBinaryOps; ++op)
      EXPECT_EQ(cuda.supports(BinaryOp(op), dt), cpu_backend().supports(BinaryOp(op), dt)) << binary_op_name(BinaryOp(op));
  }
}

TEST(CudaElementwise, EveryUnaryOpMatchesCpu) {
  TZ_REQUIRE_CUDA();
  int cases = 0;
  for (DType dt : all_dtypes()) {
    const Tensor values = sample_values(dt, kFlat, 1);
    for (int code = 0; code < kNumUnaryOps; ++code) {
      const UnaryOp op = UnaryOp(code);
      if (!cpu_backend().supports(op, dt)) continue;
      const UnaryParams p = params_for(op, dt);
      const Tolerance tol = cuda_tolerance(op == UnaryOp::LogicalNot ? DType::Bool : dt);
      for (Layout layout : all_layouts()) {
        const Operand x = make_operand(values, layout);
        // The CPU reference runs on a strided copy: its scalar std:: loop, not the vectorised f32
        // approximations (which return NaN for gelu(+inf)).
        const Tensor expected = dispatch::unary(op, x.cpu.t().contiguous().t(), p);
        const Tensor actual = dispatch::unary(op, x.cuda, p);
        ASSERT_EQ(actual.device(), cuda_device());
        EXPECT_EQ(actual.dtype(), expected.dtype());
        EXPECT_TRUE(tensors_close(actual.cpu(), expected, tol.rtol, tol.atol)) << case_name(unary_op_name(op), dt, layout);
        ++cases;
      }
    }
  }
  EXPECT_GT(cases, 300);
}

TEST(CudaElementwise, ClampWithAbsentBoundsSaturatesIntegers) {
  TZ_REQUIRE_CUDA();
  const double inf = std::numeric_limits<double>::infinity();
  for (DType dt : {DType::I64, DType::I32, DType::I8, DType::U8}) {
    const Tensor x = sample_values(dt, 300, 4);
    for (UnaryParams p : {UnaryParams{-inf, 7.0}, UnaryParams{-2.5, inf}, UnaryParams{-1e30, 1e30}}) {
      const Tensor expected = dispatch::unary(UnaryOp::Clamp, x, p);
      EXPECT_TENSOR_EQ(dispatch::unary(UnaryOp::Clamp, x.to(cuda_device()), p).cpu(), expected) << dtype_name(dt);
    }
  }
}

TEST(CudaElementwise, NanSemantics) {
  TZ_REQUIRE_CUDA();
  const double nan = std::nan("");
  const Tensor x = from_vector<double>({nan, -1.0, 2.0, nan}).to(cuda_device());
  const Tensor y = from_vector<double>({1.0, nan, 1.0, nan}).to(cuda_device());
  for (DType dt : {DType::F32, DType::F16}) {
    const Tensor xd = x.to(dt), yd = y.to(dt);
    auto vals = [](const Tensor& t) { return t.cpu().to_vector<double>(); };
    const auto sign = vals(dispatch::unary(UnaryOp::Sign, xd));
    EXPECT_EQ(sign[0], 0.0);  // sign(NaN) == 0
    EXPECT_EQ(sign[1], -1.0);
    EXPECT_TRUE(std::isnan(vals(dispatch::unary(UnaryOp::Relu, xd))[0]));
    EXPECT_TRUE(std::isnan(vals(dispatch::unary(UnaryOp::Clamp, xd, {0.0, 1.0}))[0]));
    const auto mx = vals(dispatch::binary(BinaryOp::Maximum, xd, yd));
    EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mx[1]) && std::isnan(mx[3]));
    EXPECT_EQ(mx[2], 2.0);
    const auto mn = vals(dispatch::binary(BinaryOp::Minimum, xd, yd));
    EXPECT_TRUE(std::isnan(mn[0]) && std::isnan(mn[1]));
    EXPECT_EQ(mn[2], 1.0);
    const auto ne = dispatch::binary(BinaryOp::Ne, xd, xd).cpu().to_vector<double>();
    EXPECT_EQ(ne, (std::vector<double>{1.0, 0.0, 0.0, 1.0}));
    EXPECT_EQ(vals(dispatch::unary(UnaryOp::LogicalNot, xd)), (std::vector<double>{0.0, 0.0, 0.0, 0.0}));
  }
}

/// Operands of a binary op: divisors of the integer division family are never 0 and integer
/// pow gets small bases and exponents (its overflow would still match, but say nothing).
std::pair<Tensor, Tensor> binary_values(BinaryOp op, DType dt) {
  Tensor a = sample_values(dt, kFlat, 2), b = sample_values(dt, kFlat, 3);
  if (!is_floating(dt) && dt != DType::Bool) {
    const bool is_unsigned = dt == DType::U8;
    if (op == BinaryOp::Div || op == BinaryOp::FloorDivide || op == BinaryOp::Remainder) {
      auto v = make_input({kFlat}, DType::F64, 2.0, 10.0, 5).to_vector<double>();
      // Magnitudes from 2: the CPU traps on INT_MIN / -1 (the cuda kernel's -1 case is checked in
      // PythonStyleIntegerDivision).
      for (size_t i = 0; i < v.size(); ++i) v[i] = std::floor(v[i]) * (!is_unsigned && i % 3 == 1 ? -1.0 : 1.0);
      b = from_vector(v).to(dt);
    } else if (op == BinaryOp::Pow) {
      a = dispatch::unary(UnaryOp::Floor, make_input({kFlat}, DType::F64, is_unsigned ? 0.0 : -4.0, 5.0, 6)).to(dt);
      b = dispatch::unary(UnaryOp::Floor, make_input({kFlat}, DType::F64, is_unsigned ? 0.0 : -2.0, 7.0, 7)).to(dt);
    }
  }
  return {a, b};
}

TEST(CudaElementwise, EveryBinaryOpMatchesCpu) {
  TZ_REQUIRE_CUDA();
  int cases = 0;
  for (DType dt : all_dtypes()) {
    for (int code = 0; code < kNumBinaryOps; ++code) {
      const BinaryOp op = BinaryOp(code);
      if (!cpu_backend().supports(op, dt)) continue;
      const auto [av, bv] = binary_values(op, dt);
      const Tolerance tol = cuda_tolerance(binary_op_is_predicate(op) ? DType::Bool : dt);
      // (a layout, b layout): both vectorised, misaligned, transposed, row-broadcast b, and a 0-d b.
      const std::vector<std::pair<Layout, Layout>> pairs{{Layout::Contiguous, Layout::Contiguous},
                                                         {Layout::Misaligned, Layout::Contiguous},
                                                         {Layout::Transposed, Layout::Contiguous},
                                                         {Layout::Contiguous, Layout::Broadcast},
                                                         {Layout::Broadcast, Layout::Transposed}};
      for (const auto& [la, lb] : pairs) {
        const Operand a = make_operand(av, la), b = make_operand(bv, lb);
        const Tensor expected = dispatch::binary(op, a.cpu, b.cpu);
        const Tensor actual = dispatch::binary(op, a.cuda, b.cuda);
        EXPECT_EQ(actual.dtype(), expected.dtype());
        EXPECT_TRUE(tensors_close(actual.cpu(), expected, tol.rtol, tol.atol))
            << case_name(binary_op_name(op), dt, la) << " with b " << layout_name(lb);
        ++cases;
      }
      // A 0-d second operand: the contiguous kernel's broadcast-scalar input.
      const Tensor scalar_cpu = bv.narrow(0, 5, 1).view({});
      const Operand a = make_operand(av, Layout::Contiguous);
      EXPECT_TRUE(tensors_close(dispatch::binary(op, a.cuda, scalar_cpu.to(cuda_device())).cpu(),
                                dispatch::binary(op, a.cpu, scalar_cpu), tol.rtol, tol.atol))
          << case_name(binary_op_name(op), dt, Layout::Contiguous) << " with a 0-d b";
    }
  }
  EXPECT_GT(cases, 500);
}

TEST(CudaElementwise, IntegerDivisionByZeroRaisesAndWritesNothing) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::I64, DType::I32, DType::I8, DType::U8}) {
    const Tensor a = full({4, 5}, 7, TensorOptions(dt, cuda_device()));
    Tensor b = full({4, 5}, 2, TensorOptions(dt, cuda_device()));
    dispatch::fill(b.select(0, 2).narrow(0, 3, 1), 0);
    for (BinaryOp op : {BinaryOp::Div, BinaryOp::FloorDivide, BinaryOp::Remainder}) {
      EXPECT_TZ_ERROR(dispatch::binary(op, a, b), "integer division by zero");
      // A broadcast divisor with a zero in it is found too.
      EXPECT_TZ_ERROR(dispatch::binary(op, a, b.select(0, 2)), "integer division by zero");
    }
  }
}

TEST(CudaElementwise, PythonStyleIntegerDivision) {
  TZ_REQUIRE_CUDA();
  const Tensor a = from_vector<int64_t>({7, -7, 7, -7, INT64_MIN, 5}).to(cuda_device());
  const Tensor b = from_vector<int64_t>({2, 2, -2, -2, -1, -3}).to(cuda_device());
  EXPECT_EQ(dispatch::binary(BinaryOp::FloorDivide, a, b).cpu().to_vector<int64_t>(),
            (std::vector<int64_t>{3, -4, -4, 3, INT64_MIN, -2}));
  EXPECT_EQ(dispatch::binary(BinaryOp::Remainder, a, b).cpu().to_vector<int64_t>(), (std::vector<int64_t>{1, 1, -1, -1, 0, -1}));
  EXPECT_EQ(dispatch::binary(BinaryOp::Div, a, b).cpu().to_vector<int64_t>(), (std::vector<int64_t>{3, -3, -3, 3, INT64_MIN, -1}));
  const Tensor base = from_vector<int32_t>({2, -1, -1, 1, 3, 0}).to(cuda_device());
  const Tensor ex = from_vector<int32_t>({10, -3, -2, -5, -1, 0}).to(cuda_device());
  EXPECT_EQ(dispatch::binary(BinaryOp::Pow, base, ex).cpu().to_vector<int32_t>(), (std::vector<int32_t>{1024, -1, 1, 1, 0, 1}));
}

TEST(CudaElementwise, WhereMatchesCpuForEveryDtypeAndLayout) {
  TZ_REQUIRE_CUDA();
  const Tensor cond_values = sample_values(DType::Bool, kFlat, 8);
  for (DType dt : all_dtypes()) {
    const Tensor av = sample_values(dt, kFlat, 9), bv = sample_values(dt, kFlat, 10);
    for (Layout layout : all_layouts()) {
      const Operand c = make_operand(cond_values, layout);
      const Operand a = make_operand(av, layout == Layout::Broadcast ? Layout::Transposed : Layout::Contiguous);
      const Operand b = make_operand(bv, layout == Layout::Contiguous ? Layout::Contiguous : Layout::Broadcast);
      EXPECT_TENSOR_EQ(dispatch::where(c.cuda, a.cuda, b.cuda).cpu(), dispatch::where(c.cpu, a.cpu, b.cpu))
          << case_name("where", dt, layout);
    }
  }
}

TEST(CudaElementwise, InPlaceAndLargeTensors) {
  TZ_REQUIRE_CUDA();
  // 2^22 + 3 elements: many grid-stride iterations plus a vector tail; an in-place op (out == in).
  const int64_t n = (int64_t(1) << 22) + 3;
  const Tensor x = make_input({n}, DType::F32, -4.0, 4.0, 11);
  const Tensor xc = x.to(cuda_device());
  Backend& cuda = dispatch::backend_of(xc);
  cuda.unary(UnaryOp::GeluTanh, xc.kernel_view(), xc.kernel_view(), {});
  const Tensor expected = dispatch::unary(UnaryOp::GeluTanh, x);
  EXPECT_TRUE(tensors_close(xc.cpu(), expected, 3e-5, 1e-6));
  const Tensor sum = dispatch::binary(BinaryOp::Add, xc, xc);
  EXPECT_TRUE(tensors_close(sum.cpu(), dispatch::binary(BinaryOp::Add, expected, expected), 3e-5, 1e-6));
}

}  // namespace
}  // namespace tz::test
