// Op entries of the reductions and scans: keepdim, negative and multiple dims, size-0/size-1
// dims, broadcast (expanded, stride-0) and non-contiguous inputs, and the zero/tie inputs where
// the backward formulas need care.
#include <cmath>

#include "tests/support/op_info.h"

namespace tz::test {
namespace {

// A kink (ties between maxima) makes the gradient discontinuous in x, so finite differences of
// the gradient are meaningless there: first derivatives only.
const GradcheckOptions kNoGradgrad{1e-6, 1e-5, 1e-3, false};
/// One input in [lo, hi) with seed 1 (the parity samples' inputs).
std::function<TensorList(DType)> one(Shape s, double lo = -3, double hi = 3) { return in(std::move(s), lo, hi, 1); }
/// One f64 gradcheck input with seed 7.
std::function<TensorList()> g7(Shape s, double lo = -1, double hi = 1) { return gc(std::move(s), lo, hi, 7); }

TZ_OPINFO(sum) {
  op.dtypes = kAll;
  op.sample("dims", one({3, 4, 5}), [](const TL& x) {
    return TL{sum(x[0]), sum(x[0], {1}), sum(x[0], {0, 2}, true), sum(x[0].transpose(0, 2), {-1})};
  }, 10.0);
  op.sample("size0_size1_broadcast", one({1, 4}), [](const TL& x) {
    const Tensor e = x[0].expand({6, 4});  // stride-0 dim
    return TL{sum(e, {0}), sum(e, {1}), sum(x[0].narrow(1, 0, 0), {1}), sum(x[0], {0})};
  });
  op.grad("all", g7({3, 4}), [](const TL& x) { return sum(x[0]); });
  op.grad("dims_keepdim", g7({2, 3, 4}), [](const TL& x) { return sum(x[0], {0, 2}, true); });
  op.grad("negative_dim_transposed", g7({3, 4}), [](const TL& x) { return sum(x[0].t(), {-1}); });
  op.grad("dims_keepdim_squared", gc({2, 3, 4}),
          [](const TL& x) { return x[0].sum({0, 2}, true).square() + x[0].sum({-1}).sum(); });
}
TZ_OPINFO(mean) {
  op.dtypes = kFloats;
  op.sample("dims", one({3, 4, 5}, 0.5, 1.5), [](const TL& x) { return TL{mean(x[0], {1})}; }, 10.0);
  op.grad("dims", g7({2, 3, 4}), [](const TL& x) { return mean(x[0], {-1, 0}); });
  op.grad("squared", gc({3, 4}), [](const TL& x) { return x[0].mean({1}).square(); });
}
TZ_OPINFO(prod) {
  op.dtypes = kAll;
  op.sample("dims", one({3, 4, 5}, 0.5, 1.5),
            [](const TL& x) { return TL{prod(x[0], {2}), prod(x[0].transpose(0, 1), {0, 2}, true)}; }, 10.0, kFloats);
  op.sample("ints", one({3, 4}, 1, 3), [](const TL& x) { return TL{prod(x[0], {1}), prod(x[0].t(), {1})}; }, 1.0, kInts);
  op.grad("all", g7({3, 4}, 0.5, 1.5), [](const TL& x) { return prod(x[0]); });
  op.grad("dim_keepdim_negative", g7({2, 3, 4}, -1.5, -0.5), [](const TL& x) { return prod(x[0], {-2}, true); });
  op.grad("dims_transposed", g7({4, 3, 2}, 0.5, 1.5), [](const TL& x) { return prod(x[0].transpose(0, 2), {0, 2}); });
  // Exactly one zero in the first row, none in the second: both gradient formulas.
  op.grad("one_zero", [] { return TL{gc_values({0.5, 0.0, 1.5, -2.0, 0.7, 1.2, -0.8, 1.1}, {2, 4})}; },
          [](const TL& x) { return prod(x[0], {1}); });
  // Two zeros: the gradient is zero everywhere but its derivatives are not.
  op.grad("two_zeros_all", [] { return TL{gc_values({0.5, 0.0, 1.5, 0.0, 0.7, 1.2}, {3, 2})}; },
          [](const TL& x) { return prod(x[0]); });
  op.grad("zero_multi_dims_keepdim",
          [] { return TL{gc_values({0.5, 1.3, 1.5, -2.0, 0.0, 1.2, -0.8, 1.1, 0.9, 0.6, 1.4, -1.0}, {2, 3, 2})}; },
          [](const TL& x) { return prod(x[0].transpose(1, 2), {0, 2}, true); });
}

// ---- extrema ----------------------------------------------------------------------------------
TZ_OPINFO(amax) {
  op.dtypes = kAll;
  op.sample("dims", one({3, 4, 5}, -50, 50), [](const TL& x) { return TL{amax(x[0], {1}), amax(x[0].permute({2, 0, 1}), {0})}; });
  op.grad("dims", g7({2, 3, 4}), [](const TL& x) { return amax(x[0], {0, -1}); });
  op.grad("tie", [] { return TL{gc_values({0.5, 0.9, 0.9, -1.0, 0.3, 0.2}, {2, 3})}; },
          [](const TL& x) { return amax(x[0], {1}); }, kNoGradgrad);
}
TZ_OPINFO(amin) {
  op.dtypes = kAll;
  op.sample("dims_keepdim", one({3, 4, 5}, -50, 50), [](const TL& x) { return TL{amin(x[0], {0, 2}, true)}; });
  op.grad("keepdim_transposed", g7({3, 4}), [](const TL& x) { return amin(x[0].t(), {1}, true); });
  op.grad("tie_all", [] { return TL{gc_values({0.5, -0.9, 0.1, -0.9, 0.3, 0.2}, {2, 3})}; },
          [](const TL& x) { return amin(x[0]); }, kNoGradgrad);
}
TZ_OPINFO(max) {
  op.dtypes = kAll;
  op.sample("all", one({3, 4, 5}, -50, 50), [](const TL& x) { return TL{max(x[0])}; });
  op.sample("dim_indices", one({4, 6}, -50, 50), [](const TL& x) {
    auto a = max(x[0], 1);
    return TL{a.values, a.indices};
  });
  op.grad("all", g7({3, 4}), [](const TL& x) { return max(x[0]); });
  op.grad("dim", g7({3, 4}), [](const TL& x) { return max(x[0], 1).values; });
  op.grad("dim_keepdim_negative", g7({2, 3, 4}), [](const TL& x) { return max(x[0], -2, true).values; });
}
TZ_OPINFO(min) {
  op.dtypes = kAll;
  op.sample("all", one({3, 4, 5}, -50, 50), [](const TL& x) { return TL{min(x[0])}; });
  op.sample("dim_keepdim_transposed_indices", one({4, 6}, -50, 50), [](const TL& x) {
    auto b = min(x[0].t(), 1, true);
    return TL{b.values, b.indices};
  });
  op.grad("all", g7({3, 4}), [](const TL& x) { return min(x[0]); });
  op.grad("dim_transposed", g7({3, 4}), [](const TL& x) { return min(x[0].t(), 0).values; });
  op.grad("dim_keepdim", g7({2, 3, 4}), [](const TL& x) { return min(x[0], 2, true).values; });
}
TZ_OPINFO(argmax) {
  op.dtypes = kNumeric;
  op.sample("all_and_broadcast", one({4, 6}, -50, 50),
            [](const TL& x) { return TL{argmax(x[0]), argmax(x[0].expand({3, 4, 6}), 0)}; });
}
TZ_OPINFO(argmin) {
  op.dtypes = kNumeric;
  op.sample("dim", one({4, 6}, -50, 50), [](const TL& x) { return TL{argmin(x[0], 0)}; });
}

// ---- var / std / logsumexp / norm --------------------------------------------------------------
TZ_OPINFO(var) {
  op.dtypes = kFloats;
  op.sample("dims", one({3, 4, 5}), [](const TL& x) { return TL{var(x[0], {1}), var(x[0].transpose(1, 2))}; }, 10.0);
  op.grad("all", g7({3, 4}), [](const TL& x) { return var(x[0]); });
  op.grad("dims_keepdim_correction0", g7({2, 3, 4}), [](const TL& x) { return var(x[0], {0, 2}, 0, true); });
  op.grad("negative_dim_transposed", g7({3, 4}), [](const TL& x) { return var(x[0].t(), {-1}, 2); });
}
TZ_OPINFO(std) {
  op.dtypes = kFloats;
  op.sample("dims_keepdim", one({3, 4, 5}), [](const TL& x) { return TL{std(x[0], {0, 2}, 0, true)}; }, 10.0);
  op.grad("dim", g7({3, 4}), [](const TL& x) { return std(x[0], {1}); });
  op.grad("all_keepdim", g7({2, 3}), [](const TL& x) { return std(x[0], {}, 1, true); });
}
TZ_OPINFO(logsumexp) {
  op.dtypes = kAll;
  op.sample("dims", one({3, 4, 5}),
            [](const TL& x) { return TL{logsumexp(x[0], {2}), logsumexp(x[0].narrow(2, 0, 1), {0, 2}, true)}; }, 10.0);
  op.grad("dims", g7({2, 3, 4}, -2, 2), [](const TL& x) { return logsumexp(x[0], {0, 2}); });
  op.grad("large_keepdim_transposed", g7({3, 4}, 300, 302), [](const TL& x) { return logsumexp(x[0].t(), {-1}, true); });
}
TZ_OPINFO(norm) {
  op.dtypes = kFloats;
  op.sample("orders", one({3, 4}), [](const TL& x) {
    return TL{norm(x[0]), norm(x[0], 1.0, {1}), norm(x[0].t(), 3.0, {0}, true), norm(x[0], INFINITY, {0}),
              norm(x[0], -INFINITY), norm(x[0], 0.0, {1})};
  }, 10.0);
  op.grad("p2_all", g7({3, 4}), [](const TL& x) { return norm(x[0]); });
  op.grad("p2_dim_keepdim_transposed", g7({3, 4}), [](const TL& x) { return norm(x[0].t(), 2.0, {-1}, true); });
  op.grad("p1", g7({3, 4}, 0.1, 1), [](const TL& x) { return norm(x[0] - 1.2, 1.0, {0}); });
  op.grad("p3_dims", g7({2, 3, 4}, 0.2, 1), [](const TL& x) { return norm(x[0] * x[0] + 0.1, 3.0, {0, 2}); });
  op.grad("p0.5", g7({3, 4}, 0.2, 1), [](const TL& x) { return norm(x[0], 0.5, {1}); });
  op.grad("inf", g7({3, 4}), [](const TL& x) { return norm(x[0], INFINITY, {1}); });
  op.grad("neg_inf_all", g7({3, 4}, 0.1, 1), [](const TL& x) { return norm(x[0], -INFINITY); });
  op.grad("p0", g7({3, 4}, 0.1, 1), [](const TL& x) { return norm(x[0], 0.0, {1}) * x[0].sum(); });
}

// ---- boolean reductions -------------------------------------------------------------------------
// Inputs rounded toward zero: some zeros, some not.
TZ_OPINFO(any) {
  op.dtypes = kAll;
  op.sample("dims", one({3, 5}, -1, 1.5), [](const TL& x) {
    const Tensor r = x[0].to(DType::I64);
    return TL{any(r, {1}), any(r.t(), {0}, true), any(x[0], {0})};
  });
}
TZ_OPINFO(all) {
  op.dtypes = kAll;
  op.sample("dim", one({3, 5}, -1, 1.5), [](const TL& x) { return TL{all(x[0].to(DType::I64), {0}), all(x[0], {1})}; });
}
TZ_OPINFO(count_nonzero) {
  op.dtypes = kAll;
  op.sample("dims", one({3, 5}, -1, 1.5),
            [](const TL& x) { return TL{count_nonzero(x[0].to(DType::I64), {1}), count_nonzero(x[0])}; });
}

// ---- scans --------------------------------------------------------------------------------------
TZ_OPINFO(cumsum) {
  op.dtypes = kAll;
  op.sample("dims_reverse", one({3, 12}, 0.5, 1.5),
            [](const TL& x) { return TL{cumsum(x[0], 1), cumsum(x[0], 0, true), cumsum(x[0].narrow(0, 0, 0), 1)}; }, 10.0);
  op.grad("dim", g7({3, 4}), [](const TL& x) { return cumsum(x[0], 1); });
  op.grad("reverse_negative_dim", g7({2, 3, 4}), [](const TL& x) { return cumsum(x[0], -2, true); });
  op.grad("transposed", g7({3, 4}), [](const TL& x) { return cumsum(x[0].t(), 0); });
}
TZ_OPINFO(cumprod) {
  op.dtypes = kAll;
  op.sample("transposed_reverse", one({3, 12}, 0.5, 1.5),
            [](const TL& x) { return TL{cumprod(x[0].t(), 1), cumprod(x[0], -1, true)}; }, 10.0);
  op.grad("dim", g7({3, 4}, 0.5, 1.5), [](const TL& x) { return cumprod(x[0], 1); });
  op.grad("reverse_transposed", g7({4, 3}, -1.5, -0.5), [](const TL& x) { return cumprod(x[0].t(), -1, true); });
  // Zeros: one zero in the first line, two in the second, none in the third.
  op.grad("zeros",
          [] { return TL{gc_values({0.5, 1.3, 0.0, -2.0, 0.9, 0.0, 1.2, 0.0, 1.1, 0.8, -1.4, 0.6, 1.2, 0.7, -0.9}, {3, 5})}; },
          [](const TL& x) { return cumprod(x[0], 1); });
  op.grad("zeros_reverse_dim0",
          [] { return TL{gc_values({0.5, 0.0, 1.3, 0.8, 0.0, 1.2, -0.7, 0.0, 0.0, 1.1, 0.6, 1.4}, {4, 3})}; },
          [](const TL& x) { return cumprod(x[0], 0, true); });
}

}  // namespace
}  // namespace tz::test
