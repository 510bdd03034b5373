#include "models/data/lra_common.h"

#include "core/error.h"
#include "core/factories.h"
#include "core/philox.h"

namespace tz::nn::data {

double LraRandom::uniform() { return philox::uniform_f64(philox::draw(seed_, counter_++)); }

int64_t LraRandom::below(int64_t n) {
  TZ_CHECK(n >= 1, "lra", "below(n) needs n >= 1, got ", n);
  // 64 random bits modulo n: the bias is below n / 2^64, negligible for the ranges used here.
  return int64_t(philox::below(philox::draw(seed_, counter_++), uint64_t(n)));
}

Tensor pack_sequences(const std::vector<std::vector<int64_t>>& sequences, int64_t length, const std::string& op) {
  TZ_CHECK(length >= 1, op, "sequence length must be >= 1, got ", length);
  std::vector<int64_t> flat(sequences.size() * size_t(length), 0);
  for (size_t i = 0; i < sequences.size(); ++i) {
    const auto& s = sequences[i];
    const size_t n = std::min(s.size(), size_t(length));
    for (size_t j = 0; j < n; ++j) {
      TZ_CHECK(s[j] >= 1, op, "sequence ", i, " has token ", s[j], " at ", j, " (0 is reserved for padding)");
      flat[i * size_t(length) + j] = s[j];
    }
  }
  return from_vector(flat, Shape{int64_t(sequences.size()), length});
}

Tensor pack_labels(const std::vector<int64_t>& labels) { return from_vector(labels, Shape{int64_t(labels.size())}); }

std::vector<int64_t> label_counts(const LraSplit& split, int64_t num_classes) {
  std::vector<int64_t> counts(size_t(num_classes), 0);
  if (split.size() == 0) return counts;
  for (int64_t y : split.labels.contiguous().to_vector<int64_t>()) {
    TZ_CHECK(y >= 0 && y < num_classes, "lra", "label ", y, " outside [0, ", num_classes, ")");
    ++counts[size_t(y)];
  }
  return counts;
}

}  // namespace tz::nn::data
