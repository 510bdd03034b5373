// safetensors: round trips, the on-disk layout, a file written by PyTorch, and hostile inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using io::parse_safetensors;
using io::serialize_safetensors;

const DType kAllDTypes[] = {DType::Bool, DType::U8,   DType::I8,  DType::I32, DType::I64,
                            DType::F16,  DType::BF16, DType::F32, DType::F64};

/// Same dtype, shape and bytes (row-major): the round trip must be bit-exact.
::testing::AssertionResult same_bytes(const Tensor& actual, const Tensor& expected) {
  if (actual.dtype() != expected.dtype())
    return ::testing::AssertionFailure() << "dtype " << dtype_name(actual.dtype()) << " != "
                                         << dtype_name(expected.dtype());
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.shape()) << " != "
                                         << shape_str(expected.shape());
  const Tensor a = actual.cpu().contiguous(), e = expected.cpu().contiguous();
  const size_t n = size_t(a.numel() * dtype_size(a.dtype()));
  if (n && std::memcmp(a.data_ptr(), e.data_ptr(), n) != 0) return ::testing::AssertionFailure() << "bytes differ";
  return ::testing::AssertionSuccess();
}

/// Values in [-100, 100) cast to dt (a spread of signs, fractions, zeros and bool values).
Tensor sample(const Shape& shape, DType dt, uint64_t seed = 0) {
  return test::make_input(shape, DType::F64, -100, 100, seed).to(dt);
}

std::string u64_le(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
  return s;
}

/// A file from a header text and a data section (header length computed unless given).
std::string make_file(const std::string& header, const std::string& data, std::optional<uint64_t> header_len = {}) {
  return u64_le(header_len.value_or(header.size())) + header + data;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("tz_safetensors_" + name)).string();
}

TEST(Safetensors, RoundTripEveryDTypeWithEmptyAndScalarTensors) {
  std::map<std::string, Tensor> tensors;
  for (DType dt : kAllDTypes) {
    const std::string n = dtype_name(dt);
    tensors[n + ".matrix"] = sample({3, 5}, dt, 1);
    tensors[n + ".scalar"] = sample({}, dt, 2);
    tensors[n + ".empty"] = zeros({0, 3}, TensorOptions(dt));
    tensors[n + ".empty_middle"] = zeros({2, 0, 4}, TensorOptions(dt));
    tensors[n + ".vector"] = sample({7}, dt, 3);
  }
  const io::SafetensorsFile back = parse_safetensors(serialize_safetensors(tensors));
  ASSERT_EQ(back.tensors.size(), tensors.size());
  EXPECT_TRUE(back.metadata.empty());
  for (const auto& [name, t] : tensors) {
    ASSERT_TRUE(back.tensors.count(name)) << name;
    EXPECT_TRUE(same_bytes(back.tensors.at(name), t)) << name;
    EXPECT_EQ(back.tensors.at(name).device(), kCPU);
  }
}

TEST(Safetensors, NonContiguousInputsAreWrittenInRowMajorOrder) {
  const Tensor base = sample({4, 6}, DType::F32);
  std::map<std::string, Tensor> tensors{
      {"transposed", base.transpose(0, 1)},
      {"strided", base.slice(1, 1, std::nullopt, 2)},
      {"offset_row", base.select(0, 2)},
      {"expanded", sample({3, 1}, DType::I64).expand({3, 4})},
      {"permuted_f64", sample({2, 3, 4}, DType::F64).permute({2, 0, 1})},
  };
  const auto back = parse_safetensors(serialize_safetensors(tensors)).tensors;
  for (const auto& [name, t] : tensors) {
    EXPECT_TRUE(back.at(name).is_contiguous()) << name;
    EXPECT_TRUE(same_bytes(back.at(name), t.contiguous())) << name;
    EXPECT_TENSOR_EQ(back.at(name), t);
  }
}

TEST(Safetensors, TensorsRequiringGradAreSavedAsData) {
  Tensor w = sample({2, 3}, DType::F64).requires_grad_();
  const auto back = parse_safetensors(serialize_safetensors({{"w", w * 2.0}})).tensors;
  EXPECT_FALSE(back.at("w").requires_grad());
  EXPECT_TENSOR_EQ(back.at("w"), w.detach() * 2.0);
}

TEST(Safetensors, MetadataRoundTrips) {
  const std::map<std::string, std::string> meta{
      {"format", "pt"}, {"empty", ""}, {"unicode", "gr\xc3\xbc\xc3\x9f \xe2\x9c\x93"}, {"quote", "a \"b\"\n\\c"}};
  const auto back = parse_safetensors(serialize_safetensors({{"x", sample({2}, DType::F32)}}, meta));
  EXPECT_EQ(back.metadata, meta);
  const auto only_meta = parse_safetensors(serialize_safetensors({}, meta));
  EXPECT_TRUE(only_meta.tensors.empty());
  EXPECT_EQ(only_meta.metadata, meta);
}

TEST(Safetensors, LayoutIsPaddedLittleEndianAndAligned) {
  const Tensor x = tensor({1.0f, -2.0f});  // f32 1.0 = 0x3f800000
  const std::string bytes =
      serialize_safetensors({{"a_byte", ones({3}, TensorOptions(DType::U8))}, {"x", x}, {"z", zeros({1}, DType::F64)}},
                            {{"k", "v"}});
  uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= uint64_t(static_cast<unsigned char>(bytes[size_t(i)])) << (8 * i);
  EXPECT_EQ(header_len % 8, 0u);
  EXPECT_EQ(bytes[8], '{');
  const std::string header = bytes.substr(8, header_len);
  EXPECT_EQ(header.find_last_not_of(' '), header.rfind('}'));  // padded with spaces only
  EXPECT_EQ(bytes.size(), 8 + header_len + 8 + 8 + 3);
  // Widest dtype first so every tensor is aligned to its element size: f64 z, then f32 x, then u8.
  EXPECT_NE(header.find("\"z\":{\"data_offsets\":[0,8]"), std::string::npos) << header;
  EXPECT_NE(header.find("\"x\":{\"data_offsets\":[8,16]"), std::string::npos) << header;
  const std::string x_bytes = bytes.substr(8 + header_len + 8, 4);
  EXPECT_EQ(x_bytes, std::string("\x00\x00\x80\x3f", 4));
  EXPECT_NE(header.find("\"__metadata__\":{\"k\":\"v\"}"), std::string::npos) << header;
}

TEST(Safetensors, SaveAndLoadFileAtomically) {
  const std::string path = temp_path("save.safetensors");
  std::filesystem::remove(path);
  const Tensor a = sample({4, 4}, DType::BF16);
  io::save_safetensors(path, {{"a", a}}, {{"step", "1"}});
  // Saving again replaces the file whole.
  const Tensor b = sample({2}, DType::I32);
  io::save_safetensors(path, {{"b", b}}, {{"step", "2"}});
  const auto back = io::load_safetensors(path);
  EXPECT_EQ(back.tensors.size(), 1u);
  EXPECT_TRUE(same_bytes(back.tensors.at("b"), b));
  EXPECT_EQ(back.metadata.at("step"), "2");
  // No temp files are left next to it.
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    EXPECT_EQ(entry.path().filename().string().find("tz_safetensors_save.safetensors.tmp"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(Safetensors, FileErrorsNameThePath) {
  EXPECT_TZ_ERROR(io::load_safetensors(temp_path("does_not_exist")), "does_not_exist: cannot open");
  EXPECT_TZ_ERROR(io::load_safetensors(::testing::TempDir()), "[safetensors] " + ::testing::TempDir() + ": ");
  EXPECT_TZ_ERROR(io::save_safetensors(temp_path("no_such_dir/x.safetensors"), {{"a", zeros({1})}}),
                  "[safetensors] " + temp_path("no_such_dir/x.safetensors") + ": cannot create temp file");
  EXPECT_TZ_ERROR(serialize_safetensors({{"__metadata__", zeros({1})}}), "is reserved");
  EXPECT_TZ_ERROR(serialize_safetensors({{"u", Tensor()}}), "tensor 'u' is undefined");
  const std::string path = temp_path("hostile.safetensors");
  {
    std::ofstream(path, std::ios::binary) << make_file("{}", "", 99);
  }
  EXPECT_TZ_ERROR(io::load_safetensors(path), "[safetensors] " + path + ": header length 99 runs past");
  std::filesystem::remove(path);
}

// tests/data/safetensors_torch_sample.safetensors is written by tools/gen_torch_refs.py with
// safetensors.torch.save_file; its values follow the formulas below.
TEST(Safetensors, ReadsAFileWrittenByPyTorch) {
  const auto file = io::load_safetensors(test::data_path("safetensors_torch_sample.safetensors"));
  EXPECT_EQ(file.metadata.at("writer"), "torch");
  EXPECT_EQ(file.metadata.at("purpose"), "tensorzoo safetensors reader test");
  const auto& t = file.tensors;
  ASSERT_EQ(t.size(), 12u);
  const Tensor r = arange(int64_t(0), int64_t(12), int64_t(1), TensorOptions(DType::I64));
  // f32/f64/f16/bf16: arange(12).reshape(3, 4) / 8 - 0.5 (exact in every float type).
  const Tensor frac = (r.to(DType::F64) / 8.0 - 0.5).view({3, 4});
  for (auto [name, dt] : {std::pair{"f32", DType::F32}, {"f64", DType::F64}, {"f16", DType::F16}, {"bf16", DType::BF16}}) {
    ASSERT_TRUE(t.count(name)) << name;
    EXPECT_EQ(t.at(name).dtype(), dt) << name;
    EXPECT_TENSOR_EQ(t.at(name), frac);
  }
  // Integers: arange(12) - 6 shaped [2, 6] (u8: arange(12) * 20); i64 holds values past 2^32.
  EXPECT_TRUE(same_bytes(t.at("i32"), (r - 6).to(DType::I32).view({2, 6})));
  EXPECT_TRUE(same_bytes(t.at("i8"), (r - 6).to(DType::I8).view({2, 6})));
  EXPECT_TRUE(same_bytes(t.at("u8"), (r * 20).to(DType::U8).view({2, 6})));
  EXPECT_TRUE(same_bytes(t.at("i64"), (r - 6) * int64_t(10000000000)));
  std::vector<uint8_t> every_third(12);
  for (size_t i = 0; i < 12; ++i) every_third[i] = i % 3 == 0;
  EXPECT_TRUE(same_bytes(t.at("bool"), from_vector(every_third, Shape{3, 4}).to(DType::Bool)));
  EXPECT_TRUE(same_bytes(t.at("scalar"), scalar_tensor(2.5, DType::F64)));
  EXPECT_TRUE(same_bytes(t.at("empty"), zeros({0, 3}, DType::F32)));
  EXPECT_EQ(t.at("empty").shape(), (Shape{0, 3}));
  // Transposed in PyTorch before saving (save_file writes it contiguous).
  EXPECT_TRUE(same_bytes(t.at("transposed"), frac.to(DType::F32).transpose(0, 1).contiguous()));
}

// ---- hostile inputs -------------------------------------------------------------------------

struct HostileCase {
  const char* name;
  std::string bytes;
  const char* expected;
};

std::string f32_entry(const std::string& offsets, const std::string& shape = "[1]") {
  return "{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}

std::vector<HostileCase> hostile_cases() {
  const std::string four(4, '\0'), eight(8, '\0');
  const std::string ok_header = "{\"a\":" + f32_entry("[0,4]") + "}";
  std::vector<HostileCase> c{
      {"empty file", "", "0 bytes, too short for the 8-byte header length"},
      {"truncated length", std::string("\x08\x00\x00", 3), "3 bytes, too short"},
      {"truncated header", make_file(ok_header, four).substr(0, 20), "runs past the end of the file"},
      {"header length beyond file", make_file(ok_header, four, 1000), "header length 1000 runs past the end"},
      {"header length huge", make_file(ok_header, four, ~uint64_t(0)), "exceeds the 100000000-byte limit"},
      {"truncated data", make_file(ok_header, std::string(2, '\0')), "run past the 2-byte data section"},
      {"bad JSON", make_file("{\"a\": ", ""), "header is not valid JSON"},
      {"zero header length", make_file("", ""), "header is not valid JSON"},
      {"trailing garbage in header", make_file(ok_header + "x", four), "header is not valid JSON"},
      {"invalid UTF-8 key", make_file("{\"\xff\":" + f32_entry("[0,4]") + "}", four), "header is not valid JSON"},
      {"non-object header", make_file("[1, 2]", ""), "header must be a JSON object, got array"},
      {"string header", make_file("\"hi\"", ""), "header must be a JSON object, got string"},
      {"entry not an object", make_file("{\"a\": 3}", ""), "tensor 'a': entry must be an object"},
      {"missing dtype", make_file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", four), "missing or non-string 'dtype'"},
      {"unknown dtype", make_file("{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,4]}}", four),
       "tensor 'a': unknown or unsupported dtype 'F128'"},
      {"unsupported dtype", make_file("{\"a\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[0,4]}}", four),
       "unsupported dtype 'I16'"},
      {"lower-case dtype", make_file("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", four),
       "unsupported dtype 'f32'"},
      {"missing shape", make_file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", four), "non-array 'shape'"},
      {"negative dim", make_file("{\"a\":" + f32_entry("[0,4]", "[-1]") + "}", four), "shape dim -1 is negative"},
      {"fractional dim", make_file("{\"a\":" + f32_entry("[0,4]", "[1.5]") + "}", four),
       "shape dim must be a non-negative integer, got 1.5"},
      {"string dim", make_file("{\"a\":" + f32_entry("[0,4]", "[\"1\"]") + "}", four), "must be a non-negative integer"},
      {"dim beyond int64", make_file("{\"a\":" + f32_entry("[0,4]", "[18446744073709551615]") + "}", four),
       "shape dim 18446744073709551615 is too large"},
      {"dim beyond uint64", make_file("{\"a\":" + f32_entry("[0,4]", "[1e30]") + "}", four),
       "must be a non-negative integer"},
      {"dims overflowing numel", make_file("{\"a\":" + f32_entry("[0,4]", "[4294967296,4294967296,4]") + "}", four),
       "has more elements than int64 can count"},
      {"dims overflowing despite a zero", make_file("{\"a\":" + f32_entry("[0,0]", "[0,4294967296,4294967296]") + "}", ""),
       "has more elements than int64 can count"},
      {"dims overflowing bytes", make_file("{\"a\":" + f32_entry("[0,4]", "[2305843009213693952]") + "}", four),
       "is too large in bytes"},
      {"lying shape vs offsets", make_file("{\"a\":" + f32_entry("[0,4]", "[2,2]") + "}", four),
       "tensor 'a': data_offsets [0, 4] hold 4 bytes but F32 shape [2,2] needs 16"},
      {"offsets outside data", make_file("{\"a\":" + f32_entry("[4,8]") + "}", four),
       "data_offsets [4, 8] run past the 4-byte data section"},
      {"offsets huge", make_file("{\"a\":" + f32_entry("[18446744073709551612,18446744073709551615]") + "}", four),
       "is too large"},
      {"begin after end", make_file("{\"a\":" + f32_entry("[4,0]") + "}", four), "has begin > end"},
      {"negative offset", make_file("{\"a\":" + f32_entry("[-4,0]") + "}", four), "data_offsets begin -4 is negative"},
      {"offsets not a pair", make_file("{\"a\":" + f32_entry("[0,4,8]") + "}", four), "must be an array [begin, end]"},
      {"overlapping ranges", make_file("{\"a\":" + f32_entry("[0,8]", "[2]") + ",\"b\":" + f32_entry("[4,8]") + "}", eight),
       "tensor 'b' data_offsets [4, 8] overlap tensor 'a' [0, 8]"},
      {"same range twice", make_file("{\"a\":" + f32_entry("[0,4]") + ",\"b\":" + f32_entry("[0,4]") + "}", four),
       "overlap tensor"},
      {"hole between tensors", make_file("{\"a\":" + f32_entry("[0,4]") + ",\"b\":" + f32_entry("[8,12]") + "}",
                                         eight + four),
       "data bytes [4, 8) belong to no tensor"},
      {"trailing bytes", make_file(ok_header, eight), "data bytes [4, 8) belong to no tensor"},
      {"duplicate key", make_file("{\"a\":" + f32_entry("[0,4]") + ",\"a\":" + f32_entry("[0,4]") + "}", four),
       "duplicate key 'a' in header"},
      {"duplicate field", make_file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]}}", four),
       "duplicate key 'dtype'"},
      {"metadata not strings", make_file("{\"__metadata__\":{\"epoch\":3}," + ok_header.substr(1), four),
       "__metadata__ value of 'epoch' must be a string, got 3"},
      {"metadata nested", make_file("{\"__metadata__\":{\"x\":{\"y\":\"z\"}}}", ""), "must be a string"},
      {"metadata not an object", make_file("{\"__metadata__\":\"pt\"}", ""), "__metadata__ must be an object"},
      {"deep nesting", make_file("{\"a\":[[[[[[1]]]]]]}", ""), "nests deeper than a safetensors header can"},
  };
  return c;
}

TEST(Safetensors, HostileInputsRaiseExplainingErrors) {
  for (const HostileCase& c : hostile_cases()) {
    SCOPED_TRACE(c.name);
    try {
      parse_safetensors(c.bytes, "evil.st");
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("[safetensors] evil.st: ", 0), 0u) << msg;
      EXPECT_NE(msg.find(c.expected), std::string::npos) << msg;
    }
  }
}

TEST(Safetensors, AcceptsWhatTheFormatAllows) {
  const std::string four("\x00\x00\x80\x3f", 4);  // 1.0f
  // Leading/trailing JSON whitespace, any order of ranges, an empty header, an empty tensor
  // anywhere (even at an offset equal to the data size) and unknown extra fields in an entry.
  const auto f = parse_safetensors(make_file(" {\"b\":" + f32_entry("[4,4]", "[0]") + ",\"a\":" + f32_entry("[0,4]") +
                                                 ",\"c\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[4,5]," +
                                                 "\"note\":1}}   \n",
                                             four + "\x07"));
  EXPECT_EQ(f.tensors.at("a").item<float>(), 1.0f);
  EXPECT_EQ(f.tensors.at("b").shape(), (Shape{0}));
  // A bool byte other than 0/1 reads as true (and is stored as 1, a valid C++ bool).
  EXPECT_TRUE(f.tensors.at("c").item<bool>());
  EXPECT_EQ(*static_cast<const uint8_t*>(f.tensors.at("c").data_ptr()), 1);
  EXPECT_TRUE(parse_safetensors(make_file("{}", "")).tensors.empty());
}

// Deterministic mutation test: every corruption of a valid file must either parse or raise
// tz::Error; anything else (another exception, a crash, an out-of-bounds read under ASan) fails.
TEST(Safetensors, MutatedFilesNeverCrash) {
  const std::string valid = serialize_safetensors(
      {{"w", sample({3, 4}, DType::F32)}, {"b", sample({4}, DType::BF16)}, {"i", sample({2}, DType::I64)},
       {"m", sample({5}, DType::Bool)}, {"s", sample({}, DType::F64)}, {"e", zeros({0}, DType::I8)}},
      {{"k", "v"}});
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state] {  // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
  };
  int parsed = 0, rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bytes = valid;
    const int mutations = 1 + int(next() % 4);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      const size_t pos = size_t(next() % bytes.size());
      switch (next() % 5) {
        case 0: bytes[pos] = char(bytes[pos] ^ (1 << (next() % 8))); break;  // flip a bit
        case 1: bytes[pos] = char(next()); break;                            // random byte
        case 2: bytes.resize(pos); break;                                    // truncate
        case 3: bytes[size_t(next() % 8)] = char(next()); break;             // header length
        case 4:  // a digit in the header: shapes and offsets
          if (pos < bytes.size() && std::isdigit(static_cast<unsigned char>(bytes[pos])))
            bytes[pos] = char('0' + next() % 10);
          break;
      }
    }
    try {
      const auto f = parse_safetensors(bytes, "mutant");
      int64_t total = 0;
      for (const auto& [name, t] : f.tensors) total += t.numel() * dtype_size(t.dtype());
      EXPECT_LE(total, int64_t(bytes.size())) << "iteration " << iter;
      ++parsed;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("[safetensors] mutant: "), std::string::npos) << e.what();
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "iteration " << iter << ": non-tz exception " << e.what();
    }
  }
  // Both outcomes occur, so the loop exercises the accepting path as well as the rejecting ones.
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace tz
