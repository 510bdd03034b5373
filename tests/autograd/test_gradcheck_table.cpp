// Generated from the op table (tests/support/op_info.h): every grad sample by finite differences,
// and the meta-tests that hold the table and autograd/op_list.h together.
#include <set>

#include "autograd/op_list.h"
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

struct GradParam {
  std::string op;
  size_t sample;
};

void PrintTo(const GradParam& p, std::ostream* os) { *os << p.op << " sample " << p.sample; }

class Gradcheck : public ::testing::TestWithParam<GradParam> {};

TEST_P(Gradcheck, MatchesFiniteDifferences) {
  const OpInfo& op = op_table().at(GetParam().op);
  const GradSample& s = op.grad_samples[GetParam().sample];
  const std::string what = op.name + "/" + s.name;
  TensorList inputs = s.make_inputs();
  EXPECT_TRUE(gradcheck(s.fn, inputs, s.options)) << what;
  if (s.options.gradgrad) EXPECT_TRUE(gradgradcheck(s.fn, inputs, s.options)) << what << " (grad of grad)";
}

std::vector<GradParam> grad_params() {
  std::vector<GradParam> p;
  for (const auto& [name, op] : op_table())
    for (size_t i = 0; i < op.grad_samples.size(); ++i) p.push_back({name, i});
  return p;
}

std::string grad_name(const ::testing::TestParamInfo<GradParam>& info) {
  const OpInfo& op = op_table().at(info.param.op);
  return test_name_part(op.name) + "__" + std::to_string(info.param.sample) + "_" +
         test_name_part(op.grad_samples[info.param.sample].name);
}

INSTANTIATE_TEST_SUITE_P(Table, Gradcheck, ::testing::ValuesIn(grad_params()), grad_name);

/// Backward node names recorded by a grad sample: those of its output's graph and, when the
/// sample checks second derivatives, those of its first-order gradients built with create_graph
/// (nodes that only backward formulas create, e.g. ViewScatterBackward, appear there).
std::set<std::string> produced_nodes(const GradSample& s) {
  std::set<std::string> produced;
  TensorList inputs = s.make_inputs();
  Tensor out = s.fn(inputs);
  for (auto& n : graph_node_names(out)) produced.insert(n);
  TensorList wrt;
  for (auto& t : inputs)
    if (t.defined() && t.requires_grad()) wrt.push_back(t);
  if (!s.options.gradgrad || wrt.empty() || !out.requires_grad()) return produced;
  TensorList g = grad({out.sum()}, wrt, {}, true, /*create_graph=*/true, /*allow_unused=*/true);
  for (auto& gi : g)
    if (gi.defined())
      for (auto& n : graph_node_names(gi)) produced.insert(n);
  return produced;
}

// Every op autograd/op_list.h lists (record() refuses nodes of any other name) has a table entry
// of the same name, with grad samples, and those samples record its node (gelu_tanh ->
// GeluTanhBackward): one spelling for the op, its entry and its node. Every listed node is then
// also recorded by some sample, the check this table exists for.
TEST(GradcheckCoverage, EveryListedOpHasACase) {
  std::vector<std::string> missing;
  for (auto listed : autograd::listed_op_names()) {
    const std::string name(listed);
    auto it = op_table().find(name);
    if (it == op_table().end() || !it->second.has_backward()) {
      missing.push_back(name + " (no entry with grad samples)");
      continue;
    }
    std::set<std::string> own;
    for (const GradSample& s : it->second.grad_samples)
      for (const auto& n : produced_nodes(s)) own.insert(n);
    if (!own.count(autograd::node_name_of(name)))
      missing.push_back(name + " (no grad sample records " + autograd::node_name_of(name) + ")");
  }
  std::string list;
  for (auto& m : missing) list += "\n  " + m;
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << autograd::listed_op_names().size()
                               << " differentiable ops have no gradcheck case:" << list;
  EXPECT_TRUE(duplicate_op_names().empty()) << "ops declared twice: " << duplicate_op_names().front();
}

}  // namespace
}  // namespace tz::test
