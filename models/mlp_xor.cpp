// mlp-xor: a 2-layer MLP that learns XOR of the signs of two coordinates, on a deterministic
// synthetic dataset. Small enough to train in a second on a CPU: it keeps the CLI, the config
// system, the trainer and checkpoint/resume testable end to end, and is the template for
// registering a model (see models/registry.h).
#include <cmath>
#include <cstdio>
#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_index.h"
#include "autograd/ops_linalg.h"
#include "autograd/ops_reduce.h"
#include "autograd/ops_shape.h"
#include "autograd/ops_unary.h"
#include "core/factories.h"
#include "models/registry.h"
#include "models/trainer.h"
#include "nn/losses.h"
#include "nn/optim/grad_scaler.h"
#include "nn/optim/scheduler.h"
#include "nn/optim/sgd.h"

namespace tz::models {

namespace {

/// Points uniform in [-1, 1]^2; label 1 when exactly one coordinate is positive.
struct XorData {
  Tensor x;  // [n, 2] f32
  Tensor y;  // [n] f32 in {0, 1}
};

XorData make_xor_data(int64_t n, uint64_t seed, const Device& device) {
  Generator gen(seed);
  Tensor x = rand({n, 2}, {}, &gen) * 2.0 - 1.0;
  Tensor y = logical_xor(gt(x.select(1, 0), 0.0), gt(x.select(1, 1), 0.0)).to(DType::F32);
  return {x.to(device), y.to(device)};
}

/// y = x W^T + b with PyTorch's Linear parameter names, shapes and default initialisation
/// (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias), drawn from the default generator.
/// Kept local so this example depends on nothing but the op library.
class Dense : public nn::Module {
 public:
  Dense(int64_t in, int64_t out) : Module("Dense"), in_(in), out_(out) {
    const double bound = 1.0 / std::sqrt(double(in));
    weight = register_parameter("weight", rand({out, in}) * (2 * bound) - bound);
    bias = register_parameter("bias", rand({out}) * (2 * bound) - bound);
  }
  Tensor forward(const Tensor& x) const { return linear(x, weight, bias); }
  std::string extra_repr() const override {
    return "in_features=" + std::to_string(in_) + ", out_features=" + std::to_string(out_);
  }
  Tensor weight, bias;

 private:
  int64_t in_, out_;
};

class MlpXor : public nn::Module {
 public:
  explicit MlpXor(int64_t hidden) : Module("MlpXor") {
    fc1 = register_module("fc1", std::make_shared<Dense>(2, hidden));
    fc2 = register_module("fc2", std::make_shared<Dense>(hidden, 1));
  }
  /// Logits [n] for points [n, 2].
  Tensor forward(const Tensor& x) const { return fc2->forward(tanh(fc1->forward(x))).squeeze(-1); }

  std::shared_ptr<Dense> fc1, fc2;
};

Tensor bce_with_logits(const Tensor& logits, const Tensor& target) {
  return nn::functional::binary_cross_entropy_with_logits(logits, target);
}

std::map<std::string, double> evaluate(MlpXor& model, const XorData& data) {
  NoGradGuard no_grad;
  const Tensor logits = model.forward(data.x);
  const double loss = bce_with_logits(logits, data.y).item<double>();
  const double accuracy = mean(eq(gt(logits, 0.0).to(DType::F32), data.y).to(DType::F32)).item<double>();
  return {{"loss", loss}, {"accuracy", accuracy}};
}

std::shared_ptr<MlpXor> build_model(const RunOptions& run) {
  manual_seed(run.config["seed"].get<uint64_t>());
  auto model = std::make_shared<MlpXor>(run.config["hidden"].get<int64_t>());
  model->to(run.device);
  return model;
}

XorData test_data(const RunOptions& run) {
  const auto& data = run.config["data"];
  return make_xor_data(data["test_size"].get<int64_t>(), data["seed"].get<uint64_t>() + 1, run.device);
}

void train(const RunOptions& run) {
  const json& cfg = run.config;
  auto model = build_model(run);
  const XorData train_set =
      make_xor_data(cfg["data"]["train_size"].get<int64_t>(), cfg["data"]["seed"].get<uint64_t>(), run.device);
  const XorData test_set = test_data(run);
  const int64_t batch = cfg["batch_size"].get<int64_t>();
  TZ_CHECK(batch >= 1, "config", "'batch_size' must be >= 1, got ", batch);
  TZ_CHECK(train_set.x.size(0) >= 1, "config", "'data.train_size' must be >= 1");

  optim::SGD sgd(model->parameters(), {.lr = cfg["optim"]["lr"].get<double>(),
                                        .momentum = cfg["optim"]["momentum"].get<double>(),
                                        .weight_decay = cfg["optim"]["weight_decay"].get<double>()});
  const int64_t steps = cfg["steps"].get<int64_t>();
  optim::WarmupCosine schedule(sgd, cfg["optim"]["warmup_steps"].get<int64_t>(), steps);
  Generator sampler(cfg["data"]["seed"].get<uint64_t>() ^ 0x5eedULL);  // batch order: its own stream

  TrainSession session(run, train_spec_from_config(cfg, "samples"));
  session.track_model(*model);
  session.track_optimizer(sgd);
  session.track_scheduler(schedule);
  session.track_generator("sampler", sampler);
  session.set_evaluator([&] { return evaluate(*model, test_set); });

  for (int64_t step = session.begin(); step < steps;) {
    const Tensor idx = randint(0, train_set.x.size(0), {batch}, TensorOptions(DType::I64), &sampler).to(run.device);
    const Tensor loss = bce_with_logits(model->forward(index_select(train_set.x, 0, idx)), index_select(train_set.y, 0, idx));
    sgd.zero_grad();
    loss.backward();
    const double lr = sgd.lr();  // the lr this step uses
    sgd.step();
    schedule.step();
    ++step;
    if (!session.end_step(step, loss.item<double>(), lr, batch)) break;
  }
  session.finish();
}

json eval(const RunOptions& run) {
  auto model = build_model(run);
  const nn::Checkpoint ck = load_run_checkpoint(run);
  model->load_state_dict(ck.model);
  json out = evaluate(*model, test_data(run));
  out["step"] = ck.step;
  return out;
}

std::string sample(const RunOptions& run, const std::string& prompt, int64_t n) {
  auto model = build_model(run);
  model->load_state_dict(load_run_checkpoint(run).model);
  Tensor points;
  if (!prompt.empty()) {
    double a = 0, b = 0;
    char extra = 0;
    TZ_CHECK(std::sscanf(prompt.c_str(), " %lf , %lf %c", &a, &b, &extra) == 2, "mlp-xor",
             "--prompt must be a point 'x,y' (e.g. 0.5,-0.3), got '", prompt, "'");
    points = tz::reshape(tensor({float(a), float(b)}), {1, 2}).to(run.device);
  } else {
    TZ_CHECK(n >= 1, "mlp-xor", "--n must be >= 1, got ", n);
    Generator gen(run.config["seed"].get<uint64_t>() + 7);
    points = (rand({n, 2}, {}, &gen) * 2.0 - 1.0).to(run.device);
  }
  NoGradGuard no_grad;
  const auto xs = points.cpu().to_vector<float>();
  const auto probs = sigmoid(model->forward(points)).cpu().to_vector<float>();
  std::ostringstream out;
  for (size_t i = 0; i < probs.size(); ++i) {
    const float x = xs[2 * i], y = xs[2 * i + 1];
    char line[160];
    std::snprintf(line, sizeof(line), "(%+.3f, %+.3f)  p(xor)=%.4f  predicted %d  true %d\n", x, y, probs[i],
                  probs[i] > 0.5f ? 1 : 0, (x > 0) != (y > 0) ? 1 : 0);
    out << line;
  }
  return out.str();
}

ConfigSchema schema() {
  ConfigSchema s;
  s.defaults = {
      {"seed", 0},
      {"hidden", 16},
      {"batch_size", 64},
      {"data", {{"train_size", 1024}, {"test_size", 512}, {"seed", 1234}}},
      {"optim", {{"lr", 0.5}, {"momentum", 0.9}, {"weight_decay", 0.0}, {"warmup_steps", 10}}},
  };
  s.doc = {
      {"seed", "seed of tz::default_generator() (weight initialisation)"},
      {"hidden", "width of the hidden tanh layer"},
      {"batch_size", "points per optimizer step (sampled with replacement)"},
      {"data.train_size", "number of training points"},
      {"data.test_size", "number of held-out points used for evaluation"},
      {"data.seed", "seed of the synthetic dataset and of the batch sampler"},
      {"optim.lr", "peak learning rate (linear warm-up from 0, then cosine decay to 0)"},
      {"optim.momentum", "SGD momentum (0 disables it)"},
      {"optim.weight_decay", "L2 penalty added to the gradient (SGD weight_decay)"},
      {"optim.warmup_steps", "steps of linear learning-rate warm-up"},
  };
  s.ranges = {{"hidden", at_least(1)},           {"batch_size", at_least(1)},
              {"data.train_size", at_least(1)},  {"data.test_size", at_least(1)},
              {"optim.lr", positive()},          {"optim.momentum", in_range(0, 1, true)},
              {"optim.weight_decay", at_least(0)}, {"optim.warmup_steps", at_least(0)}};
  add_training_fields(s, /*steps=*/300, /*log_every=*/10, /*eval_every=*/100, /*checkpoint_every=*/100);
  return s;
}

}  // namespace

ModelEntry mlp_xor_entry() {
  return {.name = "mlp-xor",
          .description = "2-layer MLP learning XOR of coordinate signs on synthetic points (CLI smoke test)",
          .schema = schema(),
          .train = train,
          .eval = eval,
          .sample = sample};
}

}  // namespace tz::models
