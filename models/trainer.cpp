#include "models/trainer.h"

#include <atomic>
#include <cmath>
#include <filesystem>

#include "autograd/anomaly.h"
#include "autograd/grad_mode.h"
#include "autograd/ops_reduce.h"
#include "core/error.h"
#include "core/io/json_parse.h"
#include "core/io/safetensors.h"

namespace tz::models {

namespace {

// Lock-free so that setting it from a signal handler is safe.
std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

LoggerOptions logger_options(const RunOptions& run, const TrainSpec& spec) {
  LoggerOptions o;
  o.out_dir = run.out_dir;
  o.title = run.model;
  o.total_steps = spec.total_steps;
  o.unit = spec.unit;
  o.log_every = spec.log_every;
  o.style = run.progress;
  o.out = run.log;
  return o;
}

bool multiple_of(int64_t step, int64_t every) { return every > 0 && step % every == 0; }

std::string number_word(double v) { return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }

constexpr const char* kAllowHint = "--set allow_nonfinite=true";

}  // namespace

void add_training_fields(ConfigSchema& schema, int64_t steps, int64_t log_every, int64_t eval_every,
                         int64_t checkpoint_every) {
  schema.defaults["steps"] = steps;
  schema.defaults["log_every"] = log_every;
  schema.defaults["eval_every"] = eval_every;
  schema.defaults["checkpoint_every"] = checkpoint_every;
  schema.doc["steps"] = "total optimizer steps (the LR schedule spans them; --steps N sets this)";
  schema.doc["log_every"] = "write a metrics.jsonl record (and a plain log line) every N steps";
  schema.doc["eval_every"] = "evaluate every N steps (0: only after the last step)";
  schema.doc["checkpoint_every"] = "save DIR/checkpoint.safetensors every N steps (0: only at the end)";
  schema.defaults["allow_nonfinite"] = false;
  schema.doc["allow_nonfinite"] =
      "keep training (and saving) after a NaN/Inf loss or parameter; by default the run stops and keeps the last good "
      "checkpoint";
  schema.ranges["steps"] = at_least(0);
  schema.ranges["log_every"] = at_least(1);
  schema.ranges["eval_every"] = at_least(0);
  schema.ranges["checkpoint_every"] = at_least(0);
}

TrainSpec train_spec_from_config(const json& config, const std::string& unit) {
  TrainSpec spec;
  spec.total_steps = config.at("steps").get<int64_t>();
  spec.unit = unit;
  spec.log_every = config.at("log_every").get<int64_t>();
  spec.eval_every = config.at("eval_every").get<int64_t>();
  spec.checkpoint_every = config.at("checkpoint_every").get<int64_t>();
  // Absent from configs written before the field existed: the schema default then applies.
  spec.allow_nonfinite = config.value("allow_nonfinite", false);
  TZ_CHECK(spec.total_steps >= 0, "config", "'steps' must be >= 0, got ", spec.total_steps);
  TZ_CHECK(spec.log_every >= 1, "config", "'log_every' must be >= 1, got ", spec.log_every);
  TZ_CHECK(spec.eval_every >= 0, "config", "'eval_every' must be >= 0, got ", spec.eval_every);
  TZ_CHECK(spec.checkpoint_every >= 0, "config", "'checkpoint_every' must be >= 0, got ", spec.checkpoint_every);
  return spec;
}

void request_stop() { g_stop_requested.store(true, std::memory_order_relaxed); }
bool stop_requested() { return g_stop_requested.load(std::memory_order_relaxed); }
void clear_stop_request() { g_stop_requested.store(false, std::memory_order_relaxed); }

std::string checkpoint_path(const std::string& out_dir) {
  return (std::filesystem::path(out_dir) / "checkpoint.safetensors").string();
}

nn::Checkpoint load_run_checkpoint(const RunOptions& run) {
  const std::string path = checkpoint_path(run.out_dir);
  std::error_code ec;
  TZ_CHECK(std::filesystem::exists(path, ec), "checkpoint", "no checkpoint in '", run.out_dir, "' (expected ", path,
           "; train first: tensorzoo train ", run.model, " --out ", run.out_dir, ")");
  nn::Checkpoint ck = nn::load_checkpoint(path);
  auto it = ck.metadata.find("model");
  TZ_CHECK(it != ck.metadata.end() && it->second == run.model, "checkpoint", path, " was written by model '",
           it == ck.metadata.end() ? std::string("<unknown>") : it->second, "', not '", run.model, "'");
  return ck;
}

TrainSession::TrainSession(const RunOptions& run, TrainSpec spec)
    : run_(run), spec_(std::move(spec)), logger_(logger_options(run_, spec_)) {
  TZ_CHECK(spec_.total_steps >= 0, "train", "total_steps must be >= 0, got ", spec_.total_steps);
  TZ_CHECK(spec_.eval_every >= 0 && spec_.checkpoint_every >= 0, "train",
           "eval_every and checkpoint_every must be >= 0, got ", spec_.eval_every, " and ", spec_.checkpoint_every);
  TZ_CHECK(!run_.out_dir.empty(), "train", "an output directory is required (--out DIR)");
  // The config is written into every checkpoint as JSON text. A value that cannot be (invalid
  // UTF-8 from a --set) would only fail at the first save, losing the steps before it: fail now.
  try {
    (void)run_.config.dump();
  } catch (const nlohmann::json::exception&) {
    std::string bad;
    for (const auto& key : leaf_keys(run_.config)) {
      const json& v = config_at(run_.config, key);
      if (v.is_string() && !io::is_valid_utf8(v.get_ref<const std::string&>())) bad = key;
    }
    TZ_FAIL("config", bad.empty() ? std::string("a value") : "'" + bad + "'",
            " is not valid UTF-8, so the run's checkpoint could not store the config");
  }
}

void TrainSession::track_model(nn::Module& model) { model_ = &model; }

void TrainSession::track_optimizer(std::function<nn::StateDict()> save, std::function<void(const nn::StateDict&)> load) {
  optim_ = std::make_unique<Tracked>(Tracked{"optim", std::move(save), std::move(load)});
}

void TrainSession::track_scheduler(std::function<nn::StateDict()> save, std::function<void(const nn::StateDict&)> load) {
  sched_ = std::make_unique<Tracked>(Tracked{"sched", std::move(save), std::move(load)});
}

void TrainSession::track_data(const std::string& name, std::function<nn::StateDict()> save,
                              std::function<void(const nn::StateDict&)> load) {
  TZ_CHECK(!name.empty() && name.find('.') == std::string::npos, "train", "data name '", name,
           "' must be non-empty and contain no '.'");
  for (const auto& d : data_) TZ_CHECK(d.name != name, "train", "data '", name, "' is tracked twice");
  data_.push_back({name, std::move(save), std::move(load)});
}

void TrainSession::track_generator(const std::string& name, Generator& generator) {
  TZ_CHECK(name != "default", "train", "'default' is tz::default_generator(), tracked automatically");
  for (const auto& g : generators_) TZ_CHECK(g.first != name, "train", "generator '", name, "' is tracked twice");
  generators_.emplace_back(name, &generator);
}

void TrainSession::set_evaluator(std::function<std::map<std::string, double>()> evaluator) {
  evaluator_ = std::move(evaluator);
}

std::string TrainSession::kept_checkpoint() const {
  const std::string path = checkpoint_path(run_.out_dir);
  if (saved_step_ >= 0) return cat_str("last good checkpoint (step ", saved_step_, ") kept at ", path);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return cat_str("no checkpoint saved by this run; ", path, " is an earlier run's");
  return cat_str("no checkpoint was saved yet (checkpoint_every = ", spec_.checkpoint_every, ")");
}

void TrainSession::check_model_finite(int64_t step) const {
  if (!model_) return;
  struct Named {
    const char* kind;
    std::string name;
    Tensor t;
  };
  std::vector<Named> all;
  for (auto& [name, p] : model_->named_parameters()) {
    all.push_back({"parameter", name, p});
    if (p.grad().defined()) all.push_back({"gradient", name + ".grad", p.grad()});
  }
  for (auto& [name, b] : model_->named_buffers()) all.push_back({"buffer", name, b});
  NoGradGuard no_grad;
  // One host sync for the whole model on the common path: x * 0 sums to 0 unless x holds a
  // NaN/Inf, then to NaN. The partial sums stay on the device.
  Tensor probe;
  for (const Named& n : all) {
    if (!n.t.defined() || !is_floating(n.t.dtype()) || n.t.numel() == 0) continue;
    const Tensor part = sum(n.t * Scalar(0.0), {}, false, DType::F32);
    probe = !probe.defined() ? part : probe + (part.device() == probe.device() ? part : part.to(probe.device()));
  }
  if (!probe.defined() || std::isfinite(probe.item<double>())) return;
  for (const Named& n : all) {
    const autograd::NonFiniteScan s = autograd::scan_nonfinite(n.t);
    if (s.finite()) continue;
    TZ_FAIL("train", n.kind, " '", n.name, "' holds ", s.what(), " at step ", step, "; checkpoint not saved, ",
            kept_checkpoint(), " (", kAllowHint, " saves it anyway)");
  }
}

void TrainSession::save(int64_t step) {
  if (!spec_.allow_nonfinite) check_model_finite(step);
  nn::Checkpoint ck;
  if (model_) ck.model = model_->state_dict();
  if (optim_) ck.optim = optim_->save();
  if (sched_) ck.sched = sched_->save();
  for (const auto& d : data_) {
    for (auto& [key, t] : d.save()) ck.data.emplace(d.name + "." + key, t);
  }
  ck.capture_default_rng();
  for (const auto& [name, gen] : generators_) ck.rng[name] = gen->state();
  ck.step = step;
  ck.config = run_.config.dump();
  ck.metadata["model"] = run_.model;
  nn::save_checkpoint(checkpoint_path(run_.out_dir), ck);
  saved_step_ = step;
}

void TrainSession::restore(const nn::Checkpoint& ck) {
  const std::string where = checkpoint_path(run_.out_dir);
  if (model_) model_->load_state_dict(ck.model, /*strict=*/true);
  if (optim_) optim_->load(ck.optim);
  if (sched_) sched_->load(ck.sched);
  for (const auto& d : data_) {
    nn::StateDict part;
    const std::string prefix = d.name + ".";
    for (const auto& [key, t] : ck.data) {
      if (key.rfind(prefix, 0) == 0) part.emplace(key.substr(prefix.size()), t);
    }
    d.load(part);
  }
  ck.restore_default_rng();
  for (const auto& [name, gen] : generators_) {
    auto it = ck.rng.find(name);
    TZ_CHECK(it != ck.rng.end(), "checkpoint", where, ": no state for generator '", name, "' (rng.", name, ")");
    gen->set_state(it->second);
  }
}

int64_t TrainSession::begin() {
  TZ_CHECK(!begun_, "train", "begin() called twice");
  begun_ = true;
  step_ = 0;
  // Temp files a crashed save left next to the checkpoint are never renamed into place.
  io::remove_stale_temp_files(checkpoint_path(run_.out_dir));
  if (run_.resume) {
    const nn::Checkpoint ck = load_run_checkpoint(run_);
    restore(ck);
    step_ = saved_step_ = ck.step;
  }
  std::error_code ec;
  const bool overwriting = !run_.resume && std::filesystem::exists(checkpoint_path(run_.out_dir), ec);
  logger_.start(step_);
  if (overwriting) {
    logger_.message(cat_str("note: starting over in ", run_.out_dir,
                            " (its checkpoint will be replaced; --resume continues it instead)"));
  }
  if (run_.resume) {
    logger_.message(step_ >= spec_.total_steps
                        ? cat_str("resumed at step ", step_, ": already at or past the last step (", spec_.total_steps,
                                  "); raise steps to train longer")
                        : cat_str("resumed from step ", step_, " of ", spec_.total_steps));
  }
  return step_;
}

bool TrainSession::end_step(int64_t step, double loss, double lr, int64_t items) {
  TZ_CHECK(begun_, "train", "end_step() before begin()");
  TZ_CHECK(step == step_ + 1, "train", "end_step(", step, ") after step ", step_, ": steps must be reported in order");
  if (!std::isfinite(loss)) {
    if (!spec_.allow_nonfinite) {
      // Nothing of this step is logged or saved: the weights after it are not trustworthy. The
      // logger still closes its files (curves.svg of the good steps), its own error unseen.
      finished_ = true;
      try {
        logger_.finish();
      } catch (const Error&) {
      }
      TZ_FAIL("train", "loss is ", number_word(loss), " at step ", step, " (lr ", lr, "); stopped, ", kept_checkpoint(),
              " (", kAllowHint, " trains on anyway; --detect-anomaly names the op that made it)");
    }
    if (!warned_nonfinite_) {
      warned_nonfinite_ = true;
      logger_.message(cat_str("warning: loss is ", number_word(loss), " at step ", step,
                              "; training on because allow_nonfinite is set"));
    }
  }
  step_ = step;
  logger_.log_step(step, loss, lr, items);
  const bool last = step >= spec_.total_steps;
  // Evaluate before checkpointing, so the checkpoint holds the state after any random draws
  // the evaluation made: the resumed run then continues exactly as the uninterrupted one.
  if (evaluator_ && (multiple_of(step, spec_.eval_every) || last)) {
    logger_.log_eval(step, evaluator_());
    evaluated_step_ = step;
  }
  const bool stop = !last && (stop_requested() || (run_.stop_after > 0 && step >= run_.stop_after));
  if (multiple_of(step, spec_.checkpoint_every) || last || stop) save(step);
  if (stop) {
    stopped_ = true;
    logger_.message(cat_str("stopped after step ", step, " of ", spec_.total_steps, "; checkpoint saved. Continue with: ",
                            "tensorzoo train ", run_.model, " --out ", run_.out_dir, " --resume"));
    return false;
  }
  return true;
}

void TrainSession::finish() {
  if (finished_) return;
  finished_ = true;
  if (begun_ && saved_step_ != step_) save(step_);
  logger_.finish();
  if (!stopped_) {
    logger_.message(cat_str("done: ", step_, " steps; checkpoint, metrics.jsonl and curves.svg in ", run_.out_dir));
  }
}

}  // namespace tz::models
