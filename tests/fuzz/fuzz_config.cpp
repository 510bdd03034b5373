// libFuzzer target: a `--config` JSON file -> load_config_file and merge_config into every
// model's defaults; the same bytes as one `--set key=value` assignment.
#include "models/config.h"
#include "models/registry.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const tz::fuzz::MemoryFile file(data, size);
  tz::models::json overrides;
  bool loaded = false;
  tz::fuzz::expect_clean("fuzz_config", [&] {
    overrides = tz::models::load_config_file(file.path());
    loaded = true;
  });
  const std::string assignment(reinterpret_cast<const char*>(data), size);
  for (const auto& entry : tz::models::model_registry()) {
    if (loaded)
      tz::fuzz::expect_clean("fuzz_config", [&] {
        tz::models::json config = entry.schema.defaults;
        tz::models::merge_config(config, overrides, entry.schema, "fuzz.json");
      });
    tz::fuzz::expect_clean("fuzz_config", [&] {
      tz::models::json config = entry.schema.defaults;
      tz::models::apply_set(config, assignment, entry.schema);
    });
  }
  return 0;
}
