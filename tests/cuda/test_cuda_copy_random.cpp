// CUDA fill, copy (casts between all dtype pairs, strided and broadcast sources and
// destinations) and the counter-based random kernels against the CPU backend; random must give
// the CPU's numbers for the same seed and offset.
#include <cstring>

#include "tests/cuda/cuda_elementwise_inputs.h"

namespace tz::test {
namespace {

constexpr int64_t kFlat = kRows * kCols + 1;

/// Cast sources: the usual samples plus values whose conversion is easy to get wrong (out of
/// the narrow types' ranges, fractional negatives, beyond int64).
Tensor cast_source(DType dt) {
  if (!is_floating(dt)) return sample_values(dt, kFlat, 21);
  std::vector<double> v = sample_values(DType::F64, kFlat, 21, -300.0, 300.0).to_vector<double>();
  const std::vector<double> extra{-2.7, 2.7, 255.5, 256.0, -129.0, 1e10, -1e10, 3e19, 70000.0, 1e-8, 65504.0, 65520.0};
  for (size_t i = 0; i < extra.size(); ++i) v[100 + i * 5] = extra[i];
  return from_vector(v).to(dt);
}

TEST(CudaCopy, CastsBetweenEveryDtypePair) {
  TZ_REQUIRE_CUDA();
  for (DType from : all_dtypes()) {
    const Tensor src = cast_source(from);
    for (DType to : all_dtypes()) {
      for (Layout layout : {Layout::Contiguous, Layout::Misaligned, Layout::Transposed, Layout::Broadcast}) {
        const Operand s = make_operand(src, layout);
        // Cast through copy_into so the source layout reaches the kernel as it is.
        const Tensor expected = zeros({kRows, kCols}, to);
        dispatch::copy_into(expected, s.cpu);
        const Tensor actual = zeros({kRows, kCols}, TensorOptions(to, cuda_device()));
        dispatch::copy_into(actual, s.cuda);
        EXPECT_TENSOR_EQ(actual.cpu(), expected) << dtype_name(from) << " -> " << case_name("copy", to, layout);
      }
    }
  }
}

TEST(CudaCopy, IntoStridedDestination) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::BF16, DType::I64, DType::Bool}) {
    const Tensor src = sample_values(DType::F32, kRows * kCols, 22).view({kRows, kCols});
    Tensor expected = zeros({kCols, kRows}, dt);
    Tensor actual = zeros({kCols, kRows}, TensorOptions(dt, cuda_device()));
    dispatch::copy_into(expected.t(), src);
    dispatch::copy_into(actual.t(), src.to(cuda_device()));
    EXPECT_TENSOR_EQ(actual.cpu(), expected) << dtype_name(dt);
    // Every other column of a wider tensor (a step-2 destination).
    Tensor wide_expected = zeros({kRows, 2 * kCols}, dt), wide_actual = zeros({kRows, 2 * kCols}, TensorOptions(dt, cuda_device()));
    dispatch::copy_into(wide_expected.slice(1, 0, {}, 2), src);
    dispatch::copy_into(wide_actual.slice(1, 0, {}, 2), src.to(cuda_device()));
    EXPECT_TENSOR_EQ(wide_actual.cpu(), wide_expected) << dtype_name(dt);
  }
}

TEST(CudaCopy, CloneAndContiguousKeepValues) {
  TZ_REQUIRE_CUDA();
  const Tensor x = make_input({64, 33}, DType::F32).to(cuda_device());
  EXPECT_TENSOR_EQ(x.clone().cpu(), x.cpu());
  EXPECT_TENSOR_EQ(x.t().contiguous().cpu(), x.cpu().t().contiguous());
}

TEST(CudaFill, EveryDtypeAndLayout) {
  TZ_REQUIRE_CUDA();
  for (DType dt : all_dtypes()) {
    for (Scalar value : {Scalar(0), Scalar(-1), Scalar(3.7), Scalar(true), Scalar(int64_t(300)), Scalar(-0.0)}) {
      EXPECT_TENSOR_EQ(full({5, 7}, value, TensorOptions(dt, cuda_device())).cpu(), full({5, 7}, value, dt))
          << dtype_name(dt) << " " << value;
      // A strided destination (every other row) keeps the untouched rows.
      Tensor expected = ones({6, 7}, dt), actual = ones({6, 7}, TensorOptions(dt, cuda_device()));
      dispatch::fill(expected.slice(0, 0, {}, 2), value);
      dispatch::fill(actual.slice(0, 0, {}, 2), value);
      EXPECT_TENSOR_EQ(actual.cpu(), expected) << dtype_name(dt) << " strided " << value;
    }
  }
}

/// Raw bytes of a contiguous CPU tensor (the bit-exact comparison of random draws).
std::vector<uint8_t> bytes_of(const Tensor& t) {
  const Tensor c = t.cpu().contiguous();
  std::vector<uint8_t> b(size_t(c.numel() * dtype_size(c.dtype())));
  std::memcpy(b.data(), c.data_ptr(), b.size());
  return b;
}

struct RandomCase {
  RandomOp op;
  double a, b;
  const char* name;
};

TEST(CudaRandom, SameNumbersAsCpuForEveryOpAndDtype) {
  TZ_REQUIRE_CUDA();
  const std::vector<RandomCase> cases{{RandomOp::Uniform, -2.0, 3.0, "uniform"},
                                      {RandomOp::Normal, 0.5, 2.0, "normal"},
                                      {RandomOp::Bernoulli, 0.3, 0.0, "bernoulli"},
                                      {RandomOp::RandInt, -5.0, 17.0, "randint"}};
  const uint64_t seed = 0x1234abcd9876ULL, offset = (uint64_t(1) << 32) - 100;  // counters cross 2^32
  for (const RandomCase& c : cases) {
    for (DType dt : all_dtypes()) {
      if (dt == DType::U8 && c.op == RandomOp::RandInt) continue;  // negative range for u8
      for (bool strided : {false, true}) {
        // Strided: the transposed view of a [cols, rows] tensor, filled in its row-major order.
        Tensor cpu = strided ? empty({kCols, kRows}, dt).t() : empty({kRows, kCols}, dt);
        Tensor gpu = strided ? empty({kCols, kRows}, TensorOptions(dt, cuda_device())).t()
                             : empty({kRows, kCols}, TensorOptions(dt, cuda_device()));
        dispatch::backend_of(cpu).random(c.op, cpu.kernel_view(), seed, offset, c.a, c.b);
        dispatch::backend_of(gpu).random(c.op, gpu.kernel_view(), seed, offset, c.a, c.b);
        const std::string what = std::string(c.name) + " " + dtype_name(dt) + (strided ? " strided" : "");
        if (c.op == RandomOp::Normal && dt == DType::F64) {
          // The GPU's double log/cos may differ from glibc's in the last bits.
          EXPECT_TRUE(tensors_close(gpu.cpu(), cpu, 1e-14, 1e-15)) << what;
        } else {
          EXPECT_TRUE(bytes_of(gpu) == bytes_of(cpu)) << what << ": not bit-identical to the CPU\n cuda "
                                                      << gpu.cpu().narrow(0, 0, 1).str() << "\n cpu  "
                                                      << cpu.narrow(0, 0, 1).str();
        }
      }
    }
  }
}

TEST(CudaRandom, PublicFactoriesMatchCpuForTheSameGenerator) {
  TZ_REQUIRE_CUDA();
  for (DType dt : {DType::F32, DType::F64, DType::BF16}) {
    Generator g_cpu(42), g_gpu(42);
    const Tensor u_cpu = rand({1000, 3}, dt, &g_cpu), u_gpu = rand({1000, 3}, TensorOptions(dt, cuda_device()), &g_gpu);
    EXPECT_TRUE(bytes_of(u_gpu) == bytes_of(u_cpu)) << "rand " << dtype_name(dt);
    const Tensor n_cpu = randn({77, 5}, dt, &g_cpu), n_gpu = randn({77, 5}, TensorOptions(dt, cuda_device()), &g_gpu);
    EXPECT_TRUE(tensors_close(n_gpu.cpu(), n_cpu, 1e-14, 1e-15)) << "randn " << dtype_name(dt);
    EXPECT_EQ(g_cpu.state().offset, g_gpu.state().offset);
  }
  Generator g_cpu(7), g_gpu(7);
  EXPECT_TRUE(bytes_of(randint(-3, 1000, {4096}, TensorOptions(DType::I32, cuda_device()), &g_gpu)) ==
              bytes_of(randint(-3, 1000, {4096}, DType::I32, &g_cpu)));
  EXPECT_TRUE(bytes_of(bernoulli({4096}, 0.25, TensorOptions(DType::F16, cuda_device()), &g_gpu)) ==
              bytes_of(bernoulli({4096}, 0.25, DType::F16, &g_cpu)));
}

TEST(CudaRandom, LargeUniformIsBitIdenticalAndWellDistributed) {
  TZ_REQUIRE_CUDA();
  const int64_t n = (int64_t(1) << 21) + 5;  // many grid-stride iterations
  Tensor cpu = empty({n}, DType::F32), gpu = empty({n}, TensorOptions(DType::F32, cuda_device()));
  dispatch::backend_of(cpu).random(RandomOp::Uniform, cpu.kernel_view(), 99, 0, 0.0, 1.0);
  dispatch::backend_of(gpu).random(RandomOp::Uniform, gpu.kernel_view(), 99, 0, 0.0, 1.0);
  EXPECT_TRUE(bytes_of(gpu) == bytes_of(cpu));
  const auto v = gpu.cpu().to_vector<float>();
  double mean = 0;
  for (float x : v) mean += x;
  EXPECT_NEAR(mean / double(n), 0.5, 2e-3);
}

}  // namespace
}  // namespace tz::test
