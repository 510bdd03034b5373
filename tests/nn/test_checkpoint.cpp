// nn::save_checkpoint / load_checkpoint: one safetensors file with prefixed keys and metadata;
// round trip of every part, and clear errors for missing, corrupt and foreign files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "core/io/safetensors.h"
#include "nn/checkpoint.h"
#include "tensorzoo.h"
#include "tests/support/test_support.h"

namespace tz::nn {
namespace {

namespace fs = std::filesystem;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tz_ckpt_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

Checkpoint sample_checkpoint() {
  Checkpoint ck;
  ck.model = {{"fc.weight", tensor({{1.f, 2.f}, {3.f, 4.f}})}, {"fc.bias", tensor({0.5f, -0.5f})}};
  ck.optim = {{"fc.weight.exp_avg", tensor({{0.1f, 0.2f}, {0.3f, 0.4f}})}, {"step", tensor({7}, DType::I64)}};
  ck.sched = {{"last_step", tensor({7}, DType::I64)}};
  ck.data = {{"train.position", tensor({42}, DType::I64)}};
  ck.rng["default"] = {123, 456};
  ck.rng["sampler"] = {std::numeric_limits<uint64_t>::max(), 1ull << 63};  // full u64 range
  ck.step = 7;
  ck.config = R"({"steps": 10})";
  ck.metadata["model"] = "mlp-xor";
  return ck;
}

TEST_F(CheckpointTest, RoundTripsEveryPart) {
  const Checkpoint ck = sample_checkpoint();
  save_checkpoint(path("sub/dir/ck.safetensors"), ck);  // creates missing directories
  const Checkpoint back = load_checkpoint(path("sub/dir/ck.safetensors"));
  ASSERT_EQ(back.model.size(), 2u);
  EXPECT_TENSOR_EQ(back.model.at("fc.weight"), ck.model.at("fc.weight"));
  EXPECT_TENSOR_EQ(back.model.at("fc.bias"), ck.model.at("fc.bias"));
  EXPECT_TENSOR_EQ(back.optim.at("fc.weight.exp_avg"), ck.optim.at("fc.weight.exp_avg"));
  EXPECT_EQ(back.optim.at("step").item<int64_t>(), 7);
  EXPECT_EQ(back.sched.at("last_step").item<int64_t>(), 7);
  EXPECT_EQ(back.data.at("train.position").item<int64_t>(), 42);
  EXPECT_EQ(back.rng.at("default").seed, 123u);
  EXPECT_EQ(back.rng.at("default").offset, 456u);
  EXPECT_EQ(back.rng.at("sampler").seed, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(back.rng.at("sampler").offset, 1ull << 63);
  EXPECT_EQ(back.step, 7);
  EXPECT_EQ(back.config, ck.config);
  EXPECT_EQ(back.metadata.at("model"), "mlp-xor");
  EXPECT_EQ(back.metadata.size(), 1u);  // reserved keys are not echoed back as extra metadata
}

TEST_F(CheckpointTest, FileLayoutUsesPrefixesAndMetadata) {
  save_checkpoint(path("ck.safetensors"), sample_checkpoint());
  const auto raw = io::load_safetensors(path("ck.safetensors"));
  for (const char* key : {"model.fc.weight", "model.fc.bias", "optim.fc.weight.exp_avg", "optim.step",
                          "sched.last_step", "data.train.position", "rng.default", "rng.sampler"}) {
    EXPECT_TRUE(raw.tensors.count(key)) << key;
  }
  EXPECT_EQ(raw.tensors.size(), 8u);
  EXPECT_EQ(raw.metadata.at("format"), kCheckpointFormat);
  EXPECT_EQ(raw.metadata.at("version"), "1");
  EXPECT_EQ(raw.metadata.at("step"), "7");
  EXPECT_EQ(raw.metadata.at("config"), R"({"steps": 10})");
  // Nothing left behind by the atomic write.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(CheckpointTest, DefaultRngCaptureAndRestore) {
  manual_seed(99);
  (void)rand({5});
  Checkpoint ck;
  ck.capture_default_rng();
  const Tensor expected = rand({4});
  ck.restore_default_rng();
  EXPECT_TENSOR_EQ(rand({4}), expected);
  Checkpoint empty;
  EXPECT_TZ_ERROR(empty.restore_default_rng(), "[checkpoint] no default generator state");
}

TEST_F(CheckpointTest, LoadsIntoAModuleAndDifferentDtypesSurvive) {
  Checkpoint ck;
  ck.model = {{"a", tensor({1.5, 2.5}, DType::F64)}, {"mask", tensor({true, false})}};
  save_checkpoint(path("ck.safetensors"), ck);
  const Checkpoint back = load_checkpoint(path("ck.safetensors"));
  EXPECT_EQ(back.model.at("a").dtype(), DType::F64);
  EXPECT_EQ(back.model.at("mask").dtype(), DType::Bool);
  EXPECT_EQ(back.step, 0);
  EXPECT_TRUE(back.rng.empty());
}

TEST_F(CheckpointTest, MissingFile) {
  EXPECT_TZ_ERROR(load_checkpoint(path("absent.safetensors")), "[checkpoint] ");
  EXPECT_TZ_ERROR(load_checkpoint(path("absent.safetensors")), "absent.safetensors: no such file");
}

TEST_F(CheckpointTest, CorruptFiles) {
  fs::create_directories(dir_);
  save_checkpoint(path("ck.safetensors"), sample_checkpoint());
  std::string bytes;
  {
    std::ifstream in(path("ck.safetensors"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Truncated: the data section is shorter than the header claims.
  std::ofstream(path("truncated.safetensors"), std::ios::binary) << bytes.substr(0, bytes.size() - 5);
  EXPECT_TZ_ERROR(load_checkpoint(path("truncated.safetensors")), "truncated.safetensors: cannot read it");
  // Garbage.
  std::ofstream(path("garbage.safetensors"), std::ios::binary) << "this is not a checkpoint at all";
  EXPECT_TZ_ERROR(load_checkpoint(path("garbage.safetensors")), "[checkpoint] ");
  // Empty file.
  std::ofstream(path("empty.safetensors"), std::ios::binary);
  EXPECT_TZ_ERROR(load_checkpoint(path("empty.safetensors")), "empty.safetensors: cannot read it");
}

TEST_F(CheckpointTest, ForeignAndMalformedFiles) {
  fs::create_directories(dir_);
  // A plain weights file is not a checkpoint.
  io::save_safetensors(path("weights.safetensors"), {{"fc.weight", tensor({1.f})}});
  EXPECT_TZ_ERROR(load_checkpoint(path("weights.safetensors")), "not a tensorzoo checkpoint (metadata 'format' is missing)");
  const std::map<std::string, std::string> good_meta = {{"format", kCheckpointFormat}, {"version", "1"}, {"step", "3"}};
  auto meta = good_meta;
  meta["version"] = "2";
  io::save_safetensors(path("v2.safetensors"), {}, meta);
  EXPECT_TZ_ERROR(load_checkpoint(path("v2.safetensors")), "version 2 is not supported");
  meta = good_meta;
  meta["step"] = "three";
  io::save_safetensors(path("step.safetensors"), {}, meta);
  EXPECT_TZ_ERROR(load_checkpoint(path("step.safetensors")), "metadata 'step' must be an integer, got 'three'");
  io::save_safetensors(path("prefix.safetensors"), {{"weights.x", tensor({1.f})}}, good_meta);
  EXPECT_TZ_ERROR(load_checkpoint(path("prefix.safetensors")), "tensor 'weights.x' has no known prefix");
  io::save_safetensors(path("rng.safetensors"), {{"rng.default", tensor({1.f, 2.f})}}, good_meta);
  EXPECT_TZ_ERROR(load_checkpoint(path("rng.safetensors")), "must be an I64 tensor of shape [2]");
}

TEST_F(CheckpointTest, ReservedMetadataAndBadInput) {
  Checkpoint ck;
  ck.metadata["step"] = "5";
  EXPECT_TZ_ERROR(save_checkpoint(path("ck.safetensors"), ck), "metadata key 'step' is reserved");
  Checkpoint neg;
  neg.step = -1;
  EXPECT_TZ_ERROR(save_checkpoint(path("ck.safetensors"), neg), "step must be >= 0");
  EXPECT_TZ_ERROR(generator_state_from_tensor(tensor({1, 2, 3}, DType::I64)), "shape [2]");
}

TEST_F(CheckpointTest, OverwriteReplacesTheWholeFile) {
  Checkpoint a = sample_checkpoint();
  save_checkpoint(path("ck.safetensors"), a);
  Checkpoint b;
  b.step = 11;
  b.model = {{"only", tensor({3.f})}};
  save_checkpoint(path("ck.safetensors"), b);
  const Checkpoint back = load_checkpoint(path("ck.safetensors"));
  EXPECT_EQ(back.step, 11);
  EXPECT_EQ(back.model.size(), 1u);
  EXPECT_TRUE(back.optim.empty());
}

}  // namespace
}  // namespace tz::nn
