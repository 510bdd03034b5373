// The generic checks of tests/zoo/zoo_checks.h over EVERY registered mixer, according to the
// capabilities each declares, plus the registry's own contract (errors, documentation).
//
// A variant whose defaults are too big for a tiny probe (block sizes, feature counts, max
// lengths) gets a line in probe_overrides() (tests/zoo/zoo_checks.cpp) with small config
// values; nothing else is needed for a new variant to be covered.
#include <cctype>
#include <map>
#include <set>

#include "tests/zoo/zoo_checks.h"

namespace tz::test::zoo {
namespace {

class AllMixers : public ::testing::TestWithParam<std::string> {};

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

nn::MixerCapabilities built_capabilities(const MixerProbe& p) { return build_mixer(p)->capabilities(); }

TEST_P(AllMixers, ShapeContract) { EXPECT_TRUE(check_shape_contract(probe_for(GetParam()))); }

TEST_P(AllMixers, BatchIndependence) { EXPECT_TRUE(check_batch_independence(probe_for(GetParam()))); }

TEST_P(AllMixers, CausalNeverLooksAhead) {
  const MixerProbe p = probe_for(GetParam());
  if (!built_capabilities(p).causal) GTEST_SKIP() << "not causal";
  EXPECT_TRUE(check_causality(p));
}

TEST_P(AllMixers, PaddedKeysGetZeroWeight) {
  const MixerProbe p = probe_for(GetParam());
  const auto caps = built_capabilities(p);
  if (!caps.key_padding_mask) GTEST_SKIP() << "no key padding mask";
  EXPECT_TRUE(check_masked_keys(p, false));
  if (caps.cross_attention) EXPECT_TRUE(check_masked_keys(p, true));
}

TEST_P(AllMixers, Gradcheck) { EXPECT_TRUE(check_mixer_gradcheck(probe_for(GetParam()))); }

TEST_P(AllMixers, CapabilitiesEnforced) { EXPECT_TRUE(check_capabilities_enforced(probe_for(GetParam()))); }

TEST_P(AllMixers, RecurrentStepsEqualCausalForward) {
  const MixerProbe p = probe_for(GetParam());
  if (!built_capabilities(p).recurrent) GTEST_SKIP() << "no recurrent form";
  EXPECT_TRUE(check_recurrent_matches_causal(p));
}

TEST_P(AllMixers, EntryIsDocumented) {
  const nn::MixerEntry& e = nn::find_mixer(GetParam());
  EXPECT_FALSE(e.description.empty()) << e.name;
  EXPECT_FALSE(e.paper.empty()) << e.name;
  EXPECT_FALSE(e.capabilities.complexity.empty()) << e.name;
  EXPECT_TRUE(e.capabilities.causal || !e.capabilities.no_causal_reason.empty())
      << e.name << ": a mixer without causal masking must say why (no_causal_reason)";
  ASSERT_TRUE(e.defaults.is_object()) << e.name;
  for (const auto& [key, value] : e.defaults.items()) {
    auto it = e.doc.find(key);
    EXPECT_TRUE(it != e.doc.end() && !it->second.empty()) << e.name << ": config key '" << key << "' has no doc line";
  }
  for (const auto& [key, line] : e.doc)
    EXPECT_TRUE(e.defaults.contains(key) || key == "d_model" || key == "n_heads" || key == "dropout")
        << e.name << ": doc line for unknown key '" << key << "'";
  for (char c : e.name) EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || std::isdigit(c) || c == '-') << e.name;
  // The declared (entry) capabilities are what `tensorzoo list mixers` prints: the built
  // mixer with default config must agree with them.
  const auto built = built_capabilities(probe_for(GetParam()));
  EXPECT_EQ(built.causal, e.capabilities.causal) << e.name;
  EXPECT_EQ(built.key_padding_mask, e.capabilities.key_padding_mask) << e.name;
  EXPECT_EQ(built.cross_attention, e.capabilities.cross_attention) << e.name;
  EXPECT_EQ(built.recurrent, e.capabilities.recurrent) << e.name;
}

INSTANTIATE_TEST_SUITE_P(Zoo, AllMixers, ::testing::ValuesIn(registered_mixer_names()), test_name);

// ---- the registry itself ------------------------------------------------------------------

TEST(MixerRegistry, NamesAreUniqueAndSoftmaxIsThere) {
  std::set<std::string> seen;
  for (const auto& e : nn::mixer_registry()) EXPECT_TRUE(seen.insert(e.name).second) << "duplicate " << e.name;
  EXPECT_TRUE(seen.count("softmax"));
}

TEST(MixerRegistry, UnknownNameSuggestsTheClosest) {
  EXPECT_TZ_ERROR(nn::make_mixer("softmx", {{"d_model", 8}}), "[make_mixer] unknown mixer 'softmx' (did you mean 'softmax'?)");
  EXPECT_TZ_ERROR(nn::find_mixer("no-such-mixer"), "known mixers: softmax");
}

TEST(MixerRegistry, UnknownKeyNamesTheKnownOnes) {
  EXPECT_TZ_ERROR(nn::make_mixer("softmax", {{"d_model", 8}, {"qkv_bais", true}}),
                  "[make_mixer softmax] unknown config key 'qkv_bais' (did you mean 'qkv_bias'?); known: ");
  EXPECT_TZ_ERROR(nn::make_mixer("softmax", {{"d_model", 8}, {"qkv_bais", true}}), "out_bias");
}

TEST(MixerRegistry, WrongTypeAndBadCommonValuesThrow) {
  EXPECT_TZ_ERROR(nn::make_mixer("softmax", {{"d_model", 8}, {"qkv_bias", 1}}),
                  "config key 'qkv_bias' must have the type of its default true, got 1");
  EXPECT_TZ_ERROR(nn::make_mixer("softmax", {{"d_model", 8.5}}), "config key 'd_model'");
  EXPECT_TZ_ERROR(nn::make_mixer("softmax", nlohmann::json::parse("[1]")), "config must be a JSON object");
  EXPECT_TZ_ERROR(nn::make_mixer("softmax", {{"d_model", 0}}), "d_model must be > 0");
  EXPECT_TZ_ERROR(nn::make_mixer("softmax", {{"d_model", 8}, {"n_heads", 3}}), "n_heads must be > 0 and divide d_model");
  EXPECT_TZ_ERROR(nn::make_mixer("softmax", {{"d_model", 8}, {"dropout", 1.0}}), "dropout must be in [0, 1)");
}

TEST(MixerRegistry, ResolvedConfigMergesDefaultsCommonKeysAndUserValues) {
  const nn::json c = nn::resolve_mixer_config(nn::find_mixer("softmax"),
                                              {{"name", "softmax"}, {"d_model", 16}, {"out_bias", false}, {"dropout", 0}});
  EXPECT_EQ(c["d_model"], 16);
  EXPECT_EQ(c["n_heads"], 1);
  EXPECT_EQ(c["qkv_bias"], true);
  EXPECT_EQ(c["out_bias"], false);
  EXPECT_TRUE(c["dropout"].is_number_float());  // an integer 0 for a float key is accepted as 0.0
  EXPECT_FALSE(c.contains("name"));
}

}  // namespace
}  // namespace tz::test::zoo
