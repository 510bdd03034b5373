// Per-task configs of the mini LRA harness. LRA's own configs (lra_benchmarks/*/configs) are in
// the comments; ours keep the task definitions and, where the CPU allows, the sequence lengths,
// and shrink width, depth, batch and steps so that a `full` run of softmax attention takes well under a
// minute on one core (the whole table for every mixer of the zoo fits in under an hour on two cores).
#include "models/lra_tasks.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/error.h"
#include "models/data/lra_image.h"
#include "models/data/lra_listops.h"
#include "models/data/lra_pathfinder.h"
#include "models/data/lra_retrieval.h"
#include "models/data/lra_text.h"

namespace tz::models {

namespace {

/// The sections every task has (top level, model, optim) at one size; log_every follows steps.
struct Common {
  int64_t steps, batch, eval_batch;
  int64_t d_model, heads, layers, mlp, head;
  double lr, weight_decay;
  int64_t warmup;
  std::string pooling = "mean";
};

/// One size of a task: the common sections and the data values that size sets.
struct SizeDefaults {
  Common common;
  json data;
};

/// A task's schema in full: both sizes, the data values they share and the documentation of the
/// task's data keys (add_common documents the common sections and data.seed).
struct TaskDefaults {
  SizeDefaults ci, full;
  json shared_data = json::object();
  std::map<std::string, std::string> data_doc;  // key under "data" -> one-line description
};

void add_common(ConfigSchema& s, const Common& c) {
  s.defaults["seed"] = 0;
  s.defaults["steps"] = c.steps;
  s.defaults["batch_size"] = c.batch;
  s.defaults["eval_batch_size"] = c.eval_batch;
  s.defaults["log_every"] = std::max<int64_t>(1, c.steps / 10);
  s.defaults["model"] = {{"d_model", c.d_model}, {"n_heads", c.heads},   {"n_layers", c.layers},
                         {"mlp_dim", c.mlp},     {"head_dim", c.head},   {"dropout", 0.0},
                         {"positions", "learned"}, {"pooling", c.pooling}};
  s.defaults["optim"] = {{"lr", c.lr}, {"weight_decay", c.weight_decay}, {"warmup_steps", c.warmup}, {"clip_norm", 1.0}};
  s.defaults["data"] = {{"seed", 0}};
  s.doc["seed"] = "seed of tz::default_generator() (weight initialisation, dropout, random features of mixers)";
  s.doc["steps"] = "optimizer steps";
  s.doc["batch_size"] = "training examples per step";
  s.doc["eval_batch_size"] = "examples per forward pass when evaluating (memory only)";
  s.doc["log_every"] = "print the running training loss every N steps";
  s.doc["model.d_model"] = "token width D";
  s.doc["model.n_heads"] = "attention heads (passed to the mixer as n_heads)";
  s.doc["model.n_layers"] = "pre-norm MixerBlocks in the encoder";
  s.doc["model.mlp_dim"] = "hidden width of each block's GELU MLP";
  s.doc["model.head_dim"] = "hidden width of the ReLU classifier head";
  s.doc["model.dropout"] = "dropout on block outputs and attention weights (0: off)";
  s.doc["model.positions"] = "\"learned\" position embeddings or fixed \"sinusoidal\" ones";
  s.doc["model.pooling"] = "\"mean\" over non-padding tokens or a prepended \"cls\" token";
  s.doc["optim.lr"] = "AdamW peak learning rate (linear warm-up, then cosine decay to 0)";
  s.doc["optim.weight_decay"] = "AdamW decoupled weight decay (all parameters)";
  s.doc["optim.warmup_steps"] = "steps of linear learning-rate warm-up";
  s.doc["optim.clip_norm"] = "clip the global gradient norm to this (0: no clipping)";
  s.doc["data.seed"] = "seed of the data generator / sampler and of the training shuffle";
}

/// The schema of a task at a size: the common sections, then the data values both sizes share,
/// then the size's own (a size may override a shared value).
ConfigSchema make_schema(const TaskDefaults& t, const std::string& size) {
  const SizeDefaults& d = size == "ci" ? t.ci : t.full;
  ConfigSchema s;
  add_common(s, d.common);
  s.defaults["data"].update(t.shared_data);
  s.defaults["data"].update(d.data);
  for (const auto& [key, line] : t.data_doc) s.doc["data." + key] = line;
  return s;
}

// Columns of Common in the tables below:
//   steps, batch, eval_batch, d_model, heads, layers, mlp, head, lr, weight_decay, warmup.

TaskDefaults listops_defaults() {
  // LRA: 4 layers, d 512, 8 heads, mlp 1024, batch 32, 5000 steps, lr 0.05 (Adafactor-style).
  return {.ci = {{120, 32, 100, 32, 2, 1, 64, 64, 2e-3, 0.0, 10},
                 {{"min_length", 5}, {"max_length", 50}, {"max_depth", 4}, {"max_args", 4},
                  {"train_size", 2000}, {"val_size", 200}, {"test_size", 200}}},
          .full = {{30, 8, 16, 64, 2, 2, 128, 128, 1e-3, 0.01, 3},
                   {{"min_length", 500}, {"max_length", 1000}, {"max_depth", 10}, {"max_args", 10},
                    {"train_size", 240}, {"val_size", 50}, {"test_size", 100}}},
          .data_doc = {
              {"min_length", "keep trees with more than this many tokens (LRA: 500)"},
              {"max_length", "keep trees with fewer than this many tokens (LRA: 2000); sequences are padded to max_length - 1"},
              {"max_depth", "deepest tree level, the root being level 1 (LRA: 10)"},
              {"max_args", "most arguments of an operator (LRA: 10)"},
              {"train_size", "training trees (LRA: 96000)"},
              {"val_size", "validation trees (LRA: 2000)"},
              {"test_size", "test trees (LRA: 2000)"},
          }};
}

const std::vector<std::string> kTextClasses = {"computers", "definitions", "people", "songs-poems"};
const std::vector<std::string> kRetrievalSources = {"computers", "cookie",   "definitions", "law",
                                                    "linux",     "literature", "men-women", "people",
                                                    "politics",  "science",  "songs-poems", "work"};

TaskDefaults text_defaults() {
  // LRA: 4 layers, d 256, 4 heads, mlp 1024, batch 32, 20000 steps, length 1000 (base) / 4000 (paper).
  return {.ci = {{30, 8, 64, 32, 2, 1, 64, 64, 2e-3, 0.0, 3}, {{"max_length", 128}, {"per_class", 100}}},
          .full = {{40, 8, 32, 64, 2, 2, 128, 128, 1e-3, 0.01, 4}, {{"max_length", 1024}, {"per_class", 300}}},
          .shared_data = {{"min_length", 1}, {"classes", kTextClasses}},
          .data_doc = {
              {"max_length", "bytes per entry; longer entries are truncated, shorter ones padded (LRA: 4K)"},
              {"min_length", "drop entries shorter than this many bytes"},
              {"per_class", "at most this many entries per class (0: as many as the smallest class has)"},
              {"classes", "fortune files (under /usr/share/games/fortunes), one class each"},
          }};
}

TaskDefaults retrieval_defaults() {
  // LRA: 4 layers, d 128, 4 heads, mlp 512, batch 32, 5000 steps, 4K bytes per document.
  return {.ci = {{30, 8, 64, 32, 2, 1, 64, 64, 2e-3, 0.0, 3},
                 {{"max_length", 64}, {"train_pairs", 500}, {"val_pairs", 100}, {"test_pairs", 200}}},
          .full = {{40, 8, 32, 64, 2, 2, 128, 128, 1e-3, 0.01, 4},
                   {{"max_length", 512}, {"train_pairs", 2000}, {"val_pairs", 50}, {"test_pairs", 100}}},
          .shared_data = {{"min_length", 1}, {"sources", kRetrievalSources}},
          .data_doc = {
              {"max_length", "bytes per document; longer entries are truncated (LRA: 4K per document)"},
              {"min_length", "drop entries shorter than this many bytes"},
              {"train_pairs", "training pairs (half from one file, half from two)"},
              {"val_pairs", "validation pairs"},
              {"test_pairs", "test pairs"},
              {"sources", "fortune files the documents come from"},
          }};
}

TaskDefaults image_defaults() {
  // LRA (CIFAR-10): 1 layer, d 32, 1 head, mlp 64, batch 256, lr 5e-4.
  return {.ci = {{12, 8, 64, 16, 1, 1, 32, 32, 2e-3, 0.0, 2}, {{"train_size", 640}, {"val_size", 32}, {"test_size", 64}}},
          .full = {{60, 32, 100, 32, 1, 1, 64, 64, 2e-3, 0.0, 6},
                   {{"train_size", 2000}, {"val_size", 100}, {"test_size", 300}}},
          .shared_data = {{"root", "/usr/share/datasets/fashion-mnist"}},
          .data_doc = {
              {"root", "directory with the Fashion-MNIST *-ubyte.gz files (Debian dataset-fashion-mnist)"},
              {"train_size", "training images (the first of the 60000)"},
              {"val_size", "validation images (the last of the 60000)"},
              {"test_size", "test images (the first of the 10000)"},
          }};
}

TaskDefaults pathfinder_defaults() {
  // LRA: 1 layer, d 32, 2 heads, qkv 16, mlp 32, batch 512, lr 1e-3.
  return {.ci = {{8, 4, 32, 16, 1, 1, 16, 16, 2e-3, 0.0, 1}, {{"train_size", 64}, {"val_size", 32}, {"test_size", 32}}},
          .full = {{60, 16, 64, 32, 2, 1, 32, 32, 1e-3, 0.0, 6},
                   {{"train_size", 1000}, {"val_size", 100}, {"test_size", 200}}},
          .shared_data = {{"contour_length", 14}, {"num_distractors", 2}, {"max_turn", 30.0}},
          .data_doc = {
              {"contour_length", "paddles (2 px each) per main contour (LRA hard split: 14)"},
              {"num_distractors", "short distractor contours per image (contour_length / 3 paddles each)"},
              {"max_turn", "largest heading change between paddles, degrees"},
              {"train_size", "training images (half positive)"},
              {"val_size", "validation images"},
              {"test_size", "test images"},
          }};
}

std::vector<std::string> strings(const json& j) { return j.get<std::vector<std::string>>(); }

/// The fortunes corpus, loaded once per process (Text and Retrieval both read it).
const nn::data::FortunesCorpus& fortunes() {
  static std::once_flag once;
  static std::unique_ptr<nn::data::FortunesCorpus> corpus;
  std::call_once(once, [] { corpus = std::make_unique<nn::data::FortunesCorpus>(); });
  return *corpus;
}

}  // namespace

const std::vector<std::string>& lra_tasks() {
  static const std::vector<std::string> t = {"listops", "text", "retrieval", "image", "pathfinder"};
  return t;
}

const std::vector<std::string>& lra_sizes() {
  static const std::vector<std::string> s = {"ci", "full"};
  return s;
}

ConfigSchema lra_schema(const std::string& task, const std::string& size) {
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  if (std::find(lra_sizes().begin(), lra_sizes().end(), size) == lra_sizes().end())
    TZ_FAIL("lra", "unknown size '", size, "'; known: ", list(lra_sizes()));
  if (task == "listops") return make_schema(listops_defaults(), size);
  if (task == "text") return make_schema(text_defaults(), size);
  if (task == "retrieval") return make_schema(retrieval_defaults(), size);
  if (task == "image") return make_schema(image_defaults(), size);
  if (task == "pathfinder") return make_schema(pathfinder_defaults(), size);
  const std::string hint = closest_match(task, lra_tasks());
  TZ_FAIL("lra", "unknown task '", task, "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
          "; known: ", list(lra_tasks()));
}

nn::data::LraData lra_make_data(const std::string& task, const json& config) {
  const json& d = config.at("data");
  const uint64_t seed = d.at("seed").get<uint64_t>();
  if (task == "listops") {
    nn::data::ListOpsOptions o;
    o.min_length = d["min_length"];
    o.max_length = d["max_length"];
    o.max_depth = d["max_depth"];
    o.max_args = d["max_args"];
    o.train_size = d["train_size"];
    o.val_size = d["val_size"];
    o.test_size = d["test_size"];
    o.seed = seed;
    return nn::data::make_listops(o);
  }
  if (task == "text") {
    nn::data::LraTextOptions o;
    o.classes = strings(d["classes"]);
    o.max_length = d["max_length"];
    o.min_length = d["min_length"];
    o.per_class = d["per_class"];
    o.seed = seed;
    return nn::data::make_lra_text(fortunes(), o);
  }
  if (task == "retrieval") {
    nn::data::LraRetrievalOptions o;
    o.sources = strings(d["sources"]);
    o.max_length = d["max_length"];
    o.min_length = d["min_length"];
    o.train_pairs = d["train_pairs"];
    o.val_pairs = d["val_pairs"];
    o.test_pairs = d["test_pairs"];
    o.seed = seed;
    return nn::data::make_lra_retrieval(fortunes(), o);
  }
  if (task == "image") {
    nn::data::LraImageOptions o;
    o.root = d["root"];
    o.train_size = d["train_size"];
    o.val_size = d["val_size"];
    o.test_size = d["test_size"];
    return nn::data::make_lra_image(o);
  }
  if (task == "pathfinder") {
    nn::data::PathfinderOptions o;
    o.contour_length = d["contour_length"];
    o.num_distractors = d["num_distractors"];
    o.max_turn = d["max_turn"];
    o.train_size = d["train_size"];
    o.val_size = d["val_size"];
    o.test_size = d["test_size"];
    o.seed = seed;
    return nn::data::make_lra_pathfinder(o);
  }
  lra_schema(task, "ci");  // throws naming the known tasks
  TZ_FAIL("lra", "unknown task '", task, "'");
}

LraModelConfig lra_model_config(const nn::data::LraData& data, const json& config, const std::string& mixer,
                                const json& mixer_config) {
  const json& m = config.at("model");
  LraModelConfig c;
  c.vocab_size = data.vocab_size;
  c.num_classes = data.num_classes;
  c.max_length = data.length;
  c.pair = data.pair;
  c.padded = data.padded;
  c.d_model = m["d_model"];
  c.n_heads = m["n_heads"];
  c.n_layers = m["n_layers"];
  c.mlp_dim = m["mlp_dim"];
  c.head_dim = m["head_dim"];
  c.dropout = m["dropout"];
  c.positions = m["positions"];
  c.pooling = m["pooling"];
  c.mixer = mixer;
  c.mixer_config = mixer_config.is_null() ? json::object() : mixer_config;
  return c;
}

}  // namespace tz::models
