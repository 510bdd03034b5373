// libFuzzer target: IDX bytes -> parse_idx; the same bytes as a file through read_maybe_gzip
// (so gzip streams, including bombs, go through the size-checked inflater).
#include "core/tensor.h"
#include "nn/data/idx.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tz::fuzz::expect_clean("fuzz_idx", [&] {
    const tz::Tensor t = tz::nn::data::parse_idx(std::vector<uint8_t>(data, data + size), "fuzz");
    (void)t.numel();
  });
  const tz::fuzz::MemoryFile file(data, size);
  tz::fuzz::expect_clean("fuzz_idx", [&] {
    const tz::Tensor t = tz::nn::data::read_idx(file.path());
    (void)t.numel();
  });
  return 0;
}
