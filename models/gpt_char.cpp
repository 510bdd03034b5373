// gpt-char: the registry entry of the character-level GPT (network in gpt_char_model.cpp).
// Config and data handling, the training loop, eval (validation loss and bits per char) and
// sampling from a checkpoint.
#include "models/gpt_char.h"

#include <cmath>
#include <optional>
#include <sstream>

#include "autograd/grad_mode.h"
#include "core/factories.h"
#include "models/trainer.h"
#include "nn/data/text.h"
#include "nn/data/tokenizer.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip.h"
#include "nn/optim/scheduler.h"

namespace tz::models {

namespace {

constexpr const char* kOp = "gpt-char";
/// The checkpoint's data.<kVocabKey> entry: the tokenizer's vocabulary as U8 [vocab_size].
constexpr const char* kTokenizer = "tokenizer";
constexpr const char* kVocabKey = "tokenizer.vocabulary";

/// The corpus encoded with a char vocabulary of its whole text (train and validation), as
/// nanoGPT's shakespeare_char: every char of the validation text is known.
struct CharData {
  nn::data::CharTokenizer tokenizer;
  Tensor train_ids, val_ids;  // int64 [n], on the run's device
};

CharData load_data(const json& cfg, const Device& device) {
  nn::data::FortunesOptions options;
  options.directory = cfg["data"]["directory"].get<std::string>();
  options.train_fraction = cfg["data"]["train_fraction"].get<double>();
  TZ_CHECK(options.train_fraction > 0.0 && options.train_fraction < 1.0, kOp,
           "'data.train_fraction' must be in (0, 1), got ", options.train_fraction);
  const nn::data::FortunesCorpus corpus(options);
  auto tokenizer = nn::data::CharTokenizer::from_text(corpus.text());
  Tensor train = tokenizer.encode(corpus.train_text()).to(device);
  Tensor val = tokenizer.encode(corpus.val_text()).to(device);
  return {std::move(tokenizer), std::move(train), std::move(val)};
}

Tensor vocabulary_tensor(const nn::data::CharTokenizer& tok) {
  const std::string& v = tok.vocabulary();
  return from_blob_copy(v.data(), Shape{int64_t(v.size())}, DType::U8);
}

/// The vocabulary stored under `key` of a data state dict (keys "tokenizer.vocabulary" in a
/// checkpoint's data, "vocabulary" in the tokenizer's own state).
std::string vocabulary_from(const nn::StateDict& data, const std::string& key) {
  const auto it = data.find(key);
  TZ_CHECK(it != data.end(), kOp, "the checkpoint has no 'data.", kVocabKey, "' entry (not a gpt-char checkpoint?)");
  const Tensor t = it->second;
  TZ_CHECK(t.dim() == 1 && t.dtype() == DType::U8 && t.numel() >= 1, kOp, "'data.", kVocabKey,
           "' must be a non-empty U8 vector, got ", describe(t));
  const auto bytes = t.cpu().contiguous().to_vector<uint8_t>();
  return std::string(bytes.begin(), bytes.end());
}

GPTCharConfig model_config(const json& cfg, int64_t vocab_size) {
  const json& m = cfg["model"];
  GPTCharConfig c;
  c.vocab_size = vocab_size;
  c.n_layer = m["n_layer"].get<int64_t>();
  c.n_head = m["n_head"].get<int64_t>();
  c.d_model = m["d_model"].get<int64_t>();
  c.block_size = m["block_size"].get<int64_t>();
  c.dropout = m["dropout"].get<double>();
  c.bias = m["bias"].get<bool>();
  c.tied_head = m["tied_head"].get<bool>();
  c.mixer = m["mixer"].get<std::string>();
  c.mixer_options = parse_mixer_options(m["mixer_options"].get<std::string>());
  return c;
}

std::shared_ptr<GPTChar> build_model(const RunOptions& run, int64_t vocab_size) {
  manual_seed(run.config["seed"].get<uint64_t>());
  auto model = std::make_shared<GPTChar>(model_config(run.config, vocab_size));
  model->to(run.device);
  return model;
}

/// The fixed validation batches: data.eval_batches batches of batch_size blocks drawn with a
/// generator seeded by data.eval_seed, so every evaluation (and `tensorzoo eval`) sees the same text.
std::vector<nn::data::TokenBlocks> validation_batches(const json& cfg, const Tensor& val_ids) {
  const int64_t n = cfg["data"]["eval_batches"].get<int64_t>();
  TZ_CHECK(n >= 1, kOp, "'data.eval_batches' must be >= 1, got ", n);
  Generator gen(cfg["data"]["eval_seed"].get<uint64_t>());
  std::vector<nn::data::TokenBlocks> batches;
  for (int64_t i = 0; i < n; ++i)
    batches.push_back(nn::data::sample_blocks(val_ids, cfg["batch_size"].get<int64_t>(),
                                              cfg["model"]["block_size"].get<int64_t>(), gen));
  return batches;
}

/// Mean cross entropy over the batches (nats per char) and the same in bits per char.
std::map<std::string, double> evaluate(GPTChar& model, const std::vector<nn::data::TokenBlocks>& batches) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double total = 0.0;
  for (const auto& b : batches) total += model.loss(b.input, b.target).item<double>();
  model.train(was_training);
  const double loss = total / double(batches.size());
  return {{"loss", loss}, {"bpc", loss / std::log(2.0)}};
}

GPTSampleOptions sample_options(const json& cfg, int64_t n) {
  const json& s = cfg["sample"];
  GPTSampleOptions o;
  o.max_new_tokens = n;
  o.temperature = s["temperature"].get<double>();
  o.top_k = s["top_k"].get<int64_t>();
  o.use_kv_cache = s["kv_cache"].get<bool>();
  return o;
}

/// prompt + n generated chars, decoded (latin-1 bytes). An empty prompt uses sample.prompt.
std::string generate_text(GPTChar& model, const nn::data::CharTokenizer& tok, const json& cfg, std::string prompt,
                          int64_t n) {
  TZ_CHECK(n >= 0, kOp, "the number of chars to sample must be >= 0, got ", n);
  if (prompt.empty()) prompt = cfg["sample"]["prompt"].get<std::string>();
  TZ_CHECK(!prompt.empty(), kOp, "sampling needs a non-empty prompt (--prompt or 'sample.prompt')");
  Generator gen(cfg["sample"]["seed"].get<uint64_t>());
  const Tensor ids = gpt_generate(model, tok.encode(prompt).to(model.wte->weight.device()),
                                  sample_options(cfg, n), gen);
  return prompt + tok.decode(ids);
}

optim::AdamW make_optimizer(GPTChar& model, const json& o) {
  // nanoGPT's grouping: weight decay on the 2-d weights (matmul weights and embeddings) only;
  // biases and LayerNorm parameters are not decayed.
  TensorList decay, no_decay;
  for (const auto& p : model.parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  optim::AdamWOptions defaults;
  defaults.lr = o["lr"].get<double>();
  defaults.beta1 = o["beta1"].get<double>();
  defaults.beta2 = o["beta2"].get<double>();
  defaults.eps = o["eps"].get<double>();
  defaults.weight_decay = o["weight_decay"].get<double>();
  return optim::AdamW({{decay, {}}, {no_decay, {{"weight_decay", 0.0}}}}, defaults);
}

void train(const RunOptions& run) {
  const json& cfg = run.config;
  const CharData data = load_data(cfg, run.device);
  auto model = build_model(run, data.tokenizer.vocab_size());
  const int64_t batch = cfg["batch_size"].get<int64_t>();
  const int64_t block = model->config.block_size;
  TZ_CHECK(batch >= 1, kOp, "'batch_size' must be >= 1, got ", batch);
  const auto val_batches = validation_batches(cfg, data.val_ids);

  const json& o = cfg["optim"];
  optim::AdamW opt = make_optimizer(*model, o);
  const int64_t steps = cfg["steps"].get<int64_t>();
  TZ_CHECK(o["warmup_steps"].get<int64_t>() >= 0 && o["warmup_steps"].get<int64_t>() <= steps, kOp,
           "'optim.warmup_steps' (", o["warmup_steps"].get<int64_t>(), ") must be in [0, steps = ", steps,
           "]: lower it with --set optim.warmup_steps=N");
  optim::WarmupCosine schedule(opt, o["warmup_steps"].get<int64_t>(), steps, o["min_lr"].get<double>());
  const double grad_clip = o["grad_clip"].get<double>();
  TZ_CHECK(grad_clip >= 0.0, kOp, "'optim.grad_clip' must be >= 0 (0 disables clipping), got ", grad_clip);
  Generator sampler(cfg["data"]["seed"].get<uint64_t>());  // training batch positions: their own stream
  const TensorList params = model->parameters();

  TrainSession session(run, train_spec_from_config(cfg, "tokens"));
  session.track_model(*model);
  session.track_optimizer(opt);
  session.track_scheduler(schedule);
  session.track_generator("sampler", sampler);
  const std::string vocabulary = data.tokenizer.vocabulary();
  session.track_data(
      kTokenizer, [&] { return nn::StateDict{{"vocabulary", vocabulary_tensor(data.tokenizer)}}; },
      [&](const nn::StateDict& d) {
        TZ_CHECK(vocabulary_from(d, "vocabulary") == vocabulary, kOp,
                 "the checkpoint's vocabulary differs from the corpus' (the corpus changed): cannot resume");
      });
  session.set_evaluator([&] { return evaluate(*model, val_batches); });

  model->train();
  for (int64_t step = session.begin(); step < steps;) {
    const auto b = nn::data::sample_blocks(data.train_ids, batch, block, sampler);
    const Tensor loss = model->loss(b.input, b.target);
    opt.zero_grad();
    loss.backward();
    if (grad_clip > 0.0) nn::utils::clip_grad_norm_(params, grad_clip);
    const double lr = opt.lr();  // the lr this step uses
    opt.step();
    schedule.step();
    ++step;
    if (!session.end_step(step, loss.item<double>(), lr, batch * block)) break;
  }
  session.finish();

  const int64_t sample_chars = cfg["sample"]["length_after_training"].get<int64_t>();
  if (!session.stopped() && sample_chars > 0 && run.progress != ProgressStyle::Quiet) {
    *run.log << "sample (" << sample_chars << " chars, temperature " << cfg["sample"]["temperature"].get<double>()
             << ", seed " << cfg["sample"]["seed"].get<uint64_t>() << "):\n"
             << generate_text(*model, data.tokenizer, cfg, "", sample_chars) << "\n";
  }
}

json eval(const RunOptions& run) {
  const nn::Checkpoint ck = load_run_checkpoint(run);
  const CharData data = load_data(run.config, run.device);
  TZ_CHECK(vocabulary_from(ck.data, kVocabKey) == data.tokenizer.vocabulary(), kOp,
           "the checkpoint's vocabulary differs from the corpus' (the corpus changed): cannot evaluate");
  auto model = build_model(run, data.tokenizer.vocab_size());
  model->load_state_dict(ck.model);
  json out = evaluate(*model, validation_batches(run.config, data.val_ids));
  out["step"] = ck.step;
  return out;
}

std::string sample(const RunOptions& run, const std::string& prompt, int64_t n) {
  const nn::Checkpoint ck = load_run_checkpoint(run);
  const nn::data::CharTokenizer tok(vocabulary_from(ck.data, kVocabKey));
  auto model = build_model(run, tok.vocab_size());
  model->load_state_dict(ck.model);
  return generate_text(*model, tok, run.config, prompt, n) + "\n";
}

ConfigSchema schema() {
  ConfigSchema s;
  s.defaults = {
      {"seed", 1337},
      {"batch_size", 32},
      {"model",
       {{"n_layer", 4}, {"n_head", 4}, {"d_model", 128}, {"block_size", 128}, {"dropout", 0.0}, {"bias", true},
        {"tied_head", false}, {"mixer", "softmax"}, {"mixer_options", "{}"}}},
      {"optim",
       {{"lr", 1e-3},
        {"beta1", 0.9},
        {"beta2", 0.999},
        {"eps", 1e-8},
        {"weight_decay", 0.1},
        {"warmup_steps", 100},
        {"min_lr", 0.0},
        {"grad_clip", 1.0}}},
      {"data",
       {{"directory", ""}, {"train_fraction", 0.9}, {"seed", 1337}, {"eval_batches", 64}, {"eval_seed", 0}}},
      {"sample",
       {{"prompt", "\n"},
        {"temperature", 1.0},
        {"top_k", 0},
        {"seed", 1337},
        {"kv_cache", true},
        {"length_after_training", 300}}},
  };
  s.doc = {
      {"seed", "seed of tz::default_generator(): weight initialisation and dropout"},
      {"batch_size", "blocks of block_size chars per optimizer step (tokens per step = batch_size * block_size)"},
      {"model.n_layer", "number of transformer blocks"},
      {"model.n_head", "attention heads per block (must divide d_model)"},
      {"model.d_model", "embedding / residual width; the MLP hidden width is 4 * d_model"},
      {"model.block_size", "context length in chars (number of learned positions)"},
      {"model.dropout", "dropout on embeddings, attention probabilities and block outputs (training only)"},
      {"model.bias", "biases in the Linear layers of the blocks and in the LayerNorms"},
      {"model.tied_head", "the output head reuses the token embedding matrix (weight tying)"},
      {"model.mixer", "token mixer of the blocks: softmax or any causal mixer of `tensorzoo list mixers`"},
      {"model.mixer_options", "the mixer's own config keys as a JSON object, e.g. {\"max_length\": 128}"},
      {"optim.lr", "peak AdamW learning rate (linear warm-up from 0, then cosine decay to min_lr at 'steps')"},
      {"optim.beta1", "AdamW beta1 (first-moment decay)"},
      {"optim.beta2", "AdamW beta2 (second-moment decay)"},
      {"optim.eps", "AdamW epsilon"},
      {"optim.weight_decay", "decoupled weight decay, applied to 2-d weights only (not biases, LayerNorms)"},
      {"optim.warmup_steps", "steps of linear learning-rate warm-up"},
      {"optim.min_lr", "learning rate reached at the end of the cosine decay"},
      {"optim.grad_clip", "clip the global gradient 2-norm to this value (0 disables)"},
      {"data.directory", "read fortune files from this directory instead of the installed Debian packages"},
      {"data.train_fraction", "leading fraction of the corpus bytes used for training; the rest validates"},
      {"data.seed", "seed of the generator that draws training block positions"},
      {"data.eval_batches", "validation batches (of batch_size blocks) per evaluation, the same every time"},
      {"data.eval_seed", "seed of the generator that draws the fixed validation batches"},
      {"sample.prompt", "text to continue when sampling without --prompt"},
      {"sample.temperature", "softmax temperature for sampling (0: greedy)"},
      {"sample.top_k", "sample among the k most likely chars only (0: all)"},
      {"sample.seed", "seed of the sampling generator (same seed, same text)"},
      {"sample.kv_cache", "reuse cached keys/values while sampling (same text as full recomputation, faster)"},
      {"sample.length_after_training", "chars sampled and printed when training ends (0: none)"},
  };
  s.ranges = {{"batch_size", at_least(1)},
              {"model.n_layer", at_least(1)},
              {"model.n_head", at_least(1)},
              {"model.d_model", at_least(1)},
              {"model.block_size", at_least(1)},
              {"model.dropout", in_range(0, 1, true)},
              {"optim.lr", positive()},
              {"optim.beta1", in_range(0, 1, true)},
              {"optim.beta2", in_range(0, 1, true)},
              {"optim.eps", positive()},
              {"optim.weight_decay", at_least(0)},
              {"optim.warmup_steps", at_least(0)},
              {"optim.min_lr", at_least(0)},
              {"optim.grad_clip", at_least(0)},
              {"data.train_fraction", {.min = 0, .max = 1, .min_exclusive = true, .max_exclusive = true}},
              {"data.eval_batches", at_least(1)},
              {"sample.temperature", positive()},
              {"sample.top_k", at_least(0)},
              {"sample.length_after_training", at_least(0)}};
  add_training_fields(s, /*steps=*/2000, /*log_every=*/10, /*eval_every=*/500, /*checkpoint_every=*/500);
  return s;
}

}  // namespace

ModelEntry gpt_char_entry() {
  return {.name = "gpt-char",
          .description = "character-level GPT (4 layers, d=128) on the Debian fortunes corpus",
          .schema = schema(),
          .train = train,
          .eval = eval,
          .sample = sample};
}

}  // namespace tz::models
