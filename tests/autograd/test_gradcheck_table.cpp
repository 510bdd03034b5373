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
    Tensor out = c.fn(inputs);
    for (auto& n : graph_node_names(out)) produced.insert(n);
    // Nodes that only backward formulas create (e.g. ViewScatterBackward) appear in the graph
    // of the first-order gradients when they are built with create_graph.
    TensorList wrt;
    for (auto& t : inputs)
      if (t.defined() && t.requires_grad()) wrt.push_back(t);
    if (!c.options.gradgrad || wrt.empty() || !out.requires_grad()) continue;
    TensorList g = grad({out.sum()}, wrt, {}, true, /*create_graph=*/true, /*allow_unused=*/true);
    for (auto& gi : g)
      if (gi.defined())
        for (auto& n : graph_node_names(gi)) produced.insert(n);
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
