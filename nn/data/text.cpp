#include "nn/data/text.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/io/file.h"

namespace tz::nn::data {

namespace {

namespace fs = std::filesystem;
const char* kFortuneDir = "/usr/share/games/fortunes/";
const char* kDpkgInfo = "/var/lib/dpkg/info/";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// A fortune text file: a regular file (symlinks are the *.u8 aliases of files we already
/// take) that is not a strfile index or a .u8 name.
bool is_fortune_text(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  return !ends_with(path, ".dat") && !ends_with(path, ".u8");
}

std::string read_file(const std::string& path) {
  // Through the safe opener: a FIFO swapped in after the directory scan must not block.
  return io::read_regular_file(path, "fortunes", uint64_t(1) << 30, "cannot open");
}

/// The dpkg file list of an installed package (arch-all packages have <name>.list,
/// multi-arch ones <name>:<arch>.list).
std::string package_list_path(const std::string& package) {
  const std::string plain = std::string(kDpkgInfo) + package + ".list";
  std::error_code ec;
  if (fs::is_regular_file(plain, ec)) return plain;
  for (const auto& e : fs::directory_iterator(kDpkgInfo, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(package + ":", 0) == 0 && ends_with(name, ".list")) return e.path().string();
  }
  return "";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::vector<std::string> files_of_packages(const std::vector<std::string>& packages) {
  std::vector<std::string> files;
  for (const std::string& pkg : packages) {
    const std::string list = package_list_path(pkg);
    TZ_CHECK(!list.empty(), "fortunes", "Debian package ", pkg, " is not installed (no ", kDpkgInfo, pkg,
             ".list); install the Debian packages ", join(packages), " (tools/install-deps.sh)");
    std::istringstream lines(read_file(list));
    std::string path;
    int64_t found = 0;
    while (std::getline(lines, path)) {
      // Only files directly in the fortune directory (other packages use subdirectories).
      if (path.rfind(kFortuneDir, 0) != 0 || path.find('/', std::string(kFortuneDir).size()) != std::string::npos)
        continue;
      if (ends_with(path, ".dat") || ends_with(path, ".u8")) continue;
      std::error_code ec;
      TZ_CHECK(fs::exists(fs::symlink_status(path, ec)), "fortunes", path, " (from package ", pkg,
               ") is missing: reinstall the Debian package ", pkg, " (tools/install-deps.sh)");
      if (!is_fortune_text(path)) continue;
      files.push_back(path);
      ++found;
    }
    TZ_CHECK(found > 0, "fortunes", "Debian package ", pkg, " lists no fortune files under ", kFortuneDir);
  }
  return files;
}

std::vector<std::string> files_of_directory(const std::string& dir) {
  std::error_code ec;
  TZ_CHECK(fs::is_directory(dir, ec), "fortunes", dir, ": not found");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string p = e.path().string();
    if (is_fortune_text(p)) files.push_back(p);
  }
  TZ_CHECK(!files.empty(), "fortunes", dir, ": no fortune text files");
  return files;
}

/// True when text[pos, eol) is a separator line: "%" alone (a trailing '\r' tolerated).
bool is_separator(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line == "%";
}

}  // namespace

FortunesCorpus::FortunesCorpus(FortunesOptions options) {
  TZ_CHECK(options.train_fraction >= 0.0 && options.train_fraction <= 1.0, "fortunes",
           "train_fraction must be in [0, 1], got ", options.train_fraction);
  paths_ = options.directory.empty() ? files_of_packages(options.packages) : files_of_directory(options.directory);
  std::sort(paths_.begin(), paths_.end());
  paths_.erase(std::unique(paths_.begin(), paths_.end()), paths_.end());
  for (const std::string& p : paths_) {
    const int32_t source = int32_t(names_.size());
    names_.push_back(fs::path(p).filename().string());
    const int64_t base = int64_t(text_.size());
    offsets_.push_back(base);
    text_ += read_file(p);
    // Entries: runs of lines between separator lines, within this file only.
    const std::string_view file = std::string_view(text_).substr(size_t(base));
    size_t pos = 0, entry_start = 0;
    auto close_entry = [&](size_t end) {
      if (end > entry_start) entries_.push_back({base + int64_t(entry_start), int64_t(end - entry_start), source});
    };
    while (pos < file.size()) {
      size_t eol = file.find('\n', pos);
      const size_t next = eol == std::string_view::npos ? file.size() : eol + 1;
      if (is_separator(file.substr(pos, (eol == std::string_view::npos ? file.size() : eol) - pos))) {
        close_entry(pos);
        entry_start = next;
      }
      pos = next;
    }
    close_entry(file.size());
  }
  TZ_CHECK(!text_.empty(), "fortunes", "the selected fortune files are empty");
  split_ = int64_t(std::floor(options.train_fraction * double(text_.size())));
}

FortuneEntry FortunesCorpus::entry(int64_t i) const {
  TZ_CHECK(i >= 0 && i < num_entries(), "fortunes", "entry ", i, " out of range for ", num_entries(), " entries");
  const EntrySpan& e = entries_[size_t(i)];
  return {std::string_view(text_).substr(size_t(e.offset), size_t(e.length)), e.source, e.offset};
}

}  // namespace tz::nn::data
