// Batched strided GEMM on cuBLAS. Float dtypes read row- or column-major operands in place (a
// transpose flag instead of a copy) and pack the others; one product goes through cuBLASLt
// with a workspace (its heuristic picks the fastest kernels), batches through
// cublasGemmStridedBatchedEx (which reads stride-0 broadcast batches). f16/bf16 accumulate in
// f32; f32 uses TF32 tensor cores only when tz::cuda::allow_tf32(). Integers use our own kernel
// (cuda_matmul_kernels.cu): cuBLAS has no integer GEMM with these types.
#include <cublasLt.h>
#include <cublas_v2.h>

#include <algorithm>
#include <climits>
#include <map>
#include <utility>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_common.cuh"
#include "backends/cuda/cuda_matmul_kernels.h"
#include "backends/cuda/cuda_workspace.h"
#include "core/cuda.h"

#define TZ_CUBLAS_CHECK(expr)                                                                       \
  do {                                                                                              \
    const cublasStatus_t tz_st_ = (expr);                                                           \
    if (tz_st_ != CUBLAS_STATUS_SUCCESS)                                                            \
      TZ_FAIL("matmul", #expr, " failed: ", cublasGetStatusName(tz_st_), " (", cublasGetStatusString(tz_st_), ")"); \
  } while (0)

namespace tz::cuda_backend {
namespace {

/// cuBLASLt may use this much scratch memory per product (PyTorch uses 32 MiB on Hopper; big
/// tiles with split-K need it to reach peak throughput).
constexpr size_t kWorkspaceBytes = size_t(32) << 20;

/// cuBLAS handles of this thread, one per device (a handle must not be used by two threads at
/// once; each call binds it to the current stream). Leaked at exit on purpose: destroying them
/// after the driver shut down would fail.
struct Handles {
  cublasHandle_t blas = nullptr;
  cublasLtHandle_t lt = nullptr;
};
Handles& handles() {
  thread_local std::map<int, Handles> per_device;
  Handles& h = per_device[current_device()];
  if (!h.blas) TZ_CUBLAS_CHECK(cublasCreate(&h.blas));
  if (!h.lt) TZ_CUBLAS_CHECK(cublasLtCreate(&h.lt));
  return h;
}

/// One operand of a column-major product: the stored matrix (rows x cols, leading dim ld) and
/// whether cuBLAS must transpose it.
struct Operand {
  const void* ptr = nullptr;
  bool trans = false;
  int64_t ld = 1;
  int64_t batch_stride = 0;
};

/// A logical rows x cols matrix with element (r, c) at p + r*sr + c*sc.
struct Mat {
  void* p;
  int64_t rows, cols, sr, sc, sb;
  Mat transposed() const { return {p, cols, rows, sc, sr, sb}; }
};

/// How cuBLAS (column-major) reads `m` without a copy: stored as is (column-major, ld = sc) or
/// as its transpose (row-major, ld = sr). ok=false when neither works (a stride-0 or gapped
/// inner dim). Size-1 dims may carry any stride.
struct Layout {
  bool ok = false;
  bool trans = false;
  int64_t ld = 1;
};
Layout layout_of(const Mat& m) {
  const int64_t R = m.rows, C = m.cols;
  if ((m.sr == 1 || R <= 1) && (C <= 1 || m.sc >= std::max<int64_t>(R, 1)))
    return {true, false, C <= 1 ? std::max<int64_t>(R, 1) : m.sc};
  if ((m.sc == 1 || C <= 1) && (R <= 1 || m.sr >= std::max<int64_t>(C, 1)))
    return {true, true, R <= 1 ? std::max<int64_t>(C, 1) : m.sr};
  return {};
}

bool fits_int(std::initializer_list<int64_t> v) {
  for (int64_t x : v)
    if (x > INT_MAX) return false;
  return true;
}

cudaDataType_t cuda_type(DType d) {
  switch (d) {
    case DType::F32: return CUDA_R_32F;
    case DType::F64: return CUDA_R_64F;
    case DType::F16: return CUDA_R_16F;
    case DType::BF16: return CUDA_R_16BF;
    default: TZ_FAIL("matmul", "no cuBLAS type for ", dtype_name(d));
  }
}

/// The product to run: D[m x n] (column-major, ldc) = op(A)[m x k] op(B)[k x n] (+ D).
struct Gemm {
  DType dtype;
  int64_t m, n, k, batch;
  Operand A, B;
  void* C;
  int64_t ldc, batch_stride_c;
  bool accumulate;
};

cublasComputeType_t compute_type(DType d) {
  if (d == DType::F64) return CUBLAS_COMPUTE_64F;
  if (d == DType::F32) return cuda::allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  return CUBLAS_COMPUTE_32F;  // f16 / bf16 inputs, f32 accumulation
}

/// Largest power of two (up to 16) dividing the address: cuBLASLt picks vectorised kernels only
/// for aligned operands.
uint32_t alignment_of(const void* p) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  uint32_t al = 1;
  while (al < 16 && a % (al * 2) == 0) al *= 2;
  return al;
}

/// One product through cuBLASLt; false when its heuristic offers no algorithm (the caller then
/// uses cublasGemmStridedBatchedEx).
bool run_lt(const Gemm& g, cublasLtHandle_t lt, cudaStream_t stream) {
  const cudaDataType_t t = cuda_type(g.dtype);
  const cudaDataType_t scale_t = g.dtype == DType::F64 ? CUDA_R_64F : CUDA_R_32F;
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  bool ok = false;
  // Descriptors are released on every path (a failed status falls back instead of throwing).
  auto release = [&] {
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (lc) cublasLtMatrixLayoutDestroy(lc);
    if (lb) cublasLtMatrixLayoutDestroy(lb);
    if (la) cublasLtMatrixLayoutDestroy(la);
    if (op) cublasLtMatmulDescDestroy(op);
  };
  do {
    if (cublasLtMatmulDescCreate(&op, compute_type(g.dtype), scale_t) != CUBLAS_STATUS_SUCCESS) break;
    const cublasOperation_t ta = g.A.trans ? CUBLAS_OP_T : CUBLAS_OP_N, tb = g.B.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta));
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb));
    // Stored shapes: op(A) is m x k, so A is stored k x m when transposed.
    const uint64_t a_rows = uint64_t(g.A.trans ? g.k : g.m), a_cols = uint64_t(g.A.trans ? g.m : g.k);
    const uint64_t b_rows = uint64_t(g.B.trans ? g.n : g.k), b_cols = uint64_t(g.B.trans ? g.k : g.n);
    if (cublasLtMatrixLayoutCreate(&la, t, a_rows, a_cols, g.A.ld) != CUBLAS_STATUS_SUCCESS) break;
    if (cublasLtMatrixLayoutCreate(&lb, t, b_rows, b_cols, g.B.ld) != CUBLAS_STATUS_SUCCESS) break;
    if (cublasLtMatrixLayoutCreate(&lc, t, uint64_t(g.m), uint64_t(g.n), g.ldc) != CUBLAS_STATUS_SUCCESS) break;
    if (g.batch > 1) {
      const int32_t count = int32_t(g.batch);
      const int64_t sa = g.A.batch_stride, sb = g.B.batch_stride, sc = g.batch_stride_c;
      for (auto [l, s] : {std::pair{la, sa}, std::pair{lb, sb}, std::pair{lc, sc}}) {
        cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count));
        cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &s, sizeof(s));
      }
    }
    if (cublasLtMatmulPreferenceCreate(&pref) != CUBLAS_STATUS_SUCCESS) break;
    const uint64_t ws = kWorkspaceBytes;
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws));
    const uint32_t al_a = alignment_of(g.A.ptr), al_b = alignment_of(g.B.ptr), al_c = alignment_of(g.C);
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &al_a, sizeof(al_a));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &al_b, sizeof(al_b));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &al_c, sizeof(al_c));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &al_c, sizeof(al_c));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    if (cublasLtMatmulAlgoGetHeuristic(lt, op, la, lb, lc, lc, pref, 1, &result, &found) != CUBLAS_STATUS_SUCCESS ||
        found == 0)
      break;
    DeviceBuffer workspace(result.workspaceSize);
    const float alpha_f = 1.0f, beta_f = g.accumulate ? 1.0f : 0.0f;
    const double alpha_d = 1.0, beta_d = g.accumulate ? 1.0 : 0.0;
    const void* alpha = g.dtype == DType::F64 ? static_cast<const void*>(&alpha_d) : &alpha_f;
    const void* beta = g.dtype == DType::F64 ? static_cast<const void*>(&beta_d) : &beta_f;
    const cublasStatus_t st = cublasLtMatmul(lt, op, alpha, g.A.ptr, la, g.B.ptr, lb, beta, g.C, lc, g.C, lc,
                                             &result.algo, workspace.get(), workspace.size(), stream);
    if (st != CUBLAS_STATUS_SUCCESS) {
      release();
      TZ_FAIL("matmul", "cublasLtMatmul failed: ", cublasGetStatusName(st));
    }
    ok = true;
  } while (false);
  release();
  return ok;
}

void run_gemm_ex(const Gemm& g, cublasHandle_t h, cudaStream_t stream) {
  const cudaDataType_t t = cuda_type(g.dtype);
  TZ_CUBLAS_CHECK(cublasSetStream(h, stream));
  // cublasSetStream resets the workspace to cuBLAS's own pool; give it ours (stream-ordered).
  DeviceBuffer workspace(kWorkspaceBytes);
  TZ_CUBLAS_CHECK(cublasSetWorkspace(h, workspace.get(), workspace.size()));
  const float alpha_f = 1.0f, beta_f = g.accumulate ? 1.0f : 0.0f;
  const double alpha_d = 1.0, beta_d = g.accumulate ? 1.0 : 0.0;
  const void* alpha = g.dtype == DType::F64 ? static_cast<const void*>(&alpha_d) : &alpha_f;
  const void* beta = g.dtype == DType::F64 ? static_cast<const void*>(&beta_d) : &beta_f;
  TZ_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
      h, g.A.trans ? CUBLAS_OP_T : CUBLAS_OP_N, g.B.trans ? CUBLAS_OP_T : CUBLAS_OP_N, int(g.m), int(g.n), int(g.k),
      alpha, g.A.ptr, t, int(g.A.ld), g.A.batch_stride, g.B.ptr, t, int(g.B.ld), g.B.batch_stride, beta, g.C, t,
      int(g.ldc), g.batch_stride_c, int(g.batch), compute_type(g.dtype), CUBLAS_GEMM_DEFAULT));
}

/// A dense row-major copy [batch, rows, cols] of a strided operand (kept alive by `buf`).
Mat pack(const Mat& m, int64_t batch, int elem, DeviceBuffer& buf, cudaStream_t stream, bool copy_values) {
  buf = DeviceBuffer(size_t(std::max<int64_t>(batch * m.rows * m.cols, 1) * elem));
  Mat d{buf.get(), m.rows, m.cols, m.cols, 1, m.rows * m.cols};
  if (copy_values)
    copy_batch({d.p, batch, d.rows, d.cols, d.sb, d.sr, d.sc}, {m.p, batch, m.rows, m.cols, m.sb, m.sr, m.sc}, elem, stream);
  return d;
}

void float_matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) {
  cudaStream_t stream = current_stream();
  const int elem = int(dtype_size(out.dtype));
  int64_t batch = out.sizes[0], M = out.sizes[1], N = out.sizes[2];
  const int64_t K = a.sizes[2];
  Mat C{out.data, M, N, out.strides[1], out.strides[2], out.strides[0]};
  Mat A{a.data, M, K, a.strides[1], a.strides[2], a.strides[0]};
  Mat B{b.data, K, N, b.strides[1], b.strides[2], b.strides[0]};
  if (batch == 1) C.sb = A.sb = B.sb = 0;
  // A batch against one shared right operand with row-major, evenly spaced left and output
  // matrices is one [batch*M, K] x [K, N] product (x @ W with a batch of x).
  if (batch > 1 && B.sb == 0 && A.sc == 1 && C.sc == 1 && A.sr >= K && C.sr >= N && A.sb == M * A.sr &&
      C.sb == M * C.sr && fits_int({batch * M})) {
    C.rows = A.rows = M = batch * M;
    batch = 1;
    C.sb = A.sb = 0;
  }
  // Column-major output: compute D = C as is. Row-major: cuBLAS writes C^T = B^T A^T.
  Layout lc = layout_of(C);
  DeviceBuffer cbuf;
  Mat C_orig = C;
  if (!lc.ok) {
    C = pack(C, batch, elem, cbuf, stream, accumulate);
    lc = layout_of(C);
  }
  Mat X = A, Y = B, D = C;  // D = X Y with D column-major
  int64_t m = M, n = N;
  if (lc.trans) {
    X = B.transposed();
    Y = A.transposed();
    D = C.transposed();
    m = N;
    n = M;
  }
  DeviceBuffer xbuf, ybuf;
  Layout lx = layout_of(X), ly = layout_of(Y);
  if (!lx.ok) {
    X = pack(X, batch, elem, xbuf, stream, true);
    lx = layout_of(X);
  }
  if (!ly.ok) {
    Y = pack(Y, batch, elem, ybuf, stream, true);
    ly = layout_of(Y);
  }
  const int64_t ldc = layout_of(D).ld;
  TZ_CHECK(fits_int({m, n, K, lx.ld, ly.ld, ldc, batch}), "matmul", "sizes exceed cuBLAS's 32-bit limits: [", batch, ", ",
           M, ", ", K, "] x [", batch, ", ", K, ", ", N, "]");
  Gemm g{out.dtype, m, n, K, batch, {X.p, lx.trans, lx.ld, X.sb}, {Y.p, ly.trans, ly.ld, Y.sb}, D.p, ldc, D.sb, accumulate};
  Handles& h = handles();
  // Batches with a broadcast (stride-0) operand go to cublasGemmStridedBatchedEx, documented to
  // read them; everything else tries cuBLASLt first.
  const bool broadcast = batch > 1 && (g.A.batch_stride == 0 || g.B.batch_stride == 0);
  if (broadcast || !run_lt(g, h.lt, stream)) run_gemm_ex(g, h.blas, stream);
  if (cbuf.get())
    copy_batch({C_orig.p, batch, C_orig.rows, C_orig.cols, C_orig.sb, C_orig.sr, C_orig.sc},
               {C.p, batch, C.rows, C.cols, C.sb, C.sr, C.sc}, elem, stream);
}

}  // namespace

void CudaBackend::matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) {
  TZ_CHECK(out.dim() == 3 && a.dim() == 3 && b.dim() == 3, "matmul", "kernel expects 3-d views");
  const int64_t batch = out.sizes[0], M = out.sizes[1], N = out.sizes[2], K = a.sizes[2];
  if (batch == 0 || M == 0 || N == 0) return;
  if (K == 0) {
    // An empty sum: out = 0, or unchanged when accumulating.
    if (!accumulate)
      zero_batch({out.data, batch, M, N, out.strides[0], out.strides[1], out.strides[2]}, int(dtype_size(out.dtype)),
                 current_stream());
    return;
  }
  switch (out.dtype) {
    case DType::F32:
    case DType::F64:
    case DType::F16:
    case DType::BF16: float_matmul(out, a, b, accumulate); break;
    case DType::I32:
    case DType::I64: integer_matmul(out, a, b, accumulate, current_stream()); break;
    default: TZ_FAIL("matmul", "not implemented on cuda for dtype ", dtype_name(out.dtype));
  }
}

}  // namespace tz::cuda_backend
