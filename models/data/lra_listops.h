#pragma once
/// ListOps (Nangia & Bowman, "ListOps: A Diagnostic Dataset for Latent Tree Learning"), as the
/// Long Range Arena regenerates it (lra_benchmarks/data/listops.py), reproduced with a seeded
/// generator that follows the same rules:
///   - a tree node at depth d (the root has depth 1) draws u ~ U(0, 1) (u = 1 when d == max_depth);
///     u > value_p (= 0.25, LRA's VALUE_P) makes it a leaf digit 0-9, otherwise it is an operator
///     node: a uniform number of arguments in [2, max_args], each a subtree at depth d + 1, then an
///     operator drawn uniformly from MIN, MAX, MED (median, truncated to an int), SM (sum mod 10);
///   - serialised in prefix form "[MAX 2 9 [MIN 4 7 ] 0 ]" (LRA's pipeline strips the
///     parentheses of its raw text and renames "]" to "X"; our tokens are those of the result);
///   - only trees with min_length < tokens < max_length are kept, duplicates are dropped, and
///     the label is the tree's value (10 classes).
/// LRA defaults: max_depth 10, max_args 10, 500 < length < 2000, 96000/2000/2000 examples. The
/// harness's `ci` size uses shorter trees (see models/lra_tasks.cpp); the rules are the same.
///
/// Token ids: 0 pad, 1..10 digits 0..9, 11 [MIN, 12 [MAX, 13 [MED, 14 [SM, 15 ] (LRA's X).
#include <cstdint>
#include <string>
#include <vector>

#include "models/data/lra_common.h"

namespace tz::nn::data {

enum ListOpsToken : int64_t {
  kListOpsPad = 0,
  kListOpsDigit0 = 1,  // digit d is kListOpsDigit0 + d
  kListOpsMin = 11,
  kListOpsMax = 12,
  kListOpsMed = 13,
  kListOpsSumMod = 14,
  kListOpsClose = 15,
  kListOpsVocab = 16,
};

struct ListOpsOptions {
  int64_t max_depth = 10;
  int64_t max_args = 10;
  /// A node becomes an operator when its draw u <= value_p (so leaves have probability 0.75).
  double value_p = 0.25;
  /// Kept trees have min_length < tokens < max_length (both exclusive, as LRA).
  int64_t min_length = 500;
  int64_t max_length = 2000;
  int64_t train_size = 96000, val_size = 2000, test_size = 2000;
  uint64_t seed = 0;
  /// Gives up (throws) after this many rejected trees in a row: the filter admits almost nothing.
  int64_t max_rejections = 10'000'000;
};

/// Tokens of a space-separated expression: "[MIN", "[MAX", "[MED", "[SM", "]" or "X", digits;
/// parentheses are ignored (LRA's raw form). Throws "[listops] ..." on an unknown word.
std::vector<int64_t> listops_tokens(const std::string& text);
/// The expression back as text ("[MAX 2 9 ]").
std::string listops_text(const std::vector<int64_t>& tokens);
/// Evaluates a tokenised expression (trailing padding ignored). Throws "[listops] ..." when it
/// is not exactly one well-formed tree (unbalanced, an operator without arguments, ...).
int64_t listops_evaluate(const std::vector<int64_t>& tokens);

/// Draws one tree with LRA's rules. Trees that reach `abandon_at` tokens stop growing and are
/// returned incomplete (they would fail any length filter below that bound anyway); pass 0 to
/// always draw whole trees.
std::vector<int64_t> listops_sample(LraRandom& rng, const ListOpsOptions& options, int64_t abandon_at = 0);

/// The data set: train / val / test of distinct trees passing the length filter, padded to
/// max_length - 1 tokens (the longest admissible tree).
LraData make_listops(const ListOpsOptions& options);

}  // namespace tz::nn::data
