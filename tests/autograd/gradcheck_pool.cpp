// Gradcheck cases for the pooling family: max/avg pooling (kernel and composite paths; ceil_mode,
// padding, dilation, divisor), adaptive pooling, interpolate in every mode, pixel (un)shuffle.
// Random f64 inputs keep max-pool windows free of ties, so the argmax (a kink) is stable under
// the finite-difference step. Gradgrad stays on: every backward is built from differentiable ops.
#include "autograd/pool_support.h"
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

/// Runs fn's forward through the composites (the backend kernels are skipped).
template <class F>
Tensor composite(F&& f) {
  detail::g_force_pool_composite = true;
  Tensor r = f();
  detail::g_force_pool_composite = false;
  return r;
}

// ---- max pooling ------------------------------------------------------------------------------
TZ_GRADCHECK("max_pool1d/ceil_padding", [] { return TL{gc_input({2, 2, 7})}; },
             [](const TL& x) { return max_pool1d(x[0], {3}, {2}, {1}, {1}, true); });
TZ_GRADCHECK("max_pool1d/dilation_batchless", [] { return TL{gc_input({2, 9}, -1, 1, 1)}; },
             [](const TL& x) { return max_pool1d(x[0], {3}, {1}, {1}, {3}); });
TZ_GRADCHECK("max_pool2d/ceil_padding", [] { return TL{gc_input({1, 2, 5, 6}, -1, 1, 2)}; },
             [](const TL& x) { return max_pool2d(x[0], {3}, {2}, {1}, {1}, true); });
TZ_GRADCHECK("max_pool2d/dilation_transposed", [] { return TL{gc_input({1, 2, 6, 5}, -1, 1, 3)}; },
             [](const TL& x) { return max_pool2d(x[0].transpose(2, 3), {2, 3}, {1, 2}, {1, 1}, {2, 1}); });
TZ_GRADCHECK("max_pool2d/composite", [] { return TL{gc_input({2, 1, 5, 5}, -1, 1, 4)}; },
             [](const TL& x) { return composite([&] { return max_pool2d(x[0], {3}, {2}, {1}, {1}, true); }); });
TZ_GRADCHECK("max_pool2d_with_indices", [] { return TL{gc_input({1, 2, 4, 5}, -1, 1, 5)}; },
             [](const TL& x) { return max_pool2d_with_indices(x[0], {2}, {2}, {1}).values; });
TZ_GRADCHECK("max_pool3d/ceil_dilation", [] { return TL{gc_input({1, 1, 4, 5, 5}, -1, 1, 6)}; },
             [](const TL& x) { return max_pool3d(x[0], {2}, {2}, {1}, {1, 2, 1}, true); });

// ---- average pooling --------------------------------------------------------------------------
TZ_GRADCHECK("avg_pool1d/ceil_exclude_pad", [] { return TL{gc_input({2, 2, 7}, -1, 1, 7)}; },
             [](const TL& x) { return avg_pool1d(x[0], {3}, {2}, {1}, true, false); });
TZ_GRADCHECK("avg_pool2d/ceil_include_pad", [] { return TL{gc_input({1, 2, 6, 6}, -1, 1, 8)}; },
             [](const TL& x) { return avg_pool2d(x[0], {3}, {2}, {1}, true, true); });
TZ_GRADCHECK("avg_pool2d/divisor_transposed", [] { return TL{gc_input({1, 2, 5, 4}, -1, 1, 9)}; },
             [](const TL& x) { return avg_pool2d(x[0].transpose(2, 3), {2, 3}, {1, 2}, {1, 1}, false, true, 4); });
TZ_GRADCHECK("avg_pool2d/composite_batchless", [] { return TL{gc_input({2, 5, 5}, -1, 1, 10)}; },
             [](const TL& x) { return composite([&] { return avg_pool2d(x[0], {3}, {2}, {1}, true, false); }); });
TZ_GRADCHECK("avg_pool3d/ceil", [] { return TL{gc_input({1, 1, 3, 4, 5}, -1, 1, 11)}; },
             [](const TL& x) { return avg_pool3d(x[0], {2}, {2, 1, 2}, {1, 0, 1}, true, false); });

// ---- adaptive pooling -------------------------------------------------------------------------
TZ_GRADCHECK("adaptive_avg_pool1d", [] { return TL{gc_input({2, 7}, -1, 1, 12)}; },
             [](const TL& x) { return adaptive_avg_pool1d(x[0], {3}); });
TZ_GRADCHECK("adaptive_avg_pool2d/upsample_transposed", [] { return TL{gc_input({1, 2, 4, 3}, -1, 1, 13)}; },
             [](const TL& x) { return adaptive_avg_pool2d(x[0].transpose(2, 3), {2, 5}); });
TZ_GRADCHECK("adaptive_avg_pool3d/composite", [] { return TL{gc_input({1, 1, 3, 5, 4}, -1, 1, 14)}; },
             [](const TL& x) { return composite([&] { return adaptive_avg_pool3d(x[0], {2, 3, 3}); }); });
TZ_GRADCHECK("adaptive_max_pool1d", [] { return TL{gc_input({2, 2, 7}, -1, 1, 15)}; },
             [](const TL& x) { return adaptive_max_pool1d(x[0], {3}); });
TZ_GRADCHECK("adaptive_max_pool2d", [] { return TL{gc_input({1, 2, 5, 7}, -1, 1, 16)}; },
             [](const TL& x) { return adaptive_max_pool2d(x[0], {3, 4}); });
TZ_GRADCHECK("adaptive_max_pool3d/composite", [] { return TL{gc_input({1, 3, 5, 4}, -1, 1, 17)}; },
             [](const TL& x) { return composite([&] { return adaptive_max_pool3d(x[0], {2, 3, 3}); }); });

// ---- interpolate ------------------------------------------------------------------------------
TZ_GRADCHECK("interpolate/nearest", [] { return TL{gc_input({1, 2, 3, 4}, -1, 1, 18)}; },
             [](const TL& x) { return interpolate(x[0], {5, 3}); });
TZ_GRADCHECK("interpolate/nearest3d_scale", [] { return TL{gc_input({1, 1, 2, 3, 3}, -1, 1, 19)}; },
             [](const TL& x) { return interpolate(x[0], {}, {1.5, 2.0, 0.7}); });
TZ_GRADCHECK("interpolate/linear", [] { return TL{gc_input({2, 2, 5}, -1, 1, 20)}; },
             [](const TL& x) { return interpolate(x[0], {8}, {}, "linear", false); });
TZ_GRADCHECK("interpolate/bilinear_align_corners", [] { return TL{gc_input({1, 2, 4, 3}, -1, 1, 21)}; },
             [](const TL& x) { return interpolate(x[0].transpose(2, 3), {5, 7}, {}, "bilinear", true); });
TZ_GRADCHECK("interpolate/bicubic", [] { return TL{gc_input({1, 1, 4, 4}, -1, 1, 22)}; },
             [](const TL& x) { return interpolate(x[0], {6, 3}, {}, "bicubic", false); });
TZ_GRADCHECK("interpolate/bicubic_align_corners_composite", [] { return TL{gc_input({1, 1, 3, 4}, -1, 1, 23)}; },
             [](const TL& x) { return composite([&] { return interpolate(x[0], {5, 5}, {}, "bicubic", true); }); });
TZ_GRADCHECK("interpolate/trilinear", [] { return TL{gc_input({1, 1, 2, 3, 3}, -1, 1, 24)}; },
             [](const TL& x) { return interpolate(x[0], {3, 4, 2}, {}, "trilinear", false); });
TZ_GRADCHECK("interpolate/area", [] { return TL{gc_input({1, 1, 5, 4}, -1, 1, 25)}; },
             [](const TL& x) { return interpolate(x[0], {2, 3}, {}, "area"); });

// ---- pixel shuffle ----------------------------------------------------------------------------
TZ_GRADCHECK("pixel_shuffle", [] { return TL{gc_input({2, 8, 2, 3}, -1, 1, 26)}; },
             [](const TL& x) { return pixel_shuffle(x[0], 2); });
TZ_GRADCHECK("pixel_unshuffle/transposed", [] { return TL{gc_input({1, 2, 6, 4}, -1, 1, 27)}; },
             [](const TL& x) { return pixel_unshuffle(x[0].transpose(2, 3), 2); });

}  // namespace
}  // namespace tz::test
