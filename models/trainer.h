#pragma once
/// TrainSession: the bookkeeping around a model's training loop — progress and metrics
/// (TrainLogger), periodic evaluation, checkpoints and bit-exact --resume, interrupt handling.
/// The model keeps its own loop; the session never touches the model except through what is
/// registered with it:
///
///   TrainSession session(run, {.total_steps = steps, .unit = "samples", .log_every = 10,
///                              .eval_every = 100, .checkpoint_every = 100});
///   session.track_model(model);                           // model.* in the checkpoint
///   session.track_optimizer(optimizer);                   // optim.* (state_dict/load_state_dict)
///   session.track_generator("sampler", data_generator);   // rng.sampler (default one is automatic)
///   session.set_evaluator([&] { return std::map<std::string, double>{{"loss", ..}}; });
///   for (int64_t step = session.begin(); step < steps;) {   // begin() restores on --resume
///     ... forward, backward, optimizer step ...
///     ++step;
///     if (!session.end_step(step, loss, lr, batch_items)) break;   // interrupted: saved
///   }
///   session.finish();
///
/// Bit-exact resume holds when everything that influences later steps is tracked: the model,
/// optimizer/scheduler state, every generator the loop draws from, and data-pipeline state.
/// end_step() runs the evaluator *before* saving a checkpoint at the same step, so random
/// draws made by evaluation are part of the saved state.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"
#include "models/registry.h"
#include "models/train_logger.h"
#include "nn/checkpoint.h"
#include "nn/module.h"

namespace tz::models {

struct TrainSpec {
  int64_t total_steps = 0;
  std::string unit = "items";    // throughput unit
  int64_t log_every = 1;         // metrics.jsonl cadence
  int64_t eval_every = 0;        // run the evaluator every N steps (0: only after the last step)
  int64_t checkpoint_every = 0;  // save every N steps (0: only at the end and when stopped)
  /// false (default): a NaN/Inf loss stops the run with a tz::Error, and a checkpoint is never
  /// written with non-finite parameters or gradients. true: log and save them anyway.
  bool allow_nonfinite = false;
};

/// Adds the fields every trained model shares, with their doc lines: "steps" (which
/// `tensorzoo train --steps N` sets), "log_every", "eval_every", "checkpoint_every" and
/// "allow_nonfinite" (false).
void add_training_fields(ConfigSchema& schema, int64_t steps, int64_t log_every, int64_t eval_every,
                         int64_t checkpoint_every);
/// A TrainSpec from those fields of a validated config.
TrainSpec train_spec_from_config(const json& config, const std::string& unit);

/// DIR/checkpoint.safetensors.
std::string checkpoint_path(const std::string& out_dir);
/// Loads the run's checkpoint and checks it belongs to run.model. Throws a message that says what
/// to do: "[checkpoint] no checkpoint in 'DIR' (train first: tensorzoo train <model> --out DIR)".
nn::Checkpoint load_run_checkpoint(const RunOptions& run);

/// Asks running sessions to stop after the current step (saving a checkpoint). Async-signal-safe:
/// the CLI calls it from its SIGINT handler.
void request_stop();
bool stop_requested();
/// Clears a pending request (tests, or a program that trains twice).
void clear_stop_request();

class TrainSession {
 public:
  TrainSession(const RunOptions& run, TrainSpec spec);

  void track_model(nn::Module& model);
  /// optim.* entries: a getter returning the optimizer's state_dict and a setter loading one.
  void track_optimizer(std::function<nn::StateDict()> save, std::function<void(const nn::StateDict&)> load);
  template <class Optimizer>
  void track_optimizer(Optimizer& opt) {
    track_optimizer([&opt] { return opt.state_dict(); }, [&opt](const nn::StateDict& d) { opt.load_state_dict(d); });
  }
  /// sched.* entries.
  void track_scheduler(std::function<nn::StateDict()> save, std::function<void(const nn::StateDict&)> load);
  template <class Scheduler>
  void track_scheduler(Scheduler& s) {
    track_scheduler([&s] { return s.state_dict(); }, [&s](const nn::StateDict& d) { s.load_state_dict(d); });
  }
  /// data.<name>.* entries (a DataLoader's epoch/permutation/position).
  void track_data(const std::string& name, std::function<nn::StateDict()> save,
                  std::function<void(const nn::StateDict&)> load);
  /// rng.<name>: a generator the loop owns (tz::default_generator() is always tracked as "default").
  void track_generator(const std::string& name, Generator& generator);
  /// Called at eval_every steps and after the last step; returns metrics logged as eval_<key>.
  void set_evaluator(std::function<std::map<std::string, double>()> evaluator);

  /// Starts the run: on run.resume restores everything tracked from DIR/checkpoint.safetensors
  /// and returns its step; otherwise starts fresh files and returns 0.
  int64_t begin();
  /// Reports a finished step (1-based): logs it, evaluates and checkpoints when due. Returns
  /// false when the loop must stop now (interrupt or run.stop_after); the state is saved then.
  /// A NaN/Inf loss throws "[train] loss is nan at step N (lr X); stopped, ..." before anything
  /// is logged or saved, so the checkpoint on disk stays the last good one (unless
  /// TrainSpec::allow_nonfinite, which logs the step and warns once).
  bool end_step(int64_t step, double loss, double lr, int64_t items);
  /// Saves the final checkpoint (unless this step is saved already) and writes curves.svg.
  void finish();
  /// Writes DIR/checkpoint.safetensors for `step` now. Unless allow_nonfinite, first checks that
  /// the tracked model's parameters, buffers and gradients are finite and throws (writing
  /// nothing) when one is not.
  void save(int64_t step);

  TrainLogger& logger() { return logger_; }
  const RunOptions& run() const { return run_; }
  bool stopped() const { return stopped_; }

 private:
  struct Tracked {
    std::string name;
    std::function<nn::StateDict()> save;
    std::function<void(const nn::StateDict&)> load;
  };
  void restore(const nn::Checkpoint& ck);
  /// What is on disk now, for the stop messages: "last good checkpoint (step 4) kept at PATH".
  std::string kept_checkpoint() const;
  /// Throws when a parameter, buffer or gradient of the tracked model is NaN/Inf.
  void check_model_finite(int64_t step) const;

  RunOptions run_;
  TrainSpec spec_;
  TrainLogger logger_;
  nn::Module* model_ = nullptr;
  std::unique_ptr<Tracked> optim_, sched_;
  std::vector<Tracked> data_;
  std::vector<std::pair<std::string, Generator*>> generators_;
  std::function<std::map<std::string, double>()> evaluator_;
  int64_t step_ = 0;
  int64_t saved_step_ = -1;
  int64_t evaluated_step_ = -1;
  bool begun_ = false;
  bool stopped_ = false;
  bool finished_ = false;
  bool warned_nonfinite_ = false;
};

}  // namespace tz::models
