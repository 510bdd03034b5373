// libFuzzer target: CSV text -> parse_csv, with and without a header row, comma and tab.
#include "nn/data/csv.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const bool header : {true, false})
    for (const char delimiter : {',', '\t'})
      tz::fuzz::expect_clean("fuzz_csv", [&] {
        tz::nn::data::CsvOptions options;
        options.header = header;
        options.delimiter = delimiter;
        const tz::nn::data::CsvTable table = tz::nn::data::parse_csv(text, options, "fuzz");
        (void)table;
      });
  return 0;
}
