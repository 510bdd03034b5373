#include "models/data/lra_image.h"

#include "autograd/ops_shape.h"
#include "core/error.h"
#include "nn/data/idx.h"

namespace tz::nn::data {

namespace {

/// images [n, 28, 28] u8 -> tokens [n, 784] int64 (pixel + 1); labels u8 -> int64.
LraSplit to_split(const FashionMnist& set, int64_t start, int64_t count) {
  const Tensor pixels = set.images().narrow(0, start, count).reshape({count, 28 * 28});
  return LraSplit{pixels.to(DType::I64) + 1, Tensor(), set.labels().narrow(0, start, count).to(DType::I64)};
}

}  // namespace

LraData make_lra_image(const LraImageOptions& o) {
  FashionMnistOptions fo;
  fo.root = o.root;
  fo.normalize = false;
  const FashionMnist train(Split::Train, fo);
  const FashionMnist test(Split::Test, fo);
  TZ_CHECK(o.train_size >= 1 && o.val_size >= 0 && o.train_size + o.val_size <= train.size(), "lra_image",
           "need train_size >= 1 and train_size + val_size <= ", train.size(), ", got ", o.train_size, " + ",
           o.val_size);
  TZ_CHECK(o.test_size >= 0 && o.test_size <= test.size(), "lra_image", "test_size must be in [0, ", test.size(),
           "], got ", o.test_size);
  LraData d;
  d.task = "image";
  d.vocab_size = 257;
  d.num_classes = 10;
  d.length = 28 * 28;
  d.padded = false;
  d.train = to_split(train, 0, o.train_size);
  d.val = to_split(train, train.size() - o.val_size, o.val_size);
  d.test = to_split(test, 0, o.test_size);
  return d;
}

}  // namespace tz::nn::data
