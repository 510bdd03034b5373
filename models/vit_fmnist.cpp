// vit-fmnist: a 4-layer ViT trained on Fashion-MNIST (see models/vit_fmnist.h for the model).
// The training recipe is a small-scale DeiT/timm one: AdamW (decay on weight matrices only),
// linear warm-up then cosine decay, full test-set evaluation after every epoch.
#include "models/vit_fmnist.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_nn.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "core/factories.h"
#include "models/trainer.h"
#include "nn/data/dataloader.h"
#include "nn/data/idx.h"
#include "nn/init.h"
#include "nn/losses.h"
#include "nn/optim/adam.h"
#include "nn/optim/scheduler.h"

namespace tz::models {

// ---- the model ------------------------------------------------------------------------------

VitConfig vit_config_from_json(const json& m) {
  VitConfig c;
  c.image_size = m.at("image_size").get<int64_t>();
  c.patch_size = m.at("patch_size").get<int64_t>();
  c.dim = m.at("dim").get<int64_t>();
  c.depth = m.at("depth").get<int64_t>();
  c.heads = m.at("heads").get<int64_t>();
  c.mlp_dim = m.at("mlp_dim").get<int64_t>();
  c.dropout = m.at("dropout").get<double>();
  c.init = m.at("init").get<std::string>();
  if (m.contains("mixer")) c.mixer = m.at("mixer").get<std::string>();
  if (m.contains("mixer_options")) c.mixer_options = parse_mixer_options(m.at("mixer_options").get<std::string>());
  TZ_CHECK(c.init == "timm" || c.init == "pytorch", "config", "'model.init' must be \"timm\" or \"pytorch\", got \"",
           c.init, "\"");
  return c;
}

VisionTransformer::VisionTransformer(const VitConfig& c) : UnaryModule("VisionTransformer"), config(c) {
  TZ_CHECK(c.patch_size >= 1 && c.image_size >= c.patch_size && c.image_size % c.patch_size == 0, "vit-fmnist",
           "'model.image_size' (", c.image_size, ") must be a positive multiple of 'model.patch_size' (", c.patch_size,
           ")");
  TZ_CHECK(c.dim >= 1 && c.heads >= 1 && c.dim % c.heads == 0, "vit-fmnist", "'model.dim' (", c.dim,
           ") must be a positive multiple of 'model.heads' (", c.heads, ")");
  TZ_CHECK(c.depth >= 0 && c.mlp_dim >= 1, "vit-fmnist", "'model.depth' must be >= 0 and 'model.mlp_dim' >= 1, got ",
           c.depth, " and ", c.mlp_dim);
  TZ_CHECK(c.dropout >= 0.0 && c.dropout < 1.0, "vit-fmnist", "'model.dropout' must be in [0, 1), got ", c.dropout);

  auto embed = std::make_shared<nn::Module>("PatchEmbed");
  patch_embed = embed->register_module(
      "proj", std::make_shared<nn::Conv2d>(c.in_channels, c.dim, c.patch_size, nn::ConvOptions{.stride = c.patch_size}));
  register_module("patch_embed", embed);
  cls_token = register_parameter("cls_token", zeros({1, 1, c.dim}));
  pos_embed = register_parameter("pos_embed", zeros({1, c.num_patches() + 1, c.dim}));
  auto list = register_module("blocks", std::make_shared<nn::ModuleList>());
  const nn::TransformerLayerOptions layer{.dim_feedforward = c.mlp_dim,
                                          .dropout = c.dropout,
                                          .activation = "gelu",
                                          .batch_first = true,
                                          .norm_first = true};
  if (c.mixer == "softmax") {
    models::check_builtin_softmax_options(c.mixer_options);
    for (int64_t i = 0; i < c.depth; ++i)
      blocks.push_back(list->push_back(std::make_shared<nn::TransformerEncoderLayer>(c.dim, c.heads, layer)));
  } else {
    TZ_CHECK(c.mixer_options.is_object(), "vit-fmnist", "'model.mixer_options' must be a JSON object, got ",
             c.mixer_options.dump());
    nn::json mixer = c.mixer_options;
    mixer["name"] = c.mixer;
    if (!mixer.contains("n_heads")) mixer["n_heads"] = c.heads;
    const nn::json block = {{"mixer", mixer},     {"d_model", c.dim},         {"mlp_hidden", c.mlp_dim},
                            {"norm", "pre"},      {"dropout", c.dropout},     {"activation", "gelu"}};
    for (int64_t i = 0; i < c.depth; ++i)
      mixer_blocks.push_back(list->push_back(std::make_shared<nn::MixerBlock>(block)));
    const int64_t max_length = c.depth > 0 ? mixer_blocks.front()->mixer->capabilities().max_length : 0;
    TZ_CHECK(max_length == 0 || max_length >= c.num_patches() + 1, "vit-fmnist", "mixer '", c.mixer,
             "' accepts at most ", max_length, " tokens, but the model has ", c.num_patches() + 1,
             " (patches + CLS); raise its max_length in model.mixer_options");
  }
  norm = register_module("norm", std::make_shared<nn::LayerNorm>(Shape{c.dim}));
  head = register_module("head", std::make_shared<nn::Linear>(c.dim, c.num_classes));

  // timm's init (see the header): std-0.02 truncated normals, zero biases.
  nn::init::trunc_normal_(cls_token, 0.0, 0.02);
  nn::init::trunc_normal_(pos_embed, 0.0, 0.02);
  auto init_linear = [](const Tensor& weight, const Tensor& bias) {
    nn::init::trunc_normal_(weight, 0.0, 0.02);
    if (bias.defined()) nn::init::zeros_(bias);
  };
  if (c.init == "pytorch") return;
  for (const auto& b : blocks) {
    init_linear(b->self_attn->in_proj_weight, b->self_attn->in_proj_bias);
    init_linear(b->self_attn->out_proj->weight, b->self_attn->out_proj->bias);
    init_linear(b->linear1->weight, b->linear1->bias);
    init_linear(b->linear2->weight, b->linear2->bias);
  }
  for (const auto& b : mixer_blocks)
    for (auto& [name, module] : b->named_modules())
      if (auto* l = dynamic_cast<nn::Linear*>(module.get())) init_linear(l->weight, l->bias);
  init_linear(head->weight, head->bias);
}

Tensor VisionTransformer::forward(const Tensor& images) {
  TZ_CHECK(images.dim() == 4 && images.size(1) == config.in_channels && images.size(2) == config.image_size &&
               images.size(3) == config.image_size,
           "vit-fmnist", "expects images [N, ", config.in_channels, ", ", config.image_size, ", ", config.image_size,
           "], got ", describe(images));
  const int64_t n = images.size(0);
  // [N, dim, h, w] -> [N, h*w, dim]: one token per patch, row-major like timm.
  Tensor tokens = (*patch_embed)(images).flatten(2).transpose(1, 2);
  Tensor x = cat({cls_token.expand({n, 1, config.dim}), tokens}, 1) + pos_embed;
  for (const auto& block : blocks) x = (*block)(x);
  for (const auto& block : mixer_blocks) x = (*block)(x);
  return (*head)((*norm)(x.select(1, 0)));  // final norm on the CLS token only (same values)
}

std::string VisionTransformer::extra_repr() const {
  return cat_str("image_size=", config.image_size, ", patch_size=", config.patch_size, ", dim=", config.dim,
                 ", depth=", config.depth, ", heads=", config.heads, ", mlp_dim=", config.mlp_dim,
                 ", num_classes=", config.num_classes);
}

TensorList VisionTransformer::decay_parameters() const {
  TensorList out;
  for (const auto& [name, p] : named_parameters())
    if (p.dim() >= 2 && name != "cls_token" && name != "pos_embed") out.push_back(p);
  return out;
}

TensorList VisionTransformer::no_decay_parameters() const {
  TensorList out;
  for (const auto& [name, p] : named_parameters())
    if (!(p.dim() >= 2 && name != "cls_token" && name != "pos_embed")) out.push_back(p);
  return out;
}

// ---- training -------------------------------------------------------------------------------

namespace {

using nn::data::FashionMnist;
using nn::data::Split;

/// The first `count` examples of another dataset (the whole of it when count <= 0).
class FirstN : public nn::data::Dataset {
 public:
  FirstN(std::shared_ptr<const Dataset> base, int64_t count)
      : base_(std::move(base)), n_(count > 0 ? std::min(count, base_->size()) : base_->size()) {}
  int64_t size() const override { return n_; }
  nn::data::Example get(int64_t index) const override {
    TZ_CHECK(index >= 0 && index < n_, "vit-fmnist", "example ", index, " out of range [0, ", n_, ")");
    return base_->get(index);
  }

 private:
  std::shared_ptr<const Dataset> base_;
  int64_t n_;
};

/// The Fashion-MNIST split under the config's data.root, decoded once per process: gunzip and
/// IDX parsing take longer than a short training run (tests, eval followed by sample).
std::shared_ptr<const FashionMnist> fashion_mnist(const json& cfg, Split split) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, Split>, std::shared_ptr<const FashionMnist>> cache;
  nn::data::FashionMnistOptions options;
  options.root = cfg["data"]["root"].get<std::string>();
  const std::lock_guard<std::mutex> lock(mutex);
  auto& entry = cache[{options.root, split}];
  if (!entry) entry = std::make_shared<const FashionMnist>(split, options);
  return entry;
}

/// The evaluation images and labels (the first data.test_subset test images, all when 0).
struct TestSet {
  Tensor images;  // [N, 1, 28, 28] f32, normalised
  Tensor labels;  // [N] i64
};

TestSet load_test_set(const RunOptions& run) {
  const auto test = fashion_mnist(run.config, Split::Test);
  const int64_t subset = run.config["data"]["test_subset"].get<int64_t>();
  const int64_t n = subset > 0 ? std::min(subset, test->size()) : test->size();
  return {test->float_images().narrow(0, 0, n).contiguous().to(run.device),
          test->labels().narrow(0, 0, n).to(DType::I64).to(run.device)};
}

std::map<std::string, double> evaluate(VisionTransformer& model, const TestSet& test, int64_t batch) {
  NoGradGuard no_grad;
  model.eval();
  const int64_t n = test.images.size(0);
  double loss_sum = 0.0;
  int64_t correct = 0;
  nn::functional::CrossEntropyOptions summed;
  summed.reduction = nn::functional::Reduction::Sum;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t len = std::min(batch, n - start);
    const Tensor logits = model(test.images.narrow(0, start, len));
    const Tensor labels = test.labels.narrow(0, start, len);
    loss_sum += nn::functional::cross_entropy(logits, labels, summed).item<double>();
    correct += sum(eq(argmax(logits, -1), labels)).item<int64_t>();
  }
  model.train();
  return {{"loss", loss_sum / double(n)}, {"accuracy", double(correct) / double(n)}};
}

std::shared_ptr<VisionTransformer> build_model(const RunOptions& run) {
  manual_seed(run.config["seed"].get<uint64_t>());
  auto model = std::make_shared<VisionTransformer>(vit_config_from_json(run.config["model"]));
  model->to(run.device);
  return model;
}

void train(const RunOptions& run) {
  const json& cfg = run.config;
  auto model = build_model(run);
  auto train_set = std::make_shared<FirstN>(fashion_mnist(cfg, Split::Train),
                                            cfg["data"]["train_subset"].get<int64_t>());
  const TestSet test_set = load_test_set(run);
  const int64_t batch = cfg["batch_size"].get<int64_t>();
  TZ_CHECK(batch >= 1, "config", "'batch_size' must be >= 1, got ", batch);
  nn::data::DataLoaderOptions loader_options;
  loader_options.batch_size = batch;
  loader_options.shuffle = true;
  loader_options.seed = cfg["data"]["seed"].get<uint64_t>();
  nn::data::DataLoader loader(train_set, loader_options);

  const json& o = cfg["optim"];
  optim::AdamWOptions adamw;
  adamw.lr = o["lr"].get<double>();
  adamw.beta1 = o["beta1"].get<double>();
  adamw.beta2 = o["beta2"].get<double>();
  adamw.weight_decay = o["weight_decay"].get<double>();
  optim::AdamW optimizer({{model->decay_parameters(), {}}, {model->no_decay_parameters(), {{"weight_decay", 0.0}}}},
                         adamw);

  const int64_t steps_per_epoch = loader.num_batches();
  const int64_t epochs = cfg["epochs"].get<int64_t>();
  TrainSpec spec = train_spec_from_config(cfg, "images");
  if (spec.total_steps == 0) spec.total_steps = epochs * steps_per_epoch;
  if (spec.eval_every == 0) spec.eval_every = steps_per_epoch;
  const int64_t steps = spec.total_steps;
  TZ_CHECK(steps >= 1, "config", "'epochs' (or 'steps') must give at least one step");
  optim::WarmupCosine schedule(optimizer, o["warmup_steps"].get<int64_t>(), steps, o["min_lr"].get<double>());

  TrainSession session(run, spec);
  session.track_model(*model);
  session.track_optimizer(optimizer);
  session.track_scheduler(schedule);
  session.track_data(
      "train",
      [&loader] {
        const auto s = loader.state();
        return nn::StateDict{{"epoch", scalar_tensor(s.epoch, TensorOptions(DType::I64))},
                             {"position", scalar_tensor(s.position, TensorOptions(DType::I64))}};
      },
      [&loader](const nn::StateDict& d) {
        loader.load_state({.epoch = d.at("epoch").item<int64_t>(), .position = d.at("position").item<int64_t>()});
      });
  const int64_t eval_batch = cfg["eval_batch_size"].get<int64_t>();
  TZ_CHECK(eval_batch >= 1, "config", "'eval_batch_size' must be >= 1, got ", eval_batch);
  session.set_evaluator([&] { return evaluate(*model, test_set, eval_batch); });

  model->train();
  for (int64_t step = session.begin(); step < steps;) {
    std::optional<nn::data::Batch> b = loader.next();
    if (!b) continue;  // end of an epoch: the loader moved on to the next one
    const Tensor images = b->input.to(run.device);
    const Tensor labels = b->target.to(run.device);
    const Tensor loss = nn::functional::cross_entropy((*model)(images), labels);
    optimizer.zero_grad();
    loss.backward();
    const double lr = optimizer.lr();  // the lr this step uses
    optimizer.step();
    schedule.step();
    ++step;
    if (!session.end_step(step, loss.item<double>(), lr, images.size(0))) break;
  }
  session.finish();
}

json eval(const RunOptions& run) {
  auto model = build_model(run);
  const nn::Checkpoint ck = load_run_checkpoint(run);
  model->load_state_dict(ck.model);
  json out = evaluate(*model, load_test_set(run), run.config["eval_batch_size"].get<int64_t>());
  out["step"] = ck.step;
  return out;
}

/// Classifies test images: --prompt "i,j,k" picks test indices, otherwise the first n.
std::string sample(const RunOptions& run, const std::string& prompt, int64_t n) {
  auto model = build_model(run);
  model->load_state_dict(load_run_checkpoint(run).model);
  model->eval();
  const auto test_ptr = fashion_mnist(run.config, Split::Test);
  const FashionMnist& test = *test_ptr;
  std::vector<int64_t> indices;
  if (!prompt.empty()) {
    std::stringstream in(prompt);
    std::string item;
    while (std::getline(in, item, ',')) {
      char* end = nullptr;
      const long long v = std::strtoll(item.c_str(), &end, 10);
      TZ_CHECK(end != item.c_str() && *end == '\0' && v >= 0 && v < test.size(), "vit-fmnist",
               "--prompt must be comma-separated test indices in [0, ", test.size(), "), got '", prompt, "'");
      indices.push_back(v);
    }
  } else {
    TZ_CHECK(n >= 1, "vit-fmnist", "--n must be >= 1, got ", n);
    for (int64_t i = 0; i < std::min<int64_t>(n, test.size()); ++i) indices.push_back(i);
  }
  const Tensor idx = from_vector(indices);
  NoGradGuard no_grad;
  const Tensor probs = softmax(model->forward(index_select(test.float_images(), 0, idx).to(run.device)), -1).cpu();
  const auto p = probs.contiguous().to_vector<float>();
  const auto labels = index_select(test.labels(), 0, idx).to(DType::I64).to_vector<int64_t>();
  const auto& names = FashionMnist::class_names();
  const int64_t classes = probs.size(1);
  std::ostringstream out;
  int64_t correct = 0;
  for (size_t i = 0; i < indices.size(); ++i) {
    const float* row = p.data() + i * classes;
    const int64_t pred = std::max_element(row, row + classes) - row;
    correct += pred == labels[i];
    char line[200];
    std::snprintf(line, sizeof(line), "test #%-5lld predicted %-12s (p=%.3f)  true %-12s %s\n",
                  static_cast<long long>(indices[i]), names[pred].c_str(), row[pred], names[labels[i]].c_str(),
                  pred == labels[i] ? "ok" : "WRONG");
    out << line;
  }
  out << correct << "/" << indices.size() << " correct\n";
  return out.str();
}

ConfigSchema schema() {
  ConfigSchema s;
  s.defaults = {
      {"seed", 0},
      {"epochs", 3},
      {"batch_size", 128},
      {"eval_batch_size", 500},
      {"model",
       {{"image_size", 28}, {"patch_size", 4}, {"dim", 64}, {"depth", 4}, {"heads", 4}, {"mlp_dim", 256},
        {"dropout", 0.0}, {"init", "pytorch"}, {"mixer", "softmax"}, {"mixer_options", "{}"}}},
      {"data",
       {{"root", "/usr/share/datasets/fashion-mnist"}, {"train_subset", 0}, {"test_subset", 0}, {"seed", 0}}},
      {"optim",
       {{"lr", 1e-3}, {"beta1", 0.9}, {"beta2", 0.999}, {"weight_decay", 0.05}, {"warmup_steps", 200},
        {"min_lr", 0.0}}},
  };
  s.doc = {
      {"seed", "seed of tz::default_generator() (weight initialisation, dropout)"},
      {"epochs", "passes over the training set (sets the step count when 'steps' is 0)"},
      {"batch_size", "training images per optimizer step (the last batch of an epoch may be smaller)"},
      {"eval_batch_size", "images per forward pass during evaluation (memory only; results are the same)"},
      {"model.image_size", "side of the square input images (28 for Fashion-MNIST)"},
      {"model.patch_size", "side of a patch = kernel and stride of the patch-embedding conv (4: 7x7 = 49 patches)"},
      {"model.dim", "token width d (a multiple of model.heads)"},
      {"model.depth", "number of pre-norm transformer encoder layers"},
      {"model.heads", "attention heads per layer"},
      {"model.mlp_dim", "hidden width of each layer's GELU MLP"},
      {"model.dropout", "dropout in attention weights, after attention and in the MLP (0: off)"},
      {"model.mixer", "token mixer of the blocks: softmax or any mixer of `tensorzoo list mixers`"},
      {"model.mixer_options", "the mixer's own config keys as a JSON object, e.g. {\"iterations\": 3}"},
      {"model.init", "weight initialisation: \"timm\" (std-0.02 truncated normals, zero biases) or \"pytorch\" (torch.nn layer defaults)"},
      {"data.root", "directory with the four Fashion-MNIST *-ubyte.gz files"},
      {"data.train_subset", "train on the first N training images only (0: all 60000)"},
      {"data.test_subset", "evaluate on the first N test images only (0: all 10000)"},
      {"data.seed", "seed of the DataLoader's per-epoch shuffle"},
      {"optim.lr", "AdamW peak learning rate (after the linear warm-up)"},
      {"optim.beta1", "AdamW first-moment decay"},
      {"optim.beta2", "AdamW second-moment decay"},
      {"optim.weight_decay",
       "AdamW decoupled weight decay, applied to weight matrices only (Linear/attention/conv weights; not biases, "
       "LayerNorms, cls_token or pos_embed)"},
      {"optim.warmup_steps", "steps of linear learning-rate warm-up from 0"},
      {"optim.min_lr", "learning rate the cosine decay reaches at the last step"},
  };
  s.ranges = {{"epochs", at_least(0)},
              {"batch_size", at_least(1)},
              {"eval_batch_size", at_least(1)},
              {"model.image_size", at_least(1)},
              {"model.patch_size", at_least(1)},
              {"model.dim", at_least(1)},
              {"model.depth", at_least(1)},
              {"model.heads", at_least(1)},
              {"model.mlp_dim", at_least(1)},
              {"model.dropout", in_range(0, 1, true)},
              {"data.train_subset", at_least(0)},
              {"data.test_subset", at_least(0)},
              {"optim.lr", positive()},
              {"optim.beta1", in_range(0, 1, true)},
              {"optim.beta2", in_range(0, 1, true)},
              {"optim.weight_decay", at_least(0)},
              {"optim.warmup_steps", at_least(0)},
              {"optim.min_lr", at_least(0)}};
  add_training_fields(s, /*steps=*/0, /*log_every=*/20, /*eval_every=*/0, /*checkpoint_every=*/0);
  s.doc["steps"] = "total optimizer steps; 0: epochs * batches per epoch (the cosine schedule spans them)";
  s.doc["eval_every"] = "evaluate on the test set every N steps (0: at the end of every epoch)";
  return s;
}

}  // namespace

ModelEntry vit_fmnist_entry() {
  return {.name = "vit-fmnist",
          .description = "4-layer ViT (4x4 patches, CLS token, d=64) classifying Fashion-MNIST",
          .schema = schema(),
          .train = train,
          .eval = eval,
          .sample = sample};
}

}  // namespace tz::models
