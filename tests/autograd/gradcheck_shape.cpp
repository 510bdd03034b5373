// Gradcheck cases for the shape ops that copy (cat, stack, split, chunk, pad, roll, flip,
// repeat, repeat_interleave, tril/triu, meshgrid).
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

// cat: mixed sizes along a dim, a transposed (non-contiguous) operand, and a skipped [0] input.
TZ_GRADCHECK("cat", [] { return TL{gc_input({2, 3}, -1, 1, 1), gc_input({3, 2}, -1, 1, 2)}; },
             [](const TL& x) { return cat({x[0], x[1].t(), x[0] * x[0]}, 1); });
TZ_GRADCHECK("cat/skipped_empty", [] { return TL{gc_input({0}, -1, 1, 1), gc_input({2, 3}, -1, 1, 2)}; },
             [](const TL& x) { return cat({x[0], x[1]}, 0) * x[1]; });
TZ_GRADCHECK("stack", [] { return TL{gc_input({2, 3}, -1, 1, 1), gc_input({3, 2}, -1, 1, 2)}; },
             [](const TL& x) { return stack({x[0], x[1].t()}, 1); });
TZ_GRADCHECK("split", [] { return TL{gc_input({5, 3}, -1, 1, 1)}; }, [](const TL& x) {
  TL p = split(x[0], 2, 0);
  return cat({p[0] * p[1], p[2] * 3.0}, 0);
});
TZ_GRADCHECK("split/sizes_chunk", [] { return TL{gc_input({3, 7}, -1, 1, 1)}; }, [](const TL& x) {
  TL p = split(x[0], std::vector<int64_t>{3, 4}, 1);
  TL c = chunk(p[1], 2, 1);
  return cat({p[0] * p[0], c[0] * c[1]}, 1);
});

// pad: every mode, N-d, negative (cropping) pads, and a transposed input. Products keep the
// second derivatives non-trivial.
TZ_GRADCHECK("pad/constant", [] { return TL{gc_input({2, 3, 4}, -1, 1, 1)}; },
             [](const TL& x) { return pad(x[0] * x[0], {1, -2, 2, 0, 0, 1}, "constant", 0.5); });
TZ_GRADCHECK("pad/reflect", [] { return TL{gc_input({2, 4, 5}, -1, 1, 2)}; },
             [](const TL& x) { return pad(x[0] * x[0], {2, 3, 3, -1}, "reflect"); });
TZ_GRADCHECK("pad/replicate", [] { return TL{gc_input({2, 5, 4}, -1, 1, 3)}; },
             [](const TL& x) { return pad(x[0].transpose(1, 2) * x[0].transpose(1, 2), {2, 1, -1, 3}, "replicate"); });
TZ_GRADCHECK("pad/circular", [] { return TL{gc_input({1, 2, 3, 4}, -1, 1, 4)}; },
             [](const TL& x) { return pad(x[0] * x[0], {3, -1, 1, 3}, "circular"); });

TZ_GRADCHECK("roll", [] { return TL{gc_input({3, 4}, -1, 1, 1)}; },
             [](const TL& x) { return roll(x[0] * x[0], {1, -5}, {0, 1}) + roll(x[0].t(), {2}).t(); });
TZ_GRADCHECK("flip", [] { return TL{gc_input({3, 40}, -1, 1, 2)}; },
             [](const TL& x) { return flip(x[0] * x[0], {0, 1}) + flip(x[0].t(), {1}).t(); });
TZ_GRADCHECK("repeat", [] { return TL{gc_input({2, 3}, -1, 1, 3)}; },
             [](const TL& x) { return repeat(x[0] * x[0], {2, 1, 3}) + repeat(x[0].t(), {2, 3, 1}).transpose(1, 2); });
TZ_GRADCHECK("repeat_interleave", [] { return TL{gc_input({2, 3}, -1, 1, 4)}; },
             [](const TL& x) { return repeat_interleave(x[0] * x[0], tensor({2, 0, 3}), 1) * 2.0 + repeat_interleave(x[0], 2).sum(); });
TZ_GRADCHECK("tril_triu", [] { return TL{gc_input({2, 3, 4}, -1, 1, 5)}; },
             [](const TL& x) { return tril(x[0] * x[0], 1) + triu(x[0], -1) * x[0]; });
TZ_GRADCHECK("meshgrid", [] { return TL{gc_input({3}, -1, 1, 6), gc_input({2}, -1, 1, 7)}; }, [](const TL& x) {
  TL g = meshgrid({x[0], x[1]}, "xy");
  return g[0] * g[1] * g[0];
});

}  // namespace
}  // namespace tz::test
