#pragma once
/// Entry points into kernel files compiled for the CPU kernel emulator (the emulated_*.cpp
/// wrappers): the files' internal launch functions, on host memory described by TensorViews.
#include "core/backend.h"

namespace tz::cuda_emu_tests {

/// cuda_norm.cu: layer norm (rms = false) or RMS norm over the last dim of a row-major [rows, n].
bool norm_forward(const TensorView& out, const TensorView& mean, const TensorView& rstd, const TensorView& in,
                  const TensorView& weight, const TensorView& bias, double eps, bool rms);
bool norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_bias,
                   const TensorView& grad_out, const TensorView& in, const TensorView& weight, double eps, bool rms);

/// cuda_softmax.cu: softmax (log = false) or log-softmax over the last dim of a contiguous
/// [rows, n]; the backward takes the forward's output.
bool softmax_forward(const TensorView& out, const TensorView& in, bool log);
bool softmax_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& out, bool log);

/// cuda_resample.cu: out[..., o, ...] = sum_t weight[o*taps + t] * in[..., index[o*taps + t], ...]
/// along p.dim (ResampleParams, core/backend.h); any strides.
bool resample(const TensorView& out, const TensorView& in, const ResampleParams& p);

/// cuda_reduce.cu: Backend::reduce (the last reduce_ndim dims of `in`) and arg_reduce (the last
/// dim), with the backend contract's semantics (core/backend.h).
void reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim);
void arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in);

/// cuda_index.cu: Backend::gather, scatter and nonzero (contracts in core/backend.h).
void gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim);
void scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
             bool include_self);
void nonzero(const TensorView& out, const TensorView& in);

/// cuda_optim.cu: Backend::adam_step / sgd_step (contracts in core/backend.h).
bool adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg, const TensorView& exp_avg_sq,
               const TensorView& max_exp_avg_sq, const AdamStepParams& p);
bool sgd_step(const TensorView& param, const TensorView& grad, const TensorView& momentum_buffer,
              const SgdStepParams& p);

}  // namespace tz::cuda_emu_tests
