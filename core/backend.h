#pragma once
/// The whole contract between the tensor core and a device backend.
///
/// The core (core/dispatch.cpp) does shape inference, broadcasting, dtype promotion, output
/// allocation and autograd. A backend only runs kernels on checked views: every TensorView it
/// receives lives on its device, has the dtype the kernel's comment states, and is already
/// broadcast-expanded (size-1 dims turned into stride-0 dims) to the shape the kernel expects.
/// Views may be arbitrarily strided (negative strides excluded); outputs never overlap inputs
/// unless the comment says "in place".
///
/// Mandatory kernels are pure virtual. Optional fused kernels return false when the backend does
/// not provide them; the core then runs its composite of mandatory kernels.
/// See backends/README.md for adding a backend step by step, and backends/stub/ for a skeleton.
#include <cstdint>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/scalar.h"
#include "core/shape.h"

namespace tz {

/// Non-owning strided view handed to kernels. `data` points at the first element (the tensor's
/// storage offset is already applied). Strides are in elements.
struct TensorView {
  void* data = nullptr;
  DType dtype = DType::F32;
  Shape sizes;
  Strides strides;

  int64_t dim() const { return int64_t(sizes.size()); }
  int64_t numel() const { return numel_of(sizes); }
  bool is_contiguous() const;
  template <class T> T* ptr() const { return static_cast<T*>(data); }
};

enum class UnaryOp : uint8_t {
  Neg, Abs, Sign, Exp, Expm1, Log, Log1p, Sqrt, Rsqrt, Reciprocal, Square, Sin, Cos, Tanh, Sigmoid,
  Erf, Relu, GeluErf, GeluTanh, Silu, Softplus, Elu, LeakyRelu, Hardswish, Hardsigmoid, Floor, Ceil,
  Round, Trunc, Clamp, LogicalNot, BitwiseNot,
};
inline constexpr int kNumUnaryOps = int(UnaryOp::BitwiseNot) + 1;
const char* unary_op_name(UnaryOp op);

/// Scalar parameters of the parametrised unary ops:
/// LeakyRelu slope=a; Elu alpha=a; Softplus beta=a, threshold=b; Clamp min=a, max=b (use
/// -inf/+inf for a missing bound).
struct UnaryParams {
  double a = 0.0;
  double b = 0.0;
};

enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum, Remainder, FloorDivide,
  Eq, Ne, Lt, Le, Gt, Ge,                       // write a Bool output
  LogicalAnd, LogicalOr, LogicalXor,            // write a Bool output
  BitwiseAnd, BitwiseOr, BitwiseXor, Atan2,
};
inline constexpr int kNumBinaryOps = int(BinaryOp::Atan2) + 1;
const char* binary_op_name(BinaryOp op);
/// True for the ops whose output dtype is Bool whatever the input dtype.
bool binary_op_is_predicate(BinaryOp op);

enum class ReduceOp : uint8_t { Sum, Prod, Max, Min, Any, All };
inline constexpr int kNumReduceOps = int(ReduceOp::All) + 1;
const char* reduce_op_name(ReduceOp op);

enum class ScanOp : uint8_t { CumSum, CumProd };
inline constexpr int kNumScanOps = int(ScanOp::CumProd) + 1;
/// "cumsum", "cumprod": the user-facing op names.
const char* scan_op_name(ScanOp op);

/// How scatter combines values that land on the same output element.
enum class ScatterReduce : uint8_t { Assign, Sum, Prod, Mean, Amax, Amin };
inline constexpr int kNumScatterReduces = int(ScatterReduce::Amin) + 1;
/// "assign", "sum", "prod", "mean", "amax", "amin" (PyTorch's reduce= strings).
const char* scatter_reduce_name(ScatterReduce r);

enum class RandomOp : uint8_t {
  Uniform,    // U[a, b)
  Normal,     // N(mean=a, std=b)
  Bernoulli,  // 1 with probability a, else 0 (any output dtype)
  RandInt,    // integers in [a, b) (any numeric output dtype)
};
inline constexpr int kNumRandomOps = int(RandomOp::RandInt) + 1;
const char* random_op_name(RandomOp op);

/// Operation identifier for supports(): an op kind plus, for the families, the enum value.
enum class OpKind : uint8_t {
  Fill, Copy, Unary, Binary, Where, Reduce, ArgReduce, Scan, Matmul, Gather, Scatter, Random,
  Sort, NonZero, Softmax, LayerNorm, Conv, Pool, Interpolate, Attention,
};
inline constexpr int kNumOpKinds = int(OpKind::Attention) + 1;
const char* op_kind_name(OpKind kind);
struct OpKey {
  OpKind kind;
  int code = 0;
  OpKey(OpKind k, int c = 0) : kind(k), code(c) {}  // NOLINT
  OpKey(UnaryOp u) : kind(OpKind::Unary), code(int(u)) {}    // NOLINT
  OpKey(BinaryOp b) : kind(OpKind::Binary), code(int(b)) {}  // NOLINT
  OpKey(ReduceOp r) : kind(OpKind::Reduce), code(int(r)) {}  // NOLINT
};

/// Convolution hyper-parameters, one entry per spatial dim (1, 2 or 3 of them).
struct ConvParams {
  std::vector<int64_t> stride, padding_begin, padding_end, dilation, output_padding;
  int64_t groups = 1;
  bool transposed = false;
};

enum class PoolKind : uint8_t { Max, Avg };
const char* pool_kind_name(PoolKind kind);
/// Pooling hyper-parameters, one entry per spatial dim. Padding is symmetric (PyTorch's).
struct PoolParams {
  PoolKind kind = PoolKind::Max;
  std::vector<int64_t> kernel, stride, padding, dilation;
  bool ceil_mode = false;
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // 0: none
};

/// Sparse linear resampling along one dim (interpolation, adaptive average pooling, padding and
/// their adjoints): out[..., o, ...] = sum_t weight[o*taps + t] * in[..., index[o*taps + t], ...].
/// Taps with a zero weight are skipped (they never read or spread inf/NaN).
struct ResampleParams {
  int dim = 0;
  int64_t taps = 1;
  std::vector<int64_t> index;  // out.sizes[dim] * taps entries, each in [0, in.sizes[dim])
  std::vector<double> weight;  // same length
};

/// Hyper-parameters of the fused attention kernels (Backend::attention_forward/backward).
struct AttentionParams {
  double scale = 1.0;      // multiplies q k^T before the bias is added
  bool causal = false;     // top-left aligned: query i sees keys j <= i (also when L != S)
  double dropout_p = 0.0;  // the kernels implement 0 only and return false for anything else
};

/// One Adam/AdamW update (Backend::adam_step): the group's hyper-parameters and the bias
/// corrections of this step, computed by the optimizer (see nn/optim/adam.h for the algorithm).
struct AdamStepParams {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  bool decoupled_weight_decay = false;  // AdamW: p *= 1 - lr * weight_decay
  bool amsgrad = false;
  bool maximize = false;
  double bias_correction1 = 1.0;       // 1 - beta1^step
  double bias_correction2_sqrt = 1.0;  // sqrt(1 - beta2^step)
};

/// One SGD step (Backend::sgd_step); see nn/optim/sgd.h for the algorithm.
struct SgdStepParams {
  double lr = 1e-3, momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
  bool first_step = false;  // momentum_buffer is new: it takes the gradient itself
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// "cpu", "cuda", ...
  virtual std::string name() const = 0;
  virtual DeviceType device_type() const = 0;
  virtual int device_count() const { return 1; }

  // ---- memory ----------------------------------------------------------------------------
  virtual void* allocate(size_t nbytes, int device_index) = 0;
  virtual void deallocate(void* ptr, size_t nbytes, int device_index) = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t nbytes, int device_index) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t nbytes, int device_index) = 0;
  /// Waits for all queued work on the device.
  virtual void synchronize(int device_index) {}

  /// Whether the kernel for `op` accepts inputs of `dtype` (the core checks before calling and
  /// raises "[op] not implemented on <backend> for <dtype>").
  virtual bool supports(OpKey op, DType dtype) const = 0;

  // ---- mandatory kernels -------------------------------------------------------------------
  /// out[...] = value (cast to out.dtype).
  virtual void fill(const TensorView& out, const Scalar& value) = 0;
  /// out = in with a cast from in.dtype to out.dtype; same sizes; any strides.
  virtual void copy(const TensorView& out, const TensorView& in) = 0;
  /// out = op(in); out.dtype == in.dtype (LogicalNot writes Bool).
  virtual void unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) = 0;
  /// out = a op b; a and b share a dtype and are expanded to out.sizes. Predicates write Bool.
  virtual void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) = 0;
  /// out = cond ? a : b; cond is Bool; a, b share out.dtype; all expanded to out.sizes.
  virtual void where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) = 0;
  /// Reduces the trailing `reduce_ndim` dims of `in`: out.sizes == in.sizes[0 : dim-reduce_ndim].
  /// out.dtype == in.dtype, except Any/All which write Bool. Sum/Prod of an empty set give 0/1;
  /// Max/Min of an empty set are rejected by the core before the call.
  virtual void reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) = 0;
  /// Max/Min along the last dim of `in`, writing values (in.dtype) and indices (I64) of shape
  /// in.sizes[:-1]. Ties give the first index; NaN wins (propagates) as in PyTorch.
  virtual void arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) = 0;
  /// Inclusive scan along the last dim; reverse scans from the end.
  virtual void scan(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) = 0;
  /// Batched GEMM: out[b] = a[b] @ b_[b] (+ out[b] when accumulate). Shapes [B,M,K], [B,K,N],
  /// [B,M,N]; any strides (batch strides may be 0 for broadcast operands).
  virtual void matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) = 0;
  /// out[i..] = in[i.. with coordinate `dim` replaced by index[i..]]; index is I64 with
  /// index.sizes == out.sizes; in.sizes may exceed out.sizes except along dim. Throws on an
  /// out-of-range index.
  virtual void gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) = 0;
  /// In place into `out`: out[i.. with `dim` replaced by index[i..]] (reduce)= src[i..].
  /// index (I64) and src have the same sizes. With include_self=false the reduction ignores the
  /// values out held at scattered positions (PyTorch's scatter_reduce(include_self=False)).
  virtual void scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src,
                       int dim, bool include_self) = 0;
  /// Counter-based random numbers: element i of `out` (in row-major logical order) is a function
  /// of (seed, offset + i) only, so every backend and thread count gives the same values
  /// (see core/philox.h for the exact mapping).
  virtual void random(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) = 0;
  /// Stable sort along the last dim: values (in.dtype) and indices (I64) have in.sizes.
  virtual void sort(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) = 0;
  /// Writes the coordinates of the nonzero elements of `in` into out [count, in.dim()] (I64),
  /// row-major order. `count` was computed by the core with reduce(Sum) of (in != 0).
  virtual void nonzero(const TensorView& out, const TensorView& in) = 0;

  // ---- optional kernels (return false when absent) ------------------------------------------
  /// out = in reversed along every dim d with dims[d] (dims has in.dim() entries); same sizes
  /// and dtype, any strides; out does not overlap in. Elements move unchanged (no conversion).
  /// Kernel views cannot carry the negative strides a reversal is naturally written with, so a
  /// backend without it gets a composite of copy kernels (autograd/ops_reorder.cpp).
  virtual bool flip(const TensorView& out, const TensorView& in, const std::vector<bool>& dims) { return false; }
  /// Softmax (or log-softmax) along the last dim of a contiguous input.
  virtual bool softmax(const TensorView& out, const TensorView& in, bool log) { return false; }
  /// Backward of softmax along the last dim: grad_in = y * (g - sum(g*y)) (or the log form).
  virtual bool softmax_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& out, bool log) { return false; }
  /// Layer norm over the last dim of a contiguous [rows, n] input; weight/bias may have null
  /// data. Writes mean and rstd ([rows], f32 for 16-bit inputs, else in.dtype).
  virtual bool layer_norm(const TensorView& out, const TensorView& mean, const TensorView& rstd,
                          const TensorView& in, const TensorView& weight, const TensorView& bias, double eps) { return false; }
  /// Backward of layer_norm over the last dim of contiguous [rows, n] tensors of one floating
  /// dtype, recomputing the statistics from `in`: with gh = grad_out * weight and
  /// xhat = (in - mean) * rstd, grad_in = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)),
  /// grad_weight = sum over rows of grad_out * xhat, grad_bias = sum over rows of grad_out.
  /// weight, grad_weight and grad_bias may have null data (absent / not wanted).
  virtual bool layer_norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_bias,
                                   const TensorView& grad_out, const TensorView& in, const TensorView& weight,
                                   double eps) { return false; }
  /// RMS norm over the last dim of a contiguous [rows, n] input: out = in * rstd * weight with
  /// rstd = 1 / sqrt(mean(in^2) + eps). weight may have null data; rstd ([rows], f32 for 16-bit
  /// inputs, else in.dtype) may have null data when not wanted.
  virtual bool rms_norm(const TensorView& out, const TensorView& rstd, const TensorView& in, const TensorView& weight,
                        double eps) { return false; }
  /// Backward of rms_norm (statistics recomputed from `in`): with gh = grad_out * weight,
  /// grad_in = rstd * gh - in * rstd^3 * mean(gh * in), grad_weight = sum over rows of
  /// grad_out * in * rstd (null data: not wanted).
  virtual bool rms_norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_out,
                                 const TensorView& in, const TensorView& weight, double eps) { return false; }
  /// N-d convolution (or transposed convolution) of in [N, C, *spatial] with weight
  /// [Cout, C/groups, *k] (transposed: [C, Cout/groups, *k]); bias may have null data.
  virtual bool conv(const TensorView& out, const TensorView& in, const TensorView& weight, const TensorView& bias,
                    const ConvParams& p) { return false; }
  /// Gradient of conv w.r.t. its input (grad_in has the input's shape).
  virtual bool conv_backward_input(const TensorView& grad_in, const TensorView& grad_out, const TensorView& weight,
                                   const ConvParams& p) { return false; }
  /// Gradient of conv w.r.t. its weight (grad_w has the weight's shape).
  virtual bool conv_backward_weight(const TensorView& grad_w, const TensorView& grad_out, const TensorView& in,
                                    const ConvParams& p) { return false; }
  /// Max or average pooling of in [N, C, *spatial]; for max, indices (I64, flat spatial index
  /// into the input plane) may have null data when not needed.
  virtual bool pool(const TensorView& out, const TensorView& indices, const TensorView& in, const PoolParams& p) { return false; }
  /// Sparse linear resampling along p.dim (see ResampleParams); out and in share a floating
  /// dtype and all sizes except at p.dim.
  virtual bool resample(const TensorView& out, const TensorView& in, const ResampleParams& p) { return false; }
  /// Fused scaled dot-product attention (flash attention: the [L, S] scores are never stored).
  ///   q [B, Hq, L, D]; k, v [B, Hk, S, D] with Hq a multiple of Hk (query head h uses key/value
  ///   head h / (Hq / Hk): grouped-query / multi-query attention); out [B, Hq, L, D].
  ///   scores = q k^T * p.scale + bias, keys excluded by p.causal or the padding mask get -inf;
  ///   out = softmax(scores) v; lse [B, Hq, L] (F32) = logsumexp of each row of scores.
  /// q, k, v, out share one floating dtype (16-bit floats accumulate in f32). q, k, v may have
  /// any strides with the last dim contiguous; out and lse are contiguous. bias (may have null
  /// data) is an F32 view (or one of q's dtype when that is F64) expanded to [B, Hq, L, S] (broadcast dims have stride 0); -inf entries
  /// exclude keys. key_padding_mask (may have null data) is a Bool view expanded to [B, S]: true
  /// marks a padding key that no query attends to. A row with no visible key (or S == 0) gets a
  /// zero output and lse = -inf. Returns false (nothing written) for cases the backend does not
  /// handle (dtype, head dim, dropout_p != 0, ...); the core then runs its composite.
  virtual bool attention_forward(const TensorView& out, const TensorView& lse, const TensorView& q,
                                 const TensorView& k, const TensorView& v, const TensorView& bias,
                                 const TensorView& key_padding_mask, const AttentionParams& p) { return false; }
  /// Gradients of attention_forward, recomputing the probabilities from the saved lse:
  /// dq [B, Hq, L, D], dk and dv [B, Hk, S, D] (contiguous, overwritten; a key/value head sums
  /// the gradients of its query heads). dout has q's sizes (any strides, last dim contiguous);
  /// out and lse are attention_forward's results for the same inputs. Rows with lse = -inf
  /// contribute nothing. Returns false exactly when attention_forward would for these inputs.
  virtual bool attention_backward(const TensorView& dq, const TensorView& dk, const TensorView& dv,
                                  const TensorView& dout, const TensorView& q, const TensorView& k,
                                  const TensorView& v, const TensorView& out, const TensorView& lse,
                                  const TensorView& bias, const TensorView& key_padding_mask,
                                  const AttentionParams& p) { return false; }
  /// One fused Adam/AdamW update of a parameter, in place of param, exp_avg, exp_avg_sq and (with
  /// p.amsgrad) max_exp_avg_sq; grad is read. All views are contiguous with the same sizes and
  /// one floating dtype. Each element must get exactly what the optimizer's composite of
  /// elementwise ops gives (nn/optim/adam.cpp): every op in the dtype, each number cast to the
  /// dtype on its own. Returns false (nothing written) for cases the backend does not fuse; the
  /// optimizer then runs the composite. Fusing saves about twenty small ops per parameter.
  virtual bool adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
                         const TensorView& exp_avg_sq, const TensorView& max_exp_avg_sq, const AdamStepParams& p) {
    return false;
  }
  /// One fused SGD update of a parameter in place (and of momentum_buffer, which has null data
  /// when p.momentum == 0); grad is read. Same contract as adam_step (nn/optim/sgd.cpp holds
  /// the composite it must reproduce exactly).
  virtual bool sgd_step(const TensorView& param, const TensorView& grad, const TensorView& momentum_buffer,
                        const SgdStepParams& p) {
    return false;
  }
};

}  // namespace tz
