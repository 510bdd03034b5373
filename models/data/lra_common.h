#pragma once
/// Shared pieces of the mini Long Range Arena (Tay et al., "Long Range Arena: A Benchmark for
/// Efficient Transformers", ICLR 2021) data sets in models/data/lra_*.h: the split/data structs every
/// task returns, a seeded host-side random stream for the generators, and sequence packing.
///
/// Token convention for every task: id 0 is padding and never appears inside a sequence; real
/// tokens are 1 .. vocab_size-1. Sequences shorter than the task's length are right-padded with 0.
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace tz::nn::data {

/// One split of an LRA task.
struct LraSplit {
  Tensor tokens;   // [n, L] int64; 0 = padding
  Tensor tokens2;  // [n, L] int64, the second document of a pair (Retrieval only; undefined otherwise)
  Tensor labels;   // [n] int64 in [0, num_classes)
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

/// A whole task: three disjoint splits and what a model needs to know about them.
struct LraData {
  std::string task;             // "listops", "text", "retrieval", "image", "pathfinder"
  LraSplit train, val, test;
  int64_t vocab_size = 0;       // token ids are < vocab_size (0 = padding)
  int64_t num_classes = 0;
  int64_t length = 0;           // L: every sequence is padded (or truncated) to this many tokens
  bool padded = false;          // sequences can end in padding (a key padding mask matters)
  bool pair = false;            // two documents per example (tokens2 defined)
};

/// A seeded, platform-independent random stream for the generators (Philox4x32-10 on a
/// counter, the project's generator; std:: distributions are implementation-defined, so they
/// are not used). Each draw consumes one counter.
class LraRandom {
 public:
  explicit LraRandom(uint64_t seed) : seed_(seed) {}
  /// Uniform in [0, 1) with 53 bits.
  double uniform();
  /// Uniform integer in [0, n); n >= 1.
  int64_t below(int64_t n);
  /// Uniform integer in [lo, hi] (inclusive).
  int64_t between(int64_t lo, int64_t hi) { return lo + below(hi - lo + 1); }
  /// Fisher-Yates shuffle.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (int64_t i = int64_t(v.size()) - 1; i > 0; --i) std::swap(v[size_t(i)], v[size_t(below(i + 1))]);
  }

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

/// Packs token sequences into an int64 [n, length] tensor, right-padded with 0 and truncated to
/// length. Throws if a sequence contains 0 or a negative id.
Tensor pack_sequences(const std::vector<std::vector<int64_t>>& sequences, int64_t length, const std::string& op);

/// Labels as an int64 [n] tensor.
Tensor pack_labels(const std::vector<int64_t>& labels);

/// Per-class counts of a split's labels (length num_classes), for checks and reports.
std::vector<int64_t> label_counts(const LraSplit& split, int64_t num_classes);

}  // namespace tz::nn::data
