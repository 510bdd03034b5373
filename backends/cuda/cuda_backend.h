#pragma once
/// The CUDA backend (device "cuda"): our own kernels (.cu, one file per kernel family), cuBLAS /
/// cuBLASLt for matmul, cuDNN for conv/pool when the build found it, and a caching device
/// allocator (cuda_allocator.h). Registered by register_cuda_backend() from the CMake-generated
/// list; tz::cuda (core/cuda.h) reaches it through the hooks it installs.
///
/// Kernels run on the current stream (tz::cuda::StreamGuard). Views carry no device index, so
/// kernels run on the device selected by cudaSetDevice (device 0 unless changed); placing
/// kernels on other GPUs by tensor device is not supported yet.
#include "core/backend.h"

namespace tz::cuda_backend {

/// supports() for the unary and binary families (cuda_binary.cu): the CPU backend's dtype coverage.
bool elementwise_supports(OpKey op, DType dtype);

class CudaBackend final : public Backend {
 public:
  CudaBackend();
  std::string name() const override { return "cuda"; }
  DeviceType device_type() const override { return DeviceType::CUDA; }
  int device_count() const override { return device_count_; }

  void* allocate(size_t nbytes, int device_index) override;
  void deallocate(void* ptr, size_t nbytes, int device_index) override;
  void copy_from_host(void* dst, const void* src, size_t nbytes, int device_index) override;
  void copy_to_host(void* dst, const void* src, size_t nbytes, int device_index) override;
  void synchronize(int device_index) override;
  bool supports(OpKey op, DType dtype) const override;

  // Mandatory kernels (one .cu file per family: cuda_elementwise.cu, cuda_reduce.cu, ...).
  void fill(const TensorView& out, const Scalar& value) override;
  void copy(const TensorView& out, const TensorView& in) override;
  void unary(UnaryOp op, const TensorView& out, const TensorView& in, const UnaryParams& p) override;
  void binary(BinaryOp op, const TensorView& out, const TensorView& a, const TensorView& b) override;
  void where(const TensorView& out, const TensorView& cond, const TensorView& a, const TensorView& b) override;
  void reduce(ReduceOp op, const TensorView& out, const TensorView& in, int reduce_ndim) override;
  void arg_reduce(ReduceOp op, const TensorView& values, const TensorView& indices, const TensorView& in) override;
  void scan(ScanOp op, const TensorView& out, const TensorView& in, bool reverse) override;
  void matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) override;
  void gather(const TensorView& out, const TensorView& in, const TensorView& index, int dim) override;
  void scatter(ScatterReduce reduce, const TensorView& out, const TensorView& index, const TensorView& src, int dim,
               bool include_self) override;
  void random(RandomOp op, const TensorView& out, uint64_t seed, uint64_t offset, double a, double b) override;
  void sort(const TensorView& values, const TensorView& indices, const TensorView& in, bool descending) override;
  void nonzero(const TensorView& out, const TensorView& in) override;

  // Optional fused kernels (false: the op layer runs its composite).
  bool adam_step(const TensorView& param, const TensorView& grad, const TensorView& exp_avg,
                 const TensorView& exp_avg_sq, const TensorView& max_exp_avg_sq, const AdamStepParams& p) override;
  bool sgd_step(const TensorView& param, const TensorView& grad, const TensorView& momentum_buffer,
                const SgdStepParams& p) override;
  bool flip(const TensorView& out, const TensorView& in, const std::vector<bool>& dims) override;
  bool softmax(const TensorView& out, const TensorView& in, bool log) override;
  bool softmax_backward(const TensorView& grad_in, const TensorView& grad_out, const TensorView& out, bool log) override;
  bool layer_norm(const TensorView& out, const TensorView& mean, const TensorView& rstd, const TensorView& in,
                  const TensorView& weight, const TensorView& bias, double eps) override;
  bool layer_norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_bias,
                           const TensorView& grad_out, const TensorView& in, const TensorView& weight,
                           double eps) override;
  bool rms_norm(const TensorView& out, const TensorView& rstd, const TensorView& in, const TensorView& weight,
                double eps) override;
  bool rms_norm_backward(const TensorView& grad_in, const TensorView& grad_weight, const TensorView& grad_out,
                         const TensorView& in, const TensorView& weight, double eps) override;
  bool conv(const TensorView& out, const TensorView& in, const TensorView& weight, const TensorView& bias,
            const ConvParams& p) override;
  bool conv_backward_input(const TensorView& grad_in, const TensorView& grad_out, const TensorView& weight,
                           const ConvParams& p) override;
  bool conv_backward_weight(const TensorView& grad_w, const TensorView& grad_out, const TensorView& in,
                            const ConvParams& p) override;
  bool pool(const TensorView& out, const TensorView& indices, const TensorView& in, const PoolParams& p) override;
  bool resample(const TensorView& out, const TensorView& in, const ResampleParams& p) override;
  bool attention_forward(const TensorView& out, const TensorView& lse, const TensorView& q, const TensorView& k,
                         const TensorView& v, const TensorView& bias, const TensorView& key_padding_mask,
                         const AttentionParams& p) override;  // cuda_attention.cu
  bool attention_backward(const TensorView& dq, const TensorView& dk, const TensorView& dv, const TensorView& dout,
                          const TensorView& q, const TensorView& k, const TensorView& v, const TensorView& out,
                          const TensorView& lse, const TensorView& bias, const TensorView& key_padding_mask,
                          const AttentionParams& p) override;

 private:
  int device_count_ = 0;
};

}  // namespace tz::cuda_backend
