// The mini Long Range Arena harness (models/lra*.h, `tensorzoo lra`): every task trains at the
// `ci` size in seconds and reports sane numbers, a trivial config learns well above chance, the
// classifier's padding handling and two-tower head, the benchmark and the report tables.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "models/lra.h"
#include "models/lra_model.h"
#include "models/lra_report.h"
#include "models/lra_tasks.h"
#include "tests/models/model_test_util.h"
#include "tests/support/test_support.h"

namespace tz {
namespace {

using models::json;
namespace fs = std::filesystem;

models::LraResult run_ci(const std::string& task, std::vector<std::string> sets = {}) {
  models::LraRunOptions o;
  o.task = task;
  o.size = "ci";
  o.sets = std::move(sets);
  return models::run_lra(o);
}

void expect_sane(const models::LraResult& r, double classes) {
  EXPECT_GE(r.test_accuracy, 0.0);
  EXPECT_LE(r.test_accuracy, 1.0);
  EXPECT_GE(r.val_accuracy, 0.0);
  EXPECT_LE(r.val_accuracy, 1.0);
  EXPECT_GT(r.steps_per_s, 0.0);
  EXPECT_GT(r.peak_bytes, 0);
  EXPECT_GT(r.parameters, 0);
  EXPECT_TRUE(std::isfinite(r.first_loss) && std::isfinite(r.last_loss));
  // The first losses are near log(classes): a fresh classifier is close to uniform.
  EXPECT_NEAR(r.first_loss, std::log(classes), 0.6);
  const json j = r.to_json();
  for (const char* key : {"test_accuracy", "val_accuracy", "steps_per_s", "peak_mb", "majority", "config"})
    EXPECT_TRUE(j.contains(key)) << key;
}

TEST(LraHarness, ListOpsCiLearnsAboveChance) {
  const auto r = run_ci("listops");
  expect_sane(r, 10);
  EXPECT_EQ(r.length, 49);
  EXPECT_TRUE(r.padding_mask);
  // 120 steps on short trees: the loss falls and the test accuracy clears chance (10 %) by far.
  EXPECT_LT(r.last_loss, r.first_loss - 0.1);
  EXPECT_GT(r.test_accuracy, 0.15);
}

TEST(LraHarness, ImageCiRuns) {
  const auto r = run_ci("image");
  expect_sane(r, 10);
  EXPECT_EQ(r.length, 784);
  EXPECT_FALSE(r.padding_mask);  // images have no padding
}

TEST(LraHarness, TextCiRuns) {
  const auto r = run_ci("text");
  expect_sane(r, 4);
  EXPECT_EQ(r.length, 128);
  EXPECT_TRUE(r.padding_mask);
  EXPECT_NEAR(r.majority, 0.25, 1e-9);  // balanced classes
}

TEST(LraHarness, RetrievalCiRuns) {
  const auto r = run_ci("retrieval");
  expect_sane(r, 2);
  EXPECT_EQ(r.length, 64);
  EXPECT_NEAR(r.majority, 0.5, 1e-9);
}

TEST(LraHarness, PathfinderCiRuns) {
  const auto r = run_ci("pathfinder");
  expect_sane(r, 2);
  EXPECT_EQ(r.length, 1024);
  EXPECT_FALSE(r.padding_mask);
  EXPECT_NEAR(r.majority, 0.5, 1e-9);
}

TEST(LraHarness, ConfigsAreDocumentedAndValidated) {
  for (const auto& task : models::lra_tasks())
    for (const auto& size : models::lra_sizes()) EXPECT_NO_THROW(models::check_documented(models::lra_schema(task, size)));
  EXPECT_TZ_ERROR(models::lra_schema("listop", "ci"), "did you mean 'listops'");
  EXPECT_TZ_ERROR(models::lra_schema("text", "huge"), "unknown size 'huge'");
  models::LraRunOptions o;
  o.task = "text";
  o.sets = {"model.d_modell=3"};
  EXPECT_TZ_ERROR(models::lra_effective_config(o), "did you mean 'model.d_model'");
  o.sets = {"steps=7"};
  EXPECT_EQ(models::lra_effective_config(o)["steps"], 7);
}

models::LraModelConfig tiny_config(bool pair) {
  models::LraModelConfig c;
  c.vocab_size = 20;
  c.num_classes = 3;
  c.max_length = 12;
  c.pair = pair;
  c.d_model = 16;
  c.n_heads = 2;
  c.n_layers = 2;
  c.mlp_dim = 32;
  c.head_dim = 8;
  return c;
}

TEST(LraClassifier, PaddingChangesNothing) {
  manual_seed(1);
  models::LraClassifier model(tiny_config(false));
  model.eval();
  ASSERT_TRUE(model.uses_padding_mask());  // softmax takes a key padding mask
  const Tensor short_seq = from_vector(std::vector<int64_t>{3, 7, 1, 9, 4, 0, 0, 0}, Shape{2, 4});
  // The same documents ([3 7 1 9] and [4]) with more padding after them.
  const Tensor long_seq = from_vector(std::vector<int64_t>{3, 7, 1, 9, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0}, Shape{2, 8});
  NoGradGuard no_grad;
  const Tensor a = model.encode(short_seq), b = model.encode(long_seq);
  EXPECT_TENSOR_CLOSE(a, b, 1e-5, 1e-6);
  // Changing a real token does change the encoding.
  const Tensor c = model.encode(from_vector(std::vector<int64_t>{3, 7, 2, 9, 4, 0, 0, 0}, Shape{2, 4}));
  EXPECT_GT(max(abs(c.select(0, 0) - a.select(0, 0))).item<double>(), 1e-4);
  EXPECT_TENSOR_CLOSE(c.select(0, 1), a.select(0, 1), 1e-6, 1e-7);  // other rows untouched
}

TEST(LraClassifier, TwoTowerHeadSeesUVProductAndDifference) {
  manual_seed(2);
  models::LraClassifier model(tiny_config(true));
  model.eval();
  NoGradGuard no_grad;
  const Tensor x = from_vector(std::vector<int64_t>{1, 2, 3, 0, 5, 6, 7, 8}, Shape{2, 4});
  const Tensor y = from_vector(std::vector<int64_t>{9, 9, 0, 0, 4, 3, 2, 1}, Shape{2, 4});
  const Tensor u = model.encode(x), v = model.encode(y);
  const Tensor expected = (*model.fc2)(relu((*model.fc1)(cat({u, v, u * v, u - v}, -1))));
  EXPECT_TENSOR_CLOSE(model(x, y), expected, 1e-5, 1e-6);
  EXPECT_EQ(model(x, y).shape(), (Shape{2, 3}));
  EXPECT_TZ_ERROR(model(x), "two token tensors");
}

TEST(LraClassifier, ClsPoolingAndSinusoidalPositions) {
  auto c = tiny_config(false);
  c.pooling = "cls";
  c.positions = "sinusoidal";
  manual_seed(3);
  models::LraClassifier model(c);
  EXPECT_EQ(model.pos_embed.shape(), (Shape{13, 16}));  // max_length + the CLS slot
  EXPECT_FALSE(model.pos_embed.requires_grad());
  // Row p, column 2i: sin(p / 10000^(2i/d)); column 2i+1: cos of the same angle.
  EXPECT_NEAR(model.pos_embed[3][4].item<double>(), std::sin(3.0 / std::pow(10000.0, 4.0 / 16.0)), 1e-6);
  EXPECT_NEAR(model.pos_embed[3][5].item<double>(), std::cos(3.0 / std::pow(10000.0, 4.0 / 16.0)), 1e-6);
  const Tensor logits = model(from_vector(std::vector<int64_t>{1, 2, 3, 4}, Shape{1, 4}));
  EXPECT_EQ(logits.shape(), (Shape{1, 3}));
  c.pooling = "max";
  EXPECT_TZ_ERROR(models::LraClassifier{c}, "'model.pooling'");
  c.pooling = "mean";
  c.mixer = "sofmax";
  EXPECT_TZ_ERROR(models::LraClassifier{c}, "did you mean 'softmax'");
}

TEST(LraBench, MemoryGrowsWithLengthForSoftmax) {
  models::LraBenchOptions o;
  o.lengths = {64, 256};
  o.steps = 1;
  o.batch_size = 2;
  o.sets = {"model.d_model=16", "model.n_layers=1", "model.mlp_dim=16", "model.head_dim=8"};
  const auto points = models::run_lra_bench(o);
  ASSERT_EQ(points.size(), 2u);
  for (const auto& p : points) {
    EXPECT_TRUE(p.ok) << p.error;
    EXPECT_GT(p.steps_per_s, 0.0);
  }
  // 4x the length: the [B, H, N, N] attention weights make the peak grow clearly more than 4x
  // the token-sized part; at least it must grow.
  EXPECT_GT(points[1].peak_bytes, 2 * points[0].peak_bytes);
}

TEST(LraReport, TablesAreRelativeToSoftmax) {
  std::vector<json> records = {
      {{"kind", "run"}, {"task", "image"}, {"mixer", "softmax"}, {"size", "full"}, {"test_accuracy", 0.5},
       {"majority", 0.1}, {"padding_mask", false}, {"command", "build/tensorzoo lra image"}},
      {{"kind", "run"}, {"task", "image"}, {"mixer", "other"}, {"size", "full"}, {"test_accuracy", 0.25},
       {"padding_mask", false}, {"command", "build/tensorzoo lra image --mixer other"}},
      {{"kind", "run"}, {"task", "text"}, {"mixer", "other"}, {"size", "full"}, {"test_accuracy", 0.75},
       {"padding_mask", false}, {"command", "build/tensorzoo lra text --mixer other"}},
      {{"kind", "run"}, {"task", "text"}, {"mixer", "other"}, {"size", "ci"}, {"test_accuracy", 0.1}},
      {{"kind", "bench"}, {"mixer", "softmax"}, {"length", 1024}, {"ok", true}, {"steps_per_s", 2.0}, {"peak_mb", 100.0}},
      {{"kind", "bench"}, {"mixer", "other"}, {"length", 1024}, {"ok", true}, {"steps_per_s", 3.0}, {"peak_mb", 25.0}},
      {{"kind", "bench"}, {"mixer", "other"}, {"length", 2048}, {"ok", false}, {"error", "too long"}},
  };
  const std::string md = models::lra_tables_markdown(records, "full");
  EXPECT_NE(md.find("| softmax | – | – | – | 50.00 | – | – |"), std::string::npos) << md;
  EXPECT_NE(md.find("| other | – | 75.00† | – | 25.00 | – |"), std::string::npos) << md;  // † no padding mask on text
  EXPECT_NE(md.find("3.000 (1.50×)"), std::string::npos) << md;
  EXPECT_NE(md.find("25 (0.25×)"), std::string::npos) << md;
  EXPECT_NE(md.find("other at N = 2048: too long"), std::string::npos) << md;
  EXPECT_NE(md.find("build/tensorzoo lra text --mixer other\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("10.00"), std::string::npos) << "the ci run must not be tabulated";

  const std::string doc = "# LRA\n\nintro\n";
  const std::string once = models::replace_lra_section(doc, "T1\n");
  EXPECT_EQ(once, "# LRA\n\nintro\n<!-- lra-results:begin -->\nT1\n<!-- lra-results:end -->\n");
  EXPECT_EQ(models::replace_lra_section(once + "outro\n", "T2\n"),
            "# LRA\n\nintro\n<!-- lra-results:begin -->\nT2\n<!-- lra-results:end -->\noutro\n");
}

// ---- the CLI end to end --------------------------------------------------------------------

using test::tensorzoo;

TEST(LraCli, RunRecordAndTabulate) {
  if (std::string(TZ_CLI_PATH).empty()) GTEST_SKIP() << "built without the tensorzoo CLI";
  const fs::path dir = fs::temp_directory_path() / ("tz_lra_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string results = (dir / "r.jsonl").string();
  auto r = tensorzoo("lra listops --size ci --set steps=3 --mixer softmax --quiet --results " + results);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("result: task=listops mixer=softmax size=ci test_accuracy="), std::string::npos) << r.output;
  const auto records = models::read_lra_records(results);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["kind"], "run");
  EXPECT_EQ(records[0]["steps"], 3);
  EXPECT_EQ(records[0]["command"],
            "build/tensorzoo lra listops --size ci --set steps=3 --mixer softmax --quiet --results " + results);
  r = tensorzoo("lra table --size ci --results " + results);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("| softmax | "), std::string::npos) << r.output;

  r = tensorzoo("lra text --size ci --print-config");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("data.max_length = 128"), std::string::npos) << r.output;
  r = tensorzoo("lra listop --size ci");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("did you mean 'listops'"), std::string::npos) << r.output;
  r = tensorzoo("lra image --size ci --mixer nosuch");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("unknown mixer 'nosuch'"), std::string::npos) << r.output;
  r = tensorzoo("lra image --lengths 5");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("does not apply"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tz
