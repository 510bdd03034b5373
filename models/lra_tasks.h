#pragma once
/// Task configs of the mini Long Range Arena harness (`tensorzoo lra <task> --size ci|full`):
/// one typed, documented config per task and size (models/config.h), and the data each builds.
///
/// Sizes. `ci` runs in seconds (the test suite trains every task with it); `full` is the size
/// of the report in docs/lra.md: LRA's task definitions and sequence lengths where a 2-core CPU
/// allows, with smaller models, batches and step counts than LRA's TPU configs (see
/// docs/lra.md for the budget: all five tasks x ~12 mixers in a few hours).
#include <string>
#include <vector>

#include "models/config.h"
#include "models/lra_model.h"
#include "models/data/lra_common.h"

namespace tz::models {

/// "listops", "text", "retrieval", "image", "pathfinder" (LRA's column order).
const std::vector<std::string>& lra_tasks();
/// "ci", "full".
const std::vector<std::string>& lra_sizes();

/// The documented default config of a task at a size. Throws naming the known tasks / sizes.
ConfigSchema lra_schema(const std::string& task, const std::string& size);

/// Builds the task's data from a config validated against lra_schema(task, size).
nn::data::LraData lra_make_data(const std::string& task, const json& config);

/// The classifier config for the data, the config's "model" section and a mixer.
LraModelConfig lra_model_config(const nn::data::LraData& data, const json& config, const std::string& mixer,
                                const json& mixer_config);

}  // namespace tz::models
