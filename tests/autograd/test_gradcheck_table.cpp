// Runs every registered gradcheck case, and checks that the table covers every listed op.
#include <set>

#include "autograd/op_list.h"
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

class Gradcheck : public ::testing::TestWithParam<size_t> {};

TEST_P(Gradcheck, MatchesFiniteDifferences) {
  const GradcheckCase& c = gradcheck_registry()[GetParam()];
  TensorList inputs = c.make_inputs();
  EXPECT_TRUE(gradcheck(c.fn, inputs, c.options)) << c.name;
  if (c.options.gradgrad) EXPECT_TRUE(gradgradcheck(c.fn, inputs, c.options)) << c.name << " (grad of grad)";
}

std::string case_name(const ::testing::TestParamInfo<size_t>& info) {
  std::string n = gradcheck_registry()[info.param].name;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n + "_" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(Table, Gradcheck, ::testing::Range<size_t>(0, gradcheck_registry().size()), case_name);

TEST(GradcheckCoverage, EveryListedOpHasACase) {
  std::set<std::string> produced;
  for (const GradcheckCase& c : gradcheck_registry()) {
    TensorList inputs = c.make_inputs();
    for (auto& n : graph_node_names(c.fn(inputs))) produced.insert(n);
  }
  std::vector<std::string> missing;
  for (auto name : autograd::listed_ops())
    if (!produced.count(std::string(name))) missing.push_back(std::string(name));
  std::string list;
  for (auto& m : missing) list += " " + m;
  EXPECT_TRUE(missing.empty()) << missing.size() << " differentiable ops have no gradcheck case:" << list;
}

}  // namespace
}  // namespace tz::test
