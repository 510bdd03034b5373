#pragma once
/// LRA "Image" stand-in: an image read as a flat sequence of pixel tokens. LRA uses grey-scale
/// CIFAR-10 (32x32 = 1024 tokens, 256 levels); offline we use Fashion-MNIST (Debian
/// dataset-fashion-mnist, nn/data/idx.h): 28x28 = 784 tokens, row-major, 10 classes.
/// Token of pixel value p (0..255) is p + 1 (0 is the padding id, unused here: vocabulary 257).
///
/// Splits: train = the first train_size of the 60000 training images, val = the last val_size
/// training images (disjoint from train), test = the first test_size of the 10000 test images.
#include <cstdint>
#include <string>

#include "models/data/lra_common.h"

namespace tz::nn::data {

struct LraImageOptions {
  std::string root = "/usr/share/datasets/fashion-mnist";
  int64_t train_size = 55000;  // <= 60000 - val_size
  int64_t val_size = 5000;
  int64_t test_size = 10000;   // <= 10000
};

LraData make_lra_image(const LraImageOptions& options);

}  // namespace tz::nn::data
