// Byte and char tokenizers, and random next-token blocks.
#include "tests/support/test_support.h"

namespace tz {
namespace {

using nn::data::ByteTokenizer;
using nn::data::CharTokenizer;

TEST(Tokenizer, ByteRoundTripAllValues) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const ByteTokenizer tok;
  const Tensor ids = tok.encode(all);
  EXPECT_EQ(ids.dtype(), DType::I64);
  EXPECT_EQ(ids.shape(), (Shape{256}));
  EXPECT_EQ(ids[200].item<int64_t>(), 200);
  EXPECT_EQ(tok.decode(ids), all);
  EXPECT_EQ(tok.vocab_size(), 256);
  EXPECT_TZ_ERROR(tok.decode(tz::tensor({1, 256})), "[byte_tokenizer] id 256 is outside [0, 256)");
  EXPECT_TZ_ERROR(tok.decode(tz::tensor({1.f})), "[byte_tokenizer] decode expects an integer tensor");
}

TEST(Tokenizer, CharVocabularyIsSortedDistinctBytes) {
  const CharTokenizer tok = CharTokenizer::from_text("hello, world\xE9");
  EXPECT_EQ(tok.vocabulary(), std::string(" ,dehlorw\xE9"));
  EXPECT_EQ(tok.vocab_size(), 10);
  const Tensor ids = tok.encode("hello");
  EXPECT_EQ(ids.to_vector<int64_t>(), (std::vector<int64_t>{4, 3, 5, 5, 6}));
  EXPECT_EQ(tok.decode(ids), "hello");
  EXPECT_EQ(tok.decode(ids.reshape({5, 1})), "hello");
  EXPECT_EQ(tok.id('\xE9'), 9);
  EXPECT_EQ(tok.token(2), 'd');
  EXPECT_TZ_ERROR(tok.encode("held!"), "[char_tokenizer] character '!' (byte 0x21) at position 4 is not in the vocabulary");
  EXPECT_TZ_ERROR(tok.decode(tz::tensor({10})), "[char_tokenizer] id 10 is outside [0, 10)");
  EXPECT_TZ_ERROR(CharTokenizer("ba"), "sorted by byte value");
  EXPECT_TZ_ERROR(CharTokenizer("aa"), "distinct");
  // A tokenizer rebuilt from its vocabulary (as saved in a checkpoint) encodes the same.
  EXPECT_TENSOR_EQ(CharTokenizer(tok.vocabulary()).encode("world"), tok.encode("world"));
}

TEST(Tokenizer, SampleBlocksAreShiftedWindows) {
  const Tensor tokens = arange(100, 200);  // token i at position i - 100
  Generator gen(7);
  const auto blocks = nn::data::sample_blocks(tokens, 6, 10, gen);
  EXPECT_EQ(blocks.input.shape(), (Shape{6, 10}));
  EXPECT_EQ(blocks.target.shape(), (Shape{6, 10}));
  EXPECT_EQ(blocks.input.dtype(), DType::I64);
  EXPECT_EQ(gen.state().offset, 6u);  // one counter per block
  const auto in = blocks.input.to_vector<int64_t>(), tg = blocks.target.to_vector<int64_t>();
  for (int b = 0; b < 6; ++b) {
    const int64_t start = in[size_t(b * 10)];
    EXPECT_GE(start, 100);
    EXPECT_LE(start, 189);  // the last target (start + 10) stays inside the tokens
    for (int t = 0; t < 10; ++t) {
      EXPECT_EQ(in[size_t(b * 10 + t)], start + t);
      EXPECT_EQ(tg[size_t(b * 10 + t)], start + t + 1);
    }
  }
  // Same generator state, same blocks; the starts are the generator's randint draws.
  Generator again(7);
  EXPECT_TENSOR_EQ(nn::data::sample_blocks(tokens, 6, 10, again).input, blocks.input);
  Generator ref(7);
  EXPECT_TENSOR_EQ(blocks.input.select(1, 0) - 100, randint(0, 90, {6}, TensorOptions(DType::I64), &ref));
  // The edge case n = block_size + 1 has one possible window.
  Generator g2(1);
  const auto one = nn::data::sample_blocks(arange(5), 3, 4, g2);
  EXPECT_EQ(one.target.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_TZ_ERROR(nn::data::sample_blocks(arange(4), 1, 4, g2), "[sample_blocks] needs more than block_size = 4 tokens, got 4");
  EXPECT_TZ_ERROR(nn::data::sample_blocks(arange(10).reshape({2, 5}), 1, 2, g2), "1-d integer token tensor");
}

TEST(Tokenizer, FortunesRoundTrip) {
  const nn::data::FortunesCorpus corpus;
  const CharTokenizer tok = CharTokenizer::from_text(corpus.text());
  const std::string_view val = corpus.val_text().substr(0, 5000);
  EXPECT_EQ(tok.decode(tok.encode(val)), val);
  const ByteTokenizer bytes;
  EXPECT_EQ(bytes.decode(bytes.encode(val)), val);
  EXPECT_EQ(tok.vocab_size(), 114);  // distinct byte values of the corpus (Python: len(set(data)))
}

}  // namespace
}  // namespace tz
