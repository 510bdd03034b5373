#pragma once
/// LRA "Text" stand-in: byte-level document classification. LRA classifies IMDb reviews
/// (2 classes, up to 4K bytes); offline we classify Debian fortune entries (nn/data/text.h,
/// FortunesCorpus) by the file they come from, reading raw bytes as LRA does.
///
/// Examples: every entry of the chosen files (one fortune, its lines with their newlines),
/// truncated to max_length bytes; entries shorter than min_length bytes are dropped. Token of
/// byte b is b + 1 (0 = padding, vocabulary 257). Classes are balanced: each class keeps the
/// same number of entries (the smallest class's count, or per_class when smaller), drawn with
/// the seed. Each class's entries are shuffled with the seed and cut into train / val / test by
/// the fractions, so every split is balanced too.
#include <cstdint>
#include <string>
#include <vector>

#include "models/data/lra_common.h"
#include "nn/data/text.h"

namespace tz::nn::data {

struct LraTextOptions {
  /// Fortune files (names under /usr/share/games/fortunes), one class each, in label order.
  /// Four large files of distinct topics (720 to 1251 entries each).
  std::vector<std::string> classes = {"computers", "definitions", "people", "songs-poems"};
  int64_t max_length = 4096;  // bytes kept per entry (LRA Text: 4K)
  int64_t min_length = 1;     // entries shorter than this are dropped
  int64_t per_class = 0;      // > 0: at most this many entries per class
  double val_fraction = 0.1, test_fraction = 0.1;
  uint64_t seed = 0;
};

/// Bytes of a string as tokens (byte + 1), truncated to max_length.
std::vector<int64_t> byte_tokens(std::string_view text, int64_t max_length);

/// The data set from an already loaded corpus. Throws naming the file when a class is not one
/// of corpus.sources() (listing them), or when a class has too few entries for three splits.
LraData make_lra_text(const FortunesCorpus& corpus, const LraTextOptions& options);

/// Entries grouped by source file, after the min_length filter: entries_by_source[s] holds
/// entry indices of corpus.sources()[s] (shared with the Retrieval task).
std::vector<std::vector<int64_t>> entries_by_source(const FortunesCorpus& corpus, int64_t min_length);

/// The index of a fortune file by name, or a tz::Error listing the available ones.
int32_t fortune_source_index(const FortunesCorpus& corpus, const std::string& name, const std::string& op);

}  // namespace tz::nn::data
