// The fortunes corpus (Debian fortunes + fortunes-min) and a hand-made corpus directory.
// Expected counts were computed by hand with Python over the same file selection.
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using nn::data::FortunesCorpus;
using nn::data::FortunesOptions;
namespace fs = std::filesystem;

const FortunesCorpus& corpus() {
  static const FortunesCorpus c;
  return c;
}

TEST(Fortunes, InstalledCorpusSizeAndSplit) {
  const FortunesCorpus& c = corpus();
  EXPECT_EQ(c.size(), 2576674);
  EXPECT_EQ(c.split_point(), 2319006);  // floor(0.9 * 2576674)
  EXPECT_EQ(int64_t(c.train_text().size()), 2319006);
  EXPECT_EQ(int64_t(c.val_text().size()), 257668);
  EXPECT_EQ(std::string(c.train_text()) + std::string(c.val_text()), c.text());
  ASSERT_EQ(c.sources().size(), 43u);  // 40 from fortunes, 3 from fortunes-min, no *.u8 / *.dat
  EXPECT_EQ(c.sources().front(), "art");
  EXPECT_EQ(c.sources().back(), "zippy");
  EXPECT_EQ(c.source_paths().front(), "/usr/share/games/fortunes/art");
  EXPECT_TRUE(std::is_sorted(c.source_paths().begin(), c.source_paths().end()));
  for (const std::string& s : c.sources()) EXPECT_EQ(s.find('.'), std::string::npos) << s;
  EXPECT_EQ(c.text().substr(0, 19), "7:30, Channel 5: Th");
  // Non-ASCII bytes (UTF-8 sequences in a few files) are kept byte for byte.
  EXPECT_EQ(std::count_if(c.text().begin(), c.text().end(), [](char ch) { return static_cast<unsigned char>(ch) >= 128; }), 94);
}

TEST(Fortunes, EntriesCarryTheirSourceFile) {
  const FortunesCorpus& c = corpus();
  EXPECT_EQ(c.num_entries(), 15217);
  const auto first = c.entry(0);
  EXPECT_EQ(c.sources()[size_t(first.source)], "art");
  EXPECT_EQ(first.offset, 0);
  EXPECT_EQ(first.text.substr(0, 19), "7:30, Channel 5: Th");
  EXPECT_EQ(first.text.back(), '\n');
  EXPECT_EQ(first.text.find("\n%\n"), std::string_view::npos);
  const auto last = c.entry(c.num_entries() - 1);
  EXPECT_EQ(c.sources()[size_t(last.source)], "zippy");
  EXPECT_EQ(last.text, "Zippy's brain cells are straining to bridge synapses ...\n");
  std::vector<int64_t> per_source(c.sources().size());
  for (int64_t i = 0; i < c.num_entries(); ++i) {
    const auto e = c.entry(i);
    ++per_source[size_t(e.source)];
    EXPECT_EQ(c.text().compare(size_t(e.offset), e.text.size(), e.text), 0);
  }
  auto count_of = [&](const std::string& name) {
    const auto it = std::find(c.sources().begin(), c.sources().end(), name);
    return per_source[size_t(it - c.sources().begin())];
  };
  EXPECT_EQ(count_of("fortunes"), 431);
  EXPECT_EQ(count_of("art"), 465);
  EXPECT_EQ(count_of("zippy"), 548);
  EXPECT_TZ_ERROR(c.entry(15217), "[fortunes] entry 15217 out of range");
}

TEST(Fortunes, HandMadeDirectory) {
  const fs::path dir = fs::temp_directory_path() / ("tz_fortunes_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "b") << "one\n%\n%\ntwo\nlines\n%\n";
  std::ofstream(dir / "a") << "first\n%\r\nsecond";
  std::ofstream(dir / "a.dat") << "index";
  fs::create_symlink(dir / "a", dir / "a.u8");
  fs::create_symlink(dir / "b", dir / "c");  // a symlink alias is not a second copy
  FortunesOptions o;
  o.directory = dir.string();
  o.train_fraction = 0.5;
  const FortunesCorpus c(o);
  EXPECT_EQ(c.sources(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.text(), "first\n%\r\nsecondone\n%\n%\ntwo\nlines\n%\n");
  EXPECT_EQ(c.split_point(), c.size() / 2);
  EXPECT_EQ(c.source_offset(1), 15);
  ASSERT_EQ(c.num_entries(), 4);
  EXPECT_EQ(c.entry(0).text, "first\n");
  EXPECT_EQ(c.entry(1).text, "second");  // entries never cross files
  EXPECT_EQ(c.entry(1).source, 0);
  EXPECT_EQ(c.entry(2).text, "one\n");
  EXPECT_EQ(c.entry(3).text, "two\nlines\n");
  EXPECT_EQ(c.entry(3).source, 1);
  fs::remove_all(dir);
}

TEST(Fortunes, MissingPackageOrDirectory) {
  FortunesOptions o;
  o.packages = {"tz-no-such-fortunes"};
  EXPECT_TZ_ERROR(FortunesCorpus{o}, "[fortunes] Debian package tz-no-such-fortunes is not installed");
  EXPECT_TZ_ERROR(FortunesCorpus{o}, "tools/install-deps.sh");
  FortunesOptions d;
  d.directory = "/nonexistent/fortunes";
  EXPECT_TZ_ERROR(FortunesCorpus{d}, "[fortunes] /nonexistent/fortunes: not found");
  FortunesOptions f;
  f.train_fraction = 1.5;
  EXPECT_TZ_ERROR(FortunesCorpus{f}, "train_fraction must be in [0, 1]");
}

}  // namespace
}  // namespace tz
