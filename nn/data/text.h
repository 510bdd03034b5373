#pragma once
/// The fortunes text corpus: every plain-text fortune file of Debian's `fortunes` and
/// `fortunes-min` packages.
///
/// Files. The packages' file lists (/var/lib/dpkg/info/<package>.list) name the files; the
/// corpus takes the regular files under /usr/share/games/fortunes/ that are not strfile
/// indexes (*.dat) and not the *.u8 symlinks (which point at the same text), in sorted path
/// order. Their bytes are concatenated unchanged and read as latin-1 (one char per byte, so a
/// UTF-8 sequence in a file becomes several chars and every byte value round-trips).
///
/// Split. train_text() is the first floor(0.9 * bytes) bytes of that stream and val_text() the
/// rest: a split on the byte stream, not on entries (an entry can straddle the boundary).
///
/// Entries. Within each file, fortunes are separated by lines holding only "%"; entry(i) gives
/// one fortune's text (its lines with their newlines, without the separators) and the file it
/// came from, for classification tasks. Empty entries (two separators in a row) are skipped.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tz::nn::data {

struct FortunesOptions {
  /// Debian packages whose fortune files make up the corpus.
  std::vector<std::string> packages = {"fortunes", "fortunes-min"};
  /// Non-empty: read the fortune files of this directory instead of the packages' file lists
  /// (same selection rules: regular files, not *.dat / *.u8, sorted).
  std::string directory;
  /// Fraction of the byte stream that goes to train_text().
  double train_fraction = 0.9;
};

struct FortuneEntry {
  std::string_view text;  // a view into the corpus (valid while it lives)
  int32_t source;         // index into FortunesCorpus::sources()
  int64_t offset;         // byte offset of text in FortunesCorpus::text()
};

class FortunesCorpus {
 public:
  /// Loads the corpus. A package that is not installed throws "[fortunes] Debian package
  /// fortunes is not installed (...); install it: tools/install-deps.sh"; a missing directory
  /// or an empty selection throws too.
  explicit FortunesCorpus(FortunesOptions options = {});

  /// All bytes, in file order.
  const std::string& text() const { return text_; }
  int64_t size() const { return int64_t(text_.size()); }
  /// Byte index where validation starts: floor(train_fraction * size()).
  int64_t split_point() const { return split_; }
  std::string_view train_text() const { return std::string_view(text_).substr(0, size_t(split_)); }
  std::string_view val_text() const { return std::string_view(text_).substr(size_t(split_)); }

  /// Source file paths in corpus order, and their names without the directory ("art").
  const std::vector<std::string>& source_paths() const { return paths_; }
  const std::vector<std::string>& sources() const { return names_; }
  /// Byte range [offset, offset + length) of source i in text().
  int64_t source_offset(int32_t i) const { return offsets_.at(size_t(i)); }

  int64_t num_entries() const { return int64_t(entries_.size()); }
  /// Entry i (throws when out of range); its text views into text().
  FortuneEntry entry(int64_t i) const;

 private:
  struct EntrySpan {
    int64_t offset, length;
    int32_t source;
  };
  std::string text_;
  int64_t split_ = 0;
  std::vector<std::string> paths_, names_;
  std::vector<int64_t> offsets_;
  std::vector<EntrySpan> entries_;
};

}  // namespace tz::nn::data
