// Op entries of casts and copies, the view ops (their gradients scatter back into the base),
// the non-finite predicates, and the counter-based random ops.
#include <cmath>

#include "tests/support/op_info.h"

namespace tz::test {
namespace {

// ---- casts and copies ---------------------------------------------------------------------------
// Casts between every pair of dtypes (float -> int goes through int64, like PyTorch).
TZ_OPINFO(to_dtype) {
  op.dtypes = kNumeric;
  op.dtype_skip = "casts accept every dtype";
  op.sample("every_pair_transposed", in({2, 5}, -4, 100, 15), [](const TL& x) {
    TL out;
    for (DType to : all_dtypes()) out.push_back(x[0].t().to(to));
    return out;
  });
  op.grad("", gc({3, 4}), [](const TL& x) { return x[0].to(DType::F32).to(DType::F64) * x[0]; },
          GradcheckOptions{1e-3, 1e-3, 1e-2, true});
}
TZ_OPINFO(clone) {
  op.grad("", gc({3, 4}), [](const TL& x) { return x[0].clone() * x[0]; });
}
TZ_OPINFO(contiguous) {
  op.grad("", gc({4, 3}), [](const TL& x) { return x[0].transpose(0, 1).contiguous() * 2.0; });
}
// Through the reference device (ext0, registered in every test binary) and back, so both moves
// record a ToDeviceBackward node and the multiply runs on ext0.
TZ_OPINFO(to_device) {
  op.grad("", gc({3, 4}), [](const TL& x) { return (x[0].to(Device(DeviceType::Ext0)) * 3.0).to(kCPU) * x[0]; });
}

// ---- views --------------------------------------------------------------------------------------
TZ_OPINFO(view) {
  op.dtypes = kNumeric;
  op.dtype_skip = "views accept every dtype";
  op.sample("view_family", in({2, 3, 4}, -5, 5, 16), [](const TL& x) {
    const Tensor& t = x[0];
    return TL{t.view({6, 4}).clone(), t.reshape({4, 6}).clone(), t.unsqueeze(1).squeeze(1).clone(),
              t.unflatten(2, {2, 2}).clone(), t.unfold(2, 2, 1).clone(), t.diagonal(0, 1, 2).clone(),
              t.as_strided({3, 2}, {2, 5}, 1).clone(), movedim(t, 0, 2).contiguous(), unbind(t, 1)[2].clone(),
              mm(t[0].to(DType::F64), t[1].to(DType::F64).t())};
  });
  op.grad("reshape", gc({2, 3, 4}),
          [](const TL& x) { return x[0].view({6, 4}).reshape({4, 6}) * x[0].flatten().view({4, 6}); });
  op.grad("reshape_non_contiguous", gc({3, 4}), [](const TL& x) { return x[0].t().reshape({12}).unflatten(0, {2, 6}); });
  op.grad("squeeze_unsqueeze", gc({3, 1, 2}), [](const TL& x) { return x[0].squeeze(1).unsqueeze(0).square(); });
}
TZ_OPINFO(permute) {
  op.grad("transpose", gc({2, 3, 4}), [](const TL& x) { return x[0].permute({2, 0, 1}).transpose(0, 2).square(); });
}
TZ_OPINFO(expand) {
  op.grad("", gc({3, 1}), [](const TL& x) { return x[0].expand({2, 3, 4}) * x[0].expand({2, 3, 4}); });
}
TZ_OPINFO(slice) {
  op.grad("step", gc({5, 6}), [](const TL& x) {
    return x[0].slice(1, 1, std::nullopt, 2).slice(0, -3, std::nullopt).square() +
           x[0].slice(0, -3, std::nullopt).slice(1, 0, 3);
  });
  op.grad("narrow_select", gc({4, 5}),
          [](const TL& x) { return x[0].narrow(1, 1, 3).square().sum({0}) + x[0].select(0, -1).narrow(0, 0, 3); });
}
TZ_OPINFO(as_strided) {
  op.grad("overlapping", gc({3, 4}, -1, 1, 37), [](const TL& x) { return x[0].as_strided({3, 3}, {2, 1}, 1); });
  op.grad("diagonal", gc({3, 4, 4}),
          [](const TL& x) { return x[0].diagonal(1, 1, 2).square() * 2.0 + x[0].diagonal(-1, 1, 2); });
}
TZ_OPINFO(unfold) {
  op.grad("overlapping", gc({2, 7}, -1, 1, 36), [](const TL& x) { return x[0].unfold(1, 3, 2); });
}
// The node that a view's backward records (it scatters the gradient into zeros of the base's
// shape): reached by differentiating a slice's first-order gradient, built with create_graph.
TZ_OPINFO(view_scatter) {
  op.grad("slice_gradient", gc({4, 5}), [](const TL& x) {
    EnableGradGuard eg;
    const Tensor y = x[0].narrow(1, 1, 3);
    return grad({(y * y * y).sum()}, {x[0]}, {}, true, true)[0];
  });
}
TZ_OPINFO(unbind) {
  op.grad("", gc({3, 2}), [](const TL& x) {
    TL parts = unbind(x[0], 1);
    return parts[0] * parts[1];
  });
}

// ---- non-finite values --------------------------------------------------------------------------
TensorList nonfinite(DType dt) { return TL{tensor({1.0f, NAN, INFINITY, -INFINITY, 0.0f, -2.0f}).to(dt)}; }
#define TZ_NONFINITE(id, EXPR)                                          \
  TZ_OPINFO(id) {                                                       \
    op.dtypes = {DType::F32, DType::F64};                               \
    op.dtype_skip = "defined for every dtype";                          \
    op.sample("nan_inf", nonfinite, [](const TL& x) { return TL{EXPR}; }); \
  }
TZ_NONFINITE(isnan, isnan(x[0]));
TZ_NONFINITE(isinf, isinf(x[0]));
TZ_NONFINITE(isfinite, isfinite(x[0]));
TZ_NONFINITE(isclose, isclose(x[0], x[0], 1e-5, 1e-8, true));
// How the elementwise kernels propagate NaN and infinities.
TZ_OPINFO(nan_propagation) {
  op.dtypes = {DType::F32, DType::F64};
  op.dtype_skip = "several ops";
  op.sample("nan_inf", nonfinite, [](const TL& x) {
    return TL{relu(x[0]), clamp(x[0], -1, 1), sign(x[0]), maximum(x[0], flip(x[0], {0}))};
  });
}

// ---- random numbers -----------------------------------------------------------------------------
// Counter-based random numbers: identical on every backend for the same seed. The input only
// carries the device (and, for dropout, the values).
TensorList ones_like_case(DType dt) { return TL{ones({64, 33}, dt)}; }
#define TZ_RANDOM(id, EXPR)                                                  \
  TZ_OPINFO(id) {                                                            \
    op.dtypes = {DType::F32, DType::F64};                                    \
    op.dtype_skip = "the dtype is an option, not an input's";                \
    op.sample("same_seed", ones_like_case, [](const TL& x) {                 \
      Generator g(1234);                                                     \
      const TensorOptions o(x[0].dtype(), x[0].device());                    \
      return TL{EXPR};                                                       \
    });                                                                      \
  }
TZ_RANDOM(rand, rand({5, 7}, o, &g));
TZ_RANDOM(randn, randn({5, 7}, o, &g));
TZ_RANDOM(randint, randint(-5, 5, {9}, TensorOptions(DType::I64, x[0].device()), &g));
TZ_RANDOM(bernoulli, bernoulli({4, 9}, 0.3, o, &g));

}  // namespace
}  // namespace tz::test
