#pragma once
/// Every backward node name that a public differentiable op may record. The gradcheck coverage
/// test (tests/autograd/test_gradcheck_table.cpp) fails when a name here has no gradcheck
/// case, and record() refuses names that are missing here, so a new differentiable op cannot
/// land without a gradient check. Add the name of each new node in the family's section.
#include <string_view>
#include <vector>

#define TZ_DIFFERENTIABLE_OPS(X)                                                                  \
  /* unary */                                                                                     \
  X(NegBackward) X(AbsBackward) X(ExpBackward) X(Expm1Backward) X(LogBackward) X(Log1pBackward)   \
  X(SqrtBackward) X(RsqrtBackward) X(ReciprocalBackward) X(SquareBackward) X(SinBackward)         \
  X(CosBackward) X(TanhBackward) X(SigmoidBackward) X(ErfBackward) X(ReluBackward)                \
  X(GeluBackward) X(GeluTanhBackward) X(SiluBackward) X(SoftplusBackward) X(EluBackward)          \
  X(LeakyReluBackward) X(HardswishBackward) X(HardsigmoidBackward) X(ClampBackward)               \
  X(PowScalarBackward)                                                                            \
  /* binary */                                                                                    \
  X(AddBackward) X(MulBackward) X(DivBackward) X(PowBackward) X(MaximumBackward)   \
  X(MinimumBackward) X(WhereBackward) X(MaskedFillBackward) X(Atan2Backward) X(RemainderBackward) \
  /* casts and copies */                                                                          \
  X(ToDtypeBackward) X(ToDeviceBackward) X(CloneBackward) X(ContiguousBackward)                  \
  /* user-defined functions (autograd/custom_function.h) */                                       \
  X(CustomFunctionBackward)                                                                       \
  /* reductions */                                                                                \
  X(SumBackward) X(ProdBackward) X(AmaxBackward) X(AminBackward) X(MaxBackward) X(MinBackward)   \
  X(VarBackward) X(LogsumexpBackward) X(NormBackward) X(CumsumBackward) X(CumprodBackward)        \
  /* views */                                                                                     \
  X(ViewBackward) X(PermuteBackward) X(ExpandBackward) X(SliceBackward) X(UnfoldBackward)         \
  X(AsStridedBackward) X(ViewScatterBackward)                                                     \
  /* indexing */                                                                                  \
  X(GatherBackward) X(ScatterBackward) X(ScatterAddBackward) X(ScatterReduceBackward)             \
  X(IndexSelectBackward) X(IndexAddBackward) X(EmbeddingBackward) X(SortBackward) X(TopkBackward) \
  /* conv */                                                                                      \
  X(ConvolutionBackward) X(ConvBackwardInputBackward) X(ConvBackwardWeightBackward)               \
  X(Im2colBackward) X(FoldBackward)                                                               \
  /* pooling */                                                                                   \
  X(ResampleBackward) X(AvgPoolBackward)                                                          \
  /* shape ops */                                                                                 \
  X(CatBackward) X(FlipBackward) X(RollBackward) X(ConstantPadBackward)                           \
  /* linalg */                                                                                    \
  X(MatmulBackward)                                                                               \
  /* nn */                                                                                        \
  X(SoftmaxBackward) X(LogSoftmaxBackward) X(LayerNormBackward) X(RmsNormBackward)                \
  /* attention (autograd/ops_attention_fused.h) */                                                \
  X(ScaledDotProductAttentionBackward)

namespace tz::autograd {

/// True when `name` is listed in TZ_DIFFERENTIABLE_OPS.
bool is_listed_op(std::string_view name);
/// All listed names.
const std::vector<std::string_view>& listed_ops();

}  // namespace tz::autograd
