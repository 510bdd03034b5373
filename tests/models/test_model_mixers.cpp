// gpt-char and vit-fmnist take their token mixer by name (model.mixer): a non-softmax mixer
// trains through the registry entries, and the softmax default keeps the original blocks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/gpt_char.h"
#include "models/registry.h"
#include "models/trainer.h"
#include "models/vit_fmnist.h"
#include "tests/support/test_support.h"

namespace tz::models {
namespace {

namespace fs = std::filesystem;

class MixerModelRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tz_mixer_models_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    clear_stop_request();
  }
  void TearDown() override { fs::remove_all(dir_); }
  RunOptions run_with(const std::string& model, const std::vector<std::string>& sets) {
    const ModelEntry& entry = find_model(model);
    RunOptions run;
    run.model = entry.name;
    run.config = entry.schema.defaults;
    for (const auto& s : sets) apply_set(run.config, s, entry.schema);
    run.out_dir = dir_.string();
    run.progress = ProgressStyle::Quiet;
    return run;
  }
  std::vector<double> losses() const {
    std::vector<double> out;
    std::ifstream in(dir_ / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) {
      const json r = json::parse(line);
      if (r.contains("loss")) out.push_back(r["loss"].get<double>());
    }
    return out;
  }
  fs::path dir_;
};

TEST_F(MixerModelRun, GptCharTrainsWithASynthesizerMixer) {
  const ModelEntry& entry = find_model("gpt-char");
  RunOptions run = run_with("gpt-char", {"model.n_layer=1", "model.d_model=32", "model.n_head=4", "model.block_size=16",
                                         "batch_size=4", "steps=30", "log_every=1", "eval_every=30",
                                         "checkpoint_every=0", "optim.lr=0.01", "optim.warmup_steps=3",
                                         "data.eval_batches=2", "sample.length_after_training=0",
                                         "model.mixer=synthesizer-random",
                                         R"(model.mixer_options={"max_length": 16})"});
  entry.train(run);
  const auto l = losses();
  ASSERT_EQ(l.size(), 30u);
  double last5 = 0;
  for (size_t i = l.size() - 5; i < l.size(); ++i) last5 += l[i] / 5;
  EXPECT_LT(last5, l.front() - 0.5) << "first " << l.front() << ", last five " << last5;
  // The checkpoint reloads into the same mixer blocks; sampling recomputes the window (no cache).
  const json metrics = entry.eval(run);
  EXPECT_EQ(metrics["step"].get<int64_t>(), 30);
  const std::string a = entry.sample(run, "The ", 20);
  EXPECT_EQ(a, entry.sample(run, "The ", 20));
  EXPECT_EQ(a.size(), 4u + 20u + 1u);
}

TEST(MixerModels, GptCharBlocksFollowTheMixer) {
  GPTCharConfig c;
  c.vocab_size = 11, c.block_size = 12, c.n_layer = 2, c.n_head = 2, c.d_model = 16;
  manual_seed(0);
  GPTChar soft(c);
  EXPECT_EQ(soft.h.size(), 2u);
  EXPECT_TRUE(soft.mixer_blocks.empty());
  EXPECT_TRUE(soft.state_dict().count("h.1.attn.q_proj.weight"));  // unchanged GPT-2 names

  c.mixer = "synthesizer-dense";
  c.mixer_options = {{"max_length", 12}, {"dot_product", false}};
  manual_seed(0);
  GPTChar synth(c);
  ASSERT_EQ(synth.mixer_blocks.size(), 2u);
  EXPECT_TRUE(synth.h.empty());
  const auto sd = synth.state_dict();
  EXPECT_TRUE(sd.count("h.1.mixer.dense_2.weight"));
  EXPECT_FALSE(sd.count("h.1.mixer.to_q.weight"));  // dot_product = false
  // GPT-2 init on the blocks' Linear layers; residual projections scaled by 1/sqrt(2 n_layer).
  EXPECT_NEAR(tz::std(sd.at("h.0.mixer.to_out.weight")).item<double>(), 0.02 / 2.0, 0.004);
  EXPECT_NEAR(tz::std(sd.at("h.0.mlp.fc1.weight")).item<double>(), 0.02, 0.003);
  // Causal: changing the last token leaves the earlier logits unchanged.
  synth.eval();
  const Tensor ids = from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6, 1, 2}, Shape{1, 8});
  const Tensor ids2 = from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6, 1, 9}, Shape{1, 8});
  const Tensor a = synth.forward(ids), b = synth.forward(ids2);
  EXPECT_TENSOR_CLOSE(a.narrow(1, 0, 7), b.narrow(1, 0, 7), 0, 1e-6);
  EXPECT_GT(max(abs(a.narrow(1, 7, 1) - b.narrow(1, 7, 1))).item<double>(), 1e-5);
  std::vector<nn::KVCache> caches(2);
  EXPECT_TZ_ERROR(synth.forward(ids, &caches), "blocks have no KV cache");

  c.mixer = "sinkformer";
  c.mixer_options = nn::json::object();
  EXPECT_TZ_ERROR(GPTChar{c}, "[gpt-char] mixer 'sinkformer' cannot be used in a causal language model: Sinkhorn");
  c.mixer = "synthesizer-random";
  c.mixer_options = {{"max_length", 8}};
  EXPECT_TZ_ERROR(GPTChar{c}, "supports sequences of at most 8 tokens, below block_size 12");
  c.mixer = "softmaks";
  EXPECT_TZ_ERROR(GPTChar{c}, "unknown mixer 'softmaks' (did you mean 'softmax'?)");
  EXPECT_TZ_ERROR(parse_mixer_options("[1]"), "[config] 'model.mixer_options' must be a JSON object");
  EXPECT_TZ_ERROR(parse_mixer_options("{oops"), "must be a JSON object");
}

TEST(MixerModels, ListTableHasCapabilitiesComplexityAndPaper) {
  MixerInfo a;
  a.name = "aa", a.description = "first", a.paper = "Paper A", a.causal = true, a.recurrent = true;
  a.complexity = "O(N D)";
  MixerInfo b;
  b.name = "long-name", b.description = "second", b.paper = "Paper B", b.key_padding_mask = true;
  b.cross_attention = true, b.max_length = 512, b.complexity = "O(N^2 D)";
  EXPECT_EQ(format_mixer_table({a, b}),
            "name       causal  mask  cross  recurrent  max_len  complexity\n"
            "aa         yes     no    no     yes        -        O(N D)\n"
            "    first (paper: Paper A)\n"
            "long-name  no      yes   yes    no         512      O(N^2 D)\n"
            "    second (paper: Paper B)\n");
  EXPECT_EQ(format_mixer_table({}), "none registered yet\n");
  // mixer_list() mirrors the zoo's registry.
  const auto list = mixer_list();
  ASSERT_EQ(list.size(), nn::mixer_registry().size());
  EXPECT_EQ(list[0].name, "softmax");
  EXPECT_TRUE(list[0].causal && list[0].key_padding_mask && list[0].cross_attention && !list[0].recurrent);
  EXPECT_EQ(list[0].paper, "Attention Is All You Need");
}

TEST(MixerModels, VitWithSinkformerBlocks) {
  VitConfig c;
  c.dim = 16, c.depth = 2, c.heads = 2, c.mlp_dim = 32;
  c.mixer = "sinkformer";
  manual_seed(0);
  VisionTransformer model(c);
  ASSERT_EQ(model.mixer_blocks.size(), 2u);
  EXPECT_TRUE(model.blocks.empty());
  EXPECT_TRUE(model.state_dict().count("blocks.1.mixer.to_q.weight"));
  EXPECT_EQ(model.mixer_blocks[0]->mlp->fc1->parameter("weight").shape(), (Shape{32, 16}));
  EXPECT_EQ(model(randn({3, 1, 28, 28})).shape(), (Shape{3, 10}));
  // Same sizes as the softmax blocks except the attention biases (sinkformer: no q/k/v bias).
  VitConfig soft = c;
  soft.mixer = "softmax";
  EXPECT_EQ(VisionTransformer(soft).num_parameters() - model.num_parameters(), 2 * 3 * 16);
  c.mixer = "synthesizer-random";
  c.mixer_options = {{"max_length", 40}};
  EXPECT_TZ_ERROR(VisionTransformer{c}, "accepts at most 40 tokens, but the model has 50");
}

TEST_F(MixerModelRun, VitTrainsWithSinkformer) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not installed (dataset-fashion-mnist)";
  const ModelEntry& entry = find_model("vit-fmnist");
  RunOptions run = run_with("vit-fmnist", {"model.dim=16", "model.depth=1", "model.heads=2", "model.mlp_dim=32",
                                           "batch_size=16", "data.train_subset=320", "data.test_subset=100",
                                           "steps=20", "log_every=1", "optim.warmup_steps=2", "optim.lr=0.01",
                                           "model.mixer=sinkformer"});
  entry.train(run);
  const auto l = losses();
  ASSERT_EQ(l.size(), 20u);
  double first = 0, last = 0;
  for (int i = 0; i < 5; ++i) first += l[size_t(i)], last += l[size_t(15 + i)];
  EXPECT_LT(last, first - 5 * 0.05) << "first five " << first / 5 << ", last five " << last / 5;
  EXPECT_GT(entry.eval(run)["accuracy"].get<double>(), 0.2);
}

}  // namespace
}  // namespace tz::models
