// Op entries of the pooling family: max/avg pooling (kernel and composite paths; ceil_mode,
// padding, dilation, divisor), adaptive pooling, interpolate in every mode, pixel (un)shuffle.
// The reference backend has no pool/resample kernels, so parity compares the CPU kernels (oneDNN
// and loops) with the composites. Random f64 inputs keep max-pool windows free of ties, so the
// argmax (a kink) is stable under the finite-difference step.
#include "autograd/pool_support.h"
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

/// Runs fn's forward through the composites (the backend kernels are skipped).
template <class F>
Tensor composite(F&& f) {
  detail::g_force_pool_composite = true;
  Tensor r = f();
  detail::g_force_pool_composite = false;
  return r;
}

/// One gradcheck input in [-1, 1).
std::function<TensorList()> g1(Shape s, uint64_t seed) { return gc(std::move(s), -1, 1, seed); }
/// Parity inputs in [-2, 2): a with seed `seed`, b with seed + 1.
std::function<TensorList(DType)> p2(Shape a, Shape b, uint64_t seed) { return in2(std::move(a), std::move(b), -2, 2, seed); }
/// An empty batch, and an input that the samples expand (stride-0 batch and channel dims).
TensorList empty_and_expanded(DType dt) { return TL{make_input({0, 2, 4, 4}, dt, -2, 2, 6), make_input({1, 1, 4, 5}, dt, -2, 2, 7)}; }

TZ_OPINFO(max_pool) {
  op.dtypes = kFloats;
  op.raises_as = "max_pool2d";  // a family entry: its first sample calls max_pool2d
  op.sample("2d_ceil_dilation_transposed_with_indices", in({2, 3, 7, 6}, -2, 2, 1), [](const TL& x) {
    const ValuesIndices r = max_pool2d_with_indices(x[0].transpose(2, 3), {3}, {2}, {1}, {1, 2}, true);
    return TL{r.values, r.indices, max_pool2d(x[0], {2}, {1}, {1})};
  });
  op.sample("1d_3d_size1_batchless", p2({1, 1, 5}, {2, 3, 4, 1}, 2), [](const TL& x) {
    return TL{max_pool1d(x[0], {2}, {1}, {1}, {1}, true), max_pool3d(x[1], {2, 2, 1}, {1, 2, 1}, {1, 0, 0})};
  });
  op.sample("empty_batch_and_broadcast", empty_and_expanded,
            [](const TL& x) { return TL{max_pool2d(x[0], {2}), max_pool2d(x[1].expand({2, 3, 4, 5}), {2}, {1})}; });
  op.grad("1d_ceil_padding", gc({2, 2, 7}), [](const TL& x) { return max_pool1d(x[0], {3}, {2}, {1}, {1}, true); });
  op.grad("1d_dilation_batchless", g1({2, 9}, 1), [](const TL& x) { return max_pool1d(x[0], {3}, {1}, {1}, {3}); });
  op.grad("2d_ceil_padding", g1({1, 2, 5, 6}, 2), [](const TL& x) { return max_pool2d(x[0], {3}, {2}, {1}, {1}, true); });
  op.grad("2d_dilation_transposed", g1({1, 2, 6, 5}, 3),
          [](const TL& x) { return max_pool2d(x[0].transpose(2, 3), {2, 3}, {1, 2}, {1, 1}, {2, 1}); });
  op.grad("2d_composite", g1({2, 1, 5, 5}, 4),
          [](const TL& x) { return composite([&] { return max_pool2d(x[0], {3}, {2}, {1}, {1}, true); }); });
  op.grad("2d_with_indices", g1({1, 2, 4, 5}, 5), [](const TL& x) { return max_pool2d_with_indices(x[0], {2}, {2}, {1}).values; });
  op.grad("3d_ceil_dilation", g1({1, 1, 4, 5, 5}, 6), [](const TL& x) { return max_pool3d(x[0], {2}, {2}, {1}, {1, 2, 1}, true); });
}
TZ_OPINFO(avg_pool) {
  op.dtypes = kFloats;
  op.raises_as = "avg_pool2d";  // a family entry: its first sample calls avg_pool2d
  op.sample("ceil_pad_divisor", p2({2, 2, 6, 7}, {1, 2, 3, 4, 5}, 4), [](const TL& x) {
    return TL{avg_pool2d(x[0], {3}, {2}, {1}, true, true), avg_pool2d(x[0], {3}, {2}, {1}, true, false),
              avg_pool2d(x[0].transpose(2, 3), {2}, {1}, {1}, false, true, 3), avg_pool3d(x[1], {2}, {2}, {1}, true, false),
              avg_pool1d(x[0].flatten(2), {4}, {3}, {2}, true)};
  });
  op.sample("empty_batch_and_broadcast", empty_and_expanded,
            [](const TL& x) { return TL{avg_pool2d(x[0], {2}), avg_pool2d(x[1].expand({2, 3, 4, 5}), {3}, {2}, {1}, true)}; });
  op.grad("1d_ceil_exclude_pad", g1({2, 2, 7}, 7), [](const TL& x) { return avg_pool1d(x[0], {3}, {2}, {1}, true, false); });
  op.grad("2d_ceil_include_pad", g1({1, 2, 6, 6}, 8), [](const TL& x) { return avg_pool2d(x[0], {3}, {2}, {1}, true, true); });
  op.grad("2d_divisor_transposed", g1({1, 2, 5, 4}, 9),
          [](const TL& x) { return avg_pool2d(x[0].transpose(2, 3), {2, 3}, {1, 2}, {1, 1}, false, true, 4); });
  op.grad("2d_composite_batchless", g1({2, 5, 5}, 10),
          [](const TL& x) { return composite([&] { return avg_pool2d(x[0], {3}, {2}, {1}, true, false); }); });
  op.grad("3d_ceil", g1({1, 1, 3, 4, 5}, 11), [](const TL& x) { return avg_pool3d(x[0], {2}, {2, 1, 2}, {1, 0, 1}, true, false); });
}
TZ_OPINFO(adaptive_avg_pool) {
  op.dtypes = kFloats;
  op.raises_as = "adaptive_avg_pool2d";  // a family entry
  op.sample("1d_2d_3d_empty", p2({2, 3, 5, 7}, {1, 2, 3, 4, 5}, 8), [](const TL& x) {
    return TL{adaptive_avg_pool2d(x[0], {3, 4}), adaptive_avg_pool1d(x[0].flatten(2), {6}), adaptive_avg_pool3d(x[1], {2, 5, 2}),
              adaptive_avg_pool2d(x[0].narrow(0, 0, 0), {2})};
  });
  op.grad("1d", g1({2, 7}, 12), [](const TL& x) { return adaptive_avg_pool1d(x[0], {3}); });
  op.grad("2d_upsample_transposed", g1({1, 2, 4, 3}, 13), [](const TL& x) { return adaptive_avg_pool2d(x[0].transpose(2, 3), {2, 5}); });
  op.grad("3d_composite", g1({1, 1, 3, 5, 4}, 14),
          [](const TL& x) { return composite([&] { return adaptive_avg_pool3d(x[0], {2, 3, 3}); }); });
}
TZ_OPINFO(adaptive_max_pool) {
  op.dtypes = kFloats;
  op.raises_as = "adaptive_max_pool2d";  // a family entry
  op.sample("1d_2d_3d_transposed", p2({2, 3, 5, 7}, {1, 2, 3, 4, 5}, 8), [](const TL& x) {
    return TL{adaptive_max_pool2d(x[0].transpose(2, 3), {4, 2}), adaptive_max_pool1d(x[0].flatten(2), {1}),
              adaptive_max_pool3d(x[1], {1, 3, 4})};
  });
  op.grad("1d", g1({2, 2, 7}, 15), [](const TL& x) { return adaptive_max_pool1d(x[0], {3}); });
  op.grad("2d", g1({1, 2, 5, 7}, 16), [](const TL& x) { return adaptive_max_pool2d(x[0], {3, 4}); });
  op.grad("3d_composite", g1({1, 3, 5, 4}, 17),
          [](const TL& x) { return composite([&] { return adaptive_max_pool3d(x[0], {2, 3, 3}); }); });
}

TZ_OPINFO(interpolate) {
  op.dtypes = kFloats;
  op.sample("modes", p2({2, 2, 4, 5}, {1, 2, 2, 3, 3}, 10), [](const TL& x) {
    return TL{interpolate(x[0], {7, 3}),
              interpolate(x[0].transpose(2, 3), {}, {1.5}, "bilinear", false),
              interpolate(x[0], {3, 8}, {}, "bilinear", true),
              interpolate(x[0], {6, 6}, {}, "bicubic", false),
              interpolate(x[0], {3, 2}, {}, "bicubic", true),
              interpolate(x[0].flatten(2), {9}, {}, "linear", false),
              interpolate(x[1], {3, 5, 2}, {}, "trilinear", true),
              interpolate(x[1], {}, {2.0}, "nearest"),
              interpolate(x[0], {2, 3}, {}, "area")};
  });
  op.grad("nearest", g1({1, 2, 3, 4}, 18), [](const TL& x) { return interpolate(x[0], {5, 3}); });
  op.grad("nearest3d_scale", g1({1, 1, 2, 3, 3}, 19), [](const TL& x) { return interpolate(x[0], {}, {1.5, 2.0, 0.7}); });
  op.grad("linear", g1({2, 2, 5}, 20), [](const TL& x) { return interpolate(x[0], {8}, {}, "linear", false); });
  op.grad("bilinear_align_corners", g1({1, 2, 4, 3}, 21),
          [](const TL& x) { return interpolate(x[0].transpose(2, 3), {5, 7}, {}, "bilinear", true); });
  op.grad("bicubic", g1({1, 1, 4, 4}, 22), [](const TL& x) { return interpolate(x[0], {6, 3}, {}, "bicubic", false); });
  op.grad("bicubic_align_corners_composite", g1({1, 1, 3, 4}, 23),
          [](const TL& x) { return composite([&] { return interpolate(x[0], {5, 5}, {}, "bicubic", true); }); });
  op.grad("trilinear", g1({1, 1, 2, 3, 3}, 24), [](const TL& x) { return interpolate(x[0], {3, 4, 2}, {}, "trilinear", false); });
  op.grad("area", g1({1, 1, 5, 4}, 25), [](const TL& x) { return interpolate(x[0], {2, 3}, {}, "area"); });
}
// The sparse linear resampling node behind interpolate, adaptive pooling and the non-constant
// pads (autograd/ops_resample.cpp), reached here through a linear interpolation.
TZ_OPINFO(resample) {
  op.grad("through_linear_interpolate", g1({1, 2, 4}, 40), [](const TL& x) { return interpolate(x[0], {7}, {}, "linear", true); });
}

TZ_OPINFO(pixel_shuffle) {
  op.dtypes = kAll;
  op.sample("", in({2, 8, 4, 2}, -2, 2, 12), [](const TL& x) { return TL{pixel_shuffle(x[0], 2)}; });
  op.grad("", g1({2, 8, 2, 3}, 26), [](const TL& x) { return pixel_shuffle(x[0], 2); });
}
TZ_OPINFO(pixel_unshuffle) {
  op.dtypes = kAll;
  op.sample("transposed", in({2, 8, 4, 2}, -2, 2, 12), [](const TL& x) { return TL{pixel_unshuffle(x[0].transpose(2, 3), 2)}; });
  op.grad("transposed", g1({1, 2, 6, 4}, 27), [](const TL& x) { return pixel_unshuffle(x[0].transpose(2, 3), 2); });
}

}  // namespace
}  // namespace tz::test
