#include "nn/checkpoint.h"

#include <bit>
#include <charconv>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "core/factories.h"
#include "core/io/safetensors.h"

namespace tz::nn {

namespace {

constexpr const char* kPrefixes[] = {"model.", "optim.", "sched.", "rng.", "data."};
constexpr const char* kReserved[] = {"format", "version", "step", "config"};

void put_prefixed(std::map<std::string, Tensor>& out, const std::string& prefix, const StateDict& dict) {
  for (const auto& [name, t] : dict) {
    TZ_CHECK(t.defined(), "checkpoint", "tensor '", prefix, name, "' is undefined");
    out.emplace(prefix + name, t.detach());
  }
}

int64_t parse_int(const std::string& path, const std::string& key, const std::string& text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  TZ_CHECK(ec == std::errc() && ptr == text.data() + text.size() && !text.empty(), "checkpoint", path,
           ": metadata '", key, "' must be an integer, got '", text, "'");
  return v;
}

}  // namespace

void Checkpoint::capture_default_rng() { rng["default"] = default_generator().state(); }

void Checkpoint::restore_default_rng() const {
  auto it = rng.find("default");
  TZ_CHECK(it != rng.end(), "checkpoint", "no default generator state (rng.default) in this checkpoint");
  default_generator().set_state(it->second);
}

Tensor generator_state_to_tensor(const GeneratorState& state) {
  return from_vector<int64_t>({std::bit_cast<int64_t>(state.seed), std::bit_cast<int64_t>(state.offset)});
}

GeneratorState generator_state_from_tensor(const Tensor& t, const std::string& what) {
  TZ_CHECK(t.defined() && t.dtype() == DType::I64 && t.dim() == 1 && t.numel() == 2, "checkpoint", what,
           " must be an I64 tensor of shape [2] {seed, offset}, got ", t.defined() ? describe(t) : "undefined");
  const auto v = t.to_vector<int64_t>();
  return GeneratorState{std::bit_cast<uint64_t>(v[0]), std::bit_cast<uint64_t>(v[1])};
}

void save_checkpoint(const std::string& path, const Checkpoint& ck) {
  TZ_CHECK(ck.step >= 0, "checkpoint", "step must be >= 0, got ", ck.step);
  std::map<std::string, Tensor> tensors;
  put_prefixed(tensors, "model.", ck.model);
  put_prefixed(tensors, "optim.", ck.optim);
  put_prefixed(tensors, "sched.", ck.sched);
  put_prefixed(tensors, "data.", ck.data);
  for (const auto& [name, state] : ck.rng) tensors.emplace("rng." + name, generator_state_to_tensor(state));

  std::map<std::string, std::string> metadata = ck.metadata;
  for (const char* key : kReserved) {
    TZ_CHECK(!ck.metadata.count(key), "checkpoint", "metadata key '", key, "' is reserved");
  }
  metadata["format"] = kCheckpointFormat;
  metadata["version"] = std::to_string(kCheckpointVersion);
  metadata["step"] = std::to_string(ck.step);
  metadata["config"] = ck.config;

  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    TZ_CHECK(!ec, "checkpoint", path, ": cannot create directory '", parent.string(), "': ", ec.message());
  }
  io::save_safetensors(path, tensors, metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  std::error_code ec;
  TZ_CHECK(std::filesystem::exists(path, ec), "checkpoint", path, ": no such file");
  io::SafetensorsFile file;
  try {
    file = io::load_safetensors(path);
  } catch (const Error& e) {
    TZ_FAIL("checkpoint", path, ": cannot read it (corrupt or truncated?): ", e.what());
  }
  auto format = file.metadata.find("format");
  TZ_CHECK(format != file.metadata.end() && format->second == kCheckpointFormat, "checkpoint", path,
           ": not a tensorzoo checkpoint (metadata 'format' is ",
           format == file.metadata.end() ? "missing" : "'" + format->second + "'", ")");
  auto version = file.metadata.find("version");
  TZ_CHECK(version != file.metadata.end(), "checkpoint", path, ": metadata 'version' is missing");
  const int64_t v = parse_int(path, "version", version->second);
  TZ_CHECK(v == kCheckpointVersion, "checkpoint", path, ": version ", v, " is not supported (this build reads ",
           kCheckpointVersion, ")");

  Checkpoint ck;
  auto step = file.metadata.find("step");
  TZ_CHECK(step != file.metadata.end(), "checkpoint", path, ": metadata 'step' is missing");
  ck.step = parse_int(path, "step", step->second);
  TZ_CHECK(ck.step >= 0, "checkpoint", path, ": step must be >= 0, got ", ck.step);
  if (auto c = file.metadata.find("config"); c != file.metadata.end()) ck.config = c->second;
  for (const auto& [key, value] : file.metadata) {
    bool reserved = false;
    for (const char* r : kReserved) reserved = reserved || key == r;
    if (!reserved) ck.metadata[key] = value;
  }

  for (auto& [key, tensor] : file.tensors) {
    const char* prefix = nullptr;
    for (const char* p : kPrefixes) {
      if (key.rfind(p, 0) == 0) prefix = p;
    }
    TZ_CHECK(prefix != nullptr, "checkpoint", path, ": tensor '", key,
             "' has no known prefix (model., optim., sched., rng., data.)");
    const std::string name = key.substr(std::string(prefix).size());
    TZ_CHECK(!name.empty(), "checkpoint", path, ": tensor '", key, "' has an empty name");
    const std::string p = prefix;
    if (p == "model.") ck.model.emplace(name, tensor);
    else if (p == "optim.") ck.optim.emplace(name, tensor);
    else if (p == "sched.") ck.sched.emplace(name, tensor);
    else if (p == "data.") ck.data.emplace(name, tensor);
    else ck.rng.emplace(name, generator_state_from_tensor(tensor, path + ": " + key));
  }
  return ck;
}

}  // namespace tz::nn
