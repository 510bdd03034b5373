// Op entries of the binary elementwise ops (arithmetic, extrema, predicates, logical and bitwise
// ops): broadcast operands, size-0 and size-1 dims and transposed (non-contiguous) operands.
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

/// Inputs of the arithmetic samples: [2, 4, 3] in [1, 9) against a broadcast [4, 1] in [1, 5).
TensorList arith_inputs(DType dt) { return TL{make_input({2, 4, 3}, dt, 1, 9, 6), make_input({4, 1}, dt, 1, 5, 7)}; }
/// Inputs of the floating samples: [3, 4] in [-2, 2) against a broadcast [4] in [0.5, 2).
TensorList float_inputs(DType dt) { return TL{make_input({3, 4}, dt, -2, 2, 8), make_input({4}, dt, 0.5, 2, 9)}; }
/// Inputs of the predicate samples: [4, 3] against a broadcast [3], both in [-3, 3).
TensorList predicate_inputs(DType dt) { return TL{make_input({4, 3}, dt, -3, 3, 12), make_input({3}, dt, -3, 3, 13)}; }
/// Inputs of the bitwise samples: [3, 5] against a broadcast [5], both in [0, 100).
TensorList bitwise_inputs(DType dt) { return TL{make_input({3, 5}, dt, 0, 100, 10), make_input({5}, dt, 0, 100, 11)}; }

TensorList add_inputs(DType dt) { return TL{make_input({2, 3, 4}, dt, -5, 5, 1), make_input({3, 1}, dt, -5, 5, 2)}; }
TensorList size0_inputs(DType dt) { return TL{make_input({0, 3}, dt, 1, 2, 1), make_input({1, 3}, dt, 1, 2, 2)}; }

TZ_OPINFO(add) {
  op.dtypes = kAll;
  op.sample("broadcast", add_inputs, [](const TL& x) { return TL{x[0] + x[1], add(x[1], x[0], 2)}; });
  op.grad("", gc2({3, 4}, {3, 4}), [](const TL& x) { return add(x[0], x[1]); });
  op.grad("broadcast_alpha", gc2({2, 3, 4}, {3, 1}), [](const TL& x) { return add(x[0], x[1], 2.5); });
}
TZ_OPINFO(sub) {
  op.dtypes = kNumeric;
  op.sample("broadcast", add_inputs, [](const TL& x) { return TL{x[0] - x[1]}; });
  op.grad("broadcast", gc2({4}, {3, 4}), [](const TL& x) { return x[0] - x[1]; });
}
TZ_OPINFO(mul) {
  op.dtypes = kAll;
  op.sample("broadcast", add_inputs, [](const TL& x) { return TL{x[0] * x[1]}; });
  op.grad("broadcast", gc2({3, 1}, {1, 4}), [](const TL& x) { return x[0] * x[1]; });
  op.grad("transposed", [] { return TL{gc_input({4, 3}, -1, 1, 4), gc_input({3, 4}, -1, 1, 5)}; },
          [](const TL& x) { return x[0].transpose(0, 1) * x[1]; });
}
TZ_OPINFO(div) {
  op.dtypes = kAll;
  op.sample("broadcast", arith_inputs, [](const TL& x) { return TL{div(x[0], x[1])}; });
  op.sample("size0_size1", size0_inputs, [](const TL& x) { return TL{x[0] / x[1]}; }, 1.0, kFloats);
  op.grad("", gc2({3, 4}, {4}, 0.5, 2), [](const TL& x) { return x[0] / x[1]; });
}
TZ_OPINFO(maximum) {
  op.dtypes = kAll;
  op.sample("broadcast", add_inputs, [](const TL& x) { return TL{maximum(x[0], x[1])}; });
  op.sample("size0_size1", size0_inputs, [](const TL& x) { return TL{maximum(x[0], x[1])}; }, 1.0, kFloats);
  op.grad("", gc2({3, 4}, {3, 4}), [](const TL& x) { return maximum(x[0], x[1]); });
}
TZ_OPINFO(minimum) {
  op.dtypes = kAll;
  op.sample("broadcast", arith_inputs, [](const TL& x) { return TL{minimum(x[0], x[1])}; });
  op.grad("broadcast", gc2({3, 4}, {1, 4}), [](const TL& x) { return minimum(x[0], x[1]); });
}
TZ_OPINFO(floor_divide) {
  op.dtypes = kNumeric;
  op.sample("broadcast", arith_inputs, [](const TL& x) { return TL{floor_divide(x[0], x[1])}; });
  op.sample("negative", float_inputs, [](const TL& x) { return TL{floor_divide(x[0], x[1])}; }, 1.0, kFloats);
}
TZ_OPINFO(remainder) {
  op.dtypes = kNumeric;
  op.sample("broadcast", arith_inputs, [](const TL& x) { return TL{remainder(x[0], x[1])}; });
  op.sample("negative", float_inputs, [](const TL& x) { return TL{remainder(x[0], x[1])}; }, 1.0, kFloats);
  op.grad("", gc2({3, 4}, {3, 4}, 0.3, 0.7), [](const TL& x) { return remainder(x[0], x[1] + 2.0); });
}
TZ_OPINFO(pow) {
  op.dtypes = kNumeric;
  op.sample("broadcast", float_inputs, [](const TL& x) { return TL{pow(x[1], x[0])}; });
  op.grad("", gc2({3, 4}, {3, 4}, 0.5, 2), [](const TL& x) { return pow(x[0], x[1]); });
}
TZ_OPINFO(atan2) {
  op.dtypes = kAll;
  op.sample("broadcast", float_inputs, [](const TL& x) { return TL{atan2(x[0], x[1])}; });
  op.grad("", gc2({3, 4}, {3, 4}, 0.5, 2), [](const TL& x) { return atan2(x[0], x[1]); });
}

// ---- predicates (Bool outputs) ------------------------------------------------------------------
#define TZ_PREDICATE(id, EXPR)                                                     \
  TZ_OPINFO(id) {                                                                  \
    op.dtypes = kAll;                                                              \
    op.sample("broadcast", predicate_inputs, [](const TL& x) { return TL{EXPR}; }); \
  }
TZ_PREDICATE(ge, ge(x[0], x[1]));
TZ_PREDICATE(gt, gt(x[0], x[1]));
TZ_PREDICATE(le, le(x[0], x[1]));
TZ_PREDICATE(ne, ne(x[0], x[1]));
TZ_PREDICATE(logical_and, logical_and(x[0], x[1]));
TZ_PREDICATE(logical_or, logical_or(x[0], x[1]));
TZ_PREDICATE(logical_xor, logical_xor(x[0], x[1]));
TZ_PREDICATE(logical_not, logical_not(x[0]));
TZ_OPINFO(lt) {
  op.dtypes = kAll;
  op.sample("transposed", in2({4, 3}, {3, 4}, -3, 3, 1), [](const TL& x) { return TL{lt(x[0].transpose(0, 1), x[1])}; });
}
TZ_OPINFO(eq) {
  op.dtypes = kAll;
  op.sample("same", in2({4, 3}, {3, 4}, -3, 3, 1), [](const TL& x) { return TL{eq(x[1], x[1]), eq(x[0].t(), x[1])}; });
}

// ---- bitwise ------------------------------------------------------------------------------------
#define TZ_BITWISE(id, EXPR)                                                     \
  TZ_OPINFO(id) {                                                                \
    op.dtypes = kIntsAndBool;                                                    \
    op.sample("broadcast", bitwise_inputs, [](const TL& x) { return TL{EXPR}; }); \
  }
TZ_BITWISE(bitwise_and, bitwise_and(x[0], x[1]));
TZ_BITWISE(bitwise_or, bitwise_or(x[0].t().t(), x[1]));
TZ_BITWISE(bitwise_xor, bitwise_xor(x[0], x[1]));
TZ_BITWISE(bitwise_not, bitwise_not(x[0]));

// ---- selection ----------------------------------------------------------------------------------
TZ_OPINFO(where) {
  op.dtypes = kAll;
  op.sample("transposed", in2({4, 3}, {3, 4}, -3, 3, 1), [](const TL& x) { return TL{where(x[1] > 0, x[1], x[0].t())}; });
  op.sample("mask_from_input", in({3, 4}, -3, 3, 14),
            [](const TL& x) { return TL{where(x[0].t() < 1, x[0].t(), x[0].t() * 2)}; });
  op.grad("", gc2({3, 4}, {4}), [](const TL& x) { return where(x[0] > 0.0, x[0], x[1]); });
}
TZ_OPINFO(masked_fill) {
  op.dtypes = kAll;
  op.sample("", in({3, 4}, -3, 3, 14), [](const TL& x) { return TL{masked_fill(x[0], x[0] > 0, 7)}; });
  op.grad("", [] { return TL{gc_input({3, 4}, -1, 1, 3)}; },
          [](const TL& x) { return masked_fill(x[0] * 2.0, x[0] > 0.0, 5.0); });
}

}  // namespace
}  // namespace tz::test
