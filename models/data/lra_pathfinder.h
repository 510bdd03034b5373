#pragma once
/// LRA "Pathfinder" (Linsley et al., "Learning long-range spatial dependencies with horizontal
/// gated recurrent units", as used by Tay et al.'s Long Range Arena), regenerated at 32x32: an
/// image shows two marked endpoints and several curved paths; the label says whether a path
/// joins the two markers (1) or they sit on two different paths (0). Read as a sequence of
/// 1024 pixel tokens (row-major; token = grey level + 1, 0 = padding, unused).
///
/// Rendering (our own seeded generator following LRA's 32 px parameters from lra.md: paddle
/// length 2, contour length 14 paddles, distractor length = contour / 3, paddle contrast 0.75,
/// margin 1). Every image has two main contours of contour_length paddles and num_distractors
/// short ones. A contour is a chain of straight paddles of paddle_length pixels; each paddle
/// turns the heading by a uniform angle in [-max_turn, +max_turn] degrees. Paddles are drawn
/// without gaps and one pixel thin (LRA's 0.5 px thickness), so a path is an 8-connected chain
/// of pixels; pixels of different contours keep at least `margin` empty pixels between them, so
/// two contours never touch. Path pixels have grey level round(255 * paddle_contrast); an
/// endpoint marker is the 3x3 block around the end pixel at level 255. Positive: both ends of
/// main contour 1 are marked. Negative: one end of each main contour. Both classes therefore
/// show the same number and kinds of strokes. pathfinder_connected() is the ground truth check:
/// the markers are 8-connected through non-zero pixels exactly when the label is 1.
/// Differences from the original generator: no gaps between paddles, no anti-aliasing, and the
/// turn limit is ours (the original draws paddle angles from its own curvature schedule).
#include <array>
#include <cstdint>
#include <vector>

#include "models/data/lra_common.h"

namespace tz::nn::data {

struct PathfinderOptions {
  int64_t image_size = 32;
  double paddle_length = 2.0;    // pixels per paddle
  int64_t contour_length = 14;   // paddles per main contour
  int64_t distractor_length = 0; // paddles per distractor; 0 = contour_length / 3
  int64_t num_distractors = 2;
  double paddle_contrast = 0.75; // path grey level / 255
  int64_t margin = 1;            // empty pixels kept between different contours
  double max_turn = 30.0;        // degrees of heading change between consecutive paddles
  int64_t train_size = 8000, val_size = 1000, test_size = 1000;
  uint64_t seed = 0;
};

struct PathfinderImage {
  int64_t size = 0;
  std::vector<uint8_t> pixels;        // size * size grey levels, row-major
  int64_t label = 0;                  // 1 = the markers are joined by a path
  std::array<int64_t, 2> marker_a{};  // (row, col) of the marked end pixels
  std::array<int64_t, 2> marker_b{};
};

/// Draws one image with the given label. Throws if no layout is found after many attempts
/// (contours too long for the image).
PathfinderImage pathfinder_image(LraRandom& rng, const PathfinderOptions& options, int64_t label);

/// True when pixels a and b are joined by an 8-connected chain of non-zero pixels (flood fill).
bool pathfinder_connected(const std::vector<uint8_t>& pixels, int64_t size, std::array<int64_t, 2> a,
                          std::array<int64_t, 2> b);

/// The data set: pair i of every split has label i % 2 (balanced), tokens = pixel + 1.
LraData make_lra_pathfinder(const PathfinderOptions& options);

}  // namespace tz::nn::data
