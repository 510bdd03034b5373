// The mini LRA training loop and the speed/memory benchmark. A plain loop (no TrainSession):
// runs are short, need no checkpoints, and the numbers reported are the point.
#include "models/lra.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <ostream>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_reduce.h"
#include "core/error.h"
#include "core/factories.h"
#include "core/storage.h"
#include "models/data/lra_common.h"
#include "models/lra_model.h"
#include "models/lra_tasks.h"
#include "nn/losses.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip.h"
#include "nn/optim/scheduler.h"

namespace tz::models {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Tensor take_rows(const Tensor& t, const std::vector<int64_t>& rows, const Device& device) {
  return index_select(t, 0, from_vector(rows)).to(device);
}

/// Accuracy of the model on a split, in eval mode without gradients.
double accuracy(LraClassifier& model, const nn::data::LraSplit& split, int64_t batch, const Device& device) {
  if (split.size() == 0) return 0.0;
  NoGradGuard no_grad;
  model.eval();
  int64_t correct = 0;
  for (int64_t start = 0; start < split.size(); start += batch) {
    const int64_t n = std::min(batch, split.size() - start);
    const Tensor x = split.tokens.narrow(0, start, n).to(device);
    const Tensor x2 = split.tokens2.defined() ? split.tokens2.narrow(0, start, n).to(device) : Tensor();
    const Tensor y = split.labels.narrow(0, start, n).to(device);
    correct += sum(eq(argmax(model(x, x2), -1), y)).item<int64_t>();
  }
  model.train();
  return double(correct) / double(split.size());
}

/// One optimizer step on a batch; returns the loss.
double train_step(LraClassifier& model, optim::AdamW& optimizer, optim::LRScheduler* schedule, double clip_norm,
                  const Tensor& x, const Tensor& x2, const Tensor& y) {
  const Tensor loss = nn::functional::cross_entropy(model(x, x2), y);
  optimizer.zero_grad();
  loss.backward();
  if (clip_norm > 0) nn::utils::clip_grad_norm_(model.parameters(), clip_norm);
  optimizer.step();
  if (schedule) schedule->step();
  return loss.item<double>();
}

optim::AdamWOptions adamw_options(const json& optim) {
  optim::AdamWOptions o;
  o.lr = optim["lr"].get<double>();
  o.weight_decay = optim["weight_decay"].get<double>();
  return o;
}

}  // namespace

json lra_effective_config(const LraRunOptions& o) {
  const ConfigSchema schema = lra_schema(o.task, o.size);
  json config = schema.defaults;
  if (!o.config_file.empty()) merge_config(config, load_config_file(o.config_file), schema, o.config_file);
  for (const auto& s : o.sets) apply_set(config, s, schema);
  return config;
}

json LraResult::to_json() const {
  return {{"task", task},
          {"mixer", mixer},
          {"size", size},
          {"test_accuracy", test_accuracy},
          {"val_accuracy", val_accuracy},
          {"majority", majority},
          {"first_loss", first_loss},
          {"last_loss", last_loss},
          {"steps", steps},
          {"parameters", parameters},
          {"steps_per_s", steps_per_s},
          {"data_s", data_s},
          {"train_s", train_s},
          {"eval_s", eval_s},
          {"peak_mb", double(peak_bytes) / 1048576.0},
          {"padding_mask", padding_mask},
          {"length", length},
          {"config", config},
          {"mixer_config", mixer_config}};
}

LraResult run_lra(const LraRunOptions& o) {
  LraResult r;
  r.task = o.task;
  r.mixer = o.mixer;
  r.size = o.size;
  r.config = lra_effective_config(o);
  r.mixer_config = o.mixer_config.is_null() ? json::object() : o.mixer_config;
  const json& c = r.config;
  std::ostream* log = o.log;

  auto t0 = Clock::now();
  const nn::data::LraData data = lra_make_data(o.task, c);
  r.data_s = seconds_since(t0);
  r.length = data.length;
  {
    const auto counts = nn::data::label_counts(data.train, data.num_classes);
    const int64_t top = std::max_element(counts.begin(), counts.end()) - counts.begin();
    const auto test_counts = nn::data::label_counts(data.test, data.num_classes);
    r.majority = data.test.size() ? double(test_counts[size_t(top)]) / double(data.test.size()) : 0.0;
  }

  const int64_t baseline = Storage::live_bytes();
  Storage::reset_peak_bytes();
  manual_seed(c["seed"].get<uint64_t>());
  LraClassifier model(lra_model_config(data, c, o.mixer, r.mixer_config));
  model.to(o.device);
  r.parameters = model.num_parameters();
  r.padding_mask = model.uses_padding_mask();
  const json& oc = c["optim"];
  optim::AdamW optimizer(model.parameters(), adamw_options(oc));
  const int64_t steps = c["steps"].get<int64_t>();
  const int64_t batch = c["batch_size"].get<int64_t>();
  const int64_t eval_batch = c["eval_batch_size"].get<int64_t>();
  const int64_t log_every = std::max<int64_t>(1, c["log_every"].get<int64_t>());
  TZ_CHECK(steps >= 1 && batch >= 1 && eval_batch >= 1, "lra", "steps, batch_size and eval_batch_size must be >= 1");
  // A short run (--set steps=3) keeps its warm-up within the run.
  optim::WarmupCosine schedule(optimizer, std::min(oc["warmup_steps"].get<int64_t>(), steps), steps, 0.0);
  const double clip = oc["clip_norm"].get<double>();
  if (log) {
    *log << "lra " << o.task << " (" << o.size << "): mixer " << o.mixer << ", " << data.train.size() << "/"
         << data.val.size() << "/" << data.test.size() << " examples of length " << data.length << ", "
         << r.parameters << " parameters, padding mask " << (r.padding_mask ? "on" : "off")
         << (data.padded && !r.padding_mask ? " (the mixer does not support one)" : "") << ", data " << std::fixed
         << std::setprecision(1) << r.data_s << " s" << std::endl;
  }

  // Training order: a fresh permutation of the training set per epoch, from the data seed.
  nn::data::LraRandom order_rng(c["data"]["seed"].get<uint64_t>() + 0x5eed);
  std::vector<int64_t> order(size_t(data.train.size()));
  size_t cursor = order.size();
  double window_sum = 0;
  int64_t window_n = 0;
  bool first_window = true;
  model.train();
  t0 = Clock::now();
  for (int64_t step = 0; step < steps; ++step) {
    std::vector<int64_t> rows;
    while (int64_t(rows.size()) < batch) {
      if (cursor == order.size()) {
        for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
        order_rng.shuffle(order);
        cursor = 0;
      }
      rows.push_back(order[cursor++]);
    }
    const Tensor x = take_rows(data.train.tokens, rows, o.device);
    const Tensor x2 = data.pair ? take_rows(data.train.tokens2, rows, o.device) : Tensor();
    const Tensor y = take_rows(data.train.labels, rows, o.device);
    const double loss = train_step(model, optimizer, &schedule, clip, x, x2, y);
    TZ_CHECK(std::isfinite(loss), "lra", "training loss is ", loss, " at step ", step + 1, " (mixer ", o.mixer,
             "); lower optim.lr");
    window_sum += loss;
    ++window_n;
    if ((step + 1) % log_every == 0 || step + 1 == steps) {
      const double mean = window_sum / double(window_n);
      if (first_window) r.first_loss = mean;
      first_window = false;
      r.last_loss = mean;
      if (log) {
        *log << "  step " << std::setw(5) << step + 1 << "/" << steps << "  loss " << std::setprecision(4) << mean
             << "  " << std::setprecision(2) << double(step + 1) / seconds_since(t0) << " steps/s" << std::endl;  // flushed: progress shows when piped
      }
      window_sum = 0;
      window_n = 0;
    }
  }
  r.train_s = seconds_since(t0);
  r.steps = steps;
  r.steps_per_s = double(steps) / r.train_s;
  r.peak_bytes = Storage::peak_bytes() - baseline;

  t0 = Clock::now();
  r.val_accuracy = accuracy(model, data.val, eval_batch, o.device);
  r.test_accuracy = accuracy(model, data.test, eval_batch, o.device);
  r.eval_s = seconds_since(t0);
  if (log) {
    *log << std::setprecision(2) << "  test accuracy " << 100.0 * r.test_accuracy << " %  (val "
         << 100.0 * r.val_accuracy << " %, majority class " << 100.0 * r.majority << " %)  " << r.steps_per_s
         << " steps/s  peak memory " << std::setprecision(1) << double(r.peak_bytes) / 1048576.0 << " MiB  train "
         << r.train_s << " s, eval " << r.eval_s << " s\n";
  }
  return r;
}

json LraBenchPoint::to_json() const {
  json j = {{"mixer", mixer}, {"length", length}, {"ok", ok}};
  if (ok) {
    j["steps_per_s"] = steps_per_s;
    j["peak_mb"] = double(peak_bytes) / 1048576.0;
  } else {
    j["error"] = error;
  }
  return j;
}

std::vector<LraBenchPoint> run_lra_bench(const LraBenchOptions& o) {
  TZ_CHECK(!o.mixers.empty() && !o.lengths.empty(), "lra bench", "give at least one mixer and one length");
  TZ_CHECK(o.steps >= 1, "lra bench", "steps must be >= 1, got ", o.steps);
  LraRunOptions text;
  text.task = "text";
  text.size = "full";
  text.sets = o.sets;
  const json c = lra_effective_config(text);
  const int64_t batch = o.batch_size > 0 ? o.batch_size : c["batch_size"].get<int64_t>();
  std::vector<LraBenchPoint> out;
  for (const auto& mixer : o.mixers) {
    for (const int64_t length : o.lengths) {
      LraBenchPoint p;
      p.mixer = mixer;
      p.length = length;
      try {
        TZ_CHECK(length >= 1, "lra bench", "lengths must be >= 1, got ", length);
        nn::data::LraData shape;  // the Text task's vocabulary and classes at this length
        shape.vocab_size = 257;
        shape.num_classes = int64_t(c["data"]["classes"].size());
        shape.length = length;
        shape.padded = true;
        const json mixer_config = o.mixer_configs.contains(mixer) ? o.mixer_configs[mixer] : json::object();
        const int64_t baseline = Storage::live_bytes();
        Storage::reset_peak_bytes();
        {
          manual_seed(c["seed"].get<uint64_t>());
          LraClassifier model(lra_model_config(shape, c, mixer, mixer_config));
          model.to(o.device);
          optim::AdamW optimizer(model.parameters(), adamw_options(c["optim"]));
          // Random bytes, no padding: every mixer does the full-length work.
          const Tensor x = randint(1, 257, {batch, length}).to(o.device);
          const Tensor y = randint(0, shape.num_classes, {batch}).to(o.device);
          const double clip = c["optim"]["clip_norm"].get<double>();
          train_step(model, optimizer, nullptr, clip, x, Tensor(), y);  // warm-up: allocates Adam state
          const auto t0 = Clock::now();
          for (int64_t s = 0; s < o.steps; ++s) train_step(model, optimizer, nullptr, clip, x, Tensor(), y);
          p.steps_per_s = double(o.steps) / seconds_since(t0);
        }
        p.peak_bytes = Storage::peak_bytes() - baseline;
        p.ok = true;
      } catch (const Error& e) {
        p.error = e.what();
      }
      if (o.log) {
        *o.log << "lra bench " << mixer << " N=" << length << ": ";
        if (p.ok) {
          *o.log << std::fixed << std::setprecision(3) << p.steps_per_s << " steps/s, peak " << std::setprecision(1)
                 << double(p.peak_bytes) / 1048576.0 << " MiB\n";
        } else {
          *o.log << "failed: " << p.error << "\n";
        }
      }
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace tz::models
