// Forward values of the pooling family against PyTorch (numbers computed with torch 2.15 on the
// inputs pat() describes), kernel/composite and oneDNN/reference agreement, and error messages.
#include <cmath>
#include <limits>

#include "tests/ops/pool_test_helpers.h"

namespace tz::test {
namespace {

TEST(Pool, MaxPool2dCeilPaddingIndices) {
  const ValuesIndices r = max_pool2d_with_indices(pat({1, 2, 5, 6}), {3}, {2}, {1}, {1}, true);
  expect_values(r.values, {1, 2, 3, 4}, {5.69999981, 9.39999962, 8.39999962, 8.39999962, 9.69999981, 9.69999981, 8.69999981, 4.30000019, 9.69999981, 9.69999981, 9.0, 6.30000019, 10.0, 9.30000019, 8.30000019, 8.30000019, 9.60000038, 9.60000038, 8.60000038, 4.19999981, 9.60000038, 9.60000038, 8.89999962, 6.19999981});
  EXPECT_TENSOR_EQ(r.indices, from_vector(std::vector<int64_t>{7, 8, 5, 5, 19, 19, 16, 23, 19, 19, 27, 29, 0, 8, 5, 5, 19, 19, 16, 23, 19, 19, 27, 29}, Shape{1, 2, 3, 4}));
}

TEST(Pool, MaxPool2dDilationIndices) {
  const ValuesIndices r = max_pool2d_with_indices(pat({1, 1, 5, 5}), {2}, {1}, {1}, {2});
  expect_values(r.values, {1, 1, 5, 5}, {2.0, 8.39999962, 9.39999962, 5.69999981, 9.39999962, 3.70000005, 7.4000001, 7.69999981, 7.4000001, 7.69999981, 8.69999981, 8.39999962, 9.39999962, 9.69999981, 9.39999962, 7.0, 6.69999981, 7.69999981, 8.0, 7.69999981, 8.69999981, 5.0, 8.69999981, 9.69999981, 6.0});
  EXPECT_TENSOR_EQ(r.indices, from_vector(std::vector<int64_t>{6, 5, 8, 7, 8, 1, 2, 13, 2, 13, 16, 5, 8, 19, 8, 21, 10, 13, 24, 13, 16, 15, 16, 19, 18}, Shape{1, 1, 5, 5}));
}

TEST(Pool, MaxPool2dRectangular) {
  expect_values(max_pool2d(pat({2, 1, 5, 7}), {2, 3}, {1, 2}, {1, 0}), {2, 1, 6, 3}, {7.4000001, 7.4000001, 8.39999962, 9.39999962, 7.4000001, 8.39999962, 9.39999962, 8.69999981, 9.69999981, 8.69999981, 8.69999981, 9.69999981, 10.0, 10.0, 9.0, 10.0, 10.0, 7.30000019, 8.30000019, 9.30000019, 6.5999999, 8.30000019, 9.30000019, 8.60000038, 9.60000038, 8.60000038, 8.60000038, 9.60000038, 9.89999962, 9.89999962, 8.89999962, 9.89999962, 9.89999962, 8.19999981, 8.19999981, 9.19999981});
}

TEST(Pool, MaxPool1dCeil) {
  expect_values(max_pool1d(pat({2, 3, 7}), {3}, {2}, {1}, {1}, true), {2, 3, 4}, {3.70000005, 7.4000001, 8.39999962, 8.39999962, 9.39999962, 9.39999962, 6.69999981, 7.69999981, 5.0, 8.69999981, 9.69999981, 9.69999981, 7.0, 8.0, 8.0, 9.0, 6.30000019, 10.0, 7.30000019, 4.5999999, 8.30000019, 9.30000019, 9.30000019, 6.5999999});
}

TEST(Pool, MaxPool1dDilation) {
  expect_values(max_pool1d(pat({1, 2, 9}), {3}, {1}, {0}, {3}), {1, 2, 3}, {2.0, 5.69999981, 9.39999962, 5.0, 8.69999981, 2.29999995});
}

TEST(Pool, MaxPool3d) {
  expect_values(max_pool3d(pat({1, 1, 3, 4, 4}), {2}, {1, 2, 2}, {0, 1, 1}), {1, 1, 2, 3, 3}, {8.69999981, 7.4000001, 9.69999981, 9.39999962, 8.39999962, 9.0, 4.0, 10.0, 5.0, 8.69999981, 6.0, 9.69999981, 8.0, 9.30000019, 9.0, 2.5999999, 10.0, 3.5999999});
}

TEST(Pool, MaxPool3dCeilDilation) {
  expect_values(max_pool3d(pat({1, 2, 4, 5, 5}), {2}, {2}, {1}, {2}, true), {1, 2, 3, 3, 3}, {3.5999999, 3.5999999, 0.899999976, 3.5999999, 7.5999999, 7.5999999, 0.200000003, 7.5999999, 7.5999999, 6.80000019, 6.80000019, 4.0999999, 6.80000019, 7.5999999, 7.5999999, 3.4000001, 7.5999999, 7.5999999, 6.80000019, 6.80000019, 4.0999999, 6.80000019, 6.80000019, 4.0999999, 3.4000001, 3.4000001, 0.699999988, 10.0, 10.0, 7.30000019, 10.0, 10.0, 7.30000019, 6.5999999, 6.5999999, 3.9000001, 10.0, 10.0, 7.30000019, 10.0, 10.0, 7.30000019, 9.80000019, 9.80000019, 7.0999999, 3.0999999, 3.0999999, 0.400000006, 9.80000019, 9.80000019, 7.0999999, 9.80000019, 9.80000019, 7.0999999});
}

TEST(Pool, MaxPool2dBatchless) {
  expect_values(max_pool2d(pat({2, 5, 6}), {2}, {2}, {0}, {1}, true), {2, 3, 3}, {5.69999981, 9.39999962, 8.39999962, 9.69999981, 7.0, 8.69999981, 8.0, 9.0, 6.30000019, 10.0, 9.30000019, 8.30000019, 9.60000038, 6.9000001, 8.60000038, 7.9000001, 8.89999962, 6.19999981});
}

TEST(Pool, AvgPool2dCeilIncludePad) {
  expect_values(avg_pool2d(pat({1, 2, 5, 6}), {3}, {2}, {1}, true, true), {1, 2, 3, 4}, {1.26666665, 3.35555553, 2.67777753, 1.44999993, 3.89999986, 5.78888893, 4.21111107, 1.14999998, 2.81111121, 3.98888898, 3.31111097, 1.76666677, 2.34444451, 3.28888893, 2.6111114, 1.41666663, 3.83333325, 5.68888903, 4.11111164, 1.10000002, 2.76666665, 3.92222261, 3.24444461, 1.73333323});
}

TEST(Pool, AvgPool2dCeilExcludePad) {
  expect_values(avg_pool2d(pat({1, 2, 5, 6}), {3}, {2}, {1}, true, false), {1, 2, 3, 4}, {2.8499999, 5.0333333, 4.01666641, 4.3499999, 5.8499999, 5.78888893, 4.21111107, 2.29999995, 6.32500029, 5.98333359, 4.9666667, 5.30000019, 5.2750001, 4.9333334, 3.91666698, 4.25, 5.75, 5.68888903, 4.11111164, 2.20000005, 6.2249999, 5.88333368, 4.86666679, 5.19999981});
}

TEST(Pool, AvgPool2dDivisorOverride) {
  expect_values(avg_pool2d(pat({1, 2, 5, 6}), {3}, {2}, {1}, false, true, 2), {1, 2, 3, 3}, {5.69999981, 15.0999994, 12.0499992, 17.5499992, 26.0499992, 18.9499989, 12.6500006, 17.9500008, 14.8999996, 10.5500002, 14.8000002, 11.750001, 17.25, 25.6000004, 18.5000019, 12.4499998, 17.6500015, 14.6000004});
}

TEST(Pool, AvgPool2dCeilPastPadding) {
  expect_values(avg_pool2d(pat({1, 1, 6, 6}), {3}, {2}, {1}, true, true), {1, 1, 4, 4}, {1.26666665, 3.35555553, 2.67777753, 1.44999993, 3.89999986, 5.78888893, 4.21111107, 1.14999998, 4.32222223, 5.30000019, 4.84444427, 3.15000033, 2.26666665, 1.96666658, 2.29999995, 2.07500005});
}

TEST(Pool, AvgPool1dCeil) {
  expect_values(avg_pool1d(pat({2, 3, 7}), {3}, {2}, {1}, true), {2, 3, 4}, {1.23333335, 4.0333333, 4.69999981, 3.46666646, 5.0333333, 6.36666632, 3.66666675, 3.89999986, 2.10000014, 5.33333349, 6.0, 4.33333349, 2.5333333, 4.29999971, 4.9666667, 4.76666689, 2.96666646, 6.63333321, 3.93333316, 1.83333337, 3.39999986, 5.5999999, 6.26666689, 2.26666665});
}

TEST(Pool, AvgPool1dBatchlessExcludePad) {
  expect_values(avg_pool1d(pat({3, 8}), {4}, {3}, {2}, false, false), {3, 3}, {1.85000002, 4.19999981, 5.19999981, 6.19999981, 3.5, 4.5, 5.5, 5.32499981, 3.80000019});
}

TEST(Pool, AvgPool3dCeil) {
  expect_values(avg_pool3d(pat({1, 1, 3, 4, 4}), {2}, {1, 2, 2}, {0, 1, 1}, true), {1, 1, 2, 3, 3}, {1.08749998, 2.42500019, 1.33749998, 3.17499995, 4.32499981, 2.4124999, 0.824999988, 3.1624999, 1.07500005, 2.0, 1.7249999, 2.25, 2.4749999, 4.18750048, 2.97500014, 0.474999994, 3.7249999, 0.725000024});
}

TEST(Pool, AvgPool3dDivisor) {
  expect_values(avg_pool3d(pat({1, 2, 3, 4, 5}), {2, 2, 3}, {1, 2, 2}, {1, 0, 1}, false, false, 5), {1, 2, 4, 2, 3}, {2.81999993, 5.83999968, 3.61999965, 4.14000034, 5.80000019, 4.94000006, 6.25999975, 11.5999985, 7.85999918, 8.89999962, 11.5199995, 8.4800005, 7.5, 11.4400005, 9.10000038, 8.12000084, 11.3600006, 7.70000076, 4.05999994, 5.67999983, 4.86000013, 3.3599999, 5.63999987, 4.15999985, 4.67999935, 5.5999999, 3.4599998, 3.98000002, 5.55999994, 4.78000021, 7.96000004, 11.1199999, 7.53999996, 8.58000088, 11.0400009, 8.1600008, 7.18000031, 10.96, 8.78000069, 7.80000019, 10.8799992, 7.38000011, 3.9000001, 5.44000006, 4.69999981, 3.20000005, 5.4000001, 4.0});
}

TEST(Pool, AdaptiveAvgPool1d) {
  expect_values(adaptive_avg_pool1d(pat({2, 7}), {3}), {2, 3}, {3.70000005, 4.36666632, 5.0333333, 6.03333282, 3.33333325, 4.0});
}

TEST(Pool, AdaptiveAvgPool2d) {
  expect_values(adaptive_avg_pool2d(pat({1, 2, 5, 7}), {3, 4}), {1, 2, 3, 4}, {4.69999981, 5.20000029, 4.18333292, 5.52499962, 4.83333349, 5.33333302, 4.87777758, 6.5, 4.125, 5.4666667, 4.44999981, 4.94999981, 5.42500019, 5.08333349, 5.75000048, 3.7249999, 6.4000001, 4.65555573, 5.32222223, 4.70000029, 4.8499999, 5.3499999, 6.01666641, 5.67499971});
}

TEST(Pool, AdaptiveAvgPool2dUpsample) {
  expect_values(adaptive_avg_pool2d(pat({1, 1, 2, 3}), {3, 5}), {1, 1, 3, 5}, {0.0, 1.85000002, 3.70000005, 5.55000019, 7.4000001, 0.5, 2.3499999, 4.19999981, 6.05000019, 7.89999962, 1.0, 2.8499999, 4.69999981, 6.54999971, 8.39999962});
}

TEST(Pool, AdaptiveAvgPool3d) {
  expect_values(adaptive_avg_pool3d(pat({1, 1, 3, 5, 4}), {2, 3, 3}), {1, 1, 2, 3, 3}, {4.58749962, 4.5, 4.4124999, 5.32499981, 4.8166666, 5.14999962, 4.79999971, 4.7125001, 5.88750029, 4.10000038, 4.01249981, 5.18750048, 4.41666698, 5.59166718, 5.92500067, 4.3125, 5.48750019, 5.4000001});
}

TEST(Pool, AdaptiveMaxPool1d) {
  expect_values(adaptive_max_pool1d(pat({2, 7}), {3}), {2, 3}, {7.4000001, 7.4000001, 8.39999962, 9.39999962, 6.69999981, 7.69999981});
}

TEST(Pool, AdaptiveMaxPool2d) {
  expect_values(adaptive_max_pool2d(pat({1, 2, 5, 7}), {3, 4}), {1, 2, 3, 4}, {9.39999962, 9.39999962, 8.39999962, 8.39999962, 9.39999962, 9.39999962, 9.69999981, 9.69999981, 7.0, 10.0, 8.0, 9.0, 8.30000019, 9.30000019, 9.30000019, 6.5999999, 9.60000038, 8.89999962, 9.89999962, 7.9000001, 8.89999962, 8.89999962, 9.89999962, 9.19999981});
}

TEST(Pool, AdaptiveMaxPool3d) {
  expect_values(adaptive_max_pool3d(pat({1, 1, 3, 5, 4}), {2, 3, 3}), {1, 1, 2, 3, 3}, {8.39999962, 8.39999962, 9.0, 9.39999962, 10.0, 10.0, 8.69999981, 9.30000019, 9.69999981, 8.0, 8.60000038, 9.0, 9.60000038, 10.0, 10.0, 8.89999962, 9.30000019, 9.30000019});
}

TEST(Pool, PixelShuffle) {
  expect_values(pixel_shuffle(pat({1, 8, 2, 3}), 2), {1, 2, 4, 6}, {0.0, 2.0, 3.70000005, 5.69999981, 7.4000001, 9.39999962, 4.0, 6.0, 7.69999981, 9.69999981, 1.29999995, 3.29999995, 1.0, 3.0, 4.69999981, 6.69999981, 8.39999962, 0.300000012, 5.0, 7.0, 8.69999981, 0.600000024, 2.29999995, 4.30000019, 8.0, 10.0, 1.60000002, 3.5999999, 5.30000019, 7.30000019, 1.89999998, 3.9000001, 5.5999999, 7.5999999, 9.30000019, 1.20000005, 9.0, 0.899999976, 2.5999999, 4.5999999, 6.30000019, 8.30000019, 2.9000001, 4.9000001, 6.5999999, 8.60000038, 0.200000003, 2.20000005});
}

TEST(Pool, PixelShuffleBatchless) {
  expect_values(pixel_shuffle(pat({9, 1, 2}), 3), {1, 3, 6}, {0.0, 7.4000001, 4.69999981, 3.70000005, 1.0, 8.39999962, 2.0, 9.39999962, 6.69999981, 5.69999981, 3.0, 0.300000012, 4.0, 1.29999995, 8.69999981, 7.69999981, 5.0, 2.29999995});
}

TEST(Pool, PixelUnshuffle) {
  expect_values(pixel_unshuffle(pat({1, 2, 4, 6}), 2), {1, 8, 2, 3}, {0.0, 7.4000001, 4.69999981, 4.0, 1.29999995, 8.69999981, 3.70000005, 1.0, 8.39999962, 7.69999981, 5.0, 2.29999995, 2.0, 9.39999962, 6.69999981, 6.0, 3.29999995, 0.600000024, 5.69999981, 3.0, 0.300000012, 9.69999981, 7.0, 4.30000019, 8.0, 5.30000019, 2.5999999, 1.89999998, 9.30000019, 6.5999999, 1.60000002, 9.0, 6.30000019, 5.5999999, 2.9000001, 0.200000003, 10.0, 7.30000019, 4.5999999, 3.9000001, 1.20000005, 8.60000038, 3.5999999, 0.899999976, 8.30000019, 7.5999999, 4.9000001, 2.20000005});
}

TEST(Pool, MaxPoolPropagatesNan) {
  Tensor x = pat({1, 1, 4, 4}).clone();
  x.select(2, 1).select(2, 1).fill_(std::numeric_limits<double>::quiet_NaN());
  for (bool composite : {false, true}) {
    std::optional<ForceComposite> force;
    if (composite) force.emplace();
    const ValuesIndices r = max_pool2d_with_indices(x, {2});
    const std::vector<double> v = r.values.to_vector<double>();
    EXPECT_TRUE(std::isnan(v[0]));
    EXPECT_EQ(r.indices.to_vector<int64_t>()[0], 5);
    EXPECT_TRUE(std::isnan(adaptive_max_pool2d(x, {2}).to_vector<double>()[0]));
    EXPECT_TRUE(std::isnan(max_pool2d(x.to(DType::F64), {2}).to_vector<double>()[0]));
  }
}

TEST(Pool, MaxPoolAllNegativeInfinityKeepsFirstIndex) {
  const Tensor x = full({1, 1, 3, 3}, -std::numeric_limits<double>::infinity());
  for (bool composite : {false, true}) {
    std::optional<ForceComposite> force;
    if (composite) force.emplace();
    const ValuesIndices r = max_pool2d_with_indices(x, {2}, {2}, {1});
    EXPECT_EQ(r.indices.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 3, 4}));
  }
}

/// Every configuration: kernel vs composite, oneDNN vs reference loops, all float dtypes.
struct PoolConfig {
  Shape shape;
  IntList k, s, p, d;
  bool ceil;
  bool include_pad;
  std::optional<int64_t> divisor;
};

std::vector<Tensor> run_pools(const Tensor& x, const PoolConfig& c) {
  std::vector<Tensor> r;
  const int64_t nsp = int64_t(c.shape.size()) - 2;
  if (nsp == 1) {
    r.push_back(max_pool1d(x, c.k, c.s, c.p, c.d, c.ceil));
    r.push_back(avg_pool1d(x, c.k, c.s, c.p, c.ceil, c.include_pad));
  } else if (nsp == 2) {
    const ValuesIndices vi = max_pool2d_with_indices(x, c.k, c.s, c.p, c.d, c.ceil);
    r.push_back(vi.values);
    r.push_back(vi.indices.to(DType::F64));
    r.push_back(max_pool2d(x, c.k, c.s, c.p, c.d, c.ceil));  // without indices: oneDNN may run
    r.push_back(avg_pool2d(x, c.k, c.s, c.p, c.ceil, c.include_pad, c.divisor));
  } else {
    r.push_back(max_pool3d(x, c.k, c.s, c.p, c.d, c.ceil));
    r.push_back(avg_pool3d(x, c.k, c.s, c.p, c.ceil, c.include_pad, c.divisor));
  }
  return r;
}

const std::vector<PoolConfig> kConfigs{
    {{2, 3, 9}, {3}, {2}, {1}, {2}, true, true, {}},
    {{2, 3, 9}, {4}, {3}, {2}, {1}, true, false, {}},
    {{2, 3, 7, 8}, {3}, {2}, {1}, {1}, true, true, {}},
    {{2, 3, 7, 8}, {3, 2}, {2, 1}, {1, 0}, {2, 1}, false, false, {}},
    {{2, 3, 7, 8}, {3}, {2}, {1}, {1}, true, false, {}},
    {{1, 2, 6, 6}, {2}, {2}, {1}, {1}, false, true, 3},
    {{1, 2, 5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {1, 1, 0}, {1, 2, 1}, true, true, {}},
    {{1, 2, 5, 6, 7}, {3}, {2}, {1}, {1}, true, false, 4},
    // Large enough for the oneDNN path (f32, contiguous).
    {{2, 8, 33, 31}, {3}, {2}, {1}, {1}, true, true, {}},
    {{2, 8, 33, 31}, {3}, {2}, {1}, {2}, true, false, {}},
    {{2, 16, 32, 32}, {2}, {2}, {0}, {1}, false, true, {}},
    {{1, 8, 9, 17, 16}, {2, 3, 2}, {2, 1, 2}, {1, 1, 0}, {1, 2, 1}, false, false, {}},
    {{4, 16, 1000}, {3}, {2}, {1}, {1}, true, true, {}},
};

TEST(Pool, KernelCompositeAndOneDnnAgree) {
  for (const PoolConfig& c : kConfigs) {
    for (DType dt : {DType::F32, DType::F64}) {
      const Tensor x = make_input(c.shape, dt, -2, 2, 7);
      const std::vector<Tensor> fast = run_pools(x, c);
      std::vector<Tensor> loops, composite;
      {
        NoOneDnn off;
        loops = run_pools(x, c);
      }
      {
        ForceComposite force;
        composite = run_pools(x, c);
      }
      for (size_t i = 0; i < fast.size(); ++i) {
        EXPECT_TENSOR_CLOSE(fast[i], loops[i], 1e-6, 1e-6);
        EXPECT_TENSOR_CLOSE(composite[i], loops[i], 1e-6, 1e-6);
      }
      // Non-contiguous input (a transposed copy viewed back).
      const Tensor nc = x.transpose(0, 1).contiguous().transpose(0, 1);
      const std::vector<Tensor> strided = run_pools(nc, c);
      for (size_t i = 0; i < fast.size(); ++i) EXPECT_TENSOR_CLOSE(strided[i], fast[i], 1e-6, 1e-6);
    }
  }
}

TEST(Pool, HalfPrecisionDtypesMatchFloat) {
  for (DType dt : {DType::F16, DType::BF16}) {
    const Tensor x = make_input({2, 3, 7, 8}, DType::F32, -2, 2, 3).to(dt);
    const Tensor xf = x.to(DType::F32);
    EXPECT_EQ(max_pool2d(x, {3}, {2}, {1}).dtype(), dt);
    EXPECT_TENSOR_CLOSE(max_pool2d(x, {3}, {2}, {1}).to(DType::F32), max_pool2d(xf, {3}, {2}, {1}), 0, 0);
    EXPECT_TENSOR_CLOSE(avg_pool2d(x, {3}, {2}, {1}, true).to(DType::F32), avg_pool2d(xf, {3}, {2}, {1}, true), 1e-2, 1e-2);
    EXPECT_TENSOR_CLOSE(adaptive_avg_pool2d(x, {3, 5}).to(DType::F32), adaptive_avg_pool2d(xf, {3, 5}), 1e-2, 1e-2);
    EXPECT_TENSOR_CLOSE(adaptive_max_pool2d(x, {3, 5}).to(DType::F32), adaptive_max_pool2d(xf, {3, 5}), 0, 0);
  }
}

TEST(Pool, EmptyBatch) {
  const Tensor x = zeros({0, 2, 4, 4});
  EXPECT_EQ(max_pool2d(x, {2}).shape(), (Shape{0, 2, 2, 2}));
  EXPECT_EQ(avg_pool2d(x, {2}).shape(), (Shape{0, 2, 2, 2}));
  EXPECT_EQ(adaptive_avg_pool2d(x, {3}).shape(), (Shape{0, 2, 3, 3}));
  EXPECT_EQ(adaptive_max_pool2d(zeros({2, 0, 4, 4}), {3}).shape(), (Shape{2, 0, 3, 3}));
  EXPECT_EQ(adaptive_avg_pool1d(zeros({2, 5}), {0}).shape(), (Shape{2, 0}));
}

TEST(Pool, Errors) {
  const Tensor x = pat({1, 1, 5, 5});
  EXPECT_TZ_ERROR(max_pool2d(x, {3}, {1}, {2}), "[max_pool2d] pad should be at most half of kernel size");
  EXPECT_TZ_ERROR(avg_pool2d(x, {3}, {1}, {2}), "[avg_pool2d] pad should be at most half of kernel size");
  EXPECT_TZ_ERROR(max_pool2d(x, {7}), "output size is too small");
  EXPECT_TZ_ERROR(max_pool2d(x, {2}, {0}), "stride must be greater than zero");
  EXPECT_TZ_ERROR(max_pool2d(x, {0}), "kernel_size must be greater than zero");
  EXPECT_TZ_ERROR(max_pool2d(x, {2}, {1}, {0}, {0}), "dilation must be greater than zero");
  EXPECT_TZ_ERROR(max_pool2d(x, {2, 2, 2}), "kernel_size must be a single value or a list of 2 values");
  EXPECT_TZ_ERROR(max_pool2d(pat({5, 5}), {2}), "expected a 3-d (unbatched) or 4-d (batched) input");
  EXPECT_TZ_ERROR(max_pool2d(zeros({2, 0, 4, 4}), {2}), "non-zero sizes for the non-batch dims");
  EXPECT_TZ_ERROR(max_pool1d(arange(6, TensorOptions(DType::I64)).reshape({1, 6}), {2}), "expected a floating input");
  EXPECT_TZ_ERROR(avg_pool2d(x, {2}, {}, {0}, false, true, 0), "divisor must be not zero");
  EXPECT_TZ_ERROR(adaptive_avg_pool2d(x, {-1, 2}), "elements of output_size must be greater than or equal to 0");
  EXPECT_TZ_ERROR(adaptive_max_pool3d(pat({5, 5}), {2}), "[adaptive_max_pool3d] expected a 4-d (unbatched) or 5-d (batched) input");
  EXPECT_TZ_ERROR(pixel_shuffle(pat({1, 5, 2, 2}), 2), "input.size(-3)=5 is not divisible by 4");
  EXPECT_TZ_ERROR(pixel_shuffle(pat({1, 4, 2, 2}), 0), "expects a positive upscale_factor");
  EXPECT_TZ_ERROR(pixel_unshuffle(pat({1, 1, 3, 4}), 2), "input.size(-2)=3 is not divisible by 2");
  EXPECT_TZ_ERROR(pixel_unshuffle(pat({1, 1, 4, 3}), 2), "input.size(-1)=3 is not divisible by 2");
  EXPECT_TZ_ERROR(pixel_shuffle(pat({4, 2}), 2), "at least 3 dims");
}

TEST(Pool, IndicesDoNotRequireGrad) {
  const Tensor x = pat({1, 1, 4, 4}, DType::F64).requires_grad_();
  const ValuesIndices r = max_pool2d_with_indices(x, {2});
  EXPECT_TRUE(r.values.requires_grad());
  EXPECT_FALSE(r.indices.requires_grad());
  EXPECT_EQ(r.indices.dtype(), DType::I64);
}

TEST(Pool, MaxPoolGradientGoesToFirstArgmaxOnTies) {
  // All equal: PyTorch routes each window's gradient to its first element.
  const Tensor x = ones({1, 1, 2, 4}, DType::F64).requires_grad_();
  max_pool2d(x, {2}, {2}).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 0, 1, 0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace tz::test
