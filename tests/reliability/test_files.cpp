// Files: every reader of user-given paths (safetensors, checkpoints, --config JSON, CSV, IDX)
// refuses FIFOs, directories and devices before opening them (a FIFO blocked forever before),
// reads safetensors headers in linear time and checks the header length before reading, turns
// invalid UTF-8, 1e999 and deep nesting into one-line tz::Errors, and stops gzip bombs.
#include <sys/stat.h>

#include <functional>
#include <string>
#include <vector>

#include "core/io/json_parse.h"
#include "core/io/safetensors.h"
#include "models/config.h"
#include "models/lra_report.h"
#include "nn/checkpoint.h"
#include "nn/data/csv.h"
#include "nn/data/idx.h"
#include "tensorzoo.h"
#include "tests/reliability/expect_error.h"
#include "tests/reliability/file_test_util.h"

namespace tz::test {
namespace {

// ---- special files given where a regular file is expected --------------------------------

struct Reader {
  const char* op;
  std::function<void(const std::string&)> read;
};

const std::vector<Reader>& readers() {
  static const std::vector<Reader> list = {
      {"[safetensors]", [](const std::string& p) { io::load_safetensors(p); }},
      {"[checkpoint]", [](const std::string& p) { nn::load_checkpoint(p); }},
      {"[config]", [](const std::string& p) { models::load_config_file(p); }},
      {"[csv]", [](const std::string& p) { nn::data::read_csv(p); }},
      {"[idx]", [](const std::string& p) { nn::data::read_idx(p); }},
      {"[lra]", [](const std::string& p) { models::read_lra_records(p); }},
  };
  return list;
}

enum class Kind { Fifo, Directory, DevZero };

struct SpecialCase {
  size_t reader;
  Kind kind;
};

std::string case_name(const ::testing::TestParamInfo<SpecialCase>& info) {
  std::string op = readers()[info.param.reader].op;
  op = op.substr(1, op.size() - 2);
  const char* kind = info.param.kind == Kind::Fifo ? "Fifo" : info.param.kind == Kind::Directory ? "Directory" : "DevZero";
  return op + "_" + kind;
}

class SpecialFile : public ::testing::TestWithParam<SpecialCase> {};

TEST_P(SpecialFile, RefusedBeforeOpeningWithOpAndPath) {
  TempDir dir("special");
  std::string path;
  std::string phrase;
  switch (GetParam().kind) {
    case Kind::Fifo:
      path = dir / "pipe";
      ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
      phrase = "is a FIFO/pipe, not a regular file";
      break;
    case Kind::Directory:
      path = dir / "a_directory";
      std::filesystem::create_directories(path);
      phrase = "is a directory, not a regular file";
      break;
    case Kind::DevZero:
      path = "/dev/zero";
      if (!std::filesystem::exists(path)) GTEST_SKIP() << "no /dev/zero";
      phrase = "is a character device, not a regular file";
      break;
  }
  const Reader& r = readers()[GetParam().reader];
  // Before the fix the FIFO case blocked in open() forever and /dev/zero read until memory ran out.
  expect_op_error([&] { r.read(path); }, {r.op, path, phrase});
}

std::vector<SpecialCase> special_cases() {
  std::vector<SpecialCase> out;
  for (size_t r = 0; r < readers().size(); ++r)
    for (Kind k : {Kind::Fifo, Kind::Directory, Kind::DevZero}) out.push_back({r, k});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Files, SpecialFile, ::testing::ValuesIn(special_cases()), case_name);

// ---- safetensors: wide headers, header length, UTF-8 ---------------------------------------

std::string wide_header(int n, std::string& data) {
  std::string header = "{";
  data.clear();
  for (int i = 0; i < n; ++i) {
    const float v = float(i);
    data.append(reinterpret_cast<const char*>(&v), 4);
    header += (i ? "," : "") + cat_str("\"t", i, "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[", 4 * i, ",",
                                       4 * i + 4, "]}");
  }
  return header + "}";
}

TEST(SafetensorsFiles, FiftyThousandEntriesParseInLinearTime) {
  // The callback parser rescanned the whole header object after each entry: 50k entries took
  // over 20 s. No timing assert: the ctest timeout catches a quadratic parser.
  std::string data;
  const std::string header = wide_header(50000, data);
  const auto file = io::parse_safetensors(safetensors_bytes(header, data));
  ASSERT_EQ(file.tensors.size(), 50000u);
  EXPECT_EQ(file.tensors.at("t0").item<float>(), 0.0f);
  EXPECT_EQ(file.tensors.at("t49999").item<float>(), 49999.0f);
  EXPECT_EQ(file.tensors.at("t12345").shape(), (Shape{1}));
}

TEST(SafetensorsFiles, FiftyThousandEntriesLoadFromAFile) {
  TempDir dir("wide");
  std::string data;
  write_bytes(dir / "wide.safetensors", safetensors_bytes(wide_header(50000, data), data));
  const auto file = io::load_safetensors(dir / "wide.safetensors");
  ASSERT_EQ(file.tensors.size(), 50000u);
  EXPECT_EQ(file.tensors.at("t31415").item<float>(), 31415.0f);
}

struct LengthCase {
  const char* name;
  uint64_t length;
  const char* expect;
};

class HeaderLength : public ::testing::TestWithParam<LengthCase> {};

TEST_P(HeaderLength, CheckedBeforeReading) {
  const LengthCase& c = GetParam();
  const std::string bytes = safetensors_bytes("{}", std::string(64, 'x'), c.length);
  expect_op_error([&] { io::parse_safetensors(bytes, "mem"); }, {"[safetensors] mem: ", c.expect});
  TempDir dir("hlen");
  const std::string path = dir / "h.safetensors";
  write_bytes(path, bytes);
  expect_op_error([&] { io::load_safetensors(path); }, {"[safetensors] " + path + ": ", c.expect});
}

INSTANTIATE_TEST_SUITE_P(
    Files, HeaderLength,
    ::testing::Values(LengthCase{"AllOnes", ~uint64_t(0), "header length 18446744073709551615 exceeds the 100000000-byte limit"},
                      LengthCase{"TwoToThe63", uint64_t(1) << 63, "header length 9223372036854775808 exceeds"},
                      LengthCase{"JustOverTheCap", 100000001, "header length 100000001 exceeds"},
                      LengthCase{"PastTheFileEnd", 67, "header length 67 runs past the end of the file (66 bytes after it)"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SafetensorsFiles, InvalidUtf8NamesAreRefusedWhenSavingNamingTheFile) {
  TempDir dir("utf8");
  const std::string path = dir / "bad.safetensors";
  const Tensor t = ones({2});
  expect_op_error([&] { io::save_safetensors(path, {{"w\xff", t}}); },
                  {"[safetensors] " + path + ": tensor name is not valid UTF-8 (byte 0xff at offset 1)", "'w\\xff'"});
  expect_op_error([&] { io::save_safetensors(path, {{"w", t}}, {{"k\xc3", "v"}}); },
                  {"[safetensors] " + path + ": metadata key is not valid UTF-8 (byte 0xc3 at offset 1)"});
  expect_op_error([&] { io::save_safetensors(path, {{"w", t}}, {{"note", "\xed\xa0\x80"}}); },
                  {"[safetensors] " + path + ": metadata value of 'note' is not valid UTF-8 (byte 0xed at offset 0)"});
  expect_op_error([&] { io::serialize_safetensors({{"\xc0\xaf", t}}); },
                  {"[safetensors] <serialize>: tensor name is not valid UTF-8 (byte 0xc0"});
  EXPECT_FALSE(std::filesystem::exists(path));
  // Nothing left behind by the refused saves.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SafetensorsFiles, InvalidUtf8InACheckpointsMetadataIsATzError) {
  TempDir dir("ckutf8");
  nn::Checkpoint ck;
  ck.model["w"] = ones({1});
  ck.metadata["model"] = "gpt\xfe";
  const std::string path = dir / "checkpoint.safetensors";
  expect_op_error([&] { nn::save_checkpoint(path, ck); }, {"[safetensors] " + path, "metadata value of 'model'", "0xfe"});
}

TEST(SafetensorsFiles, InvalidUtf8InAHeaderIsReportedAsInvalidJson) {
  const std::string header = "{\"__metadata__\":{\"k\":\"\xff\"}}";
  const std::string msg = expect_op_error([&] { io::parse_safetensors(safetensors_bytes(header), "u.st"); },
                                          {"[safetensors] u.st: header is not valid JSON", "__metadata__.k"});
  EXPECT_EQ(msg.find('\xff'), std::string::npos) << "raw invalid bytes in the message";
}

// ---- JSON configs: 1e999, deep nesting, UTF-8 -----------------------------------------------

struct JsonCase {
  const char* name;
  std::string text;
  std::vector<std::string> expect;
};

class ConfigJson : public ::testing::TestWithParam<JsonCase> {};

TEST_P(ConfigJson, OneLineErrorNamingFileAndKey) {
  TempDir dir("cfgjson");
  const std::string path = dir / "c.json";
  write_bytes(path, GetParam().text);
  const std::string msg = expect_op_error([&] { models::load_config_file(path); }, {"[config] " + path + ": "});
  for (const auto& piece : GetParam().expect) EXPECT_NE(msg.find(piece), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 600u) << "the message must not carry the document";
}

INSTANTIATE_TEST_SUITE_P(
    Files, ConfigJson,
    ::testing::Values(
        JsonCase{"HugeExponent", R"({"optim": {"lr": 1e999}})", {"at 'optim.lr'", "number overflow parsing '1e999'"}},
        JsonCase{"NegativeHugeExponent", R"({"steps": -1e400})", {"at 'steps'", "number overflow"}},
        JsonCase{"HugeInArray", R"({"betas": [0.9, 1e999]})", {"at 'betas[1]'", "number overflow"}},
        JsonCase{"HundredThousandOpenBrackets", std::string(100000, '['), {"JSON nests deeper than 32 levels"}},
        JsonCase{"HundredThousandClosedBrackets", std::string(100000, '[') + std::string(100000, ']'),
                 {"JSON nests deeper than 32 levels"}},
        JsonCase{"DeepInsideAKey", "{\"optim\": " + std::string(5000, '[') + std::string(5000, ']') + "}",
                 {"nests deeper", "at 'optim"}},
        JsonCase{"InvalidUtf8String", "{\"sample\": {\"prompt\": \"\xff\"}}", {"not valid JSON", "sample.prompt"}},
        JsonCase{"DuplicateKey", R"({"steps": 1, "steps": 2})", {"duplicate key 'steps'"}},
        JsonCase{"Truncated", R"({"optim": {"lr": )", {"not valid JSON", "optim.lr"}},
        JsonCase{"EmptyFile", "", {"not valid JSON"}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigFiles, ACheckpointsStoredConfigIsParsedWithTheSameLimits) {
  expect_op_error([] { models::parse_stored_config(std::string(100000, '['), "ck.safetensors"); },
                  {"[checkpoint] ck.safetensors: ", "nests deeper than 32 levels"});
  expect_op_error([] { models::parse_stored_config(R"({"optim":{"lr":1e999}})", "ck.safetensors"); },
                  {"[checkpoint] ck.safetensors: ", "at 'optim.lr'", "1e999"});
  expect_op_error([] { models::parse_stored_config("[1]", "ck.safetensors"); }, {"[checkpoint]", "not a JSON object"});
}

TEST(ConfigFiles, ParseJsonLimitedKeepsValidDocumentsExact) {
  const auto j = io::parse_json_limited(R"({"a": [1, 2.5, "x\u00e9"], "b": {"c": null, "d": true}})", "t", "o");
  EXPECT_EQ(j["a"][1].get<double>(), 2.5);
  EXPECT_EQ(j["a"][2].get<std::string>(), "x\xc3\xa9");
  EXPECT_TRUE(j["b"]["c"].is_null());
  EXPECT_EQ(j.dump(), R"({"a":[1,2.5,"xé"],"b":{"c":null,"d":true}})");
}

TEST(ConfigFiles, OversizedConfigFileIsRefusedBeforeReading) {
  TempDir dir("cfgbig");
  const std::string path = dir / "big.json";
  {
    std::ofstream out(path);
    out.seekp((16 << 20) + 10);
    out << ' ';
  }
  expect_op_error([&] { models::load_config_file(path); }, {"[config] " + path, "above the 16777216-byte limit"});
}

// ---- IDX: gzip bombs and hostile dims ---------------------------------------------------------

TEST(IdxFiles, GzipBombStopsAtTheDeclaredSize) {
  TempDir dir("bomb");
  const std::string path = dir / "bomb-idx1-ubyte.gz";
  // 16 declared bytes followed by 256 MiB of zeros (a few hundred KB compressed): reading stops
  // after the declared data and reports the trailing data, without inflating the rest.
  std::vector<uint8_t> head = idx_header({16});
  head.resize(head.size() + 16, 7);
  write_gzip(path, head, size_t(256) << 20);
  expect_op_error([&] { nn::data::read_idx(path); }, {"[idx] " + path + ": ", "4096 trailing bytes after the [16]"});
}

TEST(IdxFiles, ReadMaybeGzipStopsAtItsCap) {
  TempDir dir("cap");
  const std::string path = dir / "zeros.gz";
  write_gzip(path, {}, size_t(8) << 20);
  expect_op_error([&] { nn::data::read_maybe_gzip(path, "idx", 1 << 20); },
                  {"[idx] " + path + ": decompresses to more than 1048576 bytes"});
}

struct DimsCase {
  const char* name;
  std::vector<uint32_t> dims;
  uint8_t type;
  const char* expect;
};

class IdxDims : public ::testing::TestWithParam<DimsCase> {};

TEST_P(IdxDims, RefusedBeforeAllocating) {
  TempDir dir("dims");
  const std::string path = dir / "d.gz";
  write_gzip(path, idx_header(GetParam().dims, GetParam().type));
  expect_op_error([&] { nn::data::read_idx(path); }, {"[idx] " + path + ": ", GetParam().expect});
  expect_op_error([&] { nn::data::parse_idx(idx_header(GetParam().dims, GetParam().type), "mem"); },
                  {"[idx] mem: ", GetParam().expect});
}

INSTANTIATE_TEST_SUITE_P(
    Files, IdxDims,
    ::testing::Values(DimsCase{"ProductOverflows", {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, 0x08, "overflow"},
                      DimsCase{"AboveTheCap", {65536, 65536, 2}, 0x08, "overflow the 4294967296-byte limit"},
                      DimsCase{"WideElementsAboveTheCap", {1 << 30, 2}, 0x0E, "above the 4294967296-byte limit"},
                      DimsCase{"HugeButShort", {1 << 30}, 0x08, "truncated data: the header declares [1073741824]"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(IdxFiles, ValidFilesStillReadAndTruncatedGzipIsNamed) {
  TempDir dir("ok");
  std::vector<uint8_t> bytes = idx_header({2, 3});
  for (uint8_t i = 0; i < 6; ++i) bytes.push_back(i);
  write_gzip(dir / "ok.gz", bytes);
  const Tensor t = nn::data::read_idx(dir / "ok.gz");
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.to(DType::I64).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  write_bytes(dir / "plain", std::string(bytes.begin(), bytes.end()));
  EXPECT_EQ(nn::data::read_idx(dir / "plain").numel(), 6);
  write_gzip(dir / "empty.gz", idx_header({0, 28, 28}));
  EXPECT_EQ(nn::data::read_idx(dir / "empty.gz").shape(), (Shape{0, 28, 28}));
}

// ---- CSV: huge lines, non-finite numbers, ragged rows, empty files ----------------------------

struct CsvCase {
  const char* name;
  std::string text;
  std::vector<std::string> expect;
};

class CsvText : public ::testing::TestWithParam<CsvCase> {};

TEST_P(CsvText, ClearErrorNamingFileAndLine) {
  nn::data::CsvOptions o;
  o.max_line_bytes = 64;
  const std::string msg = expect_op_error([&] { nn::data::parse_csv(GetParam().text, o, "t.csv"); }, {"[csv] t.csv:"});
  for (const auto& piece : GetParam().expect) EXPECT_NE(msg.find(piece), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Files, CsvText,
    ::testing::Values(
        CsvCase{"Inf", "a,b\n1,inf\n", {"t.csv:2: column 'b' holds 'inf', not a finite number"}},
        CsvCase{"MinusInfinity", "a\n-Infinity\n", {"column 'a' holds '-Infinity'"}},
        CsvCase{"PlusInf", "a\n1\n+inf\n", {"t.csv:3:", "'+inf'"}},
        CsvCase{"UpperNan", "a\nNAN\n", {"holds 'NAN', not a finite number"}},
        CsvCase{"MinusNan", "a\n-nan\n", {"holds '-nan'"}},
        CsvCase{"Overflow", "x,y\n1,2\n3,1e999\n", {"t.csv:3: column 'y' holds '1e999'"}},
        CsvCase{"RaggedShort", "a,b,c\n1,2,3\n4,5\n", {"t.csv:3: expected 3 fields, got 2"}},
        CsvCase{"RaggedLong", "a,b\n1,2,3\n", {"t.csv:2: expected 2 fields, got 3"}},
        CsvCase{"HugeLine", "a\n" + std::string(200, '9') + "\n", {"t.csv:2: line longer than 64 bytes"}},
        CsvCase{"HugeQuotedField", "a\n\"" + std::string(200, 'q') + "\"\n", {"t.csv:2: line longer than 64 bytes"}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CsvFiles, EmptyAndBlankFilesAreErrors) {
  TempDir dir("csv");
  write_bytes(dir / "empty.csv", "");
  expect_op_error([&] { nn::data::read_csv(dir / "empty.csv"); }, {"[csv] " + (dir / "empty.csv"), "the file is empty"});
  write_bytes(dir / "blank.csv", "\n\n\r\n");
  expect_op_error([&] { nn::data::read_csv(dir / "blank.csv"); }, {"[csv] " + (dir / "blank.csv"), "no rows"});
}

TEST(CsvFiles, FiniteNumbersMissingMarkersAndUnderflowStillParse) {
  const auto t = nn::data::parse_csv("a,b\n1e-999,NaN\n-2.5,nan\n", {}, "ok.csv");
  EXPECT_TRUE(t.column("a").numeric);
  EXPECT_EQ(t.column("a").values.to_vector<float>()[1], -2.5f);
  EXPECT_EQ(t.column("a").values.to_vector<float>()[0], 0.0f);
  EXPECT_EQ(t.column("b").missing_count(), 2);
}

}  // namespace
}  // namespace tz::test
