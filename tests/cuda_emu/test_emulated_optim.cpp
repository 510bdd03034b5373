// The CUDA fused Adam/AdamW and SGD steps (cuda_optim.cu) on the CPU kernel emulator: bit for bit
// what the CPU backend's fused steps give (which in turn equal the optimizers' composites of
// elementwise ops, tests/nn/test_optim_fused.cpp) for Adam, AdamW, amsgrad (with NaN in the
// state), maximize, SGD with momentum / dampening / nesterov, f32 and f64; 16-bit parameters are
// declined.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/registry.h"
#include "tensorzoo.h"
#include "tests/cuda_emu/emulated_entry_points.h"

namespace {

using namespace tz;

struct State {
  Tensor param, grad, exp_avg, exp_avg_sq, max_sq;
};

State make_state(DType dt, int64_t n, uint64_t seed) {
  manual_seed(seed);
  const TensorOptions o(dt);
  State s{randn({n}, o), randn({n}, o), randn({n}, o) * 0.1, rand({n}, o) * 0.01, rand({n}, o) * 0.02};
  // A NaN in the state: amsgrad's maximum must propagate it as the composite's maximum() does.
  s.max_sq.narrow(0, 3, 1).fill_(Scalar(std::nan("")));
  return s;
}

State clone(const State& s) {
  return {s.param.clone(), s.grad.clone(), s.exp_avg.clone(), s.exp_avg_sq.clone(), s.max_sq.clone()};
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), size_t(a.numel()) * dtype_size(a.dtype())) == 0;
}

void check(DType dt, const AdamStepParams& p, const std::string& what) {
  SCOPED_TRACE(std::string(dtype_name(dt)) + " " + what);
  const State start = make_state(dt, 1000, 7);
  State cpu = clone(start), emu = clone(start);
  Backend& cpu_backend = backend_for(Device("cpu"));
  for (int step = 1; step <= 3; ++step) {  // a few steps: the state feeds back
    AdamStepParams q = p;
    q.bias_correction1 = 1.0 - std::pow(p.beta1, step);
    q.bias_correction2_sqrt = std::sqrt(1.0 - std::pow(p.beta2, step));
    ASSERT_TRUE(cpu_backend.adam_step(cpu.param.kernel_view(), cpu.grad.kernel_view(), cpu.exp_avg.kernel_view(),
                                      cpu.exp_avg_sq.kernel_view(), cpu.max_sq.kernel_view(), q));
    ASSERT_TRUE(cuda_emu_tests::adam_step(emu.param.kernel_view(), emu.grad.kernel_view(), emu.exp_avg.kernel_view(),
                                          emu.exp_avg_sq.kernel_view(), emu.max_sq.kernel_view(), q));
  }
  EXPECT_FALSE(same_bits(emu.param, start.param)) << "the step changed nothing";
  EXPECT_TRUE(same_bits(emu.param, cpu.param)) << "param";
  EXPECT_TRUE(same_bits(emu.exp_avg, cpu.exp_avg)) << "exp_avg";
  EXPECT_TRUE(same_bits(emu.exp_avg_sq, cpu.exp_avg_sq)) << "exp_avg_sq";
  if (p.amsgrad) EXPECT_TRUE(same_bits(emu.max_sq, cpu.max_sq)) << "max_exp_avg_sq";
}

class EmulatedAdam : public ::testing::TestWithParam<DType> {};

TEST_P(EmulatedAdam, MatchesTheCpuStepBitForBit) {
  AdamStepParams p;
  p.lr = 1e-2;
  check(GetParam(), p, "adam");
  p.weight_decay = 0.1;
  check(GetParam(), p, "adam + L2");
  p.decoupled_weight_decay = true;
  check(GetParam(), p, "adamw");
  p.amsgrad = true;
  check(GetParam(), p, "adamw amsgrad");
  p.maximize = true;
  p.beta1 = 0.8;
  p.eps = 1e-6;
  check(GetParam(), p, "adamw amsgrad maximize");
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedAdam, ::testing::Values(DType::F32, DType::F64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

class EmulatedSgd : public ::testing::TestWithParam<DType> {};

TEST_P(EmulatedSgd, MatchesTheCpuStepBitForBit) {
  Backend& cpu_backend = backend_for(Device("cpu"));
  const auto run = [&](SgdStepParams p, const std::string& what) {
    SCOPED_TRACE(std::string(dtype_name(GetParam())) + " " + what);
    const State start = make_state(GetParam(), 1000, 11);
    State cpu = clone(start), emu = clone(start);
    for (int step = 0; step < 3; ++step) {
      p.first_step = step == 0;
      ASSERT_TRUE(cpu_backend.sgd_step(cpu.param.kernel_view(), cpu.grad.kernel_view(), cpu.exp_avg.kernel_view(), p));
      ASSERT_TRUE(cuda_emu_tests::sgd_step(emu.param.kernel_view(), emu.grad.kernel_view(), emu.exp_avg.kernel_view(), p));
    }
    EXPECT_FALSE(same_bits(emu.param, start.param)) << "the step changed nothing";
    EXPECT_TRUE(same_bits(emu.param, cpu.param)) << "param";
    if (p.momentum != 0.0) EXPECT_TRUE(same_bits(emu.exp_avg, cpu.exp_avg)) << "momentum buffer";
  };
  SgdStepParams p;
  p.lr = 0.05;
  run(p, "plain");
  p.weight_decay = 0.01;
  p.momentum = 0.9;
  run(p, "momentum + weight decay");
  p.dampening = 0.1;
  p.nesterov = false;
  run(p, "dampening");
  p.dampening = 0.0;
  p.nesterov = true;
  p.maximize = true;
  run(p, "nesterov maximize");
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedSgd, ::testing::Values(DType::F32, DType::F64),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST(EmulatedAdam, DeclinesSixteenBitParameters) {
  const Tensor x = zeros({4}, TensorOptions(DType::BF16));
  EXPECT_FALSE(cuda_emu_tests::adam_step(x.kernel_view(), x.kernel_view(), x.kernel_view(), x.kernel_view(),
                                         x.kernel_view(), AdamStepParams{}));
}

}  // namespace
