// Pathfinder at 32x32 (models/data/lra_pathfinder.h): positives really join their markers by a
// path and negatives do not (flood fill on the rendered pixels), contours never touch, the
// rendering uses the documented grey levels, and the data set is balanced and seeded.
#include <set>

#include "models/data/lra_pathfinder.h"
#include "tests/support/test_support.h"

namespace tz {
namespace {

using namespace nn::data;

/// Number of 8-connected components of non-zero pixels.
int64_t components(const std::vector<uint8_t>& px, int64_t size) {
  std::vector<int> label(px.size(), 0);
  int64_t count = 0;
  for (int64_t start = 0; start < size * size; ++start) {
    if (px[size_t(start)] == 0 || label[size_t(start)]) continue;
    ++count;
    std::vector<int64_t> stack{start};
    label[size_t(start)] = 1;
    while (!stack.empty()) {
      const int64_t p = stack.back();
      stack.pop_back();
      for (int64_t dr = -1; dr <= 1; ++dr)
        for (int64_t dc = -1; dc <= 1; ++dc) {
          const int64_t r = p / size + dr, c = p % size + dc;
          if (r < 0 || r >= size || c < 0 || c >= size) continue;
          const size_t q = size_t(r * size + c);
          if (px[q] != 0 && !label[q]) {
            label[q] = 1;
            stack.push_back(int64_t(q));
          }
        }
    }
  }
  return count;
}

TEST(LraPathfinder, LabelsAgreeWithFloodFill) {
  PathfinderOptions o;
  LraRandom rng(11);
  for (int i = 0; i < 400; ++i) {
    const int64_t label = i % 2;
    const PathfinderImage img = pathfinder_image(rng, o, label);
    ASSERT_EQ(img.size, 32);
    ASSERT_EQ(img.label, label);
    EXPECT_EQ(pathfinder_connected(img.pixels, 32, img.marker_a, img.marker_b), label == 1) << "image " << i;
    // Two main contours and the distractors, none touching another.
    EXPECT_EQ(components(img.pixels, 32), 2 + o.num_distractors) << "image " << i;
    // Markers: 3x3 blocks at full intensity; everything else is background or path grey.
    for (const auto& m : {img.marker_a, img.marker_b})
      for (int64_t dr = -1; dr <= 1; ++dr)
        for (int64_t dc = -1; dc <= 1; ++dc) EXPECT_EQ(img.pixels[size_t((m[0] + dr) * 32 + m[1] + dc)], 255);
    EXPECT_NE(img.marker_a, img.marker_b);
    int64_t path_pixels = 0;
    for (uint8_t v : img.pixels) {
      EXPECT_TRUE(v == 0 || v == 191 || v == 255) << int(v);
      path_pixels += v == 191;
    }
    // Two contours of 14 two-pixel paddles plus distractors leave a visible amount of path.
    EXPECT_GT(path_pixels, 30);
  }
}

TEST(LraPathfinder, ConnectivityCheckOnHandMadeImages) {
  std::vector<uint8_t> px(5 * 5, 0);
  for (int c = 0; c < 5; ++c) px[size_t(2 * 5 + c)] = 191;  // a horizontal line through row 2
  EXPECT_TRUE(pathfinder_connected(px, 5, {2, 0}, {2, 4}));
  px[2 * 5 + 2] = 0;  // a gap
  EXPECT_FALSE(pathfinder_connected(px, 5, {2, 0}, {2, 4}));
  px[1 * 5 + 2] = 191;  // bridged diagonally: (2,1) -> (1,2) -> (2,3)
  EXPECT_TRUE(pathfinder_connected(px, 5, {2, 0}, {2, 4}));
  EXPECT_FALSE(pathfinder_connected(px, 5, {2, 0}, {0, 0}));  // background endpoint
  EXPECT_TZ_ERROR(pathfinder_connected(px, 4, {0, 0}, {1, 1}), "expected 16 pixels");
}

TEST(LraPathfinder, DataSetIsBalancedTokenisedAndSeeded) {
  PathfinderOptions o;
  o.train_size = 200;
  o.val_size = 20;
  o.test_size = 30;
  o.seed = 4;
  const LraData d = make_lra_pathfinder(o);
  EXPECT_EQ(d.task, "pathfinder");
  EXPECT_EQ(d.length, 1024);
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_FALSE(d.padded);
  EXPECT_EQ(d.train.tokens.shape(), (Shape{200, 1024}));
  EXPECT_EQ(label_counts(d.train, 2), (std::vector<int64_t>{100, 100}));
  EXPECT_EQ(label_counts(d.test, 2), (std::vector<int64_t>{15, 15}));
  // Tokens are grey level + 1; re-check the labels from the tokens with the flood fill.
  const auto tokens = d.val.tokens.contiguous().to_vector<int64_t>();
  const auto labels = d.val.labels.contiguous().to_vector<int64_t>();
  for (int64_t i = 0; i < 20; ++i) {
    std::vector<uint8_t> px(1024);
    std::vector<std::array<int64_t, 2>> markers;
    for (int64_t j = 0; j < 1024; ++j) {
      const int64_t t = tokens[size_t(i * 1024 + j)];
      ASSERT_TRUE(t == 1 || t == 192 || t == 256) << t;
      px[size_t(j)] = uint8_t(t - 1);
      // Marker centres: a 255 pixel whose 3x3 neighbourhood is all 255.
      const int64_t r = j / 32, c = j % 32;
      if (t == 256 && r > 0 && r < 31 && c > 0 && c < 31) {
        bool centre = true;
        for (int64_t dr = -1; dr <= 1; ++dr)
          for (int64_t dc = -1; dc <= 1; ++dc) centre &= tokens[size_t(i * 1024 + (r + dr) * 32 + c + dc)] == 256;
        if (centre) markers.push_back({r, c});
      }
    }
    ASSERT_GE(markers.size(), 2u);
    EXPECT_EQ(pathfinder_connected(px, 32, markers.front(), markers.back()), labels[size_t(i)] == 1) << i;
  }
  const LraData again = make_lra_pathfinder(o);
  EXPECT_TRUE(equal(d.train.tokens, again.train.tokens));
  EXPECT_TRUE(equal(d.test.tokens, again.test.tokens));
  o.seed = 5;
  EXPECT_FALSE(equal(d.train.tokens, make_lra_pathfinder(o).train.tokens));
}

TEST(LraPathfinder, ImpossibleLayoutThrows) {
  PathfinderOptions o;
  o.contour_length = 60;  // two gently curving 120 px paths do not fit in 32x32
  LraRandom rng(0);
  EXPECT_TZ_ERROR(pathfinder_image(rng, o, 1), "no layout found");
}

}  // namespace
}  // namespace tz
