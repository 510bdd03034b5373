#pragma once
/// IDX files (the MNIST family's format) and the Fashion-MNIST dataset.
///
/// IDX layout: two zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32,
/// 0x0E f64), a dim count, one big-endian uint32 per dim, then the elements big-endian in
/// row-major order. Files may be gzip-compressed (as distributed) or plain.
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/data/dataset.h"

namespace tz::nn::data {

/// Reads a whole file, decompressing it when it is gzip (plain files are read as is).
/// Throws "[<op>] <path>: not found" for a missing file and names the path on a corrupt or
/// truncated gzip stream.
/// The path must be a regular file (a FIFO or device is refused before opening), and the
/// decompressed size may not exceed max_bytes (a gzip bomb stops there).
std::vector<uint8_t> read_maybe_gzip(const std::string& path, const std::string& op = "idx",
                                     uint64_t max_bytes = uint64_t(1) << 32);

/// Parses IDX bytes into a CPU tensor of the file's shape. dtypes: u8 -> U8, i8 -> I8,
/// i16 -> I32 (widened: there is no 16-bit integer dtype), i32 -> I32, f32 -> F32, f64 -> F64.
/// `source` names the data in errors. Throws on a bad magic, an unknown type, a zero-dim
/// header, and on data shorter (truncated) or longer (trailing bytes) than the header says.
Tensor parse_idx(const std::vector<uint8_t>& bytes, const std::string& source = "<bytes>");
/// read_maybe_gzip + parse_idx, streaming: decompression stops at the size the header declares
/// (dims whose product overflows or exceeds 4 GiB are refused before allocating), so a gzip
/// bomb behind a small header costs no memory; trailing data is an error.
Tensor read_idx(const std::string& path);

enum class Split { Train, Test };

struct FashionMnistOptions {
  /// Where Debian's dataset-fashion-mnist installs the four *-ubyte.gz files.
  std::string root = "/usr/share/datasets/fashion-mnist";
  /// get() returns (x / 255 - mean) / std when true, x / 255 otherwise.
  bool normalize = true;
  double mean = 0.2860;
  double std = 0.3530;
};

/// Fashion-MNIST (60000 train / 10000 test 28x28 grey images, 10 classes). get(i) returns a
/// float32 image [1, 28, 28] and an int64 0-d label. Missing files raise "[fashion_mnist]
/// <path>: not found; install the Debian package dataset-fashion-mnist (tools/install-deps.sh)".
class FashionMnist : public Dataset {
 public:
  explicit FashionMnist(Split split = Split::Train, FashionMnistOptions options = {});
  int64_t size() const override;
  Example get(int64_t index) const override;

  /// The raw uint8 images [N, 28, 28] and labels [N].
  const Tensor& images() const { return images_; }
  const Tensor& labels() const { return labels_; }
  /// All images as get() returns them, [N, 1, 28, 28] float32 (for whole-set evaluation).
  Tensor float_images() const;
  /// "T-shirt/top", "Trouser", ..., "Ankle boot" (index = label).
  static const std::vector<std::string>& class_names();

 private:
  FashionMnistOptions options_;
  Tensor images_;
  Tensor labels_;
};

}  // namespace tz::nn::data
