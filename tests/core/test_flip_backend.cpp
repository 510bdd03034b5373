// flip through the backend (issue 13): the CPU runs its optional Backend::flip kernel, the
// reference backend (ext0) has none and runs the copy-kernel composite, and the composite also
// runs on the CPU through shape_raw::flip_composite. Every result is checked against values
// computed by hand from the index formula, for several dims, dtypes of every element size,
// non-contiguous inputs, long and prime-length dims, size 0 and 0-d.
#include <vector>

#include "autograd/shape_raw.h"
#include "core/dispatch.h"
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

const Device kExt0(DeviceType::Ext0, 0);

/// 0, 1, ..., n-1 as f64 with the given shape (contiguous, CPU).
Tensor iota(const Shape& shape) {
  std::vector<double> v(size_t(numel_of(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(i);
  return from_vector<double>(v, shape);
}

/// The three ways to flip: the public op on the CPU (backend kernel), the public op on ext0
/// (its fallback), and the fallback called directly on CPU tensors.
std::vector<Tensor> flips(const Tensor& x_cpu, const Dims& dims) {
  std::vector<Tensor> out;
  out.push_back(flip(x_cpu, dims));
  out.push_back(flip(x_cpu.to(kExt0), dims).cpu());
  Dims wrapped;
  for (int64_t d : dims) wrapped.push_back(d < 0 ? d + x_cpu.dim() : d);
  Tensor c = dispatch::empty(x_cpu.shape(), x_cpu.dtype(), kCPU);
  shape_raw::flip_composite(c, x_cpu, wrapped);
  out.push_back(c);
  return out;
}

const char* const kPath[] = {"cpu kernel", "ext0 fallback", "cpu composite"};

TEST(FlipBackend, CpuHasTheKernelAndTheReferenceBackendDoesNot) {
  const Tensor x = iota({2, 3}), y = dispatch::empty({2, 3}, DType::F64, kCPU);
  EXPECT_TRUE(backend_for(kCPU).flip(y.kernel_view(), x.kernel_view(), {true, false}));
  EXPECT_TENSOR_EQ(y, from_vector<double>({3, 4, 5, 0, 1, 2}, Shape{2, 3}));
  const Tensor xe = x.to(kExt0), ye = dispatch::empty({2, 3}, DType::F64, kExt0);
  EXPECT_FALSE(backend_for(kExt0).flip(ye.kernel_view(), xe.kernel_view(), {true, false}));
  // A flag list that does not match the dims is an error naming flip.
  EXPECT_TZ_ERROR(backend_for(kCPU).flip(y.kernel_view(), x.kernel_view(), {true}), "[flip]");
}

TEST(FlipBackend, SeveralDimsMatchTheIndexFormula) {
  const Tensor x = iota({2, 3, 4});  // x[i][j][k] = 12 i + 4 j + k
  std::vector<double> e02, e1, eall;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) {
        e02.push_back(12 * (1 - i) + 4 * j + (3 - k));
        e1.push_back(12 * i + 4 * (2 - j) + k);
        eall.push_back(12 * (1 - i) + 4 * (2 - j) + (3 - k));
      }
  const Shape s{2, 3, 4};
  int p = 0;
  for (const Tensor& y : flips(x, {0, 2})) EXPECT_TENSOR_EQ(y, from_vector<double>(e02, s)) << kPath[p++];
  p = 0;
  for (const Tensor& y : flips(x, {-2})) EXPECT_TENSOR_EQ(y, from_vector<double>(e1, s)) << kPath[p++];
  p = 0;
  for (const Tensor& y : flips(x, {2, 1, 0})) EXPECT_TENSOR_EQ(y, from_vector<double>(eall, s)) << kPath[p++];
  p = 0;
  for (const Tensor& y : flips(x, {})) EXPECT_TENSOR_EQ(y, x) << kPath[p++];
}

TEST(FlipBackend, NonContiguousInputs) {
  const Tensor x = iota({2, 3, 4});
  // Transposed: t[a][b][c] = x[c][b][a] = 12 c + 4 b + a, shape [4, 3, 2]; flip dim 1.
  const Tensor t = x.transpose(0, 2);
  ASSERT_FALSE(t.is_contiguous());
  std::vector<double> e;
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 2; ++c) e.push_back(12 * c + 4 * (2 - b) + a);
  int p = 0;
  for (const Tensor& y : flips(t, {1})) EXPECT_TENSOR_EQ(y, from_vector<double>(e, Shape{4, 3, 2})) << kPath[p++];
  // A strided slice (every other column): s[i][j] = x[i][1][2 j] for j < 2; flip both dims.
  const Tensor s = x.select(1, 1).slice(1, 0, 4, 2);
  ASSERT_FALSE(s.is_contiguous());
  std::vector<double> es;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) es.push_back(12 * (1 - i) + 4 + 2 * (1 - j));
  p = 0;
  for (const Tensor& y : flips(s, {0, 1})) EXPECT_TENSOR_EQ(y, from_vector<double>(es, Shape{2, 2})) << kPath[p++];
}

TEST(FlipBackend, EveryElementSizeMovesUnchanged) {
  const Tensor x = iota({3, 2});
  const std::vector<double> e{4, 5, 2, 3, 0, 1};
  for (DType dt : {DType::Bool, DType::U8, DType::I8, DType::F16, DType::BF16, DType::I32, DType::F32, DType::I64,
                   DType::F64}) {
    const Tensor xd = x.to(dt);
    const Tensor want = from_vector<double>(e, Shape{3, 2}).to(dt);
    int p = 0;
    for (const Tensor& y : flips(xd, {0})) {
      EXPECT_EQ(y.dtype(), dt);
      EXPECT_TENSOR_EQ(y, want) << kPath[p++] << " " << dtype_name(dt);
    }
  }
}

TEST(FlipBackend, LongAndPrimeDimsTakeTheCompositesSplitPaths) {
  // 37 is prime (the composite peels one element), 96 = 32 * 3 (split into outer x inner), both
  // past the one-copy-per-index limit of the composite.
  for (int64_t n : {37, 96}) {
    const Tensor x = iota({2, n});
    std::vector<double> e;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < n; ++k) e.push_back(double(i * n + (n - 1 - k)));
    int p = 0;
    for (const Tensor& y : flips(x, {1})) EXPECT_TENSOR_EQ(y, from_vector<double>(e, Shape{2, n})) << kPath[p++] << " n=" << n;
  }
}

TEST(FlipBackend, EmptyAndZeroDim) {
  for (const Tensor& y : flips(iota({0, 3}), {0, 1})) EXPECT_EQ(y.shape(), (Shape{0, 3}));
  const Tensor s = from_vector<double>({7.0}, Shape{});
  EXPECT_TENSOR_EQ(flip(s, {0}), s);
  EXPECT_TENSOR_EQ(flip(s.to(kExt0), {-1}).cpu(), s);
}

TEST(FlipBackend, GradientIsTheFlippedGradient) {
  const Tensor x = make_input({3, 4}, DType::F64, -1.0, 1.0, 3).requires_grad_();
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return flip(in[0], {0, 1}); }, {x}));
  // On ext0 (the fallback path) the backward is flip again: grad = flip(w).
  const Tensor xe = x.detach().to(kExt0).requires_grad_();
  const Tensor w = iota({3, 4});
  (flip(xe, {1}) * w.to(kExt0)).sum().backward();
  EXPECT_TENSOR_EQ(xe.grad().cpu(), flip(w, {1}));
}

}  // namespace
}  // namespace tz::test
