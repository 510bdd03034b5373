#pragma once
/// Character-level tokenizers over latin-1 text (one char per byte) and random block sampling
/// for next-token training.
///
///   nn::data::CharTokenizer tok = nn::data::CharTokenizer::from_text(corpus.text());
///   Tensor ids = tok.encode(corpus.train_text());                       // int64 [n]
///   tz::Generator gen(0);
///   auto [x, y] = nn::data::sample_blocks(ids, 32, 128, gen);            // [32, 128] each
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/random.h"
#include "core/tensor.h"

namespace tz::nn::data {

/// Every byte is its own id (256 ids): nothing is unknown.
class ByteTokenizer {
 public:
  int64_t vocab_size() const { return 256; }
  /// int64 [text.size()] of byte values.
  Tensor encode(std::string_view text) const;
  /// Any-shape integer tensor of ids in [0, 256) back to bytes (row-major order).
  std::string decode(const Tensor& ids) const;
};

/// Ids are positions in a sorted vocabulary of distinct bytes.
class CharTokenizer {
 public:
  /// vocabulary: the distinct chars, sorted by byte value (throws otherwise).
  explicit CharTokenizer(std::string vocabulary);
  /// The sorted distinct chars of text.
  static CharTokenizer from_text(std::string_view text);

  int64_t vocab_size() const { return int64_t(vocab_.size()); }
  const std::string& vocabulary() const { return vocab_; }
  /// Throws "[char_tokenizer] character 'x' (byte 0x78) at position 12 is not in the vocabulary".
  int64_t id(char c) const;
  char token(int64_t id) const;
  /// int64 [text.size()].
  Tensor encode(std::string_view text) const;
  /// Integer ids in [0, vocab_size()) (any shape, row-major) back to text.
  std::string decode(const Tensor& ids) const;

 private:
  std::string vocab_;
  std::array<int32_t, 256> id_of_;  // -1: not in the vocabulary
};

/// Input/target blocks for next-token prediction.
struct TokenBlocks {
  Tensor input;   // [B, T] int64: tokens[s : s + T]
  Tensor target;  // [B, T] int64: tokens[s + 1 : s + T + 1]
};

/// Draws batch_size start positions s uniformly from [0, n - block_size - 1] with gen (B
/// counters of its stream) and returns the blocks, on tokens' device. tokens: 1-d integer
/// tensor with n > block_size.
TokenBlocks sample_blocks(const Tensor& tokens, int64_t batch_size, int64_t block_size, Generator& gen);

}  // namespace tz::nn::data
