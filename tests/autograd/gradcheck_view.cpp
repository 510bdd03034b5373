// Gradcheck cases for the view ops (their gradients scatter back into the base) and sum.
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

TZ_GRADCHECK("view_reshape", [] { return TL{gc_input({2, 3, 4})}; },
             [](const TL& x) { return x[0].view({6, 4}).reshape({4, 6}) * x[0].flatten().view({4, 6}); });
TZ_GRADCHECK("reshape/non_contiguous", [] { return TL{gc_input({3, 4})}; },
             [](const TL& x) { return x[0].t().reshape({12}).unflatten(0, {2, 6}); });
TZ_GRADCHECK("permute_transpose", [] { return TL{gc_input({2, 3, 4})}; },
             [](const TL& x) { return x[0].permute({2, 0, 1}).transpose(0, 2).square(); });
TZ_GRADCHECK("expand", [] { return TL{gc_input({3, 1})}; },
             [](const TL& x) { return x[0].expand({2, 3, 4}) * x[0].expand({2, 3, 4}); });
TZ_GRADCHECK("squeeze_unsqueeze", [] { return TL{gc_input({3, 1, 2})}; },
             [](const TL& x) { return x[0].squeeze(1).unsqueeze(0).square(); });
TZ_GRADCHECK("slice/step", [] { return TL{gc_input({5, 6})}; },
             [](const TL& x) { return x[0].slice(1, 1, std::nullopt, 2).slice(0, -3, std::nullopt).square() + x[0].slice(0, -3, std::nullopt).slice(1, 0, 3); });
TZ_GRADCHECK("narrow_select", [] { return TL{gc_input({4, 5})}; },
             [](const TL& x) { return x[0].narrow(1, 1, 3).square().sum({0}) + x[0].select(0, -1).narrow(0, 0, 3); });
TZ_GRADCHECK("diagonal", [] { return TL{gc_input({3, 4, 4})}; },
             [](const TL& x) { return x[0].diagonal(1, 1, 2).square() * 2.0 + x[0].diagonal(-1, 1, 2); });
TZ_GRADCHECK("unbind", [] { return TL{gc_input({3, 2})}; },
             [](const TL& x) {
               TL parts = unbind(x[0], 1);
               return parts[0] * parts[1];
             });
TZ_GRADCHECK("sum/dims_keepdim", [] { return TL{gc_input({2, 3, 4})}; },
             [](const TL& x) { return x[0].sum({0, 2}, true).square() + x[0].sum({-1}).sum(); });
TZ_GRADCHECK("mean", [] { return TL{gc_input({3, 4})}; }, [](const TL& x) { return x[0].mean({1}).square(); });

}  // namespace
}  // namespace tz::test
