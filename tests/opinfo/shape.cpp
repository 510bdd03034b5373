// Op entries of the shape ops that copy: every dtype family, size-0 and size-1 dims, and
// non-contiguous (transposed or sliced) inputs. Products in the grad samples keep the second
// derivatives non-trivial.
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

TZ_OPINFO(cat) {
  op.dtypes = kAll;
  op.sample("noncontiguous", in2({3, 4}, {4, 2}, -5, 5, 1), [](const TL& x) {
    return TL{cat({x[0], x[1].t(), x[0].slice(0, 0, 1)}, 0), cat({x[0].t(), x[1]}, 1)};
  });
  op.sample("size0_promote", in2({0, 3}, {2, 3}, -5, 5, 1), [](const TL& x) {
    return TL{cat({x[0], x[1]}, 0), cat({zeros({0}, TensorOptions(DType::I8, x[1].device())), x[1]}, 0),
              cat({x[1], x[1].to(DType::F64)}, 1)};
  });
  // Mixed sizes along a dim, a transposed (non-contiguous) operand, and a skipped [0] input.
  op.grad("", gc2({2, 3}, {3, 2}), [](const TL& x) { return cat({x[0], x[1].t(), x[0] * x[0]}, 1); });
  op.grad("skipped_empty", gc2({0}, {2, 3}), [](const TL& x) { return cat({x[0], x[1]}, 0) * x[1]; });
}
TZ_OPINFO(stack) {
  op.dtypes = kAll;
  op.sample("noncontiguous", in2({3, 4}, {4, 2}, -5, 5, 1), [](const TL& x) { return TL{stack({x[0], x[0].t().t()}, 2)}; });
  op.grad("", gc2({2, 3}, {3, 2}), [](const TL& x) { return stack({x[0], x[1].t()}, 1); });
}
TZ_OPINFO(split) {
  op.dtypes = kAll;
  op.sample("transposed_and_chunk", in({5, 6}, -5, 5), [](const TL& x) {
    TL a = split(x[0].t(), 4, 0), b = chunk(x[0], 4, 1);
    return TL{a[0].contiguous(), a[1].contiguous(), b[0].contiguous(), b[2].contiguous()};
  });
  op.grad("", gc({5, 3}, -1, 1, 1), [](const TL& x) {
    TL p = split(x[0], 2, 0);
    return cat({p[0] * p[1], p[2] * 3.0}, 0);
  });
  op.grad("sizes_chunk", gc({3, 7}, -1, 1, 1), [](const TL& x) {
    TL p = split(x[0], std::vector<int64_t>{3, 4}, 1);
    TL c = chunk(p[1], 2, 1);
    return cat({p[0] * p[0], c[0] * c[1]}, 1);
  });
}

// ---- pad: every mode, N-d, negative (cropping) pads, a transposed input --------------------------
TZ_OPINFO(constant_pad) {
  op.dtypes = kAll;
  op.raises_as = "pad";
  op.sample("cropping", in({2, 3, 5, 4}, -5, 5), [](const TL& x) { return TL{pad(x[0], {1, 2, -1, 0, 1, 1}, "constant", 3.0)}; });
  op.sample("size1", in({1, 1, 4}, -5, 5), [](const TL& x) { return TL{pad(x[0], {1, 1, 1, 1}, "constant", -1.0)}; }, 1.0, kFloats);
  op.grad("", gc({2, 3, 4}, -1, 1, 1), [](const TL& x) { return pad(x[0] * x[0], {1, -2, 2, 0, 0, 1}, "constant", 0.5); });
}
TZ_OPINFO(pad) {
  op.dtypes = kAll;
  op.sample("modes_transposed", in({2, 3, 5, 4}, -5, 5), [](const TL& x) {
    const Tensor t = x[0].transpose(2, 3);
    return TL{pad(t, {2, 1, 1, 3}, "reflect"), pad(t, {2, 1, 0, 3}, "replicate"), pad(x[0], {-1, 3, 2, 1}, "circular")};
  });
  op.sample("size1", in({1, 1, 4}, -5, 5), [](const TL& x) { return TL{pad(x[0], {3, 3}, "replicate")}; }, 1.0, kFloats);
  op.grad("reflect", gc({2, 4, 5}, -1, 1, 2), [](const TL& x) { return pad(x[0] * x[0], {2, 3, 3, -1}, "reflect"); });
  op.grad("replicate", gc({2, 5, 4}, -1, 1, 3), [](const TL& x) {
    return pad(x[0].transpose(1, 2) * x[0].transpose(1, 2), {2, 1, -1, 3}, "replicate");
  });
  op.grad("circular", gc({1, 2, 3, 4}, -1, 1, 4), [](const TL& x) { return pad(x[0] * x[0], {3, -1, 1, 3}, "circular"); });
}

// ---- roll / flip / repeat -----------------------------------------------------------------------
TZ_OPINFO(roll) {
  op.dtypes = kAll;
  op.sample("transposed", in({3, 50, 2}, -5, 5), [](const TL& x) { return TL{roll(x[0], {7, -1}, {1, 0}), roll(x[0].transpose(0, 1), {3})}; });
  op.grad("", gc({3, 4}, -1, 1, 1), [](const TL& x) { return roll(x[0] * x[0], {1, -5}, {0, 1}) + roll(x[0].t(), {2}).t(); });
}
TZ_OPINFO(flip) {
  op.dtypes = kAll;
  op.sample("transposed_size0", in({3, 50, 2}, -5, 5), [](const TL& x) {
    return TL{flip(x[0], {1}), flip(x[0].transpose(0, 1), {0, 1, 2}), flip(x[0].slice(1, 0, 0), {1})};
  });
  op.grad("", gc({3, 40}, -1, 1, 2), [](const TL& x) { return flip(x[0] * x[0], {0, 1}) + flip(x[0].t(), {1}).t(); });
}
TZ_OPINFO(repeat) {
  op.dtypes = kAll;
  op.sample("transposed_size0", in({2, 3}, -5, 5), [](const TL& x) { return TL{repeat(x[0].t(), {2, 1, 2}), repeat(x[0], {0, 2})}; });
  op.grad("", gc({2, 3}, -1, 1, 3), [](const TL& x) {
    return repeat(x[0] * x[0], {2, 1, 3}) + repeat(x[0].t(), {2, 3, 1}).transpose(1, 2);
  });
}
TZ_OPINFO(repeat_interleave) {
  op.dtypes = kAll;
  op.sample("counts_transposed", in({2, 3}, -5, 5), [](const TL& x) {
    return TL{repeat_interleave(x[0], 3, 0), repeat_interleave(x[0].t(), 2), repeat_interleave(x[0], tensor({1, 0, 2}), 1)};
  });
  op.grad("", gc({2, 3}, -1, 1, 4), [](const TL& x) {
    return repeat_interleave(x[0] * x[0], tensor({2, 0, 3}), 1) * 2.0 + repeat_interleave(x[0], 2).sum();
  });
}

// ---- triangles and grids ------------------------------------------------------------------------
TZ_OPINFO(tril) {
  op.dtypes = kAll;
  op.sample("size0", in({2, 4, 3}, -5, 5), [](const TL& x) { return TL{tril(x[0], -1), tril(x[0].slice(1, 0, 0))}; });
  op.grad("with_triu", gc({2, 3, 4}, -1, 1, 5), [](const TL& x) { return tril(x[0] * x[0], 1) + triu(x[0], -1) * x[0]; });
}
TZ_OPINFO(triu) {
  op.dtypes = kAll;
  op.sample("transposed", in({2, 4, 3}, -5, 5), [](const TL& x) { return TL{triu(x[0].transpose(1, 2), 1)}; });
}
TZ_OPINFO(meshgrid) {
  op.dtypes = kAll;
  op.sample("xy_selected", in({2, 4, 3}, -5, 5), [](const TL& x) {
    TL g = meshgrid({x[0].select(0, 0).select(1, 0), x[0].select(0, 1).select(0, 2)}, "xy");
    return TL{g[0].contiguous(), g[1].contiguous()};
  });
  op.grad("", gc2({3}, {2}, -1, 1, 6), [](const TL& x) {
    TL g = meshgrid({x[0], x[1]}, "xy");
    return g[0] * g[1] * g[0];
  });
}

}  // namespace
}  // namespace tz::test
