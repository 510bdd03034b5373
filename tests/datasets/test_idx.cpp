// IDX parsing on the real Fashion-MNIST files (Debian dataset-fashion-mnist) and on hand-made
// files; expected numbers were computed by hand with Python's gzip + struct.
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using nn::data::FashionMnist;
using nn::data::FashionMnistOptions;
using nn::data::Split;

namespace fs = std::filesystem;

fs::path temp_dir() {
  const fs::path dir = fs::temp_directory_path() / ("tz_idx_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

void write_gzip(const fs::path& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

void write_plain(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::vector<uint8_t> read_plain(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void put_be32(std::vector<uint8_t>& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(x >> s));
}

// ---- real Fashion-MNIST -----------------------------------------------------------------

const FashionMnist& train_set() {
  static const FashionMnist ds(Split::Train);
  return ds;
}

TEST(FashionMnist, TrainFileSizesLabelsAndPixels) {
  const FashionMnist& ds = train_set();
  EXPECT_EQ(ds.size(), 60000);
  EXPECT_EQ(ds.images().shape(), (Shape{60000, 28, 28}));
  EXPECT_EQ(ds.images().dtype(), DType::U8);
  EXPECT_EQ(ds.labels().dtype(), DType::U8);
  const std::vector<int64_t> first = ds.labels().slice(0, 0, 10).to_vector<int64_t>();
  EXPECT_EQ(first, (std::vector<int64_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  // Python: sum(img) == 76247, sum((i+1) * img[i]) == 35954273, img[14 * 28 + 14] == 217.
  const std::vector<int64_t> px = ds.images()[0].to_vector<int64_t>();
  int64_t sum = 0, weighted = 0;
  for (size_t i = 0; i < px.size(); ++i) {
    sum += px[i];
    weighted += int64_t(i + 1) * px[i];
  }
  EXPECT_EQ(sum, 76247);
  EXPECT_EQ(weighted, 35954273);
  EXPECT_EQ(px[14 * 28 + 14], 217);
  EXPECT_EQ(ds.images()[59999].to(DType::I64).sum().item<int64_t>(), 16684);
  // Every label 0..9 appears 6000 times: the label bytes sum to 6000 * 45.
  EXPECT_EQ(ds.labels().to(DType::I64).sum().item<int64_t>(), 270000);
  // The whole pixel sum, read from the raw bytes (a cast of 47M pixels to int64 would be wasteful).
  const uint8_t* all = ds.images().data<uint8_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < ds.images().numel(); ++i) total += all[i];
  EXPECT_EQ(total, 3431114169LL);
}

TEST(FashionMnist, TestSplit) {
  const FashionMnist ds(Split::Test);
  EXPECT_EQ(ds.size(), 10000);
  EXPECT_EQ(ds.labels().slice(0, 0, 10).to_vector<int64_t>(), (std::vector<int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  EXPECT_EQ(ds.images()[0].to(DType::I64).sum().item<int64_t>(), 33456);
  EXPECT_EQ(ds.images()[0].to_vector<int64_t>()[14 * 28 + 14], 110);
}

TEST(FashionMnist, GetNormalisesToFloatImage) {
  const FashionMnist& ds = train_set();
  const nn::data::Example e = ds.get(0);
  EXPECT_EQ(e.input.shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(e.input.dtype(), DType::F32);
  EXPECT_EQ(e.target.dtype(), DType::I64);
  EXPECT_EQ(e.target.dim(), 0);
  EXPECT_EQ(e.target.item<int64_t>(), 9);
  const std::vector<float> v = e.input.to_vector<float>();
  EXPECT_NEAR(v[14 * 28 + 14], (217.0 / 255.0 - 0.2860) / 0.3530, 1e-5);
  EXPECT_NEAR(v[0], (0.0 - 0.2860) / 0.3530, 1e-5);
  // The default mean/std are the training set's pixel statistics (of x / 255).
  const uint8_t* px = ds.images().data<uint8_t>();
  double s1 = 0, s2 = 0;
  const int64_t n = ds.images().numel();
  for (int64_t i = 0; i < n; ++i) {
    const double x = px[i] / 255.0;
    s1 += x;
    s2 += x * x;
  }
  const double mean = s1 / double(n);
  EXPECT_NEAR(mean, 0.2860, 5e-5);
  EXPECT_NEAR(std::sqrt(s2 / double(n) - mean * mean), 0.3530, 5e-5);

  FashionMnistOptions raw;
  raw.normalize = false;
  const FashionMnist unnormalised(Split::Test, raw);
  EXPECT_NEAR(unnormalised.get(0).input.to_vector<float>()[14 * 28 + 14], 110.0 / 255.0, 1e-6);
  // The whole-set view agrees with get().
  const Tensor test_images = unnormalised.float_images();
  EXPECT_EQ(test_images.shape(), (Shape{10000, 1, 28, 28}));
  EXPECT_TENSOR_EQ(test_images[123], unnormalised.get(123).input);
  const FashionMnist normalised_test(Split::Test);
  EXPECT_TENSOR_EQ(normalised_test.float_images()[9999], normalised_test.get(9999).input);
  EXPECT_EQ(FashionMnist::class_names().at(9), "Ankle boot");
  EXPECT_TZ_ERROR(ds.get(60000), "[fashion_mnist] index 60000 out of range");
}

TEST(FashionMnist, MissingFilesNameThePackage) {
  FashionMnistOptions o;
  o.root = "/nonexistent/fashion";
  EXPECT_TZ_ERROR(FashionMnist(Split::Train, o),
                  "[fashion_mnist] /nonexistent/fashion/train-images-idx3-ubyte.gz: not found; install the Debian "
                  "package dataset-fashion-mnist (tools/install-deps.sh)");
  EXPECT_TZ_ERROR(FashionMnist(Split::Test, o), "/nonexistent/fashion/t10k-images-idx3-ubyte.gz: not found");
}

// ---- hand-made files ----------------------------------------------------------------------

TEST(Idx, HandMadeGzipU8File) {
  const fs::path dir = temp_dir();
  std::vector<uint8_t> bytes = {0, 0, 0x08, 3};
  put_be32(bytes, 2);
  put_be32(bytes, 3);
  put_be32(bytes, 4);
  for (int i = 0; i < 24; ++i) bytes.push_back(uint8_t(i * 10));
  write_gzip(dir / "tiny.gz", bytes);
  const Tensor t = nn::data::read_idx((dir / "tiny.gz").string());
  EXPECT_EQ(t.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(t.dtype(), DType::U8);
  std::vector<int64_t> expected;
  for (int i = 0; i < 24; ++i) expected.push_back(i * 10);
  EXPECT_EQ(t.to_vector<int64_t>(), expected);
  // The same bytes uncompressed read identically.
  write_plain(dir / "tiny.idx", bytes);
  EXPECT_TENSOR_EQ(nn::data::read_idx((dir / "tiny.idx").string()), t);
  fs::remove_all(dir);
}

TEST(Idx, WideTypesAreBigEndian) {
  std::vector<uint8_t> i16 = {0, 0, 0x0B, 1};
  put_be32(i16, 3);
  for (uint16_t v : {uint16_t(1), uint16_t(0x0102), uint16_t(0xFFFE)}) {
    i16.push_back(uint8_t(v >> 8));
    i16.push_back(uint8_t(v));
  }
  const Tensor a = nn::data::parse_idx(i16);
  EXPECT_EQ(a.dtype(), DType::I32);
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{1, 258, -2}));

  std::vector<uint8_t> f32 = {0, 0, 0x0D, 2};
  put_be32(f32, 1);
  put_be32(f32, 2);
  put_be32(f32, 0x3FC00000);  // 1.5f
  put_be32(f32, 0xC0200000);  // -2.5f
  const Tensor b = nn::data::parse_idx(f32);
  EXPECT_EQ(b.shape(), (Shape{1, 2}));
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>{1.5f, -2.5f}));

  std::vector<uint8_t> f64 = {0, 0, 0x0E, 1};
  put_be32(f64, 1);
  put_be32(f64, 0x3FF80000);  // 1.5
  put_be32(f64, 0);
  EXPECT_EQ(nn::data::parse_idx(f64).to_vector<double>(), (std::vector<double>{1.5}));

  std::vector<uint8_t> i8 = {0, 0, 0x09, 1};
  put_be32(i8, 2);
  i8.push_back(0xFF);
  i8.push_back(0x7F);
  EXPECT_EQ(nn::data::parse_idx(i8).to_vector<int64_t>(), (std::vector<int64_t>{-1, 127}));

  std::vector<uint8_t> empty = {0, 0, 0x08, 2};
  put_be32(empty, 0);
  put_be32(empty, 5);
  EXPECT_EQ(nn::data::parse_idx(empty).shape(), (Shape{0, 5}));
}

TEST(Idx, CorruptHeadersAndSizes) {
  std::vector<uint8_t> good = {0, 0, 0x08, 1};
  put_be32(good, 4);
  for (int i = 0; i < 4; ++i) good.push_back(uint8_t(i));
  ASSERT_EQ(nn::data::parse_idx(good, "g").numel(), 4);

  std::vector<uint8_t> truncated(good.begin(), good.end() - 1);
  EXPECT_TZ_ERROR(nn::data::parse_idx(truncated, "t"), "[idx] t: truncated data: the header declares [4] (4 bytes) but only 3 follow");
  std::vector<uint8_t> trailing = good;
  trailing.push_back(9);
  EXPECT_TZ_ERROR(nn::data::parse_idx(trailing, "x"), "1 trailing bytes");
  std::vector<uint8_t> magic = good;
  magic[0] = 0x1f;
  EXPECT_TZ_ERROR(nn::data::parse_idx(magic, "m"), "bad magic");
  std::vector<uint8_t> type = good;
  type[2] = 0x0A;
  EXPECT_TZ_ERROR(nn::data::parse_idx(type, "u"), "unknown element type 0xa");
  EXPECT_TZ_ERROR(nn::data::parse_idx({0, 0, 8}, "h"), "truncated header");
  EXPECT_TZ_ERROR(nn::data::parse_idx({0, 0, 8, 2, 0, 0, 0, 1}, "h2"), "truncated header (8 bytes, 2 dims need 12)");
  EXPECT_TZ_ERROR(nn::data::parse_idx({0, 0, 8, 0}, "z"), "0 dimensions");
  // Dims whose product overflows are rejected before any allocation.
  std::vector<uint8_t> huge = {0, 0, 0x0E, 3};
  for (int i = 0; i < 3; ++i) put_be32(huge, 0xFFFFFFFF);
  EXPECT_TZ_ERROR(nn::data::parse_idx(huge, "big"), "overflow");
}

TEST(Idx, TruncatedAndCorruptGzipStreams) {
  const fs::path dir = temp_dir();
  std::vector<uint8_t> bytes = {0, 0, 0x08, 1};
  put_be32(bytes, 4000);
  for (int i = 0; i < 4000; ++i) bytes.push_back(uint8_t((i * 7919) % 251));
  write_gzip(dir / "full.gz", bytes);
  ASSERT_EQ(nn::data::read_idx((dir / "full.gz").string()).numel(), 4000);

  std::vector<uint8_t> gz = read_plain(dir / "full.gz");
  write_plain(dir / "cut.gz", std::vector<uint8_t>(gz.begin(), gz.begin() + long(gz.size() / 2)));
  EXPECT_TZ_ERROR(nn::data::read_idx((dir / "cut.gz").string()), "cut.gz: truncated gzip data");
  // Dropping only the trailer (CRC + length) still fails: zlib cannot verify the stream.
  write_plain(dir / "notrailer.gz", std::vector<uint8_t>(gz.begin(), gz.end() - 8));
  EXPECT_TZ_ERROR(nn::data::read_idx((dir / "notrailer.gz").string()), "notrailer.gz: truncated gzip data");
  std::vector<uint8_t> flipped = gz;
  for (size_t i = 20; i < 40 && i < flipped.size(); ++i) flipped[i] ^= 0x5A;
  write_plain(dir / "flipped.gz", flipped);
  std::vector<uint8_t> bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 1;
  write_plain(dir / "crc.gz", bad_crc);
  EXPECT_TZ_ERROR(nn::data::read_idx((dir / "crc.gz").string()), "crc.gz: corrupt gzip data");
  EXPECT_TZ_ERROR(nn::data::read_idx((dir / "flipped.gz").string()), "flipped.gz: corrupt gzip data");

  EXPECT_TZ_ERROR(nn::data::read_idx((dir / "absent.gz").string()), "[idx] " + (dir / "absent.gz").string() + ": not found");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tz
