#pragma once
// Temp directories and hostile files for the file-format reliability tests: FIFOs, gzip files
// and safetensors byte strings built by hand.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tz::test {

/// A unique directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "tz_rel_" + tag + "_" + std::to_string(::getpid()) + "_" + (info ? info->name() : "x");
    for (char& c : name)
      if (c == '/') c = '_';
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

inline void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes, size_t zeros_after = 0) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  if (!bytes.empty()) gzwrite(f, bytes.data(), unsigned(bytes.size()));
  const std::vector<uint8_t> zeros(size_t(1) << 20, 0);
  for (size_t left = zeros_after; left > 0;) {
    const size_t n = std::min(left, zeros.size());
    gzwrite(f, zeros.data(), unsigned(n));
    left -= n;
  }
  gzclose(f);
}

/// An IDX header: u8 elements with the given dims (big-endian).
inline std::vector<uint8_t> idx_header(const std::vector<uint32_t>& dims, uint8_t type = 0x08) {
  std::vector<uint8_t> out = {0, 0, type, uint8_t(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(d >> s));
  return out;
}

/// A safetensors file: 8-byte little-endian length, the header text, then the data.
inline std::string safetensors_bytes(const std::string& header, const std::string& data, uint64_t length_field) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(char((length_field >> (8 * i)) & 0xff));
  return out + header + data;
}
inline std::string safetensors_bytes(const std::string& header, const std::string& data = "") {
  return safetensors_bytes(header, data, header.size());
}

}  // namespace tz::test
