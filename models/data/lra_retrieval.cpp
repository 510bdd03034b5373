#include "models/data/lra_retrieval.h"

#include <cmath>

#include "core/error.h"
#include "models/data/lra_text.h"

namespace tz::nn::data {

LraData make_lra_retrieval(const FortunesCorpus& corpus, const LraRetrievalOptions& o) {
  TZ_CHECK(o.sources.size() >= 2, "lra_retrieval", "need at least two fortune files, got ", o.sources.size());
  TZ_CHECK(o.max_length >= 1, "lra_retrieval", "max_length must be >= 1, got ", o.max_length);
  TZ_CHECK(o.train_pairs >= 1 && o.val_pairs >= 0 && o.test_pairs >= 0, "lra_retrieval",
           "pair counts must be train >= 1, val >= 0, test >= 0");
  TZ_CHECK(o.val_fraction > 0 && o.test_fraction > 0 && o.val_fraction + o.test_fraction < 1, "lra_retrieval",
           "val_fraction and test_fraction must be > 0 with a sum below 1");
  const auto by_source = entries_by_source(corpus, o.min_length);
  LraRandom rng(o.seed);
  // pools[split][file] = entry indices
  std::vector<std::vector<int64_t>> pools[3];
  for (const auto& name : o.sources) {
    std::vector<int64_t> entries = by_source[size_t(fortune_source_index(corpus, name, "lra_retrieval"))];
    rng.shuffle(entries);
    const int64_t n = int64_t(entries.size());
    const int64_t n_val = int64_t(std::floor(double(n) * o.val_fraction));
    const int64_t n_test = int64_t(std::floor(double(n) * o.test_fraction));
    const int64_t n_train = n - n_val - n_test;
    TZ_CHECK(n_val >= 2 && n_test >= 2 && n_train >= 2, "lra_retrieval", "fortune file '", name, "' has ", n,
             " entries of >= ", o.min_length, " bytes: too few to give every split two of them");
    pools[0].emplace_back(entries.begin(), entries.begin() + n_train);
    pools[1].emplace_back(entries.begin() + n_train, entries.begin() + n_train + n_val);
    pools[2].emplace_back(entries.begin() + n_train + n_val, entries.end());
  }
  const int64_t n_files = int64_t(o.sources.size());
  auto make_split = [&](int s, int64_t count) {
    const auto& pool = pools[s];
    std::vector<std::vector<int64_t>> a, b;
    std::vector<int64_t> y;
    for (int64_t i = 0; i < count; ++i) {
      const int64_t label = i % 2;
      int64_t ea, eb;
      if (label == 1) {
        const auto& f = pool[size_t(rng.below(n_files))];
        const int64_t j = rng.below(int64_t(f.size()));
        const int64_t k = (j + 1 + rng.below(int64_t(f.size()) - 1)) % int64_t(f.size());  // k != j
        ea = f[size_t(j)];
        eb = f[size_t(k)];
      } else {
        const int64_t fa = rng.below(n_files);
        const int64_t fb = (fa + 1 + rng.below(n_files - 1)) % n_files;  // fb != fa
        ea = pool[size_t(fa)][size_t(rng.below(int64_t(pool[size_t(fa)].size())))];
        eb = pool[size_t(fb)][size_t(rng.below(int64_t(pool[size_t(fb)].size())))];
      }
      a.push_back(byte_tokens(corpus.entry(ea).text, o.max_length));
      b.push_back(byte_tokens(corpus.entry(eb).text, o.max_length));
      y.push_back(label);
    }
    return LraSplit{pack_sequences(a, o.max_length, "lra_retrieval"), pack_sequences(b, o.max_length, "lra_retrieval"),
                    pack_labels(y)};
  };
  LraData d;
  d.task = "retrieval";
  d.vocab_size = 257;
  d.num_classes = 2;
  d.length = o.max_length;
  d.padded = true;
  d.pair = true;
  d.train = make_split(0, o.train_pairs);
  d.val = make_split(1, o.val_pairs);
  d.test = make_split(2, o.test_pairs);
  return d;
}

}  // namespace tz::nn::data
