// libFuzzer target: safetensors bytes -> parse_safetensors, then every tensor is read whole (a
// header that lies about offsets must be caught by the parser, not by the reader's access).
#include "core/io/safetensors.h"
#include "core/tensor.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tz::fuzz::expect_clean("fuzz_safetensors", [&] {
    const tz::io::SafetensorsFile file = tz::io::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size));
    for (const auto& [name, t] : file.tensors) {
      const tz::Tensor bytes = t.contiguous();
      volatile uint8_t sink = 0;
      const auto* p = static_cast<const uint8_t*>(bytes.data_ptr());
      for (int64_t i = 0; i < int64_t(bytes.numel() * tz::dtype_size(bytes.dtype())); ++i) sink = sink ^ p[i];
      (void)sink;
    }
  });
  return 0;
}
