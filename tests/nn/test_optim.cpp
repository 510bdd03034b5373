// Optimizers, schedulers and gradient clipping against PyTorch
// (tests/data/torch_refs_optim.safetensors, the `optim` group of tools/gen_torch_refs.py), and
// checkpoint round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>

#include <unistd.h>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using optim::ParamGroup;

const io::SafetensorsFile& optim_fixture() {
  static const io::SafetensorsFile file = io::load_safetensors(test::data_path("torch_refs_optim.safetensors"));
  return file;
}
const Tensor& fixture_ref(const std::string& key) {
  const auto& t = optim_fixture().tensors;
  auto it = t.find(key);
  if (it == t.end()) throw std::runtime_error("fixture lacks " + key + ": rerun tools/gen_torch_refs.py");
  return it->second;
}

// ---- the fixed problem: loss = mean((tanh(x @ w.T + b) - y)^2), w in group 0, b in group 1 ----
struct Problem {
  Tensor w = fixture_ref("problem.w0").clone().requires_grad_();
  Tensor b = fixture_ref("problem.b0").clone().requires_grad_();
  void backward() const {
    const Tensor pred = tanh(matmul(fixture_ref("problem.x"), w.t()) + b);
    mean(square(pred - fixture_ref("problem.y"))).backward();
  }
};

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(const Tensor& w, const Tensor& b)>;

template <class Opt, class Defaults>
MakeOptimizer make(Defaults defaults, optim::Options group1) {
  return [=](const Tensor& w, const Tensor& b) {
    return std::make_unique<Opt>(std::vector<ParamGroup>{{{w}, {}}, {{b}, group1}}, defaults);
  };
}

/// The configurations of tools/gen_torch_refs.py's optim(), by fixture name.
std::vector<std::pair<std::string, MakeOptimizer>> configs() {
  using optim::AdamOptions;
  using optim::AdamWOptions;
  using optim::SGDOptions;
  AdamWOptions adamw;
  adamw.lr = 0.05, adamw.weight_decay = 0.1;
  AdamWOptions adamw_ams;
  adamw_ams.lr = 0.03, adamw_ams.beta1 = 0.85, adamw_ams.beta2 = 0.95, adamw_ams.eps = 1e-6;
  adamw_ams.weight_decay = 0.05, adamw_ams.amsgrad = true;
  return {
      {"sgd", make<optim::SGD>(SGDOptions{.lr = 0.1}, {{"lr", 0.3}})},
      {"sgd_momentum",
       make<optim::SGD>(SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01}, {{"lr", 0.05}})},
      {"sgd_nesterov",
       make<optim::SGD>(SGDOptions{.lr = 0.1, .momentum = 0.8, .weight_decay = 0.02, .nesterov = true}, {{"lr", 0.2}})},
      {"sgd_maximize", make<optim::SGD>(SGDOptions{.lr = 0.01, .momentum = 0.5, .maximize = true}, {{"lr", 0.02}})},
      {"adam", make<optim::Adam>(AdamOptions{.lr = 0.05, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-8}, {{"lr", 0.01}})},
      {"adam_weight_decay", make<optim::Adam>(AdamOptions{.lr = 0.05, .weight_decay = 0.1}, {{"lr", 0.02}})},
      {"adam_amsgrad", make<optim::Adam>(
                           AdamOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.01, .amsgrad = true},
                           {{"lr", 0.1}})},
      {"adamw", make<optim::AdamW>(adamw, {{"lr", 0.02}, {"weight_decay", 0.0}})},
      {"adamw_amsgrad", make<optim::AdamW>(adamw_ams, {{"lr", 0.06}})},
      {"adam_maximize", make<optim::Adam>(AdamOptions{.lr = 0.01, .maximize = true}, {{"lr", 0.01}})},
  };
}

TEST(Optim, TrajectoriesMatchTorch) {
  for (const auto& [name, make_opt] : configs()) {
    SCOPED_TRACE(name + ": " + optim_fixture().metadata.at(name));
    Problem pb;
    auto opt = make_opt(pb.w, pb.b);
    const Tensor& ws = fixture_ref(name + ".w");
    const Tensor& bs = fixture_ref(name + ".b");
    for (int64_t step = 0; step < 20; ++step) {
      opt->zero_grad();
      pb.backward();
      opt->step();
      ASSERT_TENSOR_CLOSE(pb.w, ws[step], 1e-9, 1e-12) << "w after step " << step + 1;
      ASSERT_TENSOR_CLOSE(pb.b, bs[step], 1e-9, 1e-12) << "b after step " << step + 1;
    }
    EXPECT_FALSE(pb.w.grad_fn()) << "the update must not record a graph";
  }
}

TEST(Optim, StateDictRoundTripContinuesBitIdentically) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("tz_optim_ckpt_" + std::to_string(::getpid()) + ".safetensors")).string();
  for (const auto& [name, make_opt] : configs()) {
    SCOPED_TRACE(name);
    // Uninterrupted: 20 steps with a warmup-cosine schedule.
    Problem full;
    auto opt_full = make_opt(full.w, full.b);
    optim::WarmupCosine sched_full(*opt_full, 3, 20, 1e-3);
    for (int i = 0; i < 20; ++i) {
      opt_full->zero_grad();
      full.backward();
      opt_full->step();
      sched_full.step();
    }
    // Interrupted after 9 steps: save parameters, optimizer and scheduler to one safetensors
    // file, rebuild everything fresh, load, continue.
    Problem first;
    auto opt_first = make_opt(first.w, first.b);
    optim::WarmupCosine sched_first(*opt_first, 3, 20, 1e-3);
    for (int i = 0; i < 9; ++i) {
      opt_first->zero_grad();
      first.backward();
      opt_first->step();
      sched_first.step();
    }
    nn::StateDict ckpt{{"w", first.w.detach()}, {"b", first.b.detach()}};
    for (const auto& [k, v] : opt_first->state_dict()) ckpt["optimizer." + k] = v;
    for (const auto& [k, v] : sched_first.state_dict()) ckpt["scheduler." + k] = v;
    io::save_safetensors(path, ckpt);

    const auto loaded = io::load_safetensors(path).tensors;
    Problem resumed;
    {
      NoGradGuard g;
      resumed.w.copy_(loaded.at("w"));
      resumed.b.copy_(loaded.at("b"));
    }
    auto opt_resumed = make_opt(resumed.w, resumed.b);
    optim::WarmupCosine sched_resumed(*opt_resumed, 3, 20, 1e-3);
    nn::StateDict opt_sd, sched_sd;
    for (const auto& [k, v] : loaded) {
      if (k.rfind("optimizer.", 0) == 0) opt_sd[k.substr(10)] = v;
      if (k.rfind("scheduler.", 0) == 0) sched_sd[k.substr(10)] = v;
    }
    opt_resumed->load_state_dict(opt_sd);
    sched_resumed.load_state_dict(sched_sd);
    EXPECT_EQ(sched_resumed.last_epoch(), 9);
    for (int i = 9; i < 20; ++i) {
      opt_resumed->zero_grad();
      resumed.backward();
      opt_resumed->step();
      sched_resumed.step();
    }
    EXPECT_TENSOR_EQ(resumed.w, full.w);
    EXPECT_TENSOR_EQ(resumed.b, full.b);
    EXPECT_EQ(opt_resumed->lr(1), opt_full->lr(1));
  }
  std::remove(path.c_str());
}

TEST(Optim, StateDictLayout) {
  Problem pb;
  optim::Adam opt(std::vector<ParamGroup>{{{pb.w}, {}}, {{pb.b}, {{"lr", 0.5}}}}, {.amsgrad = true});
  EXPECT_EQ(opt.state_dict().count("state.0.step"), 0u);  // no state before the first step
  pb.backward();
  opt.step();
  const nn::StateDict sd = opt.state_dict();
  EXPECT_EQ(sd.at("state.1.step").item<int64_t>(), 1);
  EXPECT_EQ(sd.at("state.1.exp_avg").shape(), Shape({3}));
  EXPECT_EQ(sd.at("state.0.max_exp_avg_sq").shape(), Shape({3, 4}));
  EXPECT_EQ(sd.at("param_groups.1.lr").dtype(), DType::F64);
  EXPECT_EQ(sd.at("param_groups.1.lr").item<double>(), 0.5);
  EXPECT_EQ(sd.at("param_groups.0.amsgrad").item<double>(), 1.0);
  EXPECT_EQ(sd.at("param_groups.1.params").to_vector<int64_t>(), std::vector<int64_t>{1});

  // Mismatched checkpoints are refused.
  Problem other;
  optim::Adam one_group(TensorList{other.w, other.b});
  EXPECT_TZ_ERROR(one_group.load_state_dict(sd), "[load_state_dict] parameter group 0 has 2 parameters");
  nn::StateDict bad = sd;
  bad["state.0.bogus.x"] = zeros({1});
  bad["junk"] = zeros({1});
  optim::Adam fresh(std::vector<ParamGroup>{{{other.w}, {}}, {{other.b}, {}}});
  EXPECT_TZ_ERROR(fresh.load_state_dict(bad), "unexpected key 'junk'");
}

TEST(Optim, GroupsZeroGradAndValidation) {
  Problem pb;
  optim::SGD opt(TensorList{pb.w}, {.lr = 0.1});
  opt.add_param_group({{pb.b}, {{"lr", 0.2}, {"momentum", 0.5}}});
  EXPECT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.lr(1), 0.2);
  EXPECT_EQ(opt.param_groups()[1].options.at("dampening"), 0.0);  // filled from the defaults
  pb.backward();
  opt.zero_grad(false);
  EXPECT_EQ(sum(abs(pb.w.grad())).item<double>(), 0.0);
  opt.zero_grad();
  EXPECT_FALSE(pb.w.grad().defined());
  // A parameter without a gradient is skipped.
  const Tensor before = pb.w.clone();
  opt.step();
  EXPECT_TENSOR_EQ(pb.w, before);

  EXPECT_TZ_ERROR(opt.add_param_group({{pb.w}, {}}), "more than one parameter group");
  EXPECT_TZ_ERROR(optim::SGD(TensorList{pb.w}, {.lr = -1.0}), "[SGD] invalid learning rate");
  EXPECT_TZ_ERROR(optim::SGD(TensorList{pb.w}, {.lr = 0.1, .nesterov = true}), "nesterov");
  EXPECT_TZ_ERROR(optim::Adam(TensorList{pb.w}, {.beta2 = 1.0}), "[Adam] invalid beta parameter at index 1");
  EXPECT_TZ_ERROR(optim::Adam(TensorList{tensor({1, 2})}), "floating-point");
  EXPECT_TZ_ERROR(optim::Adam(TensorList{}), "empty parameter list");
}

TEST(Optim, AdamWDefaultsAndFloat32) {
  optim::AdamW w_opt(TensorList{zeros({2}).requires_grad_()});
  EXPECT_EQ(w_opt.param_groups()[0].options.at("weight_decay"), 1e-2);
  EXPECT_EQ(w_opt.name(), "AdamW");
  // f32 parameters: Adam's first step moves each coordinate by about lr * sign(grad).
  Tensor p = tensor({1.0f, -2.0f, 3.0f}).requires_grad_();
  optim::Adam opt(TensorList{p}, {.lr = 0.1});
  sum(p * tensor({2.0f, -0.5f, 0.0f})).backward();
  opt.step();
  EXPECT_TENSOR_CLOSE(p, tensor({0.9f, -1.9f, 3.0f}), 1e-5, 1e-6);
  EXPECT_EQ(p.dtype(), DType::F32);
}

// ---- schedulers -------------------------------------------------------------------------------
using MakeScheduler = std::function<std::unique_ptr<optim::LRScheduler>(optim::Optimizer&)>;

void check_lrs(const std::string& name, const MakeScheduler& make_sched) {
  SCOPED_TRACE(name + ": " + optim_fixture().metadata.at(name));
  const Tensor p0 = zeros({1}).requires_grad_(), p1 = zeros({1}).requires_grad_();
  optim::SGD opt(std::vector<ParamGroup>{{{p0}, {{"lr", 0.1}}}, {{p1}, {{"lr", 0.4}}}});
  auto sched = make_sched(opt);
  const Tensor& expected = fixture_ref(name + ".lr");
  for (int64_t i = 0; i < expected.size(0); ++i) {
    const std::vector<double> lr = sched->get_last_lr();
    ASSERT_EQ(lr.size(), 2u);
    for (int64_t g = 0; g < 2; ++g) {
      EXPECT_NEAR(lr[g], expected[i][g].item<double>(), 1e-13) << "step " << i << " group " << g;
      EXPECT_EQ(opt.lr(g), lr[g]);
    }
    opt.step();
    sched->step();
  }
}

TEST(Schedulers, LrSequencesMatchTorch) {
  check_lrs("linear_warmup", [](optim::Optimizer& o) { return std::make_unique<optim::LinearWarmup>(o, 0.25, 1.0, 6); });
  check_lrs("cosine", [](optim::Optimizer& o) { return std::make_unique<optim::CosineAnnealing>(o, 10, 0.01); });
  check_lrs("step", [](optim::Optimizer& o) { return std::make_unique<optim::StepLR>(o, 4, 0.5); });
  for (std::string anneal : {"cos", "linear"})
    for (bool three : {false, true})
      check_lrs("one_cycle_" + anneal + (three ? "_three_phase" : ""), [&](optim::Optimizer& o) {
        return std::make_unique<optim::OneCycleLR>(
            o, 1.0, 25,
            optim::OneCycleOptions{.pct_start = 0.3, .anneal_strategy = anneal, .div_factor = 25.0,
                                   .final_div_factor = 1e4, .three_phase = three});
      });
  check_lrs("warmup_cosine", [](optim::Optimizer& o) { return std::make_unique<optim::WarmupCosine>(o, 5, 20, 0.01); });
}

TEST(Schedulers, EdgesAndErrors) {
  const Tensor p = zeros({1}).requires_grad_();
  optim::SGD opt(TensorList{p}, {.lr = 1.0});
  optim::WarmupCosine sched(opt, 2, 4, 0.1);
  std::vector<double> seen;
  for (int i = 0; i < 7; ++i) {
    seen.push_back(opt.lr());
    sched.step();
  }
  const std::vector<double> expected{0.0, 0.5, 1.0, 0.55, 0.1, 0.1, 0.1};  // stays at min_lr
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_NEAR(seen[i], expected[i], 1e-15) << i;

  optim::SGD opt2(TensorList{zeros({1}).requires_grad_()}, {.lr = 1.0});
  optim::OneCycleLR cycle(opt2, 1.0, 3);
  for (int i = 0; i < 3; ++i) cycle.step();
  EXPECT_TZ_ERROR(cycle.step(), "[OneCycleLR] tried to step 4 times; total_steps is 3");
  EXPECT_TZ_ERROR(optim::StepLR(opt2, 0), "[StepLR] step_size must be positive");
  EXPECT_TZ_ERROR(optim::OneCycleLR(opt2, 1.0, 10, {.anneal_strategy = "exp"}), "anneal_strategy");
  EXPECT_TZ_ERROR(sched.load_state_dict({}), "[load_state_dict] WarmupCosine state dict has 0 entries");
}

// ---- clipping ---------------------------------------------------------------------------------
TEST(Clip, GradNormMatchesTorch) {
  struct Case {
    std::string tag;
    double max_norm, norm_type;
  };
  for (const Case& c : {Case{"l2", 1.0, 2.0}, Case{"l1", 2.0, 1.0},
                        Case{"inf", 0.5, std::numeric_limits<double>::infinity()}, Case{"l3", 100.0, 3.0}}) {
    SCOPED_TRACE(c.tag);
    TensorList params{zeros({3, 4}, DType::F64).requires_grad_(), zeros({5}, DType::F64).requires_grad_()};
    params[0].set_grad(fixture_ref("clip.grad0").clone());
    params[1].set_grad(fixture_ref("clip.grad1").clone());
    const Tensor total = nn::utils::clip_grad_norm_(params, c.max_norm, c.norm_type);
    EXPECT_TENSOR_CLOSE(total, fixture_ref("clip_" + c.tag + ".total_norm"), 1e-12, 1e-14);
    EXPECT_TENSOR_CLOSE(params[0].grad(), fixture_ref("clip_" + c.tag + ".grad0"), 1e-12, 1e-14);
    EXPECT_TENSOR_CLOSE(params[1].grad(), fixture_ref("clip_" + c.tag + ".grad1"), 1e-12, 1e-14);
  }
}

TEST(Clip, ValueNonfiniteAndEmpty) {
  Tensor p = zeros({4}).requires_grad_();
  p.set_grad(tensor({-3.f, 0.5f, 2.f, -0.1f}));
  nn::utils::clip_grad_value_({p}, 1.0);
  EXPECT_TENSOR_EQ(p.grad(), tensor({-1.f, 0.5f, 1.f, -0.1f}));

  Tensor q = zeros({2}).requires_grad_();
  q.set_grad(tensor({std::numeric_limits<float>::infinity(), 1.f}));
  EXPECT_TZ_ERROR(nn::utils::clip_grad_norm_({q}, 1.0, 2.0, true), "[clip_grad_norm_] the total norm");
  // Parameters without gradients: total norm 0, nothing to do.
  EXPECT_EQ(nn::utils::clip_grad_norm_({zeros({2}).requires_grad_()}, 1.0).item<double>(), 0.0);
  // A small norm is left unchanged (coefficient clamped at 1).
  Tensor r = zeros({2}).requires_grad_();
  r.set_grad(tensor({0.3f, 0.4f}));
  EXPECT_NEAR(nn::utils::clip_grad_norm_({r}, 1.0).item<double>(), 0.5, 1e-7);
  EXPECT_TENSOR_CLOSE(r.grad(), tensor({0.3f, 0.4f}));
}

}  // namespace
}  // namespace tz
