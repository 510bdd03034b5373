#pragma once
/// safetensors read/write (https://github.com/huggingface/safetensors format): an 8-byte
/// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__":
/// {str: str}}, then the raw little-endian data. The reader treats files as hostile: it checks
/// the header length against the file, every offset range against the data section, that ranges
/// do not overlap, and that dtype x shape matches each range, before reading a byte of data.
#include <map>
#include <string>

#include "core/tensor.h"

namespace tz::io {

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// Writes tensors (any device; copied to host) with optional metadata, atomically: to
/// <path>.tmp.<pid>.<n>, then renamed over path. Names and metadata must be valid UTF-8 (checked
/// before writing: "[safetensors] <path>: tensor name is not valid UTF-8 ..."). Stale temp files
/// of dead processes are removed first (remove_stale_temp_files).
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
/// Reads a whole file onto the CPU. Throws tz::Error("[safetensors] <path>: <what is wrong>").
/// The path must be a regular file (a FIFO, directory or device is refused before opening); the
/// header length is checked against the file size and a 100 MB cap, and the header parsed
/// (linear time, bounded nesting), before any data is read.
SafetensorsFile load_safetensors(const std::string& path);
/// Same from bytes in memory (used by the hostile-input tests and fuzzers).
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& origin = "<memory>");
/// Removes <path>.tmp.<pid>.<n> files (our temp-file pattern only) whose writer process no
/// longer runs: what a crash during save leaves behind. Returns how many were removed.
int remove_stale_temp_files(const std::string& path);
/// Serialises to bytes.
std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

}  // namespace tz::io
