#include "models/data/lra_text.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/strings.h"

namespace tz::nn::data {

std::vector<int64_t> byte_tokens(std::string_view text, int64_t max_length) {
  const size_t n = std::min(text.size(), size_t(std::max<int64_t>(max_length, 0)));
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = int64_t(static_cast<unsigned char>(text[i])) + 1;
  return out;
}

std::vector<std::vector<int64_t>> entries_by_source(const FortunesCorpus& corpus, int64_t min_length) {
  std::vector<std::vector<int64_t>> by(corpus.sources().size());
  for (int64_t i = 0; i < corpus.num_entries(); ++i) {
    const FortuneEntry e = corpus.entry(i);
    if (int64_t(e.text.size()) >= min_length) by[size_t(e.source)].push_back(i);
  }
  return by;
}

int32_t fortune_source_index(const FortunesCorpus& corpus, const std::string& name, const std::string& op) {
  const auto& names = corpus.sources();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it != names.end()) return int32_t(it - names.begin());
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  const std::string hint = closest_match(name, names);
  TZ_FAIL(op, "no fortune file '", name, "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
          "; available: ", list);
}

LraData make_lra_text(const FortunesCorpus& corpus, const LraTextOptions& o) {
  TZ_CHECK(o.classes.size() >= 2, "lra_text", "need at least two classes (fortune files), got ", o.classes.size());
  TZ_CHECK(o.max_length >= 1, "lra_text", "max_length must be >= 1, got ", o.max_length);
  TZ_CHECK(o.val_fraction >= 0 && o.test_fraction >= 0 && o.val_fraction + o.test_fraction < 1, "lra_text",
           "val_fraction and test_fraction must be >= 0 with a sum below 1, got ", o.val_fraction, " and ",
           o.test_fraction);
  const auto by_source = entries_by_source(corpus, o.min_length);
  std::vector<std::vector<int64_t>> per_class;
  for (const auto& name : o.classes) per_class.push_back(by_source[size_t(fortune_source_index(corpus, name, "lra_text"))]);
  size_t keep = per_class[0].size();
  for (const auto& c : per_class) keep = std::min(keep, c.size());
  if (o.per_class > 0) keep = std::min(keep, size_t(o.per_class));
  const int64_t n_val = int64_t(std::floor(double(keep) * o.val_fraction));
  const int64_t n_test = int64_t(std::floor(double(keep) * o.test_fraction));
  const int64_t n_train = int64_t(keep) - n_val - n_test;
  TZ_CHECK(n_train >= 1 && (o.val_fraction == 0 || n_val >= 1) && (o.test_fraction == 0 || n_test >= 1), "lra_text",
           "only ", keep, " entries per class (min_length ", o.min_length,
           "): too few for train / val / test; lower min_length or pick larger files");

  LraRandom rng(o.seed);
  std::vector<std::vector<int64_t>> seqs[3];
  std::vector<int64_t> labels[3];
  for (size_t c = 0; c < per_class.size(); ++c) {
    std::vector<int64_t> entries = per_class[c];
    rng.shuffle(entries);
    entries.resize(keep);
    for (size_t i = 0; i < keep; ++i) {
      const int split = int64_t(i) < n_train ? 0 : int64_t(i) < n_train + n_val ? 1 : 2;
      seqs[split].push_back(byte_tokens(corpus.entry(entries[i]).text, o.max_length));
      labels[split].push_back(int64_t(c));
    }
  }
  LraData d;
  d.task = "text";
  d.vocab_size = 257;
  d.num_classes = int64_t(o.classes.size());
  d.length = o.max_length;
  d.padded = true;
  LraSplit* splits[3] = {&d.train, &d.val, &d.test};
  for (int s = 0; s < 3; ++s) {
    // Interleave the classes (the loader shuffles training anyway; evaluation order is irrelevant).
    std::vector<size_t> order(seqs[s].size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    rng.shuffle(order);
    std::vector<std::vector<int64_t>> x;
    std::vector<int64_t> y;
    for (size_t i : order) {
      x.push_back(std::move(seqs[s][i]));
      y.push_back(labels[s][i]);
    }
    *splits[s] = LraSplit{pack_sequences(x, d.length, "lra_text"), Tensor(), pack_labels(y)};
  }
  return d;
}

}  // namespace tz::nn::data
