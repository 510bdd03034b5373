// Runs every parity case on every registered backend against the reference backend.
#include "tests/support/parity.h"

namespace tz::test {
namespace {

struct ParityParam {
  size_t index;
  DType dtype;
};

class Parity : public ::testing::TestWithParam<ParityParam> {};

TensorList to_device_all(const TensorList& xs, const Device& d) {
  TensorList out;
  for (const Tensor& x : xs) out.push_back(x.defined() ? x.to(d) : x);
  return out;
}

TEST_P(Parity, MatchesReference) {
  if (!has_backend(reference_device().type)) GTEST_SKIP() << "reference backend (ext0) not registered";
  const ParityCase& c = parity_registry()[GetParam().index];
  const DType dt = GetParam().dtype;
  const TensorList inputs = c.make_inputs(dt);
  const TensorList expected = c.fn(to_device_all(inputs, reference_device()));
  for (const Device& d : test_devices()) {
    const TensorList got = c.fn(to_device_all(inputs, d));
    ASSERT_EQ(got.size(), expected.size()) << c.name << " on " << d.str();
    for (size_t i = 0; i < got.size(); ++i) {
      const Tolerance t = default_tolerance(got[i].dtype());
      EXPECT_EQ(got[i].dtype(), expected[i].dtype()) << c.name << " output " << i << " on " << d.str();
      EXPECT_TRUE(tensors_close(got[i].cpu(), expected[i].cpu(), t.rtol * c.tol_scale, t.atol * c.tol_scale))
          << c.name << " [" << dtype_name(dt) << "] output " << i << " on " << d.str();
    }
  }
}

std::vector<ParityParam> all_params() {
  std::vector<ParityParam> p;
  for (size_t i = 0; i < parity_registry().size(); ++i)
    for (DType dt : parity_registry()[i].dtypes) p.push_back({i, dt});
  return p;
}

std::string param_name(const ::testing::TestParamInfo<ParityParam>& info) {
  std::string n = parity_registry()[info.param.index].name + "_" + dtype_name(info.param.dtype);
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Table, Parity, ::testing::ValuesIn(all_params()), param_name);

}  // namespace
}  // namespace tz::test
