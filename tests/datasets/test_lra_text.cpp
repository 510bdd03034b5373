// The fortune-based Text and Retrieval tasks and the Fashion-MNIST Image task of the mini Long
// Range Arena (models/data/lra_text.h, lra_retrieval.h, lra_image.h).
#include <map>
#include <set>

#include "nn/data/idx.h"
#include "models/data/lra_image.h"
#include "models/data/lra_retrieval.h"
#include "models/data/lra_text.h"
#include "tests/support/test_support.h"

namespace tz {
namespace {

using namespace nn::data;

const FortunesCorpus& corpus() {
  static const FortunesCorpus c;
  return c;
}

/// Row i of a [n, L] token tensor back to bytes (padding dropped).
std::string decode(const std::vector<int64_t>& tokens, int64_t length, int64_t i) {
  std::string s;
  for (int64_t j = 0; j < length; ++j) {
    const int64_t t = tokens[size_t(i * length + j)];
    if (t == 0) break;
    s += char(t - 1);
  }
  return s;
}

/// Source files whose text contains s (fortunes repeat across files now and then).
std::set<std::string> files_containing(const std::string& s) {
  const FortunesCorpus& c = corpus();
  std::set<std::string> out;
  for (int32_t k = 0; k < int32_t(c.sources().size()); ++k) {
    const int64_t begin = c.source_offset(k);
    const int64_t end = k + 1 < int32_t(c.sources().size()) ? c.source_offset(k + 1) : c.size();
    if (std::string_view(c.text()).substr(size_t(begin), size_t(end - begin)).find(s) != std::string_view::npos)
      out.insert(c.sources()[size_t(k)]);
  }
  return out;
}

TEST(LraText, ClassifiesEntriesByTheirFile) {
  LraTextOptions o;
  o.max_length = 300;
  const LraData d = make_lra_text(corpus(), o);
  EXPECT_EQ(d.task, "text");
  EXPECT_EQ(d.vocab_size, 257);
  EXPECT_EQ(d.num_classes, 4);
  EXPECT_EQ(d.length, 300);
  EXPECT_TRUE(d.padded);
  // Balanced: the smallest class (songs-poems, 720 entries) sets the count: 576 / 72 / 72.
  EXPECT_EQ(label_counts(d.train, 4), (std::vector<int64_t>(4, 576)));
  EXPECT_EQ(label_counts(d.val, 4), (std::vector<int64_t>(4, 72)));
  EXPECT_EQ(label_counts(d.test, 4), (std::vector<int64_t>(4, 72)));
  // Every example is (a prefix of) an entry of its class's file, bytes shifted by one.
  const auto tokens = d.test.tokens.contiguous().to_vector<int64_t>();
  const auto labels = d.test.labels.contiguous().to_vector<int64_t>();
  int64_t truncated = 0;
  for (int64_t i = 0; i < d.test.size(); ++i) {
    const std::string text = decode(tokens, 300, i);
    ASSERT_FALSE(text.empty());
    EXPECT_TRUE(files_containing(text).count(o.classes[size_t(labels[size_t(i)])])) << text;
    truncated += text.size() == 300;
  }
  EXPECT_GT(truncated, 0);  // some entries are longer than 300 bytes and were cut
  // Seeded: the same options give the same data, another seed another order.
  EXPECT_TRUE(equal(d.train.tokens, make_lra_text(corpus(), o).train.tokens));
  o.seed = 9;
  EXPECT_FALSE(equal(d.train.tokens, make_lra_text(corpus(), o).train.tokens));
}

TEST(LraText, SplitsAreDisjointAndFiltersApply) {
  LraTextOptions o;
  o.classes = {"linux", "perl", "startrek"};
  o.max_length = 4096;
  o.min_length = 100;
  o.per_class = 100;  // each file has more than 100 entries of >= 100 bytes
  const LraData d = make_lra_text(corpus(), o);
  EXPECT_EQ(label_counts(d.train, 3), (std::vector<int64_t>(3, 80)));
  std::map<std::string, int> where;
  for (const auto& [split, s] : {std::pair{0, &d.train}, {1, &d.val}, {2, &d.test}}) {
    const auto tokens = s->tokens.contiguous().to_vector<int64_t>();
    for (int64_t i = 0; i < s->size(); ++i) {
      const std::string text = decode(tokens, d.length, i);
      EXPECT_GE(text.size(), 100u);
      where[text] |= 1 << split;
    }
  }
  for (const auto& [text, splits] : where) EXPECT_TRUE(splits == 1 || splits == 2 || splits == 4) << text;
  o.classes = {"linux", "pearl"};
  EXPECT_TZ_ERROR(make_lra_text(corpus(), o), "did you mean 'perl'");
  o.classes = {"linux", "perl"};
  o.min_length = 100000;
  EXPECT_TZ_ERROR(make_lra_text(corpus(), o), "too few");
}

TEST(LraRetrieval, PairsMatchExactlyWhenFromTheSameFile) {
  LraRetrievalOptions o;
  o.max_length = 4096;
  o.train_pairs = 400;
  o.val_pairs = 50;
  o.test_pairs = 200;
  const LraData d = make_lra_retrieval(corpus(), o);
  EXPECT_EQ(d.task, "retrieval");
  EXPECT_TRUE(d.pair);
  EXPECT_EQ(d.num_classes, 2);
  ASSERT_TRUE(d.test.tokens2.defined());
  EXPECT_EQ(d.test.tokens2.shape(), d.test.tokens.shape());
  EXPECT_EQ(label_counts(d.train, 2), (std::vector<int64_t>{200, 200}));
  EXPECT_EQ(label_counts(d.test, 2), (std::vector<int64_t>{100, 100}));
  const std::set<std::string> allowed(o.sources.begin(), o.sources.end());
  std::set<std::string> train_docs;
  {
    const auto a = d.train.tokens.contiguous().to_vector<int64_t>(), b = d.train.tokens2.contiguous().to_vector<int64_t>();
    for (int64_t i = 0; i < d.train.size(); ++i) {
      train_docs.insert(decode(a, d.length, i));
      train_docs.insert(decode(b, d.length, i));
    }
  }
  const auto a = d.test.tokens.contiguous().to_vector<int64_t>(), b = d.test.tokens2.contiguous().to_vector<int64_t>();
  const auto y = d.test.labels.contiguous().to_vector<int64_t>();
  int64_t shared_with_train = 0;
  for (int64_t i = 0; i < d.test.size(); ++i) {
    const std::string da = decode(a, d.length, i), db = decode(b, d.length, i);
    std::set<std::string> fa, fb, both;
    for (const auto& f : files_containing(da)) if (allowed.count(f)) fa.insert(f);
    for (const auto& f : files_containing(db)) if (allowed.count(f)) fb.insert(f);
    std::set_intersection(fa.begin(), fa.end(), fb.begin(), fb.end(), std::inserter(both, both.begin()));
    ASSERT_FALSE(fa.empty());
    ASSERT_FALSE(fb.empty());
    if (y[size_t(i)] == 1) EXPECT_FALSE(both.empty()) << da << "\n---\n" << db;
    else EXPECT_NE(fa, fb) << da << "\n---\n" << db;
    shared_with_train += train_docs.count(da) + train_docs.count(db);
  }
  // Entries are split into pools before pairing; only texts repeated in the corpus can recur.
  EXPECT_LE(shared_with_train, 4);
  EXPECT_TRUE(equal(d.test.tokens2, make_lra_retrieval(corpus(), o).test.tokens2));
}

TEST(LraImage, PixelsBecomeTokens) {
  LraImageOptions o;
  o.train_size = 300;
  o.val_size = 100;
  o.test_size = 50;
  const LraData d = make_lra_image(o);
  EXPECT_EQ(d.task, "image");
  EXPECT_EQ(d.length, 784);
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_FALSE(d.padded);
  EXPECT_EQ(d.train.tokens.shape(), (Shape{300, 784}));
  nn::data::FashionMnistOptions fo;
  fo.normalize = false;
  const FashionMnist train(Split::Train, fo), test(Split::Test, fo);
  EXPECT_TRUE(equal(d.train.tokens, train.images().narrow(0, 0, 300).reshape({300, 784}).to(DType::I64) + 1));
  EXPECT_TRUE(equal(d.val.tokens, train.images().narrow(0, 59900, 100).reshape({100, 784}).to(DType::I64) + 1));
  EXPECT_TRUE(equal(d.test.labels, test.labels().narrow(0, 0, 50).to(DType::I64)));
  EXPECT_EQ(min(d.train.tokens).item<int64_t>(), 1);
  EXPECT_EQ(max(d.train.tokens).item<int64_t>(), 256);
  o.train_size = 55000;
  o.val_size = 5001;
  EXPECT_TZ_ERROR(make_lra_image(o), "train_size + val_size");
}

}  // namespace
}  // namespace tz
