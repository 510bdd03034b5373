// Fused attention (Backend::attention_forward / attention_backward) as exact reference loops.
//
// "FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning" (Dao, 2023)
// defines the contract these loops implement: the forward keeps only the output and the row
// logsumexp, the backward recomputes the probabilities from them. Here each row is done in two
// passes over its keys in double precision; there is no tiling to speed anything up.
//
// Only F64 is accepted: f64 is the gradient-check dtype, so this makes the fused autograd node
// and its backward testable by finite differences on any machine, while f32/16-bit training on
// the CPU keeps the composite (BLAS matmuls), which is faster than these loops.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/cpu/cpu_backend.h"

namespace tz::cpu {
namespace {

/// Strided element access of a view with up to 4 dims.
template <class T>
struct View4 {
  const T* data;
  int64_t s0, s1, s2, s3;
  explicit View4(const TensorView& v)
      : data(static_cast<const T*>(v.data)), s0(v.strides[0]), s1(v.strides[1]), s2(v.strides[2]),
        s3(v.dim() > 3 ? v.strides[3] : 0) {}
  T at(int64_t a, int64_t b, int64_t c, int64_t d = 0) const { return data[a * s0 + b * s1 + c * s2 + d * s3]; }
};

struct Dims {
  int64_t B, Hq, Hk, L, S, D, group;
};

Dims dims_of(const TensorView& q, const TensorView& k) {
  return {q.sizes[0], q.sizes[1], k.sizes[1], q.sizes[2], k.sizes[2], q.sizes[3], q.sizes[1] / k.sizes[1]};
}

/// The scores of one query row with excluded keys at -inf; returns the row max.
template <class T>
double row_scores(std::vector<double>& s, const Dims& d, int64_t b, int64_t h, int64_t i, const View4<T>& q,
                  const View4<T>& k, const TensorView& bias, const TensorView& kpm, const AttentionParams& p) {
  const int64_t hk = h / d.group;
  double mx = -INFINITY;
  for (int64_t j = 0; j < d.S; ++j) {
    double v = -INFINITY;
    const bool padded = kpm.data && static_cast<const bool*>(kpm.data)[b * kpm.strides[0] + j * kpm.strides[1]];
    if (!(p.causal && j > i) && !padded) {
      double dot = 0;
      for (int64_t e = 0; e < d.D; ++e) dot += double(q.at(b, h, i, e)) * double(k.at(b, hk, j, e));
      v = dot * p.scale;
      if (bias.data) {
        const int64_t at = b * bias.strides[0] + h * bias.strides[1] + i * bias.strides[2] + j * bias.strides[3];
        v += bias.dtype == DType::F64 ? static_cast<const double*>(bias.data)[at]
                                      : double(static_cast<const float*>(bias.data)[at]);
      }
    }
    s[size_t(j)] = v;
    mx = std::max(mx, v);
  }
  return mx;
}

template <class T>
void forward(const TensorView& out, const TensorView& lse, const TensorView& qv, const TensorView& kv,
             const TensorView& vv, const TensorView& bias, const TensorView& kpm, const AttentionParams& p) {
  const Dims d = dims_of(qv, kv);
  const View4<T> q(qv), k(kv), v(vv);
  T* o = static_cast<T*>(out.data);
  float* l = static_cast<float*>(lse.data);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t h = 0; h < d.Hq; ++h) {
      std::vector<double> s(size_t(d.S)), acc(size_t(d.D));
      for (int64_t i = 0; i < d.L; ++i) {
        const double mx = row_scores(s, d, b, h, i, q, k, bias, kpm, p);
        T* orow = o + ((b * d.Hq + h) * d.L + i) * d.D;
        float* lrow = l + (b * d.Hq + h) * d.L + i;
        if (mx == -INFINITY) {  // no visible key: zero output, lse -inf
          for (int64_t e = 0; e < d.D; ++e) orow[e] = T(0);
          *lrow = -INFINITY;
          continue;
        }
        double sum = 0;
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t j = 0; j < d.S; ++j) {
          const double w = std::exp(s[size_t(j)] - mx);
          sum += w;
          if (w != 0)
            for (int64_t e = 0; e < d.D; ++e) acc[size_t(e)] += w * double(v.at(b, h / d.group, j, e));
        }
        for (int64_t e = 0; e < d.D; ++e) orow[e] = T(acc[size_t(e)] / sum);
        *lrow = float(mx + std::log(sum));
      }
    }
}

template <class T>
void backward(const TensorView& dq, const TensorView& dk, const TensorView& dv, const TensorView& dout,
              const TensorView& qv, const TensorView& kv, const TensorView& vv, const TensorView& out,
              const TensorView& lse, const TensorView& bias, const TensorView& kpm, const AttentionParams& p) {
  const Dims d = dims_of(qv, kv);
  const View4<T> q(qv), k(kv), v(vv), g(dout), o(out);
  T* dqp = static_cast<T*>(dq.data);
  T* dkp = static_cast<T*>(dk.data);
  T* dvp = static_cast<T*>(dv.data);
  const float* l = static_cast<const float*>(lse.data);
  // One task per key/value head: it owns dk/dv of that head and dq of the head's query group,
  // so no two threads write one element.
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < d.B; ++b)
    for (int64_t hk = 0; hk < d.Hk; ++hk) {
      std::vector<double> s(size_t(d.S)), dkacc(size_t(d.S * d.D), 0.0), dvacc(size_t(d.S * d.D), 0.0),
          dqacc(size_t(d.D));
      for (int64_t h = hk * d.group; h < (hk + 1) * d.group; ++h)
        for (int64_t i = 0; i < d.L; ++i) {
          T* dqrow = dqp + ((b * d.Hq + h) * d.L + i) * d.D;
          std::fill(dqacc.begin(), dqacc.end(), 0.0);
          // The lse saved by the forward (f32) is what the fused kernels use; recompute it in
          // double here so the reference gradients are exact (the saved one marks empty rows).
          const double row_lse = l[(b * d.Hq + h) * d.L + i];
          if (row_lse != -INFINITY) {
            const double mx = row_scores(s, d, b, h, i, q, k, bias, kpm, p);
            double sum = 0;
            for (int64_t j = 0; j < d.S; ++j) sum += std::exp(s[size_t(j)] - mx);
            const double exact_lse = mx + std::log(sum);
            double delta = 0;  // rowsum(dO * O)
            for (int64_t e = 0; e < d.D; ++e) delta += double(g.at(b, h, i, e)) * double(o.at(b, h, i, e));
            for (int64_t j = 0; j < d.S; ++j) {
              if (s[size_t(j)] == -INFINITY) continue;
              const double pij = std::exp(s[size_t(j)] - exact_lse);
              double dp = 0;
              for (int64_t e = 0; e < d.D; ++e) dp += double(g.at(b, h, i, e)) * double(v.at(b, hk, j, e));
              const double ds = pij * (dp - delta) * p.scale;
              for (int64_t e = 0; e < d.D; ++e) {
                dqacc[size_t(e)] += ds * double(k.at(b, hk, j, e));
                dkacc[size_t(j * d.D + e)] += ds * double(q.at(b, h, i, e));
                dvacc[size_t(j * d.D + e)] += pij * double(g.at(b, h, i, e));
              }
            }
          }
          for (int64_t e = 0; e < d.D; ++e) dqrow[e] = T(dqacc[size_t(e)]);
        }
      T* dkh = dkp + (b * d.Hk + hk) * d.S * d.D;
      T* dvh = dvp + (b * d.Hk + hk) * d.S * d.D;
      for (int64_t x = 0; x < d.S * d.D; ++x) {
        dkh[x] = T(dkacc[size_t(x)]);
        dvh[x] = T(dvacc[size_t(x)]);
      }
    }
}

bool handled(const TensorView& q, const TensorView& bias, const AttentionParams& p) {
  return q.dtype == DType::F64 && p.dropout_p == 0.0 &&
         (!bias.data || bias.dtype == DType::F32 || bias.dtype == DType::F64);
}

}  // namespace

bool CpuBackend::attention_forward(const TensorView& out, const TensorView& lse, const TensorView& q,
                                   const TensorView& k, const TensorView& v, const TensorView& bias,
                                   const TensorView& key_padding_mask, const AttentionParams& p) {
  if (!handled(q, bias, p)) return false;
  forward<double>(out, lse, q, k, v, bias, key_padding_mask, p);
  return true;
}

bool CpuBackend::attention_backward(const TensorView& dq, const TensorView& dk, const TensorView& dv,
                                    const TensorView& dout, const TensorView& q, const TensorView& k,
                                    const TensorView& v, const TensorView& out, const TensorView& lse,
                                    const TensorView& bias, const TensorView& key_padding_mask,
                                    const AttentionParams& p) {
  if (!handled(q, bias, p)) return false;
  backward<double>(dq, dk, dv, dout, q, k, v, out, lse, bias, key_padding_mask, p);
  return true;
}

}  // namespace tz::cpu
