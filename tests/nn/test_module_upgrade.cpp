// nn::Module::upgrade_state_dict: each module of the tree rewrites an old key layout under its
// own prefix before load_state_dict matches keys; the caller's dict is left alone.
#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace tz::nn {
namespace {

/// A layer whose weight was once saved as "w_old" and whose scale buffer did not exist then
/// (that version used 2.0).
class Renamed : public Module {
 public:
  Renamed() : Module("Renamed") {
    weight = register_parameter("weight", zeros({3}));
    scale = register_buffer("scale", full({1}, 2.0));
  }
  void upgrade_state_dict(const std::string& prefix, StateDict& dict) const override {
    ++upgrades;
    if (rename_state_key(dict, prefix + "w_old", prefix + "weight") && !dict.count(prefix + "scale"))
      dict.emplace(prefix + "scale", full({1}, 2.0));
  }
  Tensor weight, scale;
  mutable int upgrades = 0;
};

class Outer : public Module {
 public:
  Outer() : Module("Outer") {
    inner = register_module("inner", std::make_shared<Renamed>());
    other = register_module("other", std::make_shared<Renamed>());
  }
  std::shared_ptr<Renamed> inner, other;
};

TEST(NnModuleUpgrade, OldKeysUnderEachChildsPrefixLoad) {
  Outer m;
  const StateDict old = {{"inner.w_old", tensor({1.0, 2.0, 3.0})},
                         {"other.weight", tensor({4.0, 5.0, 6.0})},  // already the current layout
                         {"other.scale", full({1}, 7.0)}};
  const LoadResult r = m.load_state_dict(old);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(m.inner->weight.to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(m.inner->scale.item<float>(), 2.0f);  // added by the upgrade
  EXPECT_EQ(m.other->weight.to_vector<float>(), (std::vector<float>{4, 5, 6}));
  EXPECT_EQ(m.other->scale.item<float>(), 7.0f);  // current keys are left alone
  EXPECT_EQ(m.inner->upgrades, 1);
  EXPECT_EQ(m.other->upgrades, 1);
  EXPECT_TRUE(old.count("inner.w_old"));  // the caller's dict is unchanged
  EXPECT_FALSE(old.count("inner.weight"));
}

TEST(NnModuleUpgrade, RenameNeverOverwritesAndUnknownOldKeysStillFailStrictLoading) {
  StateDict d = {{"a", tensor({1.0})}, {"b", tensor({2.0})}};
  EXPECT_FALSE(rename_state_key(d, "a", "b"));  // b exists: nothing moves
  EXPECT_EQ(d.at("b").item<float>(), 2.0f);
  EXPECT_FALSE(rename_state_key(d, "missing", "c"));
  EXPECT_TRUE(rename_state_key(d, "a", "c"));
  EXPECT_FALSE(d.count("a"));
  EXPECT_EQ(d.at("c").item<float>(), 1.0f);

  Outer m;
  const StateDict wrong = {{"inner.w_older", tensor({1.0, 2.0, 3.0})},
                           {"other.weight", tensor({4.0, 5.0, 6.0})},
                           {"other.scale", full({1}, 7.0)}};
  EXPECT_TZ_ERROR(m.load_state_dict(wrong), "inner.w_older");
}

}  // namespace
}  // namespace tz::nn
