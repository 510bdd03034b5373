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

/// Writes tensors (any device; copied to host) with optional metadata.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
/// Reads a whole file onto the CPU. Throws tz::Error("[safetensors] <path>: <what is wrong>").
SafetensorsFile load_safetensors(const std::string& path);
/// Same from bytes in memory (used by the hostile-input tests and fuzzers).
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& origin = "<memory>");
/// Serialises to bytes.
std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

}  // namespace tz::io
