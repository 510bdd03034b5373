#include "core/io/safetensors.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <vector>

#include "core/dispatch.h"
#include "core/factories.h"
#include "core/io/file.h"
#include "core/io/json_parse.h"

namespace tz::io {

namespace {

using json = nlohmann::json;

/// The Rust reference implementation refuses headers above 100 MB; so do we, before allocating.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
/// Valid headers nest at most {entry: {shape: [dim]}}: anything deeper is rejected while parsing,
/// so a hostile header cannot make the JSON parser build a deep tree.
constexpr int kMaxJsonDepth = 3;
/// Tensor and metadata names longer than this are not names (and would flood error messages).
constexpr size_t kMaxNameBytes = 1 << 16;
const char* const kMetadataKey = "__metadata__";

template <class... A>
[[noreturn]] void fail(const std::string& origin, const A&... what) {
  throw Error(cat_str("[safetensors] ", origin, ": ", what...));
}

const char* safetensors_dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "BOOL";
    case DType::U8: return "U8";
    case DType::I8: return "I8";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::F32: return "F32";
    case DType::F64: return "F64";
  }
  return "?";
}

/// Exact (case-sensitive) safetensors spelling; the format has no aliases.
std::optional<DType> dtype_from_safetensors_name(const std::string& name) {
  for (DType t : {DType::Bool, DType::U8, DType::I8, DType::I32, DType::I64, DType::F16, DType::BF16, DType::F32,
                  DType::F64}) {
    if (name == safetensors_dtype_name(t)) return t;
  }
  return std::nullopt;
}

/// The format is little-endian; a big-endian host swaps each element in place.
void to_or_from_little_endian(char* data, int64_t numel, int64_t elem_size) {
  if constexpr (std::endian::native == std::endian::big) {
    for (int64_t i = 0; i < numel; ++i) std::reverse(data + i * elem_size, data + (i + 1) * elem_size);
  }
}

void put_u64_le(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(char((v >> (8 * i)) & 0xffu));
}

uint64_t get_u64_le(const std::string& bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<unsigned char>(bytes[size_t(i)])) << (8 * i);
  return v;
}

/// Parses the header JSON, rejecting duplicate keys (the spec forbids them; nlohmann would keep
/// the last silently) and nesting deeper than any valid header, in time linear in its size.
json parse_header_json(std::string_view text, const std::string& origin) {
  JsonParseOptions options;
  options.max_depth = kMaxJsonDepth;
  options.syntax_phrase = "header is not valid JSON";
  options.depth_phrase = "header JSON nests deeper than a safetensors header can";
  options.duplicate_suffix = " in header";
  return parse_json_limited(text, "safetensors", origin, options);
}

/// A non-negative JSON integer that fits in int64 (shape dims and offsets).
int64_t non_negative_int(const json& v, const std::string& origin, const std::string& what) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(std::numeric_limits<int64_t>::max())) fail(origin, what, " ", u, " is too large");
    return int64_t(u);
  }
  if (v.is_number_integer()) fail(origin, what, " ", v.get<int64_t>(), " is negative");
  fail(origin, what, " must be a non-negative integer, got ", json_excerpt(v));
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  int64_t begin, end;
};

Entry parse_entry(const std::string& name, const json& spec, uint64_t data_size, const std::string& origin) {
  const std::string where = cat_str("tensor '", printable(name), "'");
  if (!spec.is_object()) fail(origin, where, ": entry must be an object, got ", spec.type_name());
  Entry e{name, DType::F32, {}, 0, 0};

  auto dtype_it = spec.find("dtype");
  if (dtype_it == spec.end() || !dtype_it->is_string()) fail(origin, where, ": missing or non-string 'dtype'");
  const auto dtype = dtype_from_safetensors_name(dtype_it->get<std::string>());
  if (!dtype)
    fail(origin, where, ": unknown or unsupported dtype '", dtype_it->get<std::string>(),
         "' (tensorzoo reads BOOL, U8, I8, I32, I64, F16, BF16, F32, F64)");
  e.dtype = *dtype;

  auto shape_it = spec.find("shape");
  if (shape_it == spec.end() || !shape_it->is_array()) fail(origin, where, ": missing or non-array 'shape'");
  // numel is the product of the non-zero dims, checked for overflow, so strides computed from this
  // shape fit in int64 even when a zero dim makes the tensor empty.
  int64_t nonzero_product = 1;
  bool has_zero_dim = false;
  for (const json& d : *shape_it) {
    const int64_t dim = non_negative_int(d, origin, where + ": shape dim");
    e.shape.push_back(dim);
    if (dim == 0) {
      has_zero_dim = true;
    } else if (__builtin_mul_overflow(nonzero_product, dim, &nonzero_product)) {
      fail(origin, where, ": shape ", json_excerpt(*shape_it), " has more elements than int64 can count");
    }
  }
  const int64_t numel = has_zero_dim ? 0 : nonzero_product;
  int64_t nbytes = 0;
  if (__builtin_mul_overflow(numel, dtype_size(e.dtype), &nbytes))
    fail(origin, where, ": shape ", json_excerpt(*shape_it), " is too large in bytes");

  auto offsets_it = spec.find("data_offsets");
  if (offsets_it == spec.end() || !offsets_it->is_array() || offsets_it->size() != 2)
    fail(origin, where, ": 'data_offsets' must be an array [begin, end]");
  e.begin = non_negative_int((*offsets_it)[0], origin, where + ": data_offsets begin");
  e.end = non_negative_int((*offsets_it)[1], origin, where + ": data_offsets end");
  if (e.begin > e.end) fail(origin, where, ": data_offsets [", e.begin, ", ", e.end, "] has begin > end");
  if (uint64_t(e.end) > data_size)
    fail(origin, where, ": data_offsets [", e.begin, ", ", e.end, "] run past the ", data_size, "-byte data section");
  if (e.end - e.begin != nbytes)
    fail(origin, where, ": data_offsets [", e.begin, ", ", e.end, "] hold ", e.end - e.begin, " bytes but ",
         safetensors_dtype_name(e.dtype), " shape ", json_excerpt(*shape_it), " needs ", nbytes);
  return e;
}

std::map<std::string, std::string> parse_metadata(const json& meta, const std::string& origin) {
  if (!meta.is_object()) fail(origin, "__metadata__ must be an object of strings, got ", meta.type_name());
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : meta.items()) {
    if (!value.is_string()) fail(origin, "__metadata__ value of '", printable(key), "' must be a string, got ", json_excerpt(value));
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

/// The spec requires the byte buffer to be entirely indexed, without holes (no polyglot files):
/// sorted by begin, each range must start where the previous ended and the last must end at the
/// end of the data. This also rules out overlaps.
void check_coverage(std::vector<Entry>& entries, uint64_t data_size, const std::string& origin) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  int64_t covered_to = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < covered_to)
      fail(origin, "tensor '", e.name, "' data_offsets [", e.begin, ", ", e.end, "] overlap tensor '", previous->name,
           "' [", previous->begin, ", ", previous->end, "]");
    if (e.begin > covered_to)
      fail(origin, "data bytes [", covered_to, ", ", e.begin, ") belong to no tensor (the format allows no holes)");
    covered_to = e.end;
    previous = &e;
  }
  if (uint64_t(covered_to) != data_size)
    fail(origin, "data bytes [", covered_to, ", ", data_size, ") belong to no tensor (the format allows no holes)");
}

}  // namespace

namespace {

/// The checked header: every entry's range lies inside the data section, matches its dtype x
/// shape, and the ranges tile the section exactly (sorted by begin).
struct Header {
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
};

/// Checks the 8-byte length field against the cap and the bytes that follow it, before anyone
/// allocates or reads the header.
void check_header_length(uint64_t header_len, uint64_t available, const std::string& origin) {
  if (header_len > kMaxHeaderBytes)
    fail(origin, "header length ", header_len, " exceeds the ", kMaxHeaderBytes, "-byte limit");
  if (header_len > available)
    fail(origin, "header length ", header_len, " runs past the end of the file (", available, " bytes after it)");
}

Header parse_header(std::string_view header_text, uint64_t data_size, const std::string& origin) {
  const json header = parse_header_json(header_text, origin);
  if (!header.is_object()) fail(origin, "header must be a JSON object, got ", header.type_name());
  Header out;
  out.entries.reserve(header.size());
  for (const auto& [name, spec] : header.items()) {
    if (name.size() > kMaxNameBytes) fail(origin, "a tensor name of ", name.size(), " bytes is too long");
    if (name == kMetadataKey) {
      out.metadata = parse_metadata(spec, origin);
    } else {
      out.entries.push_back(parse_entry(name, spec, data_size, origin));
    }
  }
  check_coverage(out.entries, data_size, origin);
  return out;
}

/// Turns the raw little-endian bytes now in t into host values.
void fix_up_loaded(Tensor& t, DType dtype) {
  char* dst = static_cast<char*>(t.data_ptr());
  const int64_t nbytes = t.numel() * dtype_size(dtype);
  to_or_from_little_endian(dst, t.numel(), dtype_size(dtype));
  // A C++ bool holding anything but 0 or 1 is undefined behaviour; normalise like numpy does.
  if (dtype == DType::Bool) {
    for (int64_t i = 0; i < nbytes; ++i) dst[i] = dst[i] != 0 ? 1 : 0;
  }
}

/// The tensors of a checked header, each filled by copy_range(entry, destination, nbytes) (from
/// memory or straight from the file) and normalised. One loop for both readers.
template <class CopyRange>
SafetensorsFile tensors_of(const Header& header, CopyRange&& copy_range) {
  SafetensorsFile file;
  file.metadata = header.metadata;
  for (const Entry& e : header.entries) {
    Tensor t = empty(e.shape, TensorOptions(e.dtype));
    const int64_t nbytes = e.end - e.begin;
    if (nbytes > 0) {
      copy_range(e, static_cast<char*>(t.data_ptr()), nbytes);
      fix_up_loaded(t, e.dtype);
    }
    file.tensors.emplace(e.name, std::move(t));
  }
  return file;
}

}  // namespace

SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& origin) {
  if (bytes.size() < 8) fail(origin, "file is ", bytes.size(), " bytes, too short for the 8-byte header length");
  const uint64_t header_len = get_u64_le(bytes);
  check_header_length(header_len, bytes.size() - 8, origin);
  const uint64_t data_start = 8 + header_len;
  const Header header =
      parse_header(std::string_view(bytes).substr(8, size_t(header_len)), bytes.size() - data_start, origin);

  // Every range is now known to lie inside the data section and to match its dtype x shape.
  return tensors_of(header, [&](const Entry& e, char* dst, int64_t nbytes) {
    std::memcpy(dst, bytes.data() + data_start + e.begin, size_t(nbytes));
  });
}

SafetensorsFile load_safetensors(const std::string& path) {
  // Checks the file type before opening (a FIFO or device would block or never end), then reads
  // and checks the header before touching the data: a bogus length or header costs no big read.
  InputFile in(path, "safetensors", "cannot open for reading: not found");
  const uint64_t size = in.size();
  if (size < 8) fail(path, "file is ", size, " bytes, too short for the 8-byte header length");
  std::string length_field(8, '\0');
  in.read_exact(length_field.data(), 8, "(the header length)");
  const uint64_t header_len = get_u64_le(length_field);
  check_header_length(header_len, size - 8, path);
  std::string header_text(size_t(header_len), '\0');
  in.read_exact(header_text.data(), header_len, "(the header)");
  const Header header = parse_header(header_text, size - 8 - header_len, path);

  // The entries tile the data section in order (check_coverage sorted them): read each range
  // straight into its tensor, with no second copy of the data.
  return tensors_of(header, [&](const Entry& e, char* dst, int64_t nbytes) {
    in.read_exact(dst, uint64_t(nbytes), cat_str("(tensor '", printable(e.name), "')"));
  });
}

namespace {

/// Names and metadata become JSON strings, which must be UTF-8: check them here so the error
/// names the file and the entry instead of escaping from the JSON writer after a long run.
void check_names(const std::map<std::string, Tensor>& tensors, const std::map<std::string, std::string>& metadata,
                 const std::string& origin) {
  for (const auto& [name, t] : tensors) check_utf8(name, "safetensors", cat_str(origin, ": tensor name"));
  for (const auto& [key, value] : metadata) {
    check_utf8(key, "safetensors", cat_str(origin, ": metadata key"));
    check_utf8(value, "safetensors", cat_str(origin, ": metadata value of '", printable(key), "'"));
  }
}

std::string serialize_checked(const std::map<std::string, Tensor>& tensors,
                              const std::map<std::string, std::string>& metadata, const std::string& origin) {
  check_names(tensors, metadata, origin);
  struct Item {
    const std::string* name;
    Tensor host;  // contiguous CPU copy (or the tensor itself when already so)
  };
  std::vector<Item> items;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey) fail(origin, "'", kMetadataKey, "' is reserved and cannot name a tensor");
    if (!t.defined()) fail(origin, "tensor '", name, "' is undefined");
    items.push_back({&name, dispatch::host_contiguous(t)});
  }
  // Widest elements first: with the header padded to 8 bytes every tensor then starts at an
  // offset aligned to its element size, so readers may map the data in place.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return dtype_size(a.host.dtype()) > dtype_size(b.host.dtype());
  });

  json header = json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  int64_t offset = 0;
  for (const Item& item : items) {
    const int64_t nbytes = item.host.numel() * dtype_size(item.host.dtype());
    header[*item.name] = {{"dtype", safetensors_dtype_name(item.host.dtype())},
                          {"shape", std::vector<int64_t>(item.host.shape().begin(), item.host.shape().end())},
                          {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string header_text = header.dump();
  // The spec allows trailing spaces in the header; padding to 8 keeps the data section aligned.
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + header_text.size() + size_t(offset));
  put_u64_le(out, header_text.size());
  out += header_text;
  for (const Item& item : items) {
    const size_t start = out.size();
    const int64_t nbytes = item.host.numel() * dtype_size(item.host.dtype());
    if (nbytes == 0) continue;
    out.append(static_cast<const char*>(item.host.data_ptr()), size_t(nbytes));
    to_or_from_little_endian(out.data() + start, item.host.numel(), dtype_size(item.host.dtype()));
  }
  return out;
}

}  // namespace

std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  return serialize_checked(tensors, metadata, "<serialize>");
}

int remove_stale_temp_files(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".tmp.";
  int removed = 0;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    // Only our own pattern <file>.tmp.<pid>.<counter>, left by a process that no longer runs:
    // a live writer's temp file is about to be renamed into place.
    const std::string rest = name.substr(prefix.size());
    const size_t dot = rest.find('.');
    if (dot == std::string::npos || dot == 0 || dot > 9 || dot + 1 == rest.size()) continue;
    if (rest.find_first_not_of("0123456789.") != std::string::npos || rest.find('.', dot + 1) != std::string::npos)
      continue;
    const long pid = std::stol(rest.substr(0, dot));
    if (pid == long(::getpid())) continue;
    if (pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno != ESRCH)) continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    std::error_code rm_ec;
    if (fs::remove(it->path(), rm_ec)) ++removed;
  }
  return removed;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string bytes = serialize_checked(tensors, metadata, path);
  // A crashed earlier run may have left its temp file behind; nothing else would remove it.
  remove_stale_temp_files(path);
  // Write a sibling temp file and rename it over the target, so a crash mid-write never leaves a
  // truncated checkpoint where a good one was.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = cat_str(path, ".tmp.", ::getpid(), ".", counter.fetch_add(1));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot create temp file '", tmp, "': ", std::strerror(errno));
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(path, "write to '", tmp, "' failed: ", std::strerror(err));
    }
    written += size_t(n);
  }
  const bool synced = ::fsync(fd) == 0;
  int err = errno;
  const bool closed = ::close(fd) == 0;
  if (!closed) err = errno;
  if (!synced || !closed) {
    ::unlink(tmp.c_str());
    fail(path, "flushing '", tmp, "' failed: ", std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, "renaming '", tmp, "' into place failed: ", std::strerror(err));
  }
}

}  // namespace tz::io
