#include "tests/support/test_support.h"

#include <cmath>
#include <sstream>

#include "core/philox.h"

namespace tz::test {

Tolerance default_tolerance(DType dt) {
  switch (dt) {
    case DType::F64: return {1e-10, 1e-12};
    case DType::F32: return {1e-5, 1e-6};
    case DType::F16: return {1e-3, 1e-3};
    case DType::BF16: return {1e-2, 1e-2};
    default: return {0, 0};
  }
}

namespace {
std::string head(const std::vector<double>& v, size_t n = 8) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < std::min(n, v.size()); ++i) os << (i ? ", " : "") << v[i];
  if (v.size() > n) os << ", ...";
  return os.str() + "]";
}
}  // namespace

::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  if (!actual.defined() || !expected.defined())
    return ::testing::AssertionFailure() << "undefined tensor (actual " << describe(actual) << ", expected "
                                         << describe(expected) << ")";
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.shape()) << " != expected "
                                         << shape_str(expected.shape());
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    const bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    if (both_nan || a[i] == e[i]) continue;
    if (!(std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs expected " << e[i]
                                           << " (rtol " << rtol << ", atol " << atol << ")\n actual   " << head(a)
                                           << "\n expected " << head(e);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected) {
  const Tolerance t = default_tolerance(actual.defined() ? actual.dtype() : DType::F32);
  return tensors_close(actual, expected, t.rtol, t.atol);
}

::testing::AssertionResult tensors_equal(const Tensor& actual, const Tensor& expected) {
  return tensors_close(actual, expected, 0.0, 0.0);
}

std::vector<Device> test_devices() {
  std::vector<Device> d{kCPU};
  // Every other registered backend (cuda, ext1..ext3) — not the reference ext0, which the parity
  // table compares them all against.
  for (int t = 0; t < kNumDeviceTypes; ++t) {
    const auto type = DeviceType(t);
    if (type != DeviceType::CPU && type != DeviceType::Ext0 && has_backend(type)) d.push_back(Device(type, 0));
  }
  return d;
}

std::string data_path(const std::string& name) { return std::string(TZ_TEST_DATA_DIR) + "/" + name; }

Tensor make_input(const Shape& shape, DType dtype, double lo, double hi, uint64_t seed) {
  const int64_t n = numel_of(shape);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = lo + (hi - lo) * philox::uniform_f64(philox::draw(seed + 12345, uint64_t(i)));
  return from_vector(v, shape).to(dtype);
}

}  // namespace tz::test
