#include "nn/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>

#include "autograd/ops_shape.h"
#include "core/error.h"
#include "core/factories.h"
#include "core/io/file.h"

namespace tz::nn::data {

namespace {
/// The biggest IDX data section accepted (Fashion-MNIST's largest is 47 MB): dims beyond it are
/// a corrupt or hostile header, refused before allocating.
constexpr uint64_t kMaxIdxDataBytes = uint64_t(1) << 32;
}  // namespace

namespace {

/// A gzip (or plain: zlib passes it through) stream over a regular file, closed on scope exit.
class GzInput {
 public:
  GzInput(const std::string& path, const std::string& op) : path_(path), op_(op) {
    // The type check comes before open(): a FIFO or device must not block or stream forever.
    io::InputFile in(path, op);
    file_ = gzdopen(in.fd(), "rb");
    TZ_CHECK(file_ != nullptr, op, path, ": cannot open");
    in.release();  // gzclose closes the descriptor
  }
  ~GzInput() {
    if (file_) gzclose(file_);
  }
  /// Up to n bytes; fewer only at the end of the data.
  size_t read(uint8_t* dst, size_t n) {
    size_t done = 0;
    while (done < n) {
      const unsigned chunk = unsigned(std::min<size_t>(n - done, 1u << 30));
      const int got = gzread(file_, dst + done, chunk);
      if (got < 0) {
        int code = 0;
        const std::string why = gzerror(file_, &code);
        TZ_FAIL(op_, path_, ": corrupt gzip data (", why, ")");
      }
      if (got == 0) break;
      done += size_t(got);
    }
    return done;
  }
  /// Closes the stream; a stream cut short reads as a clean end, which zlib reports here.
  void close() {
    const int closed = gzclose(file_);
    file_ = nullptr;
    TZ_CHECK(closed != Z_BUF_ERROR, op_, path_, ": truncated gzip data (the stream ends before its trailer)");
    TZ_CHECK(closed == Z_OK, op_, path_, ": corrupt gzip data (zlib error ", closed, ")");
  }

 private:
  std::string path_, op_;
  gzFile file_ = nullptr;
};

}  // namespace

std::vector<uint8_t> read_maybe_gzip(const std::string& path, const std::string& op, uint64_t max_bytes) {
  GzInput in(path, op);
  std::vector<uint8_t> out;
  constexpr size_t kChunk = size_t(1) << 20;
  for (;;) {
    const size_t used = out.size();
    // Stop a gzip bomb at the cap instead of inflating it into all of memory.
    TZ_CHECK(used <= max_bytes, op, path, ": decompresses to more than ", max_bytes, " bytes (the limit)");
    out.resize(used + kChunk);
    const size_t got = in.read(out.data() + used, kChunk);
    out.resize(used + got);
    if (got < kChunk) break;
  }
  TZ_CHECK(out.size() <= max_bytes, op, path, ": decompresses to more than ", max_bytes, " bytes (the limit)");
  in.close();
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

namespace {

int idx_element_width(int type, const std::string& source) {
  switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: TZ_FAIL("idx", source, ": unknown element type 0x", std::hex, type);
  }
}

/// The data size the header's dims declare (dims filled in), checked for overflow and against
/// kMaxIdxDataBytes before anything is allocated.
size_t idx_data_bytes(const uint8_t* dims, int ndim, int width, const std::string& source, Shape& shape) {
  uint64_t count = 1;
  bool zero = false;
  shape.clear();
  for (int d = 0; d < ndim; ++d) {
    const uint64_t size = read_be(dims + 4 + 4 * d, 4);
    shape.push_back(int64_t(size));
    if (size == 0) zero = true;
    else if (__builtin_mul_overflow(count, size, &count) || count > kMaxIdxDataBytes)
      TZ_FAIL("idx", source, ": dims ", shape_str(shape), "... overflow the ", kMaxIdxDataBytes,
              "-byte limit of an IDX file");
  }
  const uint64_t bytes = zero ? 0 : count * uint64_t(width);
  TZ_CHECK(bytes <= kMaxIdxDataBytes, "idx", source, ": dims ", shape_str(shape), " x ", width, "-byte elements declare ",
           bytes, " bytes, above the ", kMaxIdxDataBytes, "-byte limit of an IDX file");
  return size_t(bytes);
}

}  // namespace

Tensor parse_idx(const std::vector<uint8_t>& bytes, const std::string& source) {
  TZ_CHECK(bytes.size() >= 4, "idx", source, ": truncated header (", bytes.size(), " bytes, need at least 4)");
  TZ_CHECK(bytes[0] == 0 && bytes[1] == 0, "idx", source, ": bad magic: the first two bytes must be 0, got ",
           int(bytes[0]), " ", int(bytes[1]), " (not an IDX file?)");
  const int type = bytes[2];
  const int ndim = bytes[3];
  const int width = idx_element_width(type, source);
  TZ_CHECK(ndim >= 1, "idx", source, ": the header declares 0 dimensions");
  const size_t header = 4 + 4 * size_t(ndim);
  TZ_CHECK(bytes.size() >= header, "idx", source, ": truncated header (", bytes.size(), " bytes, ", ndim,
           " dims need ", header, ")");
  Shape shape;
  const size_t expected = idx_data_bytes(bytes.data(), ndim, width, source, shape);
  const int64_t count = int64_t(expected / size_t(width));
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

Tensor read_idx(const std::string& path) {
  // Stream: the header's dims say how many bytes follow, so decompression stops there (a gzip
  // bomb costs no more than the declared, capped size) and only one extra byte is read to
  // detect trailing data.
  GzInput in(path, "idx");
  std::vector<uint8_t> bytes(4);
  const size_t magic = in.read(bytes.data(), 4);
  bytes.resize(magic);
  if (magic == 4 && bytes[0] == 0 && bytes[1] == 0) {
    const int ndim = bytes[3];
    idx_element_width(bytes[2], path);
    bytes.resize(4 + 4 * size_t(ndim));
    bytes.resize(4 + in.read(bytes.data() + 4, 4 * size_t(ndim)));
    if (ndim >= 1 && bytes.size() == 4 + 4 * size_t(ndim)) {
      Shape shape;
      const size_t expected = idx_data_bytes(bytes.data(), ndim, idx_element_width(bytes[2], path), path, shape);
      // Grow with the data actually present: a header that lies about a huge size over a short
      // file fails as truncated without allocating the declared size first.
      size_t have = 0;
      const size_t start = bytes.size();
      while (have < expected) {
        const size_t chunk = std::min<size_t>(expected - have, size_t(64) << 20);
        bytes.resize(start + have + chunk);
        const size_t got = in.read(bytes.data() + start + have, chunk);
        have += got;
        bytes.resize(start + have);
        if (got < chunk) break;
      }
      if (have == expected) {
        // Trailing data is an error (as in parse_idx); read a bounded amount of it to report.
        std::vector<uint8_t> extra(4096);
        extra.resize(in.read(extra.data(), extra.size()));
        bytes.insert(bytes.end(), extra.begin(), extra.end());
        if (!extra.empty()) return parse_idx(bytes, path);  // throws "N trailing bytes"
      }
    }
  }
  // parse_idx words the header and size errors; zlib's verdict on the stream comes first.
  in.close();
  return parse_idx(bytes, path);
}

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
  // An empty split trains or evaluates on nothing (a loader loop would never end, a mean is NaN).
  TZ_CHECK(images_.dim() < 1 || images_.size(0) > 0, "fashion_mnist", prefix,
           "-images-idx3-ubyte.gz: holds no images (the file is valid but empty)");
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
