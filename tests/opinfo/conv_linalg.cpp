// Op entries of convolution (whose reference-backend path is the composite im2col + GEMM),
// im2col/fold and the matrix products (BLAS/blocked CPU kernels against plain loops).
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

/// Gradcheck inputs with consecutive seeds from `seed`.
std::function<TensorList()> gcs(std::vector<Shape> shapes, uint64_t seed) {
  return [shapes, seed] {
    TL r;
    for (size_t i = 0; i < shapes.size(); ++i) r.push_back(gc_input(shapes[i], -1, 1, seed + i));
    return r;
  };
}
/// Parity inputs in [-1, 1) with consecutive seeds from `seed`.
std::function<TensorList(DType)> ins(std::vector<Shape> shapes, uint64_t seed) {
  return [shapes, seed](DType dt) {
    TL r;
    for (size_t i = 0; i < shapes.size(); ++i) r.push_back(make_input(shapes[i], dt, -1, 1, seed + i));
    return r;
  };
}

// ---- convolution --------------------------------------------------------------------------------
TZ_OPINFO(convolution) {
  op.dtypes = kFloats;
  op.raises_as = "conv2d";  // the public ops are conv1d/2d/3d and conv_transpose*; the first sample calls conv2d
  op.sample("conv2d_bias_stride_padding", ins({{2, 3, 6, 5}, {4, 3, 3, 3}, {4}}, 1), [](const TL& x) {
    return TL{conv2d(x[0], x[1], x[2], {2, 1}, {1}), conv2d(x[0], x[1], {}, {1}, {0, 2, 1, 0}, {2, 1})};
  }, 4.0);
  op.sample("conv2d_groups_noncontiguous", ins({{1, 4, 5, 6}, {6, 2, 2, 3}}, 4), [](const TL& x) {
    return TL{conv2d(x[0].transpose(2, 3), x[1], {}, {1}, {1}, {1}, 2), conv2d(x[0], x[1].slice(0, 0, 4), {}, {1}, {0}, {1}, 2)};
  }, 4.0);
  op.sample("conv1d_depthwise_size1_batchless", ins({{3, 1}, {3, 1, 1}, {1, 3, 9}}, 6), [](const TL& x) {
    return TL{conv1d(x[0], x[1], {}, {1}, {0}, {1}, 3), conv1d(x[2], x[1], {}, {2}, {1}, {3}, 3)};
  });
  op.sample("conv1d_size0_batch", ins({{0, 2, 5}, {3, 2, 2}}, 9), [](const TL& x) { return TL{conv1d(x[0], x[1])}; });
  op.sample("conv3d", ins({{1, 2, 4, 3, 4}, {3, 2, 2, 2, 2}, {3}}, 11),
            [](const TL& x) { return TL{conv3d(x[0], x[1], x[2], {1, 2, 1}, {1, 0, 1})}; }, 4.0);
  op.sample("conv_transpose_1d_2d_3d", ins({{2, 4, 5}, {4, 1, 3}, {1, 2, 3, 4}, {2, 3, 2, 2}, {1, 1, 2, 2, 2}, {1, 2, 2, 2, 2}}, 14),
            [](const TL& x) {
              return TL{conv_transpose1d(x[0], x[1], {}, {2}, {1}, {1}, 2),
                        conv_transpose2d(x[2], x[3], {}, {2, 1}, {0}, {1, 0}, 1, {1, 2}), conv_transpose3d(x[4], x[5], {}, {2}, {1})};
            }, 4.0);
  op.grad("conv1d_stride_padding_bias", gcs({{2, 2, 7}, {3, 2, 3}, {3}}, 1),
          [](const TL& x) { return conv1d(x[0], x[1], x[2], {2}, {1}); });
  op.grad("conv1d_asymmetric_padding_batchless", gcs({{2, 6}, {2, 2, 2}}, 4),
          [](const TL& x) { return conv1d(x[0], x[1], {}, {1}, {2, 1}); });
  op.grad("conv2d_groups_dilation", gcs({{1, 4, 5, 5}, {4, 2, 2, 2}, {4}}, 6),
          [](const TL& x) { return conv2d(x[0], x[1], x[2], {1, 2}, {1, 0}, {2, 1}, 2); });
  op.grad("conv2d_depthwise_asymmetric", gcs({{1, 3, 4, 4}, {3, 1, 3, 2}}, 9),
          [](const TL& x) { return conv2d(x[0], x[1], {}, {2}, {1, 0, 0, 2}, {1}, 3); });
  op.grad("conv2d_transposed_view_same", gcs({{1, 2, 5, 4}, {2, 2, 2, 3}}, 11),
          [](const TL& x) { return conv2d(x[0].transpose(2, 3), x[1], {}, {1}, std::string("same")); });
  op.grad("conv3d_stride", gcs({{1, 2, 3, 4, 3}, {2, 2, 2, 2, 2}, {2}}, 13),
          [](const TL& x) { return conv3d(x[0], x[1], x[2], {1, 2, 1}, {0, 1, 0}); });
  op.grad("conv_transpose1d_output_padding_groups", gcs({{1, 4, 3}, {4, 1, 3}, {2}}, 16),
          [](const TL& x) { return conv_transpose1d(x[0], x[1], x[2], {2}, {1}, {1}, 2); });
  op.grad("conv_transpose1d_output_padding_below_dilation", gcs({{1, 1, 3}, {1, 2, 2}}, 19),
          [](const TL& x) { return conv_transpose1d(x[0], x[1], {}, {1}, {0}, {1}, 1, {2}); });
  op.grad("conv_transpose2d_stride_dilation", gcs({{1, 2, 2, 3}, {2, 2, 2, 2}}, 21),
          [](const TL& x) { return conv_transpose2d(x[0], x[1], {}, {2, 1}, {0, 1}, {1, 0}, 1, {1, 2}); });
  op.grad("conv_transpose3d", gcs({{2, 2, 2, 2}, {2, 1, 2, 2, 2}}, 23),
          [](const TL& x) { return conv_transpose3d(x[0], x[1], {}, {2}, {1}, {1}); });
}
// First-order gradients as functions (create_graph): checking them checks second derivatives,
// and their gradgrad the third. EnableGradGuard: the finite-difference passes run fn under
// NoGradGuard, and the inner grad() needs a graph either way.
TZ_OPINFO(conv_backward_input) {
  op.grad("conv2d", gcs({{1, 2, 4, 4}, {2, 1, 2, 3}}, 25), [](const TL& x) {
    EnableGradGuard eg;
    Tensor y = conv2d(x[0], x[1], {}, {2, 1}, {1, 0, 1, 1}, {1}, 2);
    TensorList g = grad({(y * y).sum()}, {x[0], x[1]}, {}, true, true);
    return g[0].sum() * 0.5 + (g[1] * g[1]).sum();
  });
}
TZ_OPINFO(conv_backward_weight) {
  op.grad("conv_transpose1d", gcs({{1, 2, 3}, {2, 2, 2}}, 27), [](const TL& x) {
    EnableGradGuard eg;
    Tensor y = conv_transpose1d(x[0], x[1], {}, {2}, {0}, {1});
    TensorList g = grad({(y * y).sum()}, {x[0], x[1]}, {}, true, true);
    return g[0].sum() + (g[1] * x[1]).sum();
  });
}
TZ_OPINFO(im2col) {
  op.dtypes = kFloats;
  op.sample("padding_dilation", ins({{2, 2, 4, 5}}, 20), [](const TL& x) { return TL{im2col(x[0], {2, 3}, {1}, {1}, {2})}; }, 4.0);
  op.grad("", gcs({{1, 2, 4, 3}}, 29), [](const TL& x) { return im2col(x[0], {2}, {1}, {1}, {2, 1}) * 2.0; });
  op.grad("batchless_dilation", gcs({{2, 5, 4}}, 30), [](const TL& x) { return im2col(x[0], {2, 2}, {2, 1}); });
}
TZ_OPINFO(fold) {
  op.dtypes = kFloats;
  op.sample("stride", ins({{2, 8, 6}}, 21), [](const TL& x) { return TL{fold(x[0], {3, 4}, {2}, {1}, {0}, {1})}; }, 4.0);
  op.grad("", gcs({{1, 8, 4}}, 31), [](const TL& x) { return fold(x[0], {3, 3}, {2}); });
  op.grad("padding_stride", gcs({{4, 4}}, 32), [](const TL& x) { return fold(x[0], {3, 3}, {2}, {1}, {1}, {2}); });
}

// ---- matrix products ----------------------------------------------------------------------------
TZ_OPINFO(matmul) {
  op.dtypes = kNumeric;
  op.sample("ranks", [](DType dt) {
    return TL{make_input({3, 4}, dt, -3, 3, 1), make_input({4, 5}, dt, -3, 3, 2), make_input({4}, dt, -3, 3, 3),
              make_input({2, 1, 3, 4}, dt, -3, 3, 4), make_input({3, 4, 5}, dt, -3, 3, 5)};
  }, [](const TL& x) {
    return TL{matmul(x[0], x[1]), matmul(x[2], x[1]), matmul(x[0], x[2]), matmul(x[2], x[2]),
              matmul(x[3], x[4]), matmul(x[3], x[1]), matmul(x[2], x[4])};
  }, 4.0);
  op.sample("noncontiguous", ins({{6, 3}, {5, 12}}, 1), [](const TL& x) {
    return TL{matmul(x[0].t(), x[1].slice(1, 0, 12, 2).t()), bmm(x[0].expand({2, 6, 3}).transpose(1, 2), x[0].expand({2, 6, 3}))};
  }, 4.0, kFloats);
  op.sample("size0_size1", [](DType dt) { return TL{make_input({0, 3}, dt, -1, 1, 1), make_input({3, 1}, dt, -1, 1, 2), make_input({1, 3}, dt)}; },
            [](const TL& x) {
              return TL{matmul(x[0], x[1]), matmul(x[1], x[2]), matmul(x[2], x[1]), matmul(x[1].slice(0, 0, 0), x[2].slice(1, 0, 0))};
            }, 1.0, kFloats);
  struct C { const char* name; Shape a, b; };
  for (const C& c : {C{"1d_1d", {4}, {4}}, C{"1d_2d", {3}, {3, 4}}, C{"2d_1d", {3, 4}, {4}}, C{"2d_2d", {3, 4}, {4, 2}},
                     C{"1d_3d", {3}, {2, 3, 4}}, C{"3d_1d", {2, 3, 4}, {4}}, C{"3d_2d", {2, 3, 4}, {4, 2}},
                     C{"2d_3d", {3, 4}, {2, 4, 2}}, C{"broadcast_batch", {2, 1, 3, 4}, {3, 4, 2}}})
    op.grad(c.name, gc2(c.a, c.b), [](const TL& x) { return matmul(x[0], x[1]); });
  op.grad("transposed", gc2({4, 3}, {2, 4}), [](const TL& x) { return matmul(x[0].t(), x[1].t()); });
}
TZ_OPINFO(mm) {
  op.grad("", gc2({3, 4}, {4, 2}), [](const TL& x) { return mm(x[0], x[1]); });
}
TZ_OPINFO(bmm) {
  op.grad("sliced", gc2({2, 3, 8}, {2, 4, 2}), [](const TL& x) { return bmm(x[0].slice(2, 0, 8, 2), x[1]); });
}
TensorList linear_inputs(DType dt) { return TL{make_input({2, 3, 4}, dt, -1, 1, 1), make_input({5, 4}, dt, -1, 1, 2), make_input({5}, dt)}; }
TZ_OPINFO(dot) {
  op.dtypes = kNumeric;
  op.sample("", linear_inputs, [](const TL& x) { return TL{dot(x[2], x[2])}; }, 4.0);
  op.grad("", gc2({5}, {5}), [](const TL& x) { return dot(x[0], x[1]); });
}
TZ_OPINFO(outer) {
  op.dtypes = kAll;
  op.sample("", linear_inputs, [](const TL& x) { return TL{outer(x[2], x[2])}; }, 4.0);
  op.grad("", gc2({3}, {4}), [](const TL& x) { return outer(x[0], x[1]); });
}
TZ_OPINFO(linear) {
  op.dtypes = kNumeric;
  op.raises_as = "matmul";  // bool is rejected by the product it is built on
  op.sample("bias", linear_inputs, [](const TL& x) { return TL{linear(x[0], x[1], x[2])}; }, 4.0);
  op.grad("bias", gcs({{2, 3, 4}, {5, 4}, {5}}, 1), [](const TL& x) { return linear(x[0], x[1], x[2]); });
  op.grad("no_bias", gcs({{3, 4}, {2, 4}}, 1), [](const TL& x) { return linear(x[0], x[1]); });
}
TZ_OPINFO(einsum) {
  op.dtypes = kNumeric;
  op.raises_as = "matmul";  // bool is rejected by the product it is built on
  op.sample("batched_and_diagonal", linear_inputs, [](const TL& x) {
    return TL{einsum("bij,kj->bik", {x[0], x[1]}), einsum("bii->bi", {x[0].slice(2, 0, 3)})};
  }, 4.0);
  struct C { const char* eq; std::vector<Shape> shapes; };
  for (const C& c : {C{"ij,jk->ik", {{3, 4}, {4, 2}}}, C{"bij,bkj->bik", {{2, 3, 4}, {2, 5, 4}}}, C{"ii->i", {{3, 3}}},
                     C{"ii", {{3, 3}}}, C{"...ij,...jk", {{2, 3, 4}, {1, 4, 2}}}, C{"i,ij,j->", {{3}, {3, 4}, {4}}},
                     C{"ij,ij->j", {{3, 4}, {3, 4}}}, C{"abc,cd,bd->ad", {{2, 3, 4}, {4, 2}, {3, 2}}}}) {
    const std::string eq = c.eq;
    op.grad(eq, gcs(c.shapes, 1), [eq](const TL& x) { return einsum(eq, x); });
  }
}

}  // namespace
}  // namespace tz::test
