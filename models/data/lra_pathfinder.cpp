#include "models/data/lra_pathfinder.h"

#include <cmath>
#include <deque>

#include "core/error.h"

namespace tz::nn::data {

namespace {

using Pixel = std::array<int64_t, 2>;  // (row, col)

/// The canvas while an image is laid out: which contour owns each pixel (0 = none).
class Layout {
 public:
  Layout(int64_t size, int64_t margin) : size_(size), margin_(margin), owner_(size_t(size * size), 0) {}

  bool inside(const Pixel& p) const { return p[0] >= 0 && p[0] < size_ && p[1] >= 0 && p[1] < size_; }
  /// p may join contour c: inside, and no pixel of another contour within `margin` (Chebyshev).
  bool free_for(const Pixel& p, int c) const {
    if (!inside(p)) return false;
    for (int64_t dr = -margin_; dr <= margin_; ++dr)
      for (int64_t dc = -margin_; dc <= margin_; ++dc) {
        const Pixel q{p[0] + dr, p[1] + dc};
        if (inside(q) && owner(q) != 0 && owner(q) != c) return false;
      }
    return true;
  }
  int owner(const Pixel& p) const { return owner_[size_t(p[0] * size_ + p[1])]; }
  void claim(const Pixel& p, int c) { owner_[size_t(p[0] * size_ + p[1])] = c; }
  void release(const std::vector<Pixel>& pixels) {
    for (const Pixel& p : pixels) owner_[size_t(p[0] * size_ + p[1])] = 0;
  }
  int64_t size() const { return size_; }

 private:
  int64_t size_, margin_;
  std::vector<int> owner_;
};

struct Contour {
  std::vector<Pixel> path;     // the pixels of the chain, in drawing order (may repeat)
  std::vector<Pixel> claimed;  // every pixel it owns (path + end blocks)
  Pixel start{}, end{};
};

Pixel pixel_at(double x, double y) { return {int64_t(std::floor(y)), int64_t(std::floor(x))}; }

/// Claims the pixels of a (x0,y0)->(x1,y1) paddle for contour c, or returns false (and claims
/// nothing) if one is outside or too close to another contour. Samples every 1/4 pixel, so
/// consecutive pixels differ by at most one step in each direction (8-connected).
bool draw_paddle(Layout& layout, Contour& contour, int c, double x0, double y0, double x1, double y1) {
  const double len = std::hypot(x1 - x0, y1 - y0);
  const int64_t steps = std::max<int64_t>(1, int64_t(std::ceil(len / 0.25)));
  std::vector<Pixel> pixels;
  for (int64_t s = 1; s <= steps; ++s) {
    const double t = double(s) / double(steps);
    const Pixel p = pixel_at(x0 + t * (x1 - x0), y0 + t * (y1 - y0));
    if (!layout.free_for(p, c)) return false;
    pixels.push_back(p);
  }
  for (const Pixel& p : pixels) {
    if (layout.owner(p) == 0) {
      layout.claim(p, c);
      contour.claimed.push_back(p);
    }
    if (contour.path.empty() || contour.path.back() != p) contour.path.push_back(p);
  }
  return true;
}

/// Claims the 3x3 block around p (a marker's footprint), or returns false claiming nothing.
bool claim_block(Layout& layout, Contour& contour, int c, const Pixel& p) {
  for (int64_t dr = -1; dr <= 1; ++dr)
    for (int64_t dc = -1; dc <= 1; ++dc)
      if (!layout.free_for({p[0] + dr, p[1] + dc}, c)) return false;
  for (int64_t dr = -1; dr <= 1; ++dr)
    for (int64_t dc = -1; dc <= 1; ++dc) {
      const Pixel q{p[0] + dr, p[1] + dc};
      if (layout.owner(q) == 0) {
        layout.claim(q, c);
        contour.claimed.push_back(q);
      }
    }
  return true;
}

/// Grows contour c of `paddles` paddles at a random place; with `marked_ends` both end blocks
/// are reserved for markers. Returns false (leaving the layout unchanged) when it gets stuck.
bool grow_contour(LraRandom& rng, Layout& layout, const PathfinderOptions& o, int c, int64_t paddles,
                  bool marked_ends, Contour& out) {
  constexpr double kPi = 3.14159265358979323846;
  const double size = double(layout.size());
  Contour contour;
  double x = 2.0 + rng.uniform() * (size - 4.0);
  double y = 2.0 + rng.uniform() * (size - 4.0);
  double heading = rng.uniform() * 2.0 * kPi;
  contour.start = pixel_at(x, y);
  auto fail = [&] {
    layout.release(contour.claimed);
    return false;
  };
  if (!layout.free_for(contour.start, c)) return false;
  if (marked_ends && !claim_block(layout, contour, c, contour.start)) return fail();
  if (layout.owner(contour.start) == 0) {
    layout.claim(contour.start, c);
    contour.claimed.push_back(contour.start);
  }
  contour.path.push_back(contour.start);
  const double max_turn = o.max_turn * kPi / 180.0;
  for (int64_t k = 0; k < paddles; ++k) {
    bool placed = false;
    for (int tries = 0; tries < 10 && !placed; ++tries) {
      const double h = heading + (2.0 * rng.uniform() - 1.0) * max_turn;
      const double nx = x + o.paddle_length * std::cos(h), ny = y + o.paddle_length * std::sin(h);
      if (draw_paddle(layout, contour, c, x, y, nx, ny)) {
        x = nx;
        y = ny;
        heading = h;
        placed = true;
      }
    }
    if (!placed) return fail();
  }
  contour.end = contour.path.back();
  // Marked ends keep their 3x3 markers apart (a contour may curl back towards its start).
  const bool ends_apart = std::max(std::abs(contour.end[0] - contour.start[0]), std::abs(contour.end[1] - contour.start[1])) >= 4;
  if (marked_ends && (!ends_apart || !claim_block(layout, contour, c, contour.end))) return fail();
  out = std::move(contour);
  return true;
}

}  // namespace

PathfinderImage pathfinder_image(LraRandom& rng, const PathfinderOptions& o, int64_t label) {
  TZ_CHECK(label == 0 || label == 1, "pathfinder", "label must be 0 or 1, got ", label);
  TZ_CHECK(o.image_size >= 8 && o.paddle_length > 0 && o.contour_length >= 1 && o.num_distractors >= 0 &&
               o.margin >= 1 && o.paddle_contrast > 0 && o.paddle_contrast < 1,
           "pathfinder", "bad options: need image_size >= 8, paddle_length > 0, contour_length >= 1, margin >= 1, ",
           "0 < paddle_contrast < 1");
  const int64_t distractor = o.distractor_length > 0 ? o.distractor_length : std::max<int64_t>(1, o.contour_length / 3);
  constexpr int kImageAttempts = 200, kContourAttempts = 20;
  for (int attempt = 0; attempt < kImageAttempts; ++attempt) {
    Layout layout(o.image_size, o.margin);
    std::vector<Contour> contours;
    bool ok = true;
    const int64_t n_contours = 2 + o.num_distractors;
    for (int64_t i = 0; i < n_contours && ok; ++i) {
      const bool main = i < 2;
      Contour c;
      bool placed = false;
      for (int t = 0; t < kContourAttempts && !placed; ++t)
        placed = grow_contour(rng, layout, o, int(i + 1), main ? o.contour_length : distractor, main, c);
      if (placed) contours.push_back(std::move(c));
      ok = placed;
    }
    if (!ok) continue;
    PathfinderImage img;
    img.size = o.image_size;
    img.label = label;
    img.pixels.assign(size_t(o.image_size * o.image_size), 0);
    const auto grey = uint8_t(std::lround(255.0 * o.paddle_contrast));
    for (const Contour& c : contours)
      for (const Pixel& p : c.path) img.pixels[size_t(p[0] * o.image_size + p[1])] = grey;
    // Which ends carry markers: both of contour 1 (joined), or one end of each main contour.
    const bool flip_a = rng.below(2) == 1, flip_b = rng.below(2) == 1;
    const Contour &c1 = contours[0], &c2 = contours[1];
    if (label == 1) {
      img.marker_a = flip_a ? c1.end : c1.start;
      img.marker_b = flip_a ? c1.start : c1.end;
    } else {
      img.marker_a = flip_a ? c1.end : c1.start;
      img.marker_b = flip_b ? c2.end : c2.start;
    }
    for (const Pixel& m : {img.marker_a, img.marker_b})
      for (int64_t dr = -1; dr <= 1; ++dr)
        for (int64_t dc = -1; dc <= 1; ++dc) img.pixels[size_t((m[0] + dr) * o.image_size + m[1] + dc)] = 255;
    return img;
  }
  TZ_FAIL("pathfinder", "no layout found in ", kImageAttempts, " attempts for ", 2 + o.num_distractors,
          " contours in a ", o.image_size, "x", o.image_size, " image; shorten the contours");
}

bool pathfinder_connected(const std::vector<uint8_t>& pixels, int64_t size, std::array<int64_t, 2> a,
                          std::array<int64_t, 2> b) {
  TZ_CHECK(int64_t(pixels.size()) == size * size, "pathfinder", "expected ", size * size, " pixels, got ",
           pixels.size());
  auto at = [&](const Pixel& p) { return pixels[size_t(p[0] * size + p[1])]; };
  auto inside = [&](const Pixel& p) { return p[0] >= 0 && p[0] < size && p[1] >= 0 && p[1] < size; };
  if (!inside(a) || !inside(b) || at(a) == 0 || at(b) == 0) return false;
  std::vector<char> seen(pixels.size(), 0);
  std::deque<Pixel> queue{a};
  seen[size_t(a[0] * size + a[1])] = 1;
  while (!queue.empty()) {
    const Pixel p = queue.front();
    queue.pop_front();
    if (p == b) return true;
    for (int64_t dr = -1; dr <= 1; ++dr)
      for (int64_t dc = -1; dc <= 1; ++dc) {
        const Pixel q{p[0] + dr, p[1] + dc};
        if (!inside(q) || at(q) == 0 || seen[size_t(q[0] * size + q[1])]) continue;
        seen[size_t(q[0] * size + q[1])] = 1;
        queue.push_back(q);
      }
  }
  return false;
}

LraData make_lra_pathfinder(const PathfinderOptions& o) {
  TZ_CHECK(o.train_size >= 1 && o.val_size >= 0 && o.test_size >= 0, "pathfinder",
           "split sizes must be train >= 1, val >= 0, test >= 0");
  LraRandom rng(o.seed);
  const int64_t length = o.image_size * o.image_size;
  auto make_split = [&](int64_t count) {
    std::vector<std::vector<int64_t>> seqs;
    std::vector<int64_t> labels;
    for (int64_t i = 0; i < count; ++i) {
      const PathfinderImage img = pathfinder_image(rng, o, i % 2);
      std::vector<int64_t> tokens(img.pixels.size());
      for (size_t j = 0; j < tokens.size(); ++j) tokens[j] = int64_t(img.pixels[j]) + 1;
      seqs.push_back(std::move(tokens));
      labels.push_back(img.label);
    }
    return LraSplit{pack_sequences(seqs, length, "pathfinder"), Tensor(), pack_labels(labels)};
  };
  LraData d;
  d.task = "pathfinder";
  d.vocab_size = 257;
  d.num_classes = 2;
  d.length = length;
  d.padded = false;
  d.train = make_split(o.train_size);
  d.val = make_split(o.val_size);
  d.test = make_split(o.test_size);
  return d;
}

}  // namespace tz::nn::data
