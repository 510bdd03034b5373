// GPT training-step throughput: tokens/s of forward + backward + AdamW step of a GPT-2 style
// model (models/gpt_char.h's network) on random tokens, on any device. Pairs with
// tools/bench/torch_gpt_step.py (the same model in PyTorch eager) for side-by-side figures.
//
//   tz_bench_gpt_step [--device cuda] [--layers 12] [--d 768] [--heads 12] [--block 1024]
//                     [--batch 8] [--vocab 50304] [--steps 10] [--warmup 3] [--autocast bf16]
// Prints `gpt_step_tokens_per_s <value> tok/s` (and the config) on one line each.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "models/gpt_char.h"
#include "tensorzoo.h"

using namespace tz;

int main(int argc, char** argv) {
  std::string device = "cpu", autocast_dtype = "none";
  int64_t layers = 12, d = 768, heads = 12, block = 1024, batch = 8, vocab = 50304, steps = 10, warmup = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--device") device = v;
    else if (k == "--layers") layers = std::atoll(v.c_str());
    else if (k == "--d") d = std::atoll(v.c_str());
    else if (k == "--heads") heads = std::atoll(v.c_str());
    else if (k == "--block") block = std::atoll(v.c_str());
    else if (k == "--batch") batch = std::atoll(v.c_str());
    else if (k == "--vocab") vocab = std::atoll(v.c_str());
    else if (k == "--steps") steps = std::atoll(v.c_str());
    else if (k == "--warmup") warmup = std::atoll(v.c_str());
    else if (k == "--autocast") autocast_dtype = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const Device dev(device);
  manual_seed(0);
  models::GPTCharConfig cfg;
  cfg.vocab_size = vocab;
  cfg.block_size = block;
  cfg.n_layer = layers;
  cfg.n_head = heads;
  cfg.d_model = d;
  cfg.tied_head = true;
  models::GPTChar model(cfg, TensorOptions(DType::F32, dev));
  optim::AdamWOptions opt;
  opt.lr = 3e-4;
  optim::AdamW optimizer(model.parameters(), opt);
  const Tensor idx = randint(0, vocab, {batch, block}, TensorOptions(DType::I64, dev));
  const Tensor targets = randint(0, vocab, {batch, block}, TensorOptions(DType::I64, dev));

  auto sync = [&] {
    if (dev.is_cuda()) cuda::synchronize(dev.index);
  };
  double last_loss = 0;
  auto train_step = [&] {
    optimizer.zero_grad();
    Tensor loss;
    {
      // AUTOCAST_SCOPE
      loss = model.loss(idx, targets);
    }
    loss.backward();
    optimizer.step();
    last_loss = loss.item<double>();
  };
  for (int64_t i = 0; i < warmup; ++i) train_step();
  sync();
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i) train_step();
  sync();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("gpt_step_config layers=%lld d=%lld heads=%lld block=%lld batch=%lld vocab=%lld device=%s autocast=%s\n",
              (long long)layers, (long long)d, (long long)heads, (long long)block, (long long)batch, (long long)vocab,
              device.c_str(), autocast_dtype.c_str());
  std::printf("gpt_step_ms %.3f ms\n", 1e3 * secs / double(steps));
  std::printf("gpt_step_tokens_per_s %.1f tok/s\n", double(batch * block * steps) / secs);
  std::printf("gpt_step_last_loss %.4f nats\n", last_loss);
  return 0;
}
