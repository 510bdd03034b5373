#pragma once
/// Opening input files safely. A path given by a user may name a FIFO, a directory or a device
/// (/dev/zero, /dev/stdin): open() on a FIFO blocks until a writer appears, and reading a device
/// never ends. So the type is checked with stat() *before* open(), the open uses O_NONBLOCK (a
/// FIFO swapped in after the stat still cannot block), and fstat() re-checks the descriptor.
#include <cstdint>
#include <string>

namespace tz::io {

/// A regular file open for reading. Throws tz::Error("[op] <path>: ...") when the path is
/// missing (`missing` is the phrase used then, e.g. "not found"), cannot be opened, or is not a
/// regular file ("is a FIFO/pipe, not a regular file", "is a directory, ...").
class InputFile {
 public:
  InputFile(const std::string& path, const std::string& op, const std::string& missing = "not found");
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  int fd() const { return fd_; }
  /// Size in bytes at open time.
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  /// Reads exactly n bytes from the current position; throws "[op] <path>: ..." on a read
  /// error or when the file ends first ("file ends after K of N bytes <what>").
  void read_exact(char* dst, uint64_t n, const std::string& what = "");
  /// Gives up ownership of the descriptor (e.g. to gzdopen), which the caller then closes.
  int release();

 private:
  std::string path_, op_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// The whole file as bytes. Refuses (before reading) files larger than max_bytes, naming both.
std::string read_regular_file(const std::string& path, const std::string& op, uint64_t max_bytes,
                              const std::string& missing = "not found");

/// "a FIFO/pipe", "a directory", "a character device", ... for st_mode (error messages).
std::string file_kind_phrase(unsigned mode);

}  // namespace tz::io
