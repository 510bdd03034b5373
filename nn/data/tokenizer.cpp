#include "nn/data/tokenizer.h"

#include <algorithm>
#include <cstdio>

#include "autograd/ops_index.h"
#include "core/error.h"
#include "core/factories.h"

namespace tz::nn::data {

namespace {

Tensor bytes_to_ids(std::string_view text, const std::array<int32_t, 256>* table, const char* op) {
  Tensor out = empty({int64_t(text.size())}, TensorOptions(DType::I64));
  int64_t* p = out.data<int64_t>();
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const int64_t id = table ? (*table)[c] : int64_t(c);
    if (id < 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", unsigned(c));
      TZ_FAIL(op, "character '", text[i], "' (byte ", hex, ") at position ", i, " is not in the vocabulary");
    }
    p[i] = id;
  }
  return out;
}

std::vector<int64_t> ids_of(const Tensor& ids, const char* op) {
  TZ_CHECK(ids.defined() && is_integral(ids.dtype()) && ids.dtype() != DType::Bool, op,
           "decode expects an integer tensor of ids, got ", ids.defined() ? describe(ids) : "an undefined tensor");
  return ids.to_vector<int64_t>();
}

}  // namespace

Tensor ByteTokenizer::encode(std::string_view text) const { return bytes_to_ids(text, nullptr, "byte_tokenizer"); }

std::string ByteTokenizer::decode(const Tensor& ids) const {
  std::string out;
  for (int64_t id : ids_of(ids, "byte_tokenizer")) {
    TZ_CHECK(id >= 0 && id < 256, "byte_tokenizer", "id ", id, " is outside [0, 256)");
    out += static_cast<char>(static_cast<unsigned char>(id));
  }
  return out;
}

CharTokenizer::CharTokenizer(std::string vocabulary) : vocab_(std::move(vocabulary)) {
  id_of_.fill(-1);
  for (size_t i = 0; i < vocab_.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(vocab_[i]);
    TZ_CHECK(i == 0 || static_cast<unsigned char>(vocab_[i - 1]) < c, "char_tokenizer",
             "the vocabulary must hold distinct chars sorted by byte value (position ", i, ")");
    id_of_[c] = int32_t(i);
  }
}

CharTokenizer CharTokenizer::from_text(std::string_view text) {
  std::array<bool, 256> seen{};
  for (char c : text) seen[static_cast<unsigned char>(c)] = true;
  std::string vocab;
  for (int b = 0; b < 256; ++b)
    if (seen[size_t(b)]) vocab += static_cast<char>(b);
  return CharTokenizer(std::move(vocab));
}

int64_t CharTokenizer::id(char c) const {
  const int32_t i = id_of_[static_cast<unsigned char>(c)];
  TZ_CHECK(i >= 0, "char_tokenizer", "character '", c, "' is not in the vocabulary");
  return i;
}

char CharTokenizer::token(int64_t id) const {
  TZ_CHECK(id >= 0 && id < vocab_size(), "char_tokenizer", "id ", id, " is outside [0, ", vocab_size(), ")");
  return vocab_[size_t(id)];
}

Tensor CharTokenizer::encode(std::string_view text) const { return bytes_to_ids(text, &id_of_, "char_tokenizer"); }

std::string CharTokenizer::decode(const Tensor& ids) const {
  std::string out;
  for (int64_t id : ids_of(ids, "char_tokenizer")) out += token(id);
  return out;
}

TokenBlocks sample_blocks(const Tensor& tokens, int64_t batch_size, int64_t block_size, Generator& gen) {
  TZ_CHECK(tokens.defined() && tokens.dim() == 1 && is_integral(tokens.dtype()), "sample_blocks",
           "expects a 1-d integer token tensor, got ", tokens.defined() ? describe(tokens) : "an undefined tensor");
  TZ_CHECK(batch_size >= 1 && block_size >= 1, "sample_blocks", "batch_size and block_size must be >= 1, got ",
           batch_size, " and ", block_size);
  const int64_t n = tokens.size(0);
  TZ_CHECK(n > block_size, "sample_blocks", "needs more than block_size = ", block_size, " tokens, got ", n);
  // Windows of block_size + 1 tokens: starts in [0, n - block_size - 1] keep the last target in range.
  const Tensor starts = randint(0, n - block_size, {batch_size}, TensorOptions(DType::I64), &gen);
  const Tensor windows = tokens.unfold(0, block_size + 1, 1);  // [n - block_size, block_size + 1] view
  const Tensor rows = index_select(windows, 0, starts.to(tokens.device())).to(DType::I64);
  return {rows.narrow(1, 0, block_size).contiguous(), rows.narrow(1, 1, block_size).contiguous()};
}

}  // namespace tz::nn::data
