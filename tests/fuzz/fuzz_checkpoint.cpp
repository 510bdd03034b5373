// libFuzzer target: a checkpoint file -> load_checkpoint, then what `tensorzoo train --resume`
// does with it before training: the generator state restored and the stored config resolved
// against every model's schema.
#include "models/config.h"
#include "models/registry.h"
#include "nn/checkpoint.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const tz::fuzz::MemoryFile file(data, size);
  tz::nn::Checkpoint ck;
  bool loaded = false;
  tz::fuzz::expect_clean("fuzz_checkpoint", [&] {
    ck = tz::nn::load_checkpoint(file.path());
    loaded = true;
    if (ck.rng.count("default")) ck.restore_default_rng();
  });
  if (!loaded) return 0;
  const auto stored = tz::models::json::parse(ck.config, nullptr, false);
  if (stored.is_discarded() || !stored.is_object()) return 0;
  for (const auto& entry : tz::models::model_registry())
    tz::fuzz::expect_clean("fuzz_checkpoint", [&] { tz::models::resolve_config(stored, entry.schema, "fuzz"); });
  return 0;
}
