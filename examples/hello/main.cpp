// Fits y = 3x + 2 by gradient descent with tensorzoo's autograd, using only the installed
// public API (#include <tensorzoo.h>).
#include <tensorzoo.h>

#include <cmath>
#include <iostream>

int main() {
  tz::manual_seed(0);
  tz::Tensor x = tz::rand({64}, tz::DType::F32) * 4.0 - 2.0;
  tz::Tensor y = x * 3.0 + 2.0;
  tz::Tensor w = tz::zeros({1}).requires_grad_(true);
  tz::Tensor b = tz::zeros({1}).requires_grad_(true);
  float loss_value = 0.0f;
  for (int step = 0; step < 200; ++step) {
    tz::Tensor loss = (w * x + b - y).square().mean();
    loss.backward();
    {
      tz::NoGradGuard no_grad;
      w.sub_(w.grad() * 0.1);
      b.sub_(b.grad() * 0.1);
    }
    w.zero_grad();
    b.zero_grad();
    loss_value = loss.item<float>();
  }
  std::cout << "w = " << w.item<float>() << ", b = " << b.item<float>() << ", loss = " << loss_value << "\n";
  // Exit status tells the install test whether the fit converged.
  return (std::abs(w.item<float>() - 3.0f) < 1e-2f && std::abs(b.item<float>() - 2.0f) < 1e-2f) ? 0 : 1;
}
