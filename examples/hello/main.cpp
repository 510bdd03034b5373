// Trains a small MLP to fit y = sin(3x) with tensorzoo's nn layers, AdamW and autograd, using
// only the installed public API (#include <tensorzoo.h>).
#include <tensorzoo.h>

#include <iostream>
#include <memory>

int main() {
  namespace nn = tz::nn;
  tz::manual_seed(0);
  tz::Tensor x = tz::rand({256, 1}) * 2.0 - 1.0;
  tz::Tensor y = tz::sin(x * 3.0);

  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(1, 64));
  model->push_back(std::make_shared<nn::GELU>());
  model->push_back(std::make_shared<nn::Linear>(64, 1));
  tz::optim::AdamWOptions options;
  options.lr = 1e-2;
  options.weight_decay = 0.0;
  tz::optim::AdamW optimizer(model->parameters(), options);

  float loss_value = 0.0f;
  for (int step = 0; step < 500; ++step) {
    tz::Tensor loss = nn::functional::mse_loss((*model)(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    loss_value = loss.item<float>();
    if (step % 100 == 0) std::cout << "step " << step << "  loss " << loss_value << "\n";
  }
  std::cout << model->summary() << "final loss " << loss_value << "\n";
  // The exit status tells the install test whether training converged.
  return loss_value < 1e-3f ? 0 : 1;
}
