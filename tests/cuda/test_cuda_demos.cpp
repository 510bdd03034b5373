// The demos' smoke versions train on CUDA with the CPU's losses: the same initial weights (built on
// the CPU, then moved), the same batches, a few optimizer steps on each device.
#include "models/gpt_char.h"
#include "models/vit_fmnist.h"
#include "nn/losses.h"
#include "nn/optim/adam.h"
#include "tests/cuda/cuda_test_support.h"

namespace tz::test {
namespace {

// Runs `steps` AdamW steps of loss_fn on a model built by make (seeded) on `device`.
template <class Model, class Make, class LossFn>
std::vector<double> train_losses(const Make& make, const LossFn& loss_fn, const Device& device, int steps) {
  manual_seed(1234);
  std::shared_ptr<Model> model = make();
  model->to(device);
  optim::AdamWOptions o;
  o.lr = 3e-3;
  optim::AdamW opt(model->parameters(), o);
  std::vector<double> losses;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    Tensor loss = loss_fn(*model, device);
    loss.backward();
    opt.step();
    losses.push_back(loss.item<double>());
  }
  return losses;
}

TEST(CudaDemos, GptCharSmokeTrainsLikeCpu) {
  TZ_REQUIRE_CUDA();
  models::GPTCharConfig cfg;
  cfg.vocab_size = 37;
  cfg.block_size = 32;
  cfg.n_layer = 2;
  cfg.n_head = 4;
  cfg.d_model = 64;
  manual_seed(7);
  const Tensor idx = randint(0, cfg.vocab_size, {4, 32});
  const Tensor tgt = randint(0, cfg.vocab_size, {4, 32});
  auto make = [&] { return std::make_shared<models::GPTChar>(cfg); };
  auto loss = [&](models::GPTChar& m, const Device& d) { return m.loss(idx.to(d), tgt.to(d)); };
  const auto cpu = train_losses<models::GPTChar>(make, loss, kCPU, 8);
  const auto gpu = train_losses<models::GPTChar>(make, loss, cuda_device(), 8);
  ASSERT_EQ(cpu.size(), gpu.size());
  for (size_t i = 0; i < cpu.size(); ++i) EXPECT_NEAR(gpu[i], cpu[i], 2e-3 * std::abs(cpu[i])) << "step " << i;
  EXPECT_LT(gpu.back(), gpu.front());  // it learns the fixed batch
}

TEST(CudaDemos, VitSmokeTrainsLikeCpu) {
  TZ_REQUIRE_CUDA();
  models::VitConfig cfg;
  cfg.image_size = 28;
  cfg.patch_size = 7;
  cfg.dim = 32;
  cfg.depth = 2;
  cfg.heads = 4;
  cfg.mlp_dim = 64;
  manual_seed(9);
  const Tensor images = rand({8, 1, 28, 28});
  const Tensor labels = randint(0, 10, {8});
  auto make = [&] { return std::make_shared<models::VisionTransformer>(cfg); };
  auto loss = [&](models::VisionTransformer& m, const Device& d) {
    return nn::functional::cross_entropy(m(images.to(d)), labels.to(d));
  };
  const auto cpu = train_losses<models::VisionTransformer>(make, loss, kCPU, 8);
  const auto gpu = train_losses<models::VisionTransformer>(make, loss, cuda_device(), 8);
  for (size_t i = 0; i < cpu.size(); ++i) EXPECT_NEAR(gpu[i], cpu[i], 2e-3 * std::abs(cpu[i])) << "step " << i;
  EXPECT_LT(gpu.back(), gpu.front());
}

}  // namespace
}  // namespace tz::test
