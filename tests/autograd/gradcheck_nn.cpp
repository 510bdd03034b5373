// Gradcheck cases for softmax/log_softmax/masked_softmax, layer/rms/batch/group norm and dropout
// (second derivatives included: the backward formulas are built from differentiable ops).
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

TZ_GRADCHECK("softmax/last", [] { return TL{gc_input({3, 5}, -2, 2)}; }, [](const TL& x) { return softmax(x[0], -1); });
TZ_GRADCHECK("softmax/dim0_transposed", [] { return TL{gc_input({4, 3}, -2, 2)}; },
             [](const TL& x) { return softmax(x[0].t(), 0); });
TZ_GRADCHECK("log_softmax", [] { return TL{gc_input({2, 3, 4}, -2, 2)}; }, [](const TL& x) { return log_softmax(x[0], 1); });
TZ_GRADCHECK("log_softmax/last", [] { return TL{gc_input({3, 6}, -2, 2)}; }, [](const TL& x) { return log_softmax(x[0], -1); });
TZ_GRADCHECK("masked_softmax", [] { return TL{gc_input({3, 4}, -2, 2)}; }, [](const TL& x) {
  const Tensor mask = tensor({true, false, true, true, false, false, false, false, true, true, false, true}).reshape({3, 4});
  return masked_softmax(x[0], mask, 1);
});
TZ_GRADCHECK("masked_softmax/broadcast_mask", [] { return TL{gc_input({2, 3, 4}, -2, 2)}; }, [](const TL& x) {
  return masked_softmax(x[0], tensor({true, false, true, true}), -1);
});

TZ_GRADCHECK("layer_norm/affine", [] { return TL{gc_input({3, 5}, -2, 2, 1), gc_input({5}, 0.5, 1.5, 2), gc_input({5}, -1, 1, 3)}; },
             [](const TL& x) { return layer_norm(x[0], {5}, x[1], x[2]); });
TZ_GRADCHECK("layer_norm/plain_2d", [] { return TL{gc_input({2, 3, 4}, -2, 2, 1)}; },
             [](const TL& x) { return layer_norm(x[0], {3, 4}); });
TZ_GRADCHECK("layer_norm/weight_only_transposed", [] { return TL{gc_input({4, 3}, -2, 2, 1), gc_input({4}, 0.5, 1.5, 2)}; },
             [](const TL& x) { return layer_norm(x[0].t(), {4}, x[1]); });
TZ_GRADCHECK("rms_norm", [] { return TL{gc_input({3, 5}, -2, 2, 1), gc_input({5}, 0.5, 1.5, 2)}; },
             [](const TL& x) { return rms_norm(x[0], {5}, x[1], 1e-5); });
TZ_GRADCHECK("batch_norm/training", [] {
  return TL{gc_input({4, 3, 2}, -2, 2, 1), gc_input({3}, 0.5, 1.5, 2), gc_input({3}, -1, 1, 3)};
}, [](const TL& x) {
  Tensor rm = zeros({3}, DType::F64), rv = ones({3}, DType::F64);
  return batch_norm(x[0], rm, rv, x[1], x[2], true);
});
TZ_GRADCHECK("batch_norm/eval", [] { return TL{gc_input({4, 3}, -2, 2, 1), gc_input({3}, 0.5, 1.5, 2)}; }, [](const TL& x) {
  return batch_norm(x[0], full({3}, 0.2, DType::F64), full({3}, 1.5, DType::F64), x[1], {}, false);
});
TZ_GRADCHECK("group_norm", [] {
  return TL{gc_input({2, 4, 3}, -2, 2, 1), gc_input({4}, 0.5, 1.5, 2), gc_input({4}, -1, 1, 3)};
}, [](const TL& x) { return group_norm(x[0], 2, x[1], x[2]); });
// Re-seeding inside fn keeps the mask fixed across the finite-difference evaluations.
TZ_GRADCHECK("dropout", [] { return TL{gc_input({4, 5})}; }, [](const TL& x) {
  manual_seed(3);
  return dropout(x[0], 0.4);
});

}  // namespace
}  // namespace tz::test
