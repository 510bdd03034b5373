// Op entries of softmax, the normalisations, dropout and fused attention: the CPU backend's
// fused kernels against the reference backend's composites. Second derivatives are checked too:
// the backward formulas are built from differentiable ops.
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

TensorList softmax_inputs(DType dt) { return TL{make_input({3, 7}, dt, -4, 4, 1)}; }
TensorList norm_inputs(DType dt) {
  return TL{make_input({4, 3, 5}, dt, -2, 2, 1), make_input({5}, dt, 0.5, 1.5, 2), make_input({5}, dt, -1, 1, 3),
            make_input({3}, dt, 0.5, 1.5, 4)};
}
/// Gradcheck inputs: x in [-2, 2), weight in [0.5, 1.5), bias in [-1, 1) (seeds 1, 2, 3).
std::function<TensorList()> norm_gc(Shape x, std::vector<Shape> params) {
  return [x, params] {
    TL r{gc_input(x, -2, 2, 1)};
    if (params.size() > 0) r.push_back(gc_input(params[0], 0.5, 1.5, 2));
    if (params.size() > 1) r.push_back(gc_input(params[1], -1, 1, 3));
    return r;
  };
}

// ---- softmax ------------------------------------------------------------------------------------
TZ_OPINFO(softmax) {
  op.dtypes = kFloats;
  op.sample("dims_transposed_size0_size1", softmax_inputs, [](const TL& x) {
    return TL{softmax(x[0], -1), softmax(x[0], 0), softmax(x[0].t(), 1), softmax(x[0].slice(1, 0, 0), 1),
              softmax(x[0].slice(1, 0, 1), 1)};
  }, 2.0);
  op.grad("last", gc({3, 5}, -2, 2), [](const TL& x) { return softmax(x[0], -1); });
  op.grad("dim0_transposed", gc({4, 3}, -2, 2), [](const TL& x) { return softmax(x[0].t(), 0); });
}
TZ_OPINFO(log_softmax) {
  op.dtypes = kFloats;
  op.sample("", softmax_inputs, [](const TL& x) { return TL{log_softmax(x[0], 1)}; }, 2.0);
  op.grad("", gc({2, 3, 4}, -2, 2), [](const TL& x) { return log_softmax(x[0], 1); });
  op.grad("last", gc({3, 6}, -2, 2), [](const TL& x) { return log_softmax(x[0], -1); });
}
TZ_OPINFO(masked_softmax) {
  op.dtypes = kFloats;
  op.sample("", softmax_inputs, [](const TL& x) { return TL{masked_softmax(x[0], x[0] > 0.0, 1)}; }, 2.0);
  op.grad("", gc({3, 4}, -2, 2), [](const TL& x) {
    const Tensor mask = tensor({true, false, true, true, false, false, false, false, true, true, false, true}).reshape({3, 4});
    return masked_softmax(x[0], mask, 1);
  });
  op.grad("broadcast_mask", gc({2, 3, 4}, -2, 2),
          [](const TL& x) { return masked_softmax(x[0], tensor({true, false, true, true}), -1); });
}

// ---- normalisations -----------------------------------------------------------------------------
TZ_OPINFO(layer_norm) {
  op.dtypes = kFloats;
  op.sample("affine_transposed_2d_size0", norm_inputs, [](const TL& x) {
    return TL{layer_norm(x[0], {5}, x[1], x[2]), layer_norm(x[0].transpose(0, 2), {4}), layer_norm(x[0], {3, 5}),
              layer_norm(x[0].slice(0, 0, 0), {5})};
  }, 4.0);
  op.grad("affine", norm_gc({3, 5}, {{5}, {5}}), [](const TL& x) { return layer_norm(x[0], {5}, x[1], x[2]); });
  op.grad("plain_2d", norm_gc({2, 3, 4}, {}), [](const TL& x) { return layer_norm(x[0], {3, 4}); });
  op.grad("weight_only_transposed", norm_gc({4, 3}, {{4}}), [](const TL& x) { return layer_norm(x[0].t(), {4}, x[1]); });
}
TZ_OPINFO(rms_norm) {
  op.dtypes = kFloats;
  op.sample("weight", norm_inputs, [](const TL& x) { return TL{rms_norm(x[0], {5}, x[1])}; }, 4.0);
  op.grad("", norm_gc({3, 5}, {{5}}), [](const TL& x) { return rms_norm(x[0], {5}, x[1], 1e-5); });
}
TZ_OPINFO(group_norm) {
  op.dtypes = kFloats;
  op.raises_as = "layer_norm";  // built on layer_norm, which rejects the dtype
  op.sample("", norm_inputs, [](const TL& x) { return TL{group_norm(x[0], 3)}; }, 4.0);
  op.grad("", norm_gc({2, 4, 3}, {{4}, {4}}), [](const TL& x) { return group_norm(x[0], 2, x[1], x[2]); });
}
TZ_OPINFO(batch_norm) {
  op.dtypes = kFloats;
  op.sample("training_weight", norm_inputs, [](const TL& x) { return TL{batch_norm(x[0], {}, {}, x[3], {}, true)}; }, 4.0);
  op.grad("training", norm_gc({4, 3, 2}, {{3}, {3}}), [](const TL& x) {
    Tensor rm = zeros({3}, DType::F64), rv = ones({3}, DType::F64);
    return batch_norm(x[0], rm, rv, x[1], x[2], true);
  });
  op.grad("eval", norm_gc({4, 3}, {{3}}), [](const TL& x) {
    return batch_norm(x[0], full({3}, 0.2, DType::F64), full({3}, 1.5, DType::F64), x[1], {}, false);
  });
}

// ---- dropout ------------------------------------------------------------------------------------
TZ_OPINFO(dropout) {
  op.dtypes = {DType::F32, DType::F64};
  op.dtype_skip = "dtype coverage not declared yet";
  // Counter-based random numbers: the same mask on every backend for the same seed.
  op.sample("same_seed", [](DType dt) { return TL{ones({64, 33}, dt)}; }, [](const TL& x) {
    manual_seed(99);
    return TL{dropout(x[0], 0.3, true)};
  });
  // Re-seeding inside fn keeps the mask fixed across the finite-difference evaluations.
  op.grad("", gc({4, 5}), [](const TL& x) {
    manual_seed(3);
    return dropout(x[0], 0.4);
  });
}

// ---- fused attention ----------------------------------------------------------------------------
// In f64 the CPU backend runs its reference fused kernels, so the grad samples check the fused
// backward by finite differences, and the second derivatives check the node's composite
// fallback under create_graph.
TZ_OPINFO(scaled_dot_product_attention) {
  op.dtypes = {DType::F32, DType::F64};
  op.dtype_skip = "dtype coverage not declared yet";
  op.sample("causal_gqa", [](DType dt) {
    return TL{make_input({1, 4, 3, 8}, dt, -1, 1, 1), make_input({1, 2, 5, 8}, dt, -1, 1, 2), make_input({1, 2, 5, 8}, dt, -1, 1, 3)};
  }, [](const TL& x) {
    return TL{nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true, 0.8, true),
              nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, false, 0.5, true)};
  }, 4.0);
  op.grad("causal_gqa_l_ne_s", [] { return TL{gc_input({1, 4, 3, 2}, -1, 1, 1), gc_input({1, 2, 2, 2}, -1, 1, 2), gc_input({1, 2, 2, 2}, -1, 1, 3)}; },
          [](const TL& x) { return nn::scaled_dot_product_attention(x[0], x[1], x[2], {}, 0.0, true, 0.8, true); });
  op.grad("key_padding_and_bias",
          [] { return TL{gc_input({2, 2, 3, 4}, -1, 1, 4), gc_input({2, 2, 5, 4}, -1, 1, 5), gc_input({2, 2, 5, 4}, -1, 1, 6)}; },
          [](const TL& x) {
            // Key 4 of batch 0 and keys 0-1 of batch 1 are padding; then a general float bias.
            const Tensor keep = tensor({true, true, true, true, false, false, false, true, true, true}, DType::Bool)
                                    .reshape({2, 1, 1, 5});
            const Tensor bias = make_input({2, 3, 5}, DType::F64, -0.5, 0.5, 7);
            return nn::scaled_dot_product_attention(x[0], x[1], x[2], keep) +
                   nn::scaled_dot_product_attention(x[0], x[1], x[2], bias);
          });
}

}  // namespace
}  // namespace tz::test
