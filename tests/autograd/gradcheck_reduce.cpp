// Gradcheck cases for reductions and scans (keepdim, negative and multiple dims, non-contiguous
// inputs, and the zero/tie inputs where the backward formulas need care).
#include <cmath>

#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

/// f64 input with exact values (for ties and zeros), requiring grad.
Tensor gc_values(const std::vector<double>& v, const Shape& shape) {
  Tensor t = from_vector<double>(v, shape);
  t.requires_grad_(true);
  return t;
}

#define TZ_REDUCE_CASE(name, shape, lo, hi, expr) \
  TZ_GRADCHECK(name, [] { return TL{gc_input(shape, lo, hi, 7)}; }, [](const TL& x) { return expr; })

// A kink (ties between maxima) makes the gradient discontinuous in x, so finite differences of
// the gradient are meaningless there: first derivatives only.
const GradcheckOptions kNoGradgrad{1e-6, 1e-5, 1e-3, false};

// ---- sum / mean ----
TZ_REDUCE_CASE("sum/all", Shape({3, 4}), -1, 1, sum(x[0]));
TZ_REDUCE_CASE("sum/dims_keepdim", Shape({2, 3, 4}), -1, 1, sum(x[0], {0, 2}, true));
TZ_REDUCE_CASE("sum/negative_dim_transposed", Shape({3, 4}), -1, 1, sum(x[0].t(), {-1}));
TZ_REDUCE_CASE("mean/dims", Shape({2, 3, 4}), -1, 1, mean(x[0], {-1, 0}));

// ---- prod ----
TZ_REDUCE_CASE("prod/all", Shape({3, 4}), 0.5, 1.5, prod(x[0]));
TZ_REDUCE_CASE("prod/dim_keepdim_negative", Shape({2, 3, 4}), -1.5, -0.5, prod(x[0], {-2}, true));
TZ_REDUCE_CASE("prod/dims_transposed", Shape({4, 3, 2}), 0.5, 1.5, prod(x[0].transpose(0, 2), {0, 2}));
// Exactly one zero in the first row, none in the second: both gradient formulas.
TZ_GRADCHECK("prod/one_zero", [] { return TL{gc_values({0.5, 0.0, 1.5, -2.0, 0.7, 1.2, -0.8, 1.1}, {2, 4})}; },
             [](const TL& x) { return prod(x[0], {1}); });
// Two zeros: the gradient is zero everywhere but its derivatives are not.
TZ_GRADCHECK("prod/two_zeros_all", [] { return TL{gc_values({0.5, 0.0, 1.5, 0.0, 0.7, 1.2}, {3, 2})}; },
             [](const TL& x) { return prod(x[0]); });
TZ_GRADCHECK("prod/zero_multi_dims_keepdim",
             [] { return TL{gc_values({0.5, 1.3, 1.5, -2.0, 0.0, 1.2, -0.8, 1.1, 0.9, 0.6, 1.4, -1.0}, {2, 3, 2})}; },
             [](const TL& x) { return prod(x[0].transpose(1, 2), {0, 2}, true); });

// ---- extrema ----
TZ_REDUCE_CASE("amax/dims", Shape({2, 3, 4}), -1, 1, amax(x[0], {0, -1}));
TZ_REDUCE_CASE("amin/keepdim_transposed", Shape({3, 4}), -1, 1, amin(x[0].t(), {1}, true));
TZ_GRADCHECK("amax/tie", [] { return TL{gc_values({0.5, 0.9, 0.9, -1.0, 0.3, 0.2}, {2, 3})}; },
             [](const TL& x) { return amax(x[0], {1}); }, kNoGradgrad);
TZ_GRADCHECK("amin/tie_all", [] { return TL{gc_values({0.5, -0.9, 0.1, -0.9, 0.3, 0.2}, {2, 3})}; },
             [](const TL& x) { return amin(x[0]); }, kNoGradgrad);
TZ_REDUCE_CASE("max/all", Shape({3, 4}), -1, 1, max(x[0]));
TZ_REDUCE_CASE("min/all", Shape({3, 4}), -1, 1, min(x[0]));
TZ_REDUCE_CASE("max/dim", Shape({3, 4}), -1, 1, max(x[0], 1).values);
TZ_REDUCE_CASE("max/dim_keepdim_negative", Shape({2, 3, 4}), -1, 1, max(x[0], -2, true).values);
TZ_REDUCE_CASE("min/dim_transposed", Shape({3, 4}), -1, 1, min(x[0].t(), 0).values);
TZ_REDUCE_CASE("min/dim_keepdim", Shape({2, 3, 4}), -1, 1, min(x[0], 2, true).values);

// ---- var / std ----
TZ_REDUCE_CASE("var/all", Shape({3, 4}), -1, 1, var(x[0]));
TZ_REDUCE_CASE("var/dims_keepdim_correction0", Shape({2, 3, 4}), -1, 1, var(x[0], {0, 2}, 0, true));
TZ_REDUCE_CASE("var/negative_dim_transposed", Shape({3, 4}), -1, 1, var(x[0].t(), {-1}, 2));
TZ_REDUCE_CASE("std/dim", Shape({3, 4}), -1, 1, std(x[0], {1}));
TZ_REDUCE_CASE("std/all_keepdim", Shape({2, 3}), -1, 1, std(x[0], {}, 1, true));

// ---- logsumexp ----
TZ_REDUCE_CASE("logsumexp/dims", Shape({2, 3, 4}), -2, 2, logsumexp(x[0], {0, 2}));
TZ_REDUCE_CASE("logsumexp/large_keepdim_transposed", Shape({3, 4}), 300, 302, logsumexp(x[0].t(), {-1}, true));

// ---- norm ----
TZ_REDUCE_CASE("norm/p2_all", Shape({3, 4}), -1, 1, norm(x[0]));
TZ_REDUCE_CASE("norm/p2_dim_keepdim_transposed", Shape({3, 4}), -1, 1, norm(x[0].t(), 2.0, {-1}, true));
TZ_REDUCE_CASE("norm/p1", Shape({3, 4}), 0.1, 1, norm(x[0] - 1.2, 1.0, {0}));
TZ_REDUCE_CASE("norm/p3_dims", Shape({2, 3, 4}), 0.2, 1, norm(x[0] * x[0] + 0.1, 3.0, {0, 2}));
TZ_REDUCE_CASE("norm/p0.5", Shape({3, 4}), 0.2, 1, norm(x[0], 0.5, {1}));
TZ_REDUCE_CASE("norm/inf", Shape({3, 4}), -1, 1, norm(x[0], INFINITY, {1}));
TZ_REDUCE_CASE("norm/neg_inf_all", Shape({3, 4}), 0.1, 1, norm(x[0], -INFINITY));
TZ_REDUCE_CASE("norm/p0", Shape({3, 4}), 0.1, 1, norm(x[0], 0.0, {1}) * x[0].sum());

// ---- scans ----
TZ_REDUCE_CASE("cumsum/dim", Shape({3, 4}), -1, 1, cumsum(x[0], 1));
TZ_REDUCE_CASE("cumsum/reverse_negative_dim", Shape({2, 3, 4}), -1, 1, cumsum(x[0], -2, true));
TZ_REDUCE_CASE("cumsum/transposed", Shape({3, 4}), -1, 1, cumsum(x[0].t(), 0));
TZ_REDUCE_CASE("cumprod/dim", Shape({3, 4}), 0.5, 1.5, cumprod(x[0], 1));
TZ_REDUCE_CASE("cumprod/reverse_transposed", Shape({4, 3}), -1.5, -0.5, cumprod(x[0].t(), -1, true));
// Zeros: one zero in the first line, two in the second, none in the third.
TZ_GRADCHECK("cumprod/zeros",
             [] { return TL{gc_values({0.5, 1.3, 0.0, -2.0, 0.9, 0.0, 1.2, 0.0, 1.1, 0.8, -1.4, 0.6, 1.2, 0.7, -0.9}, {3, 5})}; },
             [](const TL& x) { return cumprod(x[0], 1); });
TZ_GRADCHECK("cumprod/zeros_reverse_dim0",
             [] { return TL{gc_values({0.5, 0.0, 1.3, 0.8, 0.0, 1.2, -0.7, 0.0, 0.0, 1.1, 0.6, 1.4}, {4, 3})}; },
             [](const TL& x) { return cumprod(x[0], 0, true); });

}  // namespace
}  // namespace tz::test
