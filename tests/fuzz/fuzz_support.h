#pragma once
/// Shared pieces of the libFuzzer targets (tests/fuzz, built with -DTZ_FUZZ=ON; docs/reliability.md).
/// A target feeds the fuzzer's bytes to one reader. The contract under test: bad bytes give a
/// tz::Error; anything else escaping (another exception, a crash, a sanitizer report, a hang,
/// memory beyond -rss_limit_mb) is a finding.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "core/error.h"

namespace tz::fuzz {

/// The bytes as a file the path-based readers can open: an anonymous in-memory file (no disk
/// traffic, nothing left behind), reachable as /proc/self/fd/N while the object lives.
class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) {
    fd_ = memfd_create("tz-fuzz", 0);
    if (fd_ < 0) std::abort();
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) std::abort();
      done += size_t(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

/// Runs fn; a tz::Error is the expected answer to bad bytes, any other exception aborts so that
/// libFuzzer records the input.
template <typename Fn>
void expect_clean(const char* target, Fn&& fn) {
  try {
    fn();
  } catch (const tz::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: a non-tz::Error exception escaped: %s\n", target, e.what());
    std::abort();
  }
}

}  // namespace tz::fuzz
