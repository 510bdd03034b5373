#pragma once
/// Small string helpers shared by every layer: "did you mean" hints for unknown names and keys.
#include <cstddef>
#include <string>
#include <vector>

namespace tz {

/// Levenshtein edit distance between a and b.
size_t edit_distance(const std::string& a, const std::string& b);
/// The candidate closest to `word` if it is close enough to be a plausible typo (at most
/// max(2, |word| / 3) edits), else "".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace tz
