#include "core/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace tz::io {

std::string file_kind_phrase(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO/pipe";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

InputFile::InputFile(const std::string& path, const std::string& op, const std::string& missing)
    : path_(path), op_(op) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) TZ_FAIL(op, path, ": ", missing);
    TZ_FAIL(op, path, ": cannot open: ", std::strerror(err));
  }
  TZ_CHECK(S_ISREG(st.st_mode), op, path, ": is ", file_kind_phrase(st.st_mode), ", not a regular file");
  // O_NONBLOCK: if the path was replaced by a FIFO since the stat, open() returns instead of
  // waiting for a writer; the fstat below then rejects it. Regular files ignore the flag.
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    if (err == ENOENT) TZ_FAIL(op, path, ": ", missing);
    TZ_FAIL(op, path, ": cannot open: ", std::strerror(err));
  }
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    const unsigned mode = st.st_mode;
    ::close(fd_);
    fd_ = -1;
    TZ_FAIL(op, path, ": is ", file_kind_phrase(mode), ", not a regular file");
  }
  // Back to blocking reads (the flag was only for open()).
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
  size_ = uint64_t(st.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

int InputFile::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void InputFile::read_exact(char* dst, uint64_t n, const std::string& what) {
  uint64_t done = 0;
  while (done < n) {
    const ssize_t got = ::read(fd_, dst + done, size_t(std::min<uint64_t>(n - done, uint64_t(1) << 30)));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) TZ_FAIL(op_, path_, ": read error: ", std::strerror(errno));
    if (got == 0) TZ_FAIL(op_, path_, ": file ends after ", done, " of ", n, " bytes", what.empty() ? "" : " ", what);
    done += uint64_t(got);
  }
}

std::string read_regular_file(const std::string& path, const std::string& op, uint64_t max_bytes,
                              const std::string& missing) {
  InputFile file(path, op, missing);
  TZ_CHECK(file.size() <= max_bytes, op, path, ": file is ", file.size(), " bytes, above the ", max_bytes,
           "-byte limit for this kind of file");
  std::string bytes(size_t(file.size()), '\0');
  file.read_exact(bytes.data(), bytes.size());
  return bytes;
}

}  // namespace tz::io
