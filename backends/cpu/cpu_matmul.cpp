// Batched strided GEMM. f32/f64 go to OpenBLAS when the build has it, reading row-major or
// column-major operands in place (a transpose flag instead of a copy); f16/bf16 convert to f32
// around sgemm; integers (and every dtype in builds without OpenBLAS) use a blocked loop.
#include <algorithm>
#include <climits>
#include <tuple>
#include <type_traits>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

#ifdef TZ_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace tz::cpu {

namespace {

/// One matrix of a batch: element (r, c) lives at p[r * sr + c * sc].
template <class T>
struct Mat {
  T* p;
  int64_t rows, cols, sr, sc;
  T& at(int64_t r, int64_t c) const { return p[r * sr + c * sc]; }
};

/// Below this many multiply-adds per matrix OpenBLAS runs a GEMM on one thread anyway, so a batch
/// of such matrices is spread over OpenMP threads without oversubscribing cores.
constexpr int64_t kSmallGemm = 64 * 64 * 64;

/// Copies a strided matrix into a dense row-major buffer of type D.
template <class D, class S>
void pack(D* dst, const Mat<S>& m) {
  using Src = std::remove_cv_t<S>;
  for (int64_t r = 0; r < m.rows; ++r) {
    const S* src = m.p + r * m.sr;
    D* row = dst + r * m.cols;
    if (m.sc == 1) {
      for (int64_t c = 0; c < m.cols; ++c) row[c] = D(static_cast<compute_t<Src>>(src[c]));
    } else {
      for (int64_t c = 0; c < m.cols; ++c) row[c] = D(static_cast<compute_t<Src>>(src[c * m.sc]));
    }
  }
}

/// Writes a dense row-major buffer back into a strided matrix (rounding to T).
template <class T, class S>
void unpack(const Mat<T>& m, const S* src) {
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c) m.at(r, c) = T(static_cast<compute_t<T>>(src[r * m.cols + c]));
}

/// Reference GEMM on packed operands: C[M,N] (+)= A[M,K] B[K,N], accumulating in Acc. The
/// k-blocked i-k-j order streams rows of B (vectorisable) while a block of them stays in cache.
template <class T, class Acc>
void reference_gemm(const Mat<T>& C, const Mat<const T>& A, const Mat<const T>& B, bool accumulate, bool parallel) {
  const int64_t M = C.rows, N = C.cols, K = A.cols;
  std::vector<Acc> a(size_t(M * K)), b(size_t(K * N)), c(size_t(M * N), Acc(0));
  pack(a.data(), A);
  pack(b.data(), B);
  if (accumulate) pack(c.data(), Mat<const T>{C.p, M, N, C.sr, C.sc});
  constexpr int64_t kRowBlock = 32, kDepthBlock = 128;
  const int64_t row_blocks = (M + kRowBlock - 1) / kRowBlock;
  parallel_for_if(parallel && row_blocks > 1, row_blocks, [&](int64_t rb) {
    const int64_t i0 = rb * kRowBlock, i1 = std::min(M, i0 + kRowBlock);
    for (int64_t k0 = 0; k0 < K; k0 += kDepthBlock) {
      const int64_t k1 = std::min(K, k0 + kDepthBlock);
      for (int64_t i = i0; i < i1; ++i) {
        Acc* crow = c.data() + i * N;
        for (int64_t k = k0; k < k1; ++k) {
          const Acc av = a[size_t(i * K + k)];
          const Acc* brow = b.data() + k * N;
          for (int64_t j = 0; j < N; ++j) crow[j] += av * brow[j];
        }
      }
    }
  });
  unpack(C, c.data());
}

#ifdef TZ_HAVE_OPENBLAS
/// How BLAS can read a strided matrix without a copy: row-major (trans=false) or column-major
/// (trans=true, i.e. its transpose is row-major) with leading dimension ld.
struct BlasLayout {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};

BlasLayout blas_layout(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  // Size-1 dims may carry any stride; they never move the pointer.
  if ((sc == 1 || cols <= 1) && (rows <= 1 || sr >= std::max<int64_t>(cols, 1)))
    return {true, false, rows <= 1 ? std::max<int64_t>(cols, 1) : sr};
  if ((sr == 1 || rows <= 1) && (cols <= 1 || sc >= std::max<int64_t>(rows, 1)))
    return {true, true, cols <= 1 ? std::max<int64_t>(rows, 1) : sc};
  return {};
}

bool fits_blas_int(std::initializer_list<int64_t> v) {
  for (int64_t x : v)
    if (x > INT_MAX) return false;
  return true;
}

inline void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                      int64_t ldb, float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
              1.0f, A, int(lda), B, int(ldb), beta, C, int(ldc));
}
inline void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B,
                      int64_t ldb, double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
              1.0, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

/// C (+)= A B for f32/f64 through BLAS; operands BLAS cannot read in place are packed first.
template <class T>
void blas_matrix(const Mat<T>& C, const Mat<const T>& A, const Mat<const T>& B, bool accumulate) {
  const int64_t M = C.rows, N = C.cols, K = A.cols;
  const BlasLayout lc = blas_layout(M, N, C.sr, C.sc);
  if (lc.ok && lc.trans) {
    // Column-major output: compute its row-major transpose, C^T = B^T A^T.
    blas_matrix<T>(Mat<T>{C.p, N, M, C.sc, C.sr}, Mat<const T>{B.p, N, K, B.sc, B.sr}, Mat<const T>{A.p, K, M, A.sc, A.sr},
                   accumulate);
    return;
  }
  std::vector<T> cbuf;
  T* cp = C.p;
  int64_t ldc = lc.ld;
  if (!lc.ok) {
    cbuf.resize(size_t(M * N));
    if (accumulate) pack(cbuf.data(), Mat<const T>{C.p, M, N, C.sr, C.sc});
    cp = cbuf.data();
    ldc = std::max<int64_t>(N, 1);
  }
  BlasLayout la = blas_layout(M, K, A.sr, A.sc), lb = blas_layout(K, N, B.sr, B.sc);
  std::vector<T> abuf, bbuf;
  const T* ap = A.p;
  const T* bp = B.p;
  if (!la.ok) {
    abuf.resize(size_t(M * K));
    pack(abuf.data(), A);
    ap = abuf.data();
    la = {true, false, std::max<int64_t>(K, 1)};
  }
  if (!lb.ok) {
    bbuf.resize(size_t(K * N));
    pack(bbuf.data(), B);
    bp = bbuf.data();
    lb = {true, false, std::max<int64_t>(N, 1)};
  }
  blas_gemm(la.trans, lb.trans, M, N, K, ap, la.ld, bp, lb.ld, accumulate ? T(1) : T(0), cp, ldc);
  if (!lc.ok) unpack(C, cbuf.data());
}

/// f16/bf16: widen packed operands to f32, sgemm, round back.
template <class T>
void blas_matrix_half(const Mat<T>& C, const Mat<const T>& A, const Mat<const T>& B, bool accumulate) {
  const int64_t M = C.rows, N = C.cols, K = A.cols;
  std::vector<float> a(size_t(M * K)), b(size_t(K * N)), c(size_t(M * N));
  pack(a.data(), A);
  pack(b.data(), B);
  if (accumulate) pack(c.data(), Mat<const T>{C.p, M, N, C.sr, C.sc});
  blas_gemm(false, false, M, N, K, a.data(), std::max<int64_t>(K, 1), b.data(), std::max<int64_t>(N, 1),
            accumulate ? 1.0f : 0.0f, c.data(), std::max<int64_t>(N, 1));
  unpack(C, c.data());
}
#endif

template <class T>
void matmul_typed(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) {
  int64_t batch = out.sizes[0], M = out.sizes[1], N = out.sizes[2];
  const int64_t K = a.sizes[2];
  Strides as = a.strides, bs = b.strides, os = out.strides;
  if (batch == 0 || M == 0 || N == 0) return;
  if (K == 0) {
    // An empty sum: out = 0 (or unchanged when accumulating).
    if (!accumulate) map1<T, T>(out, out, [](T) { return T(0); });
    return;
  }
  // A batch against one shared right operand with row-major, evenly spaced left and output
  // matrices is a single [batch*M, K] x [K, N] product (the common x @ W case).
  if (batch > 1 && bs[0] == 0 && as[2] == 1 && os[2] == 1 && as[0] == M * as[1] && os[0] == M * os[1]) {
    M *= batch;
    batch = 1;
  }
  auto mat = [&](int64_t i) {
    return std::tuple{Mat<T>{out.ptr<T>() + i * os[0], M, N, os[1], os[2]},
                      Mat<const T>{a.ptr<const T>() + i * as[0], M, K, as[1], as[2]},
                      Mat<const T>{b.ptr<const T>() + i * bs[0], K, N, bs[1], bs[2]}};
  };
  using C = compute_t<T>;
  constexpr bool is_float_t = std::is_same_v<C, float> || std::is_same_v<C, double>;
#ifdef TZ_HAVE_OPENBLAS
  constexpr bool blas_dtype = is_float_t;
#else
  constexpr bool blas_dtype = false;
#endif
  // BLAS threads each large GEMM itself, so only batches of small products (which it runs on one
  // thread) are spread over OpenMP threads; the reference loop also spreads long batches.
  const bool spread_batch =
      batch > 1 && (M * N * K <= kSmallGemm || (!blas_dtype && batch >= omp_get_max_threads()));
  auto one = [&](int64_t i, bool inner_parallel) {
    auto [Cm, Am, Bm] = mat(i);
#ifdef TZ_HAVE_OPENBLAS
    if constexpr (is_float_t) {
      if (fits_blas_int({M, N, K, Am.sr, Am.sc, Bm.sr, Bm.sc, Cm.sr, Cm.sc})) {
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) blas_matrix<T>(Cm, Am, Bm, accumulate);
        else blas_matrix_half<T>(Cm, Am, Bm, accumulate);
        return;
      }
    }
#endif
    if constexpr (is_float_t) reference_gemm<T, C>(Cm, Am, Bm, accumulate, inner_parallel);
    else reference_gemm<T, int64_t>(Cm, Am, Bm, accumulate, inner_parallel);
  };
  if (spread_batch) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < batch; ++i) one(i, false);
  } else {
    for (int64_t i = 0; i < batch; ++i) one(i, M * N * K >= kParallelGrain);
  }
}

}  // namespace

void CpuBackend::matmul(const TensorView& out, const TensorView& a, const TensorView& b, bool accumulate) {
  TZ_CHECK(out.dim() == 3 && a.dim() == 3 && b.dim() == 3, "matmul", "kernel expects 3-d views");
  TZ_CHECK(out.dtype != DType::Bool, "matmul", "not implemented on cpu for bool");
  TZ_DISPATCH(out.dtype, "matmul", [&]<class T>() {
    if constexpr (!std::is_same_v<T, bool>) matmul_typed<T>(out, a, b, accumulate);
  });
}

}  // namespace tz::cpu
