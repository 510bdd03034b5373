#pragma once
/// Training checkpoints: everything needed to continue a run bit-exactly, in ONE safetensors file.
///
/// Tensor keys are prefixed by what they belong to:
///   model.<name>   the model's state_dict (parameters and persistent buffers)
///   optim.<name>   the optimizer's state_dict (tensors only: moments, step counters, ...)
///   sched.<name>   the LR scheduler's state
///   rng.<name>     generator states as I64 [2] tensors {seed, offset}; "rng.default" is
///                  tz::default_generator(), other names are extra generators the run owns
///   data.<name>    data-pipeline state (DataLoader epoch/permutation/position, ...)
/// and the __metadata__ holds "format" = "tensorzoo.checkpoint", "version", "step", "config"
/// (the run's JSON config as text) and any extra string entries.
///
/// The file is written to a temp file and renamed (tz::io::save_safetensors), so a crash while
/// saving leaves the previous checkpoint intact. Loading treats the file as hostile (see
/// core/io/safetensors.h) and throws "[checkpoint] <path>: ..." naming what is wrong.
///
///   nn::Checkpoint ck;
///   ck.model = model.state_dict();
///   ck.optim = optimizer.state_dict();
///   ck.capture_default_rng();
///   ck.step = step;
///   ck.config = cfg.dump();
///   nn::save_checkpoint(dir + "/checkpoint.safetensors", ck);
///   ...
///   auto ck = nn::load_checkpoint(path);
///   model.load_state_dict(ck.model);
///   optimizer.load_state_dict(ck.optim);
///   ck.restore_default_rng();
#include <cstdint>
#include <map>
#include <string>

#include "core/random.h"
#include "nn/module.h"

namespace tz::nn {

struct Checkpoint {
  StateDict model;
  StateDict optim;
  StateDict sched;
  StateDict data;
  /// Generator states by name; "default" is the global tz::default_generator().
  std::map<std::string, GeneratorState> rng;
  /// Number of finished optimizer steps.
  int64_t step = 0;
  /// The run's config as JSON text ("" when none).
  std::string config;
  /// Extra string metadata (e.g. "model" = the registry name); keys must not clash with the
  /// reserved ones (format, version, step, config).
  std::map<std::string, std::string> metadata;

  /// Stores tz::default_generator()'s state as rng["default"].
  void capture_default_rng();
  /// Restores tz::default_generator() from rng["default"] (throws if the checkpoint has none).
  void restore_default_rng() const;
};

/// The "format" metadata value that marks a tensorzoo checkpoint.
inline constexpr const char* kCheckpointFormat = "tensorzoo.checkpoint";
inline constexpr int kCheckpointVersion = 1;

/// Writes the checkpoint atomically (temp file + rename). Tensors may live on any device.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
/// Reads a checkpoint onto the CPU. Throws "[checkpoint] <path>: ..." when the file is missing,
/// is not valid safetensors, is not a tensorzoo checkpoint, or has malformed entries.
Checkpoint load_checkpoint(const std::string& path);

/// A generator's state as an I64 [2] tensor {seed, offset} (bit-cast: the full u64 range
/// round-trips), for data-pipeline state dicts; and back.
Tensor generator_state_to_tensor(const GeneratorState& state);
GeneratorState generator_state_from_tensor(const Tensor& t, const std::string& what = "generator state");

}  // namespace tz::nn
