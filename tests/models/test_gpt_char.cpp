// gpt-char: a tiny config trains (loss drops) through the registry entry, checkpoints reload to
// identical logits, KV-cache sampling equals full recomputation, and config mistakes are caught.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/gpt_char.h"
#include "models/registry.h"
#include "models/trainer.h"
#include "nn/checkpoint.h"
#include "tests/models/model_test_util.h"
#include "tests/support/test_support.h"

namespace tz::models {
namespace {

namespace fs = std::filesystem;
using test::read_jsonl;

GPTCharConfig tiny_config(int64_t vocab = 11, bool tied = false) {
  GPTCharConfig c;
  c.vocab_size = vocab, c.block_size = 16, c.n_layer = 1, c.n_head = 4, c.d_model = 32, c.tied_head = tied;
  return c;
}

class GptCharRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tz_gpt_char_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    clear_stop_request();
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunOptions tiny_run(const std::vector<std::string>& extra = {}) {
    const ModelEntry& entry = find_model("gpt-char");
    RunOptions run;
    run.model = entry.name;
    run.config = entry.schema.defaults;
    for (const char* s : {"model.n_layer=1", "model.d_model=32", "model.n_head=4", "model.block_size=16",
                          "batch_size=4", "steps=30", "log_every=1", "eval_every=15", "checkpoint_every=0",
                          "optim.lr=0.01", "optim.warmup_steps=3", "data.eval_batches=2",
                          "sample.length_after_training=40"})
      apply_set(run.config, s, entry.schema);
    for (const auto& s : extra) apply_set(run.config, s, entry.schema);
    run.out_dir = dir_.string();
    run.progress = ProgressStyle::Lines;
    run.log = &log_;
    return run;
  }
  fs::path dir_;
  std::ostringstream log_;
};

TEST_F(GptCharRun, TinyConfigTrainsAndReloads) {
  const ModelEntry& entry = find_model("gpt-char");
  RunOptions run = tiny_run();
  entry.train(run);

  std::vector<double> losses;
  std::vector<double> eval_losses;
  for (const auto& r : read_jsonl(dir_ / "metrics.jsonl")) {
    if (r.contains("loss")) losses.push_back(r["loss"].get<double>());
    if (r.contains("eval_loss")) {
      eval_losses.push_back(r["eval_loss"].get<double>());
      EXPECT_NEAR(r["eval_bpc"].get<double>(), eval_losses.back() / std::log(2.0), 1e-9);
    }
  }
  ASSERT_EQ(losses.size(), 30u);
  ASSERT_EQ(eval_losses.size(), 2u);  // steps 15 and 30
  // Starts near ln(vocab) (a near-uniform prediction) and must drop below it.
  EXPECT_GT(losses.front(), 4.0);
  double last5 = 0;
  for (size_t i = losses.size() - 5; i < losses.size(); ++i) last5 += losses[i] / 5;
  EXPECT_LT(last5, losses.front() - 0.5) << "first " << losses.front() << ", last five " << last5;
  EXPECT_LT(eval_losses.back(), losses.front());
  EXPECT_NE(log_.str().find("sample (40 chars"), std::string::npos) << log_.str();

  // Reload: eval on the checkpoint sees the same weights and the same fixed validation batches.
  RunOptions again = run;
  const json metrics = entry.eval(again);
  EXPECT_EQ(metrics["step"].get<int64_t>(), 30);
  EXPECT_DOUBLE_EQ(metrics["loss"].get<double>(), eval_losses.back());

  // Sampling from the checkpoint is deterministic and continues the prompt.
  const std::string a = entry.sample(again, "The ", 25);
  EXPECT_EQ(a, entry.sample(again, "The ", 25));
  EXPECT_EQ(a.substr(0, 4), "The ");
  EXPECT_EQ(a.size(), 4u + 25u + 1u);  // + trailing newline
  EXPECT_TZ_ERROR(entry.sample(again, std::string("\x01\x02"), 5), "not in the vocabulary");
}

TEST_F(GptCharRun, ResumeIsBitExact) {
  const ModelEntry& entry = find_model("gpt-char");
  RunOptions straight = tiny_run({"steps=16", "model.dropout=0.1", "sample.length_after_training=0"});
  straight.out_dir = (dir_ / "straight").string();
  entry.train(straight);
  RunOptions interrupted = straight;
  interrupted.out_dir = (dir_ / "resumed").string();
  interrupted.stop_after = 7;
  entry.train(interrupted);
  interrupted.stop_after = 0;
  interrupted.resume = true;
  entry.train(interrupted);
  auto losses = [](const fs::path& p) {
    std::vector<double> out;
    for (const auto& r : read_jsonl(p))
      if (r.contains("loss")) out.push_back(r["loss"].get<double>());
    return out;
  };
  const auto a = losses(dir_ / "straight" / "metrics.jsonl"), b = losses(dir_ / "resumed" / "metrics.jsonl");
  ASSERT_EQ(a.size(), 16u);
  EXPECT_EQ(a, b);
}

TEST(GptChar, SaveReloadGivesIdenticalLogits) {
  for (bool tied : {false, true}) {
    manual_seed(1);
    GPTChar model(tiny_config(11, tied));
    EXPECT_EQ(model.state_dict().count("lm_head.weight"), tied ? 0u : 1u);
    // Move the weights away from their initialisation so the check is not about init values.
    for (Tensor p : model.parameters()) {
      NoGradGuard g;
      p.add_(randn(p.shape()) * 0.1);
    }
    const fs::path path = fs::temp_directory_path() / ("tz_gpt_char_ck_" + std::to_string(::getpid()) + ".safetensors");
    nn::Checkpoint ck;
    ck.model = model.state_dict();
    nn::save_checkpoint(path.string(), ck);

    manual_seed(2);  // a different initialisation, overwritten by the load
    GPTChar reloaded(tiny_config(11, tied));
    reloaded.load_state_dict(nn::load_checkpoint(path.string()).model);
    fs::remove(path);

    Generator gen(3);
    const Tensor idx = randint(0, 11, {2, 16}, TensorOptions(DType::I64), &gen);
    model.eval(), reloaded.eval();
    NoGradGuard g;
    const Tensor a = model.forward(idx), b = reloaded.forward(idx);
    ASSERT_EQ(a.shape(), (Shape{2, 16, 11}));
    EXPECT_TRUE(equal(a, b)) << "tied=" << tied;
  }
}

TEST(GptChar, InitialisationFollowsGpt2) {
  manual_seed(0);
  GPTCharConfig c = tiny_config(50);
  c.n_layer = 2, c.d_model = 64;
  GPTChar model(c);
  NoGradGuard g;
  auto std_of = [](const Tensor& t) { return tz::std(t).item<double>(); };
  EXPECT_NEAR(std_of(model.wte->weight), 0.02, 0.002);
  EXPECT_NEAR(std_of(model.h[0]->mlp->c_fc->weight), 0.02, 0.001);
  EXPECT_NEAR(std_of(model.h[1]->mlp->c_proj->weight), 0.02 / 2.0, 0.0007);  // 1/sqrt(2 * 2 layers)
  EXPECT_NEAR(std_of(model.h[1]->attn->o_proj->weight), 0.02 / 2.0, 0.0015);
  EXPECT_EQ(max(abs(model.h[0]->attn->q_proj->bias)).item<double>(), 0.0);
}

TEST(GptChar, KvCacheMatchesFullRecomputation) {
  manual_seed(5);
  GPTChar model(tiny_config(11));
  for (Tensor p : model.parameters()) {  // a peaky, non-uniform next-token distribution
    NoGradGuard g;
    p.add_(randn(p.shape()) * 0.3);
  }
  model.eval();
  {
    // Logits: pieces fed through the caches equal one full causal call.
    NoGradGuard g;
    Generator gen(4);
    const Tensor idx = randint(0, 11, {2, 12}, TensorOptions(DType::I64), &gen);
    std::vector<nn::KVCache> caches(1);
    const Tensor first = model.forward(idx.narrow(1, 0, 7), &caches, 0);
    const Tensor rest = model.forward(idx.narrow(1, 7, 5), &caches, 7);
    EXPECT_TENSOR_CLOSE(cat({first, rest}, 1), model.forward(idx), 1e-5, 1e-5);
  }
  const Tensor prompt = tensor({3, 1, 4}, TensorOptions(DType::I64));
  for (const auto& [temperature, top_k] : std::vector<std::pair<double, int64_t>>{{1.0, 0}, {0.8, 3}, {0.0, 0}}) {
    GPTSampleOptions o;
    o.max_new_tokens = 40;  // 43 ids: the 16-token window slides past the cached prefix
    o.temperature = temperature, o.top_k = top_k;
    Generator g1(7), g2(7);
    o.use_kv_cache = true;
    const auto cached = gpt_generate(model, prompt, o, g1).to_vector<int64_t>();
    o.use_kv_cache = false;
    const auto full = gpt_generate(model, prompt, o, g2).to_vector<int64_t>();
    EXPECT_EQ(cached, full) << "temperature " << temperature << ", top_k " << top_k;
    ASSERT_EQ(cached.size(), 40u);
    for (int64_t id : cached) EXPECT_TRUE(id >= 0 && id < 11);
  }
  GPTSampleOptions o;
  o.max_new_tokens = 40;
  model.train();  // generation runs in eval mode and restores the flag
  Generator g1(7), g2(8);
  EXPECT_NE(gpt_generate(model, prompt, o, g1).to_vector<int64_t>(),
            gpt_generate(model, prompt, o, g2).to_vector<int64_t>());
  EXPECT_TRUE(model.is_training());
  // top_k = 1 is greedy decoding.
  o.top_k = 1;
  Generator g3(9);
  GPTSampleOptions greedy = o;
  greedy.top_k = 0, greedy.temperature = 0.0;
  Generator g4(10);
  EXPECT_EQ(gpt_generate(model, prompt, o, g3).to_vector<int64_t>(),
            gpt_generate(model, prompt, greedy, g4).to_vector<int64_t>());
}

TEST(GptChar, ConfigValidation) {
  const ModelEntry& entry = find_model("gpt-char");
  EXPECT_NO_THROW(check_documented(entry.schema));
  json cfg = entry.schema.defaults;
  EXPECT_TZ_ERROR(apply_set(cfg, "model.n_layers=2", entry.schema),
                  "unknown key 'model.n_layers' (did you mean 'model.n_layer'?)");
  EXPECT_TZ_ERROR(apply_set(cfg, "model.d_model=wide", entry.schema), "'model.d_model' must be an integer");
  // Values the types allow but the model does not: reported before any training.
  RunOptions run;
  run.model = entry.name;
  run.config = cfg;
  apply_set(run.config, "steps=50", entry.schema);
  run.out_dir = (fs::temp_directory_path() / ("tz_gpt_char_bad_" + std::to_string(::getpid()))).string();
  run.progress = ProgressStyle::Quiet;
  EXPECT_TZ_ERROR(entry.train(run), "'optim.warmup_steps' (100) must be in [0, steps = 50]");
  fs::remove_all(run.out_dir);
  EXPECT_TZ_ERROR(GPTChar(GPTCharConfig{.vocab_size = 10, .block_size = 8, .n_layer = 1, .n_head = 3, .d_model = 32}),
                  "d_model (32) must be a multiple of n_head (3)");
  GPTChar model(tiny_config(11));
  EXPECT_TZ_ERROR(model.forward(zeros({1, 17}, TensorOptions(DType::I64))), "exceed block_size 16");
  GPTSampleOptions bad;
  bad.temperature = -1.0;
  Generator gen(0);
  EXPECT_TZ_ERROR(gpt_generate(model, tensor({1}, TensorOptions(DType::I64)), bad, gen), "temperature must be >= 0");
}

}  // namespace
}  // namespace tz::models
