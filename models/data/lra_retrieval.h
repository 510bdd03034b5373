#pragma once
/// LRA "Retrieval" stand-in: byte-level document matching with a two-tower model. LRA asks
/// whether two ACL Anthology papers cite each other; offline we ask whether two Debian fortune
/// entries (nn/data/text.h) come from the same file. Each document is encoded separately by the
/// same encoder; the classifier sees [u, v, u*v, u-v] (LRA's combination).
///
/// Entries: those of the chosen files with at least min_length bytes, truncated to max_length
/// (token = byte + 1, 0 = padding). Each file's entries are shuffled with the seed and cut into
/// train / val / test pools by the fractions, so no entry appears in two splits. Pair i of a
/// split has label i % 2 (exactly balanced): label 1 takes two different entries of one file
/// (the file drawn uniformly), label 0 one entry from each of two different files.
#include <cstdint>
#include <string>
#include <vector>

#include "models/data/lra_common.h"
#include "nn/data/text.h"

namespace tz::nn::data {

struct LraRetrievalOptions {
  /// Fortune files the documents come from (each needs enough entries for three pools).
  std::vector<std::string> sources = {"computers", "cookie", "definitions", "law", "linux", "literature",
                                      "men-women", "people", "politics", "science", "songs-poems", "work"};
  int64_t max_length = 4096;  // bytes kept per document (LRA Retrieval: 4K per document)
  int64_t min_length = 1;
  int64_t train_pairs = 10000, val_pairs = 1000, test_pairs = 1000;
  double val_fraction = 0.1, test_fraction = 0.1;
  uint64_t seed = 0;
};

/// The pairs: split.tokens and split.tokens2 hold the two documents, labels 1 = same file.
LraData make_lra_retrieval(const FortunesCorpus& corpus, const LraRetrievalOptions& options);

}  // namespace tz::nn::data
