// CudaBackend::attention_forward / attention_backward: checks what the kernels handle, builds
// their arguments and scratch buffers, and picks the tensor-core or the SIMT kernels
// (cuda_attention_fwd.cu, cuda_attention_bwd.cu).
#include <limits>

#include "backends/cuda/cuda_attention.cuh"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_workspace.h"

namespace tz::cuda_backend {
namespace {

using attention::Args;

constexpr int kMaxHeadDim = 256;  // the SIMT kernels keep 8 values per lane

bool fits_int(int64_t v) { return v <= std::numeric_limits<int>::max(); }

/// Fills the shape and input fields of Args; false when the kernels do not handle the case.
bool make_args(Args& a, const TensorView& q, const TensorView& k, const TensorView& v, const TensorView& bias,
               const TensorView& kpm, const AttentionParams& p) {
  if (p.dropout_p != 0.0) return false;
  if (q.dtype != DType::F32 && q.dtype != DType::F64 && q.dtype != DType::F16 && q.dtype != DType::BF16) return false;
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) return false;
  const int64_t D = q.sizes[3];
  if (D < 1 || D > kMaxHeadDim) return false;
  for (const TensorView* t : {&q, &k, &v})
    if (t->strides[3] != 1 && t->sizes[3] != 1) return false;
  const int64_t B = q.sizes[0], Hq = q.sizes[1], L = q.sizes[2], Hk = k.sizes[1], S = k.sizes[2];
  if (Hk == 0 || Hq % Hk != 0) return false;
  if (!fits_int(B * Hq * L) || !fits_int(B * Hk * S)) return false;
  a.q = q.data, a.k = k.data, a.v = v.data;
  a.q_sb = q.strides[0], a.q_sh = q.strides[1], a.q_sl = q.strides[2];
  a.k_sb = k.strides[0], a.k_sh = k.strides[1], a.k_sl = k.strides[2];
  a.v_sb = v.strides[0], a.v_sh = v.strides[1], a.v_sl = v.strides[2];
  if (bias.data != nullptr) {
    if (bias.dtype != DType::F32) return false;
    a.bias = static_cast<const float*>(bias.data);
    a.bias_sb = bias.strides[0], a.bias_sh = bias.strides[1], a.bias_sl = bias.strides[2], a.bias_ss = bias.strides[3];
  }
  if (kpm.data != nullptr) {
    if (kpm.dtype != DType::Bool) return false;
    a.kpm = static_cast<const bool*>(kpm.data);
    a.kpm_sb = kpm.strides[0], a.kpm_ss = kpm.strides[1];
  }
  a.B = int(B), a.Hq = int(Hq), a.Hk = int(Hk), a.L = int(L), a.S = int(S), a.D = int(D);
  a.group = int(Hq / Hk);
  a.scale = p.scale;
  a.causal = p.causal;
  return true;
}

}  // namespace

bool CudaBackend::attention_forward(const TensorView& out, const TensorView& lse, const TensorView& q,
                                    const TensorView& k, const TensorView& v, const TensorView& bias,
                                    const TensorView& key_padding_mask, const AttentionParams& p) {
  Args a;
  if (!make_args(a, q, k, v, bias, key_padding_mask, p)) return false;
  a.o = out.data;
  a.lse = static_cast<float*>(lse.data);
  if (int64_t(a.B) * a.Hq * a.L == 0) return true;
  attention::launch_forward(q.dtype, a, current_stream());
  return true;
}

bool CudaBackend::attention_backward(const TensorView& dq, const TensorView& dk, const TensorView& dv,
                                     const TensorView& dout, const TensorView& q, const TensorView& k,
                                     const TensorView& v, const TensorView& out, const TensorView& lse,
                                     const TensorView& bias, const TensorView& key_padding_mask,
                                     const AttentionParams& p) {
  Args a;
  if (!make_args(a, q, k, v, bias, key_padding_mask, p)) return false;
  if (dout.dim() != 4 || (dout.strides[3] != 1 && dout.sizes[3] != 1)) return false;
  a.dout = dout.data;
  a.do_sb = dout.strides[0], a.do_sh = dout.strides[1], a.do_sl = dout.strides[2];
  a.out = out.data;
  a.lse = static_cast<float*>(lse.data);
  a.dq = dq.data, a.dk = dk.data, a.dv = dv.data;
  const int64_t q_rows = int64_t(a.B) * a.Hq * a.L, k_rows = int64_t(a.B) * a.Hk * a.S;
  if (q_rows == 0 && k_rows == 0) return true;
  const size_t elem = dtype_size(q.dtype);
  if (q_rows == 0 || a.S == 0) {  // nothing attends: all gradients are zero
    if (q_rows) TZ_CUDA_CHECK(cudaMemsetAsync(dq.data, 0, size_t(q_rows) * a.D * elem, current_stream()));
    if (k_rows) {
      TZ_CUDA_CHECK(cudaMemsetAsync(dk.data, 0, size_t(k_rows) * a.D * elem, current_stream()));
      TZ_CUDA_CHECK(cudaMemsetAsync(dv.data, 0, size_t(k_rows) * a.D * elem, current_stream()));
    }
    return true;
  }
  const bool tensor_cores = attention::tensor_core_eligible(q.dtype, a);
  const size_t acc_size = q.dtype == DType::F64 ? sizeof(double) : sizeof(float);
  DeviceBuffer row_lse(tensor_cores ? 0 : size_t(q_rows) * acc_size);
  DeviceBuffer row_delta(size_t(q_rows) * acc_size);
  DeviceBuffer dq_accum(tensor_cores ? size_t(q_rows) * a.D * sizeof(float) : 0);
  a.row_lse = row_lse.get();
  a.row_delta = row_delta.get();
  a.dq_accum = dq_accum.as<float>();
  attention::launch_backward(q.dtype, a, current_stream());
  return true;
}

}  // namespace tz::cuda_backend
