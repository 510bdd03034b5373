// ListOps as the mini Long Range Arena regenerates it (models/data/lra_listops.h): evaluation on
// hand-made trees, the generator's rules (depth, argument counts, operator probability), the
// length filter, labels, de-duplication and seeding.
#include <map>
#include <set>

#include "models/data/lra_listops.h"
#include "tests/support/test_support.h"

namespace tz {
namespace {

using namespace nn::data;

int64_t eval_text(const std::string& s) { return listops_evaluate(listops_tokens(s)); }

TEST(LraListOps, EvaluatesHandMadeTrees) {
  EXPECT_EQ(eval_text("7"), 7);
  EXPECT_EQ(eval_text("[MAX 2 9 [MIN 4 7 ] 0 ]"), 9);
  EXPECT_EQ(eval_text("[MIN 3 [MAX 8 1 ] 5 ]"), 3);
  EXPECT_EQ(eval_text("[MIN 6 [MAX 8 1 ] 5 ]"), 5);
  EXPECT_EQ(eval_text("[MED 1 9 4 ]"), 4);
  EXPECT_EQ(eval_text("[MED 1 2 3 8 ]"), 2);  // numpy median 2.5, int() -> 2
  EXPECT_EQ(eval_text("[MED 9 3 ]"), 6);
  EXPECT_EQ(eval_text("[SM 7 8 9 ]"), 4);     // 24 mod 10
  EXPECT_EQ(eval_text("[SM [MAX 9 9 ] [MED 2 5 ] 6 ]"), 8);  // 9 + 3 + 6 = 18
  EXPECT_EQ(eval_text("[MAX [SM 5 6 ] [MIN 4 [MED 0 7 7 ] ] ]"), 4);
  // LRA's raw TSV form: left-nested parentheses and ']' (the pipeline's X also accepted).
  EXPECT_EQ(eval_text("( ( ( ( [MIN 4 ) 2 ) ( ( [SM 3 ) 9 ) X ) ) ]"), 2);
  EXPECT_EQ(listops_text(listops_tokens("( ( [MAX 2 ) 9 ) X")), "[MAX 2 9 ]");
  // Trailing padding is ignored.
  std::vector<int64_t> padded = listops_tokens("[SM 9 9 ]");
  padded.resize(10, kListOpsPad);
  EXPECT_EQ(listops_evaluate(padded), 8);
}

TEST(LraListOps, RejectsMalformedExpressions) {
  EXPECT_TZ_ERROR(eval_text("[MAX 2 9"), "unclosed");
  EXPECT_TZ_ERROR(eval_text("2 ]"), "closes nothing");
  EXPECT_TZ_ERROR(eval_text("[MAX ]"), "no arguments");
  EXPECT_TZ_ERROR(eval_text("2 3"), "one expression");
  EXPECT_TZ_ERROR(eval_text(""), "one expression");
  EXPECT_TZ_ERROR(listops_tokens("[MAX 12 ]"), "unknown word '12'");
  EXPECT_TZ_ERROR(listops_evaluate({kListOpsMax, 3, kListOpsPad, 4, kListOpsClose}), "not part of an expression");
}

/// Node statistics of a token sequence: operator nesting depth, argument counts per operator,
/// and (for depth-limited draws) how many nodes above the depth cap are operators.
struct TreeStats {
  int64_t max_depth = 0;  // depth of the deepest node, root = 1
  int64_t min_args = 1 << 30, max_args = 0;
  int64_t nodes_below_cap = 0, operators_below_cap = 0;
};

TreeStats tree_stats(const std::vector<int64_t>& t, int64_t depth_cap) {
  TreeStats s;
  std::vector<int64_t> args;  // argument count of each open operator
  for (int64_t tok : t) {
    if (tok == kListOpsPad) break;
    const int64_t depth = int64_t(args.size()) + 1;
    if (tok == kListOpsClose) {
      s.min_args = std::min(s.min_args, args.back());
      s.max_args = std::max(s.max_args, args.back());
      args.pop_back();
      continue;
    }
    if (!args.empty()) ++args.back();
    s.max_depth = std::max(s.max_depth, depth);
    if (depth < depth_cap) {
      ++s.nodes_below_cap;
      if (tok >= kListOpsMin && tok <= kListOpsSumMod) ++s.operators_below_cap;
    }
    if (tok >= kListOpsMin && tok <= kListOpsSumMod) args.push_back(0);
  }
  return s;
}

TEST(LraListOps, SamplerFollowsLraRules) {
  ListOpsOptions o;
  o.max_depth = 6;
  o.max_args = 5;
  LraRandom rng(3);
  int64_t nodes = 0, ops = 0, roots_leaf = 0;
  for (int i = 0; i < 3000; ++i) {
    const auto t = listops_sample(rng, o);
    const TreeStats s = tree_stats(t, o.max_depth);
    EXPECT_LE(s.max_depth, o.max_depth);
    if (s.max_args > 0) {
      EXPECT_GE(s.min_args, 2);
      EXPECT_LE(s.max_args, o.max_args);
    }
    nodes += s.nodes_below_cap;
    ops += s.operators_below_cap;
    roots_leaf += t.size() == 1;
    EXPECT_NO_THROW(listops_evaluate(t));
  }
  // A node above the depth cap is an operator with probability value_p = 0.25 (a leaf 0.75).
  EXPECT_NEAR(double(ops) / double(nodes), 0.25, 0.02);
  EXPECT_NEAR(double(roots_leaf) / 3000.0, 0.75, 0.03);
}

TEST(LraListOps, DataSetHonoursLengthFilterLabelsAndUniqueness) {
  ListOpsOptions o;
  o.min_length = 20;
  o.max_length = 120;
  o.max_depth = 10;
  o.max_args = 10;
  o.train_size = 600;
  o.val_size = 100;
  o.test_size = 100;
  o.seed = 5;
  const LraData d = make_listops(o);
  EXPECT_EQ(d.task, "listops");
  EXPECT_EQ(d.vocab_size, 16);
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.length, 119);
  EXPECT_TRUE(d.padded);
  EXPECT_EQ(d.train.size(), 600);
  EXPECT_EQ(d.val.size(), 100);
  EXPECT_EQ(d.test.size(), 100);
  EXPECT_EQ(d.train.tokens.shape(), (Shape{600, 119}));
  std::set<std::vector<int64_t>> all;
  int64_t total = 0;
  for (const LraSplit* s : {&d.train, &d.val, &d.test}) {
    const auto tokens = s->tokens.contiguous().to_vector<int64_t>();
    const auto labels = s->labels.contiguous().to_vector<int64_t>();
    for (int64_t i = 0; i < s->size(); ++i) {
      std::vector<int64_t> t(tokens.begin() + i * d.length, tokens.begin() + (i + 1) * d.length);
      const int64_t n = std::count_if(t.begin(), t.end(), [](int64_t x) { return x != kListOpsPad; });
      EXPECT_GT(n, o.min_length);
      EXPECT_LT(n, o.max_length);
      // Padding only at the end.
      EXPECT_TRUE(std::all_of(t.begin() + n, t.end(), [](int64_t x) { return x == kListOpsPad; }));
      EXPECT_EQ(labels[size_t(i)], listops_evaluate(t));
      t.resize(size_t(n));
      all.insert(t);
      ++total;
    }
  }
  EXPECT_EQ(int64_t(all.size()), total) << "duplicate trees";
  // All ten labels occur, none dominates (ListOps labels are skewed towards 0 and 9, not degenerate).
  const auto counts = label_counts(d.train, 10);
  for (int64_t c : counts) {
    EXPECT_GT(c, 600 / 40);
    EXPECT_LT(c, 600 * 2 / 5);
  }
}

TEST(LraListOps, FullSizeLengthsMatchLra) {
  ListOpsOptions o;  // LRA's defaults: depth 10, args 10, 500 < length < 2000
  o.train_size = 60;
  o.val_size = o.test_size = 0;
  const LraData d = make_listops(o);
  EXPECT_EQ(d.length, 1999);
  const auto tokens = d.train.tokens.contiguous().to_vector<int64_t>();
  for (int64_t i = 0; i < 60; ++i) {
    const int64_t n = std::count_if(tokens.begin() + i * 1999, tokens.begin() + (i + 1) * 1999,
                                    [](int64_t x) { return x != 0; });
    EXPECT_GT(n, 500);
    EXPECT_LT(n, 2000);
  }
}

TEST(LraListOps, DeterministicWithSeed) {
  ListOpsOptions o;
  o.min_length = 10;
  o.max_length = 60;
  o.train_size = 50;
  o.val_size = o.test_size = 10;
  const LraData a = make_listops(o), b = make_listops(o);
  EXPECT_TRUE(equal(a.train.tokens, b.train.tokens));
  EXPECT_TRUE(equal(a.test.labels, b.test.labels));
  o.seed = 1;
  const LraData c = make_listops(o);
  EXPECT_FALSE(equal(a.train.tokens, c.train.tokens));
}

TEST(LraListOps, ImpossibleFilterThrows) {
  ListOpsOptions o;
  o.max_depth = 2;  // trees of depth 2 have at most 12 tokens
  o.max_args = 10;
  o.min_length = 50;
  o.max_length = 100;
  o.train_size = 1;
  o.max_rejections = 2000;
  EXPECT_TZ_ERROR(make_listops(o), "failed the filter");
}

}  // namespace
}  // namespace tz
