#pragma once
/// Every differentiable op with a backward node of its own, by the op's one spelling: the name of
/// its entry in the test op table (tests/support/op_info.h) and, CamelCase + "Backward", the name
/// of the node it records (gelu_tanh -> GeluTanhBackward; node_name_of). record() refuses node
/// names not derived from this list, and the gradcheck coverage test
/// (tests/autograd/test_gradcheck_table.cpp) fails when a listed op has no table entry of its
/// name whose grad samples record its node, so a new differentiable op cannot land without a
/// gradient check. Add each new op in its family's section.
#include <string>
#include <string_view>
#include <vector>

#define TZ_DIFFERENTIABLE_OPS(X)                                                                  \
  /* unary */                                                                                     \
  X(neg) X(abs) X(exp) X(expm1) X(log) X(log1p)                                                   \
  X(sqrt) X(rsqrt) X(reciprocal) X(square) X(sin)                                                 \
  X(cos) X(tanh) X(sigmoid) X(erf) X(relu)                                                        \
  X(gelu) X(gelu_tanh) X(silu) X(softplus) X(elu)                                                 \
  X(leaky_relu) X(hardswish) X(hardsigmoid) X(clamp)                                              \
  X(pow_scalar)                                                                                   \
  /* binary */                                                                                    \
  X(add) X(mul) X(div) X(pow) X(maximum)                                                          \
  X(minimum) X(where) X(masked_fill) X(atan2) X(remainder)                                        \
  /* casts and copies */                                                                          \
  X(to_dtype) X(to_device) X(clone) X(contiguous)                                                 \
  /* user-defined functions (autograd/custom_function.h) */                                       \
  X(custom_function)                                                                              \
  /* reductions */                                                                                \
  X(sum) X(prod) X(amax) X(amin) X(max) X(min)                                                    \
  X(var) X(logsumexp) X(norm) X(cumsum) X(cumprod)                                                \
  /* views */                                                                                     \
  X(view) X(permute) X(expand) X(slice) X(unfold)                                                 \
  X(as_strided) X(view_scatter)                                                                   \
  /* indexing */                                                                                  \
  X(gather) X(scatter) X(scatter_add) X(scatter_reduce)                                           \
  X(index_select) X(index_add) X(embedding) X(sort) X(topk)                                       \
  /* conv */                                                                                      \
  X(convolution) X(conv_backward_input) X(conv_backward_weight)                                   \
  X(im2col) X(fold)                                                                               \
  /* pooling */                                                                                   \
  X(resample) X(avg_pool)                                                                         \
  /* shape ops */                                                                                 \
  X(cat) X(flip) X(roll) X(constant_pad)                                                          \
  /* linalg */                                                                                    \
  X(matmul)                                                                                       \
  /* nn */                                                                                        \
  X(softmax) X(log_softmax) X(layer_norm) X(rms_norm)                                             \
  /* attention (autograd/ops_attention_fused.h) */                                                \
  X(scaled_dot_product_attention)

namespace tz::autograd {

/// "gelu_tanh" -> "GeluTanhBackward": the node name an op of the list records.
std::string node_name_of(std::string_view op);
/// True when `node` is the node name (node_name_of) of an op in TZ_DIFFERENTIABLE_OPS.
bool is_listed_op(std::string_view node);
/// The node names of all listed ops, sorted.
const std::vector<std::string_view>& listed_ops();
/// The listed ops' own names ("gelu_tanh"), sorted.
const std::vector<std::string_view>& listed_op_names();

}  // namespace tz::autograd
