#include "nn/data/idx.h"

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <limits>

#include "autograd/ops_shape.h"
#include "core/error.h"
#include "core/factories.h"

namespace tz::nn::data {

std::vector<uint8_t> read_maybe_gzip(const std::string& path, const std::string& op) {
  std::error_code ec;
  TZ_CHECK(std::filesystem::is_regular_file(path, ec), op, path, ": not found");
  gzFile file = gzopen(path.c_str(), "rb");
  TZ_CHECK(file != nullptr, op, path, ": cannot open");
  std::vector<uint8_t> out;
  constexpr unsigned kChunk = 1u << 20;
  for (;;) {
    const size_t used = out.size();
    out.resize(used + kChunk);
    const int got = gzread(file, out.data() + used, kChunk);
    if (got < 0) {
      int code = 0;
      const std::string why = gzerror(file, &code);
      gzclose(file);
      TZ_FAIL(op, path, ": corrupt gzip data (", why, ")");
    }
    out.resize(used + size_t(got));
    if (got == 0) break;
  }
  // A stream cut short reads as a clean end of data; zlib reports it when the file is closed.
  const int closed = gzclose(file);
  TZ_CHECK(closed != Z_BUF_ERROR, op, path, ": truncated gzip data (the stream ends before its trailer)");
  TZ_CHECK(closed == Z_OK, op, path, ": corrupt gzip data (zlib error ", closed, ")");
  return out;
}

namespace {

uint64_t read_be(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

template <class Out, class Convert>
Tensor decode_elements(const uint8_t* data, int64_t count, int width, const Shape& shape, DType dtype, Convert convert) {
  std::vector<Out> values(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) values[size_t(i)] = convert(read_be(data + i * width, width));
  return from_blob_copy(values.data(), shape, dtype);
}

}  // namespace

Tensor parse_idx(const std::vector<uint8_t>& bytes, const std::string& source) {
  TZ_CHECK(bytes.size() >= 4, "idx", source, ": truncated header (", bytes.size(), " bytes, need at least 4)");
  TZ_CHECK(bytes[0] == 0 && bytes[1] == 0, "idx", source, ": bad magic: the first two bytes must be 0, got ",
           int(bytes[0]), " ", int(bytes[1]), " (not an IDX file?)");
  const int type = bytes[2];
  const int ndim = bytes[3];
  int width = 0;
  switch (type) {
    case 0x08: case 0x09: width = 1; break;
    case 0x0B: width = 2; break;
    case 0x0C: case 0x0D: width = 4; break;
    case 0x0E: width = 8; break;
    default: TZ_FAIL("idx", source, ": unknown element type 0x", std::hex, type);
  }
  TZ_CHECK(ndim >= 1, "idx", source, ": the header declares 0 dimensions");
  const size_t header = 4 + 4 * size_t(ndim);
  TZ_CHECK(bytes.size() >= header, "idx", source, ": truncated header (", bytes.size(), " bytes, ", ndim,
           " dims need ", header, ")");
  Shape shape;
  int64_t count = 1;
  const int64_t limit = std::numeric_limits<int64_t>::max() / 8;
  for (int d = 0; d < ndim; ++d) {
    const int64_t size = int64_t(read_be(bytes.data() + 4 + 4 * d, 4));
    TZ_CHECK(size == 0 || count <= limit / size, "idx", source, ": dims overflow the addressable size");
    count *= size;
    shape.push_back(size);
  }
  const size_t expected = size_t(count) * size_t(width);
  const size_t have = bytes.size() - header;
  TZ_CHECK(have >= expected, "idx", source, ": truncated data: the header declares ", shape_str(shape), " (", expected,
           " bytes) but only ", have, " follow");
  TZ_CHECK(have == expected, "idx", source, ": ", have - expected, " trailing bytes after the ", shape_str(shape),
           " elements the header declares");
  const uint8_t* data = bytes.data() + header;
  switch (type) {
    case 0x08: return from_blob_copy(data, shape, DType::U8);
    case 0x09: return from_blob_copy(data, shape, DType::I8);
    case 0x0B:
      return decode_elements<int32_t>(data, count, 2, shape, DType::I32, [](uint64_t v) { return int32_t(int16_t(uint16_t(v))); });
    case 0x0C:
      return decode_elements<int32_t>(data, count, 4, shape, DType::I32, [](uint64_t v) { return int32_t(uint32_t(v)); });
    case 0x0D:
      return decode_elements<float>(data, count, 4, shape, DType::F32, [](uint64_t v) {
        const uint32_t bits = uint32_t(v);
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
      });
    default:
      return decode_elements<double>(data, count, 8, shape, DType::F64, [](uint64_t v) {
        double f;
        std::memcpy(&f, &v, 8);
        return f;
      });
  }
}

Tensor read_idx(const std::string& path) { return parse_idx(read_maybe_gzip(path, "idx"), path); }

// ---- Fashion-MNIST ------------------------------------------------------------------------

namespace {
Tensor read_fashion_file(const std::string& path) {
  std::error_code ec;
  TZ_CHECK(std::filesystem::is_regular_file(path, ec), "fashion_mnist", path,
           ": not found; install the Debian package dataset-fashion-mnist (tools/install-deps.sh)");
  return read_idx(path);
}
}  // namespace

FashionMnist::FashionMnist(Split split, FashionMnistOptions options) : options_(std::move(options)) {
  TZ_CHECK(options_.std > 0, "fashion_mnist", "std must be positive, got ", options_.std);
  const std::string prefix = options_.root + (split == Split::Train ? "/train" : "/t10k");
  images_ = read_fashion_file(prefix + "-images-idx3-ubyte.gz");
  labels_ = read_fashion_file(prefix + "-labels-idx1-ubyte.gz");
  TZ_CHECK(images_.dtype() == DType::U8 && images_.dim() == 3 && images_.size(1) == 28 && images_.size(2) == 28,
           "fashion_mnist", prefix, "-images-idx3-ubyte.gz: expected uint8 [N, 28, 28] images, got ", describe(images_));
  TZ_CHECK(labels_.dtype() == DType::U8 && labels_.dim() == 1 && labels_.size(0) == images_.size(0), "fashion_mnist",
           prefix, "-labels-idx1-ubyte.gz: expected ", images_.size(0), " uint8 labels, got ", describe(labels_));
  TZ_CHECK(labels_.numel() == 0 || labels_.amax().item<int64_t>() < 10, "fashion_mnist", prefix,
           "-labels-idx1-ubyte.gz: labels must be in [0, 10)");
}

int64_t FashionMnist::size() const { return images_.size(0); }

namespace {
Tensor scale_pixels(const Tensor& u8, const FashionMnistOptions& o) {
  Tensor x = u8.to(DType::F32) / 255.0;
  return o.normalize ? (x - o.mean) / o.std : x;
}
}  // namespace

Example FashionMnist::get(int64_t index) const {
  TZ_CHECK(index >= 0 && index < size(), "fashion_mnist", "index ", index, " out of range for ", size(), " images");
  // One pass over 784 bytes instead of a chain of small tensor ops: get() runs once per example
  // per epoch. Same float32 arithmetic as scale_pixels, so both give identical values.
  constexpr int64_t kPixels = 28 * 28;
  const uint8_t* src = images_.data<uint8_t>() + index * kPixels;
  Tensor image = empty({1, 28, 28}, TensorOptions(DType::F32));
  float* dst = image.data<float>();
  const float mean = float(options_.mean), std = float(options_.std);
  for (int64_t i = 0; i < kPixels; ++i) {
    const float x = float(src[i]) / 255.0f;
    dst[i] = options_.normalize ? (x - mean) / std : x;
  }
  return {image, scalar_tensor(int64_t(labels_.data<uint8_t>()[index]), TensorOptions(DType::I64))};
}

Tensor FashionMnist::float_images() const { return scale_pixels(images_, options_).unsqueeze(1); }

const std::vector<std::string>& FashionMnist::class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace tz::nn::data
