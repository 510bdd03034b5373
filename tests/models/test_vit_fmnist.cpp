// vit-fmnist: the model's structure, a tiny end-to-end training run (loss decreases), checkpoint
// round trip (identical logits), eval and sample on a subset of the test set. Needs the Debian
// dataset-fashion-mnist files; skipped without them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "models/registry.h"
#include "models/trainer.h"
#include "models/vit_fmnist.h"
#include "nn/checkpoint.h"
#include "tensorzoo.h"
#include "tests/support/test_support.h"

namespace tz::models {
namespace {

namespace fs = std::filesystem;

const char* kRoot = "/usr/share/datasets/fashion-mnist";

VitConfig tiny_config() {
  VitConfig c;
  c.dim = 16;
  c.depth = 1;
  c.heads = 2;
  c.mlp_dim = 32;
  return c;
}

class VitFmnist : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(fs::path(kRoot) / "t10k-images-idx3-ubyte.gz"))
      GTEST_SKIP() << "Fashion-MNIST not installed (dataset-fashion-mnist)";
    dir_ = fs::temp_directory_path() /
           ("tz_vit_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    clear_stop_request();
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  /// The tiny config: d 16, 1 layer, batch 16, 320 training and 200 test images, 20 steps.
  RunOptions tiny_run(const std::vector<std::string>& extra = {}) {
    const ModelEntry& entry = find_model("vit-fmnist");
    RunOptions run;
    run.model = entry.name;
    run.config = entry.schema.defaults;
    for (const char* s : {"model.dim=16", "model.depth=1", "model.heads=2", "model.mlp_dim=32", "batch_size=16",
                          "data.train_subset=320", "data.test_subset=200", "steps=20", "log_every=1",
                          "optim.warmup_steps=2", "optim.lr=0.01"})
      apply_set(run.config, s, entry.schema);
    for (const auto& s : extra) apply_set(run.config, s, entry.schema);
    run.out_dir = (dir_ / "run").string();
    run.progress = ProgressStyle::Quiet;
    return run;
  }
  fs::path dir_;
};

TEST(VitFmnistModel, ShapesAndParameterCount) {
  manual_seed(0);
  VisionTransformer model{VitConfig{}};
  // conv 1088 + cls 64 + pos 3200 + 4 layers x 49984 + norm 128 + head 650 (timm/torch layout).
  EXPECT_EQ(model.num_parameters(), 205066);
  EXPECT_EQ(model.pos_embed.shape(), (Shape{1, 50, 64}));
  const Tensor logits = model(randn({3, 1, 28, 28}));
  EXPECT_EQ(logits.shape(), (Shape{3, 10}));
  // Every parameter is in exactly one AdamW group; the decayed ones are the weight matrices.
  const auto decay = model.decay_parameters(), no_decay = model.no_decay_parameters();
  EXPECT_EQ(decay.size() + no_decay.size(), model.parameters().size());
  EXPECT_EQ(decay.size(), 1u + 4u * 4u + 1u);  // conv, (in_proj, out_proj, linear1, linear2) x 4, head
  for (const auto& p : decay) EXPECT_GE(p.dim(), 2);
  // Default ("pytorch") init: torch.nn's layer defaults — in_proj xavier_uniform (std
  // sqrt(2/(64+192)) = 0.088), zero in_proj bias — and std-0.02 cls/pos embeddings.
  const double std_in_proj = tz::std(model.blocks[0]->self_attn->in_proj_weight).item<double>();
  EXPECT_NEAR(std_in_proj, 0.0884, 0.006);
  EXPECT_EQ(amax(abs(model.blocks[0]->self_attn->in_proj_bias)).item<double>(), 0.0);
  EXPECT_NEAR(tz::std(model.pos_embed).item<double>(), 0.02, 0.002);
  // timm init: std-0.02 truncated normals for Linear weights, zero biases.
  VitConfig timm;
  timm.init = "timm";
  VisionTransformer timm_model{timm};
  EXPECT_NEAR(tz::std(timm_model.blocks[0]->self_attn->in_proj_weight).item<double>(), 0.02, 0.002);
  EXPECT_EQ(amax(abs(timm_model.head->bias)).item<double>(), 0.0);
  EXPECT_TZ_ERROR(model(randn({2, 1, 32, 32})), "[vit-fmnist] expects images [N, 1, 28, 28]");
}

TEST(VitFmnistModel, SaveReloadGivesIdenticalLogits) {
  manual_seed(1);
  VisionTransformer model(tiny_config());
  const Tensor x = randn({4, 1, 28, 28});
  const Tensor expected = model(x);
  const fs::path path = fs::temp_directory_path() / ("tz_vit_ck_" + std::to_string(::getpid()) + ".safetensors");
  nn::Checkpoint ck;
  ck.model = model.state_dict();
  nn::save_checkpoint(path.string(), ck);
  manual_seed(2);  // different initial weights, replaced by the loaded ones
  VisionTransformer reloaded(tiny_config());
  EXPECT_FALSE(equal(reloaded(x), expected));
  const auto result = reloaded.load_state_dict(nn::load_checkpoint(path.string()).model);
  fs::remove(path);
  EXPECT_TRUE(result.missing.empty() && result.unexpected.empty() && result.mismatched.empty());
  EXPECT_TRUE(equal(reloaded(x), expected));
}

TEST_F(VitFmnist, TinyRunTrainsEvaluatesAndSamples) {
  const ModelEntry& entry = find_model("vit-fmnist");
  RunOptions run = tiny_run();
  entry.train(run);

  std::vector<double> losses;
  std::vector<nlohmann::json> evals;
  std::ifstream in(fs::path(run.out_dir) / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto r = nlohmann::json::parse(line);
    if (r.contains("loss")) losses.push_back(r["loss"].get<double>());
    if (r.contains("eval_accuracy")) evals.push_back(r);
  }
  ASSERT_EQ(losses.size(), 20u);
  double first = 0, last = 0;
  for (int i = 0; i < 5; ++i) first += losses[i], last += losses[15 + i];
  EXPECT_LT(last, first - 5 * 0.05) << "mean loss of the first 5 steps " << first / 5 << ", last 5 " << last / 5;
  // 320 images / 16 = 20 batches per epoch: one evaluation, at the end of the epoch.
  ASSERT_EQ(evals.size(), 1u);
  EXPECT_EQ(evals[0]["step"].get<int64_t>(), 20);

  // eval on the checkpoint (stored config: the 200-image test subset) reproduces the training
  // run's evaluation exactly.
  RunOptions ev = run;
  ev.config = resolve_config(nlohmann::json::parse(nn::load_checkpoint(checkpoint_path(run.out_dir)).config),
                             entry.schema);
  const json metrics = entry.eval(ev);
  EXPECT_EQ(metrics["step"].get<int64_t>(), 20);
  EXPECT_DOUBLE_EQ(metrics["accuracy"].get<double>(), evals[0]["eval_accuracy"].get<double>());
  EXPECT_DOUBLE_EQ(metrics["loss"].get<double>(), evals[0]["eval_loss"].get<double>());
  EXPECT_GT(metrics["accuracy"].get<double>(), 0.2);  // chance is 0.1

  const std::string text = entry.sample(ev, "0,1,2", 0);
  EXPECT_NE(text.find("test #0     "), std::string::npos) << text;
  EXPECT_NE(text.find("true Ankle boot"), std::string::npos) << text;  // test image 0 is an ankle boot
  EXPECT_NE(text.find("/3 correct"), std::string::npos) << text;
  EXPECT_TZ_ERROR(entry.sample(ev, "0,x", 0), "--prompt must be comma-separated test indices");
}

TEST_F(VitFmnist, ResumeContinuesBitExactly) {
  const ModelEntry& entry = find_model("vit-fmnist");
  RunOptions full = tiny_run({"steps=8", "data.train_subset=96", "data.test_subset=50"});
  full.out_dir = (dir_ / "full").string();
  entry.train(full);
  RunOptions part = full;
  part.out_dir = (dir_ / "part").string();
  part.stop_after = 5;  // crosses the epoch boundary (6 batches) only after resuming
  entry.train(part);
  part.stop_after = 0;
  part.resume = true;
  entry.train(part);
  auto losses = [](const fs::path& dir) {
    std::vector<double> out;
    std::ifstream in(dir / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
      const auto r = nlohmann::json::parse(line);
      if (r.contains("loss")) out.push_back(r["loss"].get<double>());
    }
    return out;
  };
  const auto a = losses(full.out_dir), b = losses(part.out_dir);
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace tz::models
