// TrainSession with every kind of tracked state (model, optimizer, scheduler, data, generators):
// the checkpoint holds each under its prefix and --resume puts each back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/io/safetensors.h"
#include "models/trainer.h"
#include "tensorzoo.h"
#include "tests/support/test_support.h"

namespace tz::models {
namespace {

namespace fs = std::filesystem;

class Scale : public nn::Module {
 public:
  Scale() : Module("Scale") { w = register_parameter("w", tensor({1.f, 2.f})); }
  Tensor w;
};

/// Stand-ins with the state_dict()/load_state_dict() shape of nn/optim's classes.
struct FakeOptimizer {
  Tensor velocity = tensor({0.f, 0.f});
  nn::StateDict state_dict() const { return {{"velocity", velocity}}; }
  void load_state_dict(const nn::StateDict& d) { velocity = d.at("velocity").clone(); }
};
struct FakeScheduler {
  int64_t last = 0;
  nn::StateDict state_dict() const { return {{"last", tensor({int(last)}, DType::I64)}}; }
  void load_state_dict(const nn::StateDict& d) { last = d.at("last").item<int64_t>(); }
};

struct World {
  Scale model;
  FakeOptimizer opt;
  FakeScheduler sched;
  int64_t position = 0;  // a data loader's cursor
  Generator noise{77};

  /// One deterministic "training step" that touches every piece of state.
  double step() {
    const Tensor r = rand({2}, {}, &noise) + rand({2});  // own generator + the default one
    opt.velocity = opt.velocity * 0.5 + r;
    model.w.set_data(model.w.detach() - opt.velocity * 0.1);
    ++sched.last;
    position += 3;
    return model.w.sum().item<double>();
  }
  void track(TrainSession& s) {
    s.track_model(model);
    s.track_optimizer(opt);
    s.track_scheduler(sched);
    s.track_data(
        "loader", [this] { return nn::StateDict{{"position", tensor({int(position)}, DType::I64)}}; },
        [this](const nn::StateDict& d) { position = d.at("position").item<int64_t>(); });
    s.track_generator("noise", noise);
  }
};

std::vector<double> run(const std::string& dir, int64_t stop_after, bool resume) {
  manual_seed(5);
  World world;
  RunOptions opts;
  opts.model = "fake";
  opts.config = {{"steps", 12}};
  opts.out_dir = dir;
  opts.resume = resume;
  opts.stop_after = stop_after;
  opts.progress = ProgressStyle::Quiet;
  TrainSession session(opts, {.total_steps = 12, .unit = "items", .log_every = 1});
  world.track(session);
  std::vector<double> losses;
  for (int64_t step = session.begin(); step < 12;) {
    const double loss = world.step();
    losses.push_back(loss);
    ++step;
    if (!session.end_step(step, loss, 0.1, 1)) break;
  }
  session.finish();
  return losses;
}

TEST(TrainSession, EveryTrackedPartRoundTrips) {
  const auto base = fs::temp_directory_path() / ("tz_session_" + std::to_string(::getpid()));
  fs::remove_all(base);
  clear_stop_request();
  const auto full = run((base / "full").string(), 0, false);
  const auto head = run((base / "split").string(), 5, false);
  ASSERT_EQ(head.size(), 5u);

  const auto raw = io::load_safetensors(checkpoint_path((base / "split").string()));
  for (const char* key : {"model.w", "optim.velocity", "sched.last", "data.loader.position", "rng.default", "rng.noise"}) {
    EXPECT_TRUE(raw.tensors.count(key)) << key;
  }
  EXPECT_EQ(raw.metadata.at("model"), "fake");
  EXPECT_EQ(raw.metadata.at("step"), "5");
  EXPECT_EQ(json::parse(raw.metadata.at("config")), (json{{"steps", 12}}));
  EXPECT_EQ(raw.tensors.at("data.loader.position").item<int64_t>(), 15);

  const auto tail = run((base / "split").string(), 0, true);
  ASSERT_EQ(tail.size(), 7u);
  for (size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(full[i], i < 5 ? head[i] : tail[i - 5]) << "step " << i + 1;
  }
  fs::remove_all(base);
}

TEST(TrainSession, MisuseIsReported) {
  RunOptions opts;
  opts.model = "fake";
  opts.progress = ProgressStyle::Quiet;
  EXPECT_TZ_ERROR(TrainSession(opts, {.total_steps = 3}), "an output directory is required");
  opts.out_dir = (fs::temp_directory_path() / ("tz_session_misuse_" + std::to_string(::getpid()))).string();
  TrainSession s(opts, {.total_steps = 3});
  Generator g;
  EXPECT_TZ_ERROR(s.track_generator("default", g), "tracked automatically");
  EXPECT_TZ_ERROR(s.track_data("a.b", {}, {}), "must be non-empty and contain no '.'");
  EXPECT_TZ_ERROR(s.end_step(1, 0, 0, 0), "end_step() before begin()");
  EXPECT_EQ(s.begin(), 0);
  EXPECT_TZ_ERROR(s.end_step(2, 0, 0, 0), "steps must be reported in order");
  s.finish();
  fs::remove_all(opts.out_dir);
}

}  // namespace
}  // namespace tz::models
