// Direct-loop convolutions for every floating dtype. 1-d and 2-d problems run as 3-d ones with
// unit leading spatial dims. Each output element is owned by one thread (gather form), so the
// loops need no atomics: forward parallelises over (n, o), grad-input over (n, c), grad-weight
// over (o, c).
#include <type_traits>

#include "backends/cpu/cpu_conv.h"
#include "backends/cpu/loops.h"
#include "core/dtype.h"

namespace tz::cpu::conv_reference {

namespace {

/// A regular convolution's geometry padded to 3 spatial dims, with the element strides of the
/// three operands as [N, C, D, H, W] (weight: [O, Cg, kD, kH, kW]).
struct Geometry {
  int64_t N, C, O, G, Cg, Og;
  int64_t S[3], L[3], K[3], st[3], pad[3], dil[3];
  int64_t xs[5], ws[5], ys[5];
};

void fill5(int64_t* dst, const TensorView& v) {
  const int64_t n = v.dim() - 2;
  dst[0] = v.strides[0];
  dst[1] = v.strides[1];
  for (int i = 0; i < 3; ++i) dst[2 + i] = i < 3 - n ? 0 : v.strides[size_t(2 + i - (3 - n))];
}

Geometry geometry(const TensorView& x, const TensorView& w, const TensorView& y, const ConvParams& p) {
  Geometry g{};
  const int64_t n = x.dim() - 2;
  g.N = x.sizes[0];
  g.C = x.sizes[1];
  g.O = w.sizes[0];
  g.G = p.groups;
  g.Cg = g.C / g.G;
  g.Og = g.O / g.G;
  for (int i = 0; i < 3; ++i) {
    const int64_t j = i - (3 - n);  // index into the real spatial dims
    const bool real = j >= 0;
    g.S[i] = real ? x.sizes[size_t(2 + j)] : 1;
    g.L[i] = real ? y.sizes[size_t(2 + j)] : 1;
    g.K[i] = real ? w.sizes[size_t(2 + j)] : 1;
    g.st[i] = real ? p.stride[size_t(j)] : 1;
    g.pad[i] = real ? p.padding_begin[size_t(j)] : 0;
    g.dil[i] = real ? p.dilation[size_t(j)] : 1;
  }
  fill5(g.xs, x);
  fill5(g.ws, w);
  fill5(g.ys, y);
  return g;
}

template <class T> using acc_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

bool is_big(int64_t macs) { return macs > 65536; }

template <class T>
void forward_loops(const TensorView& yv, const TensorView& xv, const TensorView& wv, const TensorView& bv, const Geometry& g) {
  using A = acc_t<T>;
  const T* X = xv.ptr<T>();
  const T* W = wv.ptr<T>();
  const T* B = bv.data ? bv.ptr<T>() : nullptr;
  const int64_t bs = bv.data ? bv.strides[0] : 0;
  T* Y = yv.ptr<T>();
  const int64_t work = g.N * g.O;
  const int64_t macs = work * g.L[0] * g.L[1] * g.L[2] * g.Cg * g.K[0] * g.K[1] * g.K[2];
  parallel_for_if(is_big(macs), work, [&](int64_t no) {
    const int64_t n = no / g.O, o = no % g.O, grp = o / g.Og;
    for (int64_t od = 0; od < g.L[0]; ++od)
      for (int64_t oh = 0; oh < g.L[1]; ++oh)
        for (int64_t ow = 0; ow < g.L[2]; ++ow) {
          A acc = B ? A(B[o * bs]) : A(0);
          for (int64_t c = 0; c < g.Cg; ++c) {
            const T* xb = X + n * g.xs[0] + (grp * g.Cg + c) * g.xs[1];
            const T* wb = W + o * g.ws[0] + c * g.ws[1];
            for (int64_t kd = 0; kd < g.K[0]; ++kd) {
              const int64_t id = od * g.st[0] - g.pad[0] + kd * g.dil[0];
              if (id < 0 || id >= g.S[0]) continue;
              for (int64_t kh = 0; kh < g.K[1]; ++kh) {
                const int64_t ih = oh * g.st[1] - g.pad[1] + kh * g.dil[1];
                if (ih < 0 || ih >= g.S[1]) continue;
                for (int64_t kw = 0; kw < g.K[2]; ++kw) {
                  const int64_t iw = ow * g.st[2] - g.pad[2] + kw * g.dil[2];
                  if (iw < 0 || iw >= g.S[2]) continue;
                  acc += A(xb[id * g.xs[2] + ih * g.xs[3] + iw * g.xs[4]]) * A(wb[kd * g.ws[2] + kh * g.ws[3] + kw * g.ws[4]]);
                }
              }
            }
          }
          Y[n * g.ys[0] + o * g.ys[1] + od * g.ys[2] + oh * g.ys[3] + ow * g.ys[4]] = T(acc);
        }
  });
}

/// Output index along one dim that kernel tap k reaches from input index i, or -1.
inline int64_t source_index(int64_t i, int64_t k, int64_t pad, int64_t dil, int64_t st, int64_t L) {
  const int64_t t = i + pad - k * dil;
  if (t < 0 || t % st != 0) return -1;
  const int64_t o = t / st;
  return o < L ? o : -1;
}

template <class T>
void backward_input_loops(const TensorView& gxv, const TensorView& gyv, const TensorView& wv, const TensorView& bv,
                          const Geometry& g) {
  using A = acc_t<T>;
  const T* GY = gyv.ptr<T>();
  const T* W = wv.ptr<T>();
  const T* B = bv.data ? bv.ptr<T>() : nullptr;
  const int64_t bs = bv.data ? bv.strides[0] : 0;
  T* GX = gxv.ptr<T>();
  const int64_t work = g.N * g.C;
  const int64_t macs = work * g.S[0] * g.S[1] * g.S[2] * g.Og * g.K[0] * g.K[1] * g.K[2];
  parallel_for_if(is_big(macs), work, [&](int64_t nc) {
    const int64_t n = nc / g.C, ic = nc % g.C, grp = ic / g.Cg, c = ic % g.Cg;
    for (int64_t id = 0; id < g.S[0]; ++id)
      for (int64_t ih = 0; ih < g.S[1]; ++ih)
        for (int64_t iw = 0; iw < g.S[2]; ++iw) {
          A acc = B ? A(B[ic * bs]) : A(0);
          for (int64_t kd = 0; kd < g.K[0]; ++kd) {
            const int64_t od = source_index(id, kd, g.pad[0], g.dil[0], g.st[0], g.L[0]);
            if (od < 0) continue;
            for (int64_t kh = 0; kh < g.K[1]; ++kh) {
              const int64_t oh = source_index(ih, kh, g.pad[1], g.dil[1], g.st[1], g.L[1]);
              if (oh < 0) continue;
              for (int64_t kw = 0; kw < g.K[2]; ++kw) {
                const int64_t ow = source_index(iw, kw, g.pad[2], g.dil[2], g.st[2], g.L[2]);
                if (ow < 0) continue;
                const T* gyb = GY + n * g.ys[0] + od * g.ys[2] + oh * g.ys[3] + ow * g.ys[4];
                const T* wb = W + c * g.ws[1] + kd * g.ws[2] + kh * g.ws[3] + kw * g.ws[4];
                for (int64_t o = grp * g.Og; o < (grp + 1) * g.Og; ++o) acc += A(gyb[o * g.ys[1]]) * A(wb[o * g.ws[0]]);
              }
            }
          }
          GX[n * g.xs[0] + ic * g.xs[1] + id * g.xs[2] + ih * g.xs[3] + iw * g.xs[4]] = T(acc);
        }
  });
}

template <class T>
void backward_weight_loops(const TensorView& gwv, const TensorView& gyv, const TensorView& xv, const Geometry& g) {
  using A = acc_t<T>;
  const T* GY = gyv.ptr<T>();
  const T* X = xv.ptr<T>();
  T* GW = gwv.ptr<T>();
  const int64_t work = g.O * g.Cg;
  const int64_t macs = work * g.K[0] * g.K[1] * g.K[2] * g.N * g.L[0] * g.L[1] * g.L[2];
  parallel_for_if(is_big(macs), work, [&](int64_t oc) {
    const int64_t o = oc / g.Cg, c = oc % g.Cg, ic = (o / g.Og) * g.Cg + c;
    for (int64_t kd = 0; kd < g.K[0]; ++kd)
      for (int64_t kh = 0; kh < g.K[1]; ++kh)
        for (int64_t kw = 0; kw < g.K[2]; ++kw) {
          A acc = 0;
          for (int64_t n = 0; n < g.N; ++n) {
            const T* gyb = GY + n * g.ys[0] + o * g.ys[1];
            const T* xb = X + n * g.xs[0] + ic * g.xs[1];
            for (int64_t od = 0; od < g.L[0]; ++od) {
              const int64_t id = od * g.st[0] - g.pad[0] + kd * g.dil[0];
              if (id < 0 || id >= g.S[0]) continue;
              for (int64_t oh = 0; oh < g.L[1]; ++oh) {
                const int64_t ih = oh * g.st[1] - g.pad[1] + kh * g.dil[1];
                if (ih < 0 || ih >= g.S[1]) continue;
                for (int64_t ow = 0; ow < g.L[2]; ++ow) {
                  const int64_t iw = ow * g.st[2] - g.pad[2] + kw * g.dil[2];
                  if (iw < 0 || iw >= g.S[2]) continue;
                  acc += A(gyb[od * g.ys[2] + oh * g.ys[3] + ow * g.ys[4]]) * A(xb[id * g.xs[2] + ih * g.xs[3] + iw * g.xs[4]]);
                }
              }
            }
          }
          GW[o * g.ws[0] + c * g.ws[1] + kd * g.ws[2] + kh * g.ws[3] + kw * g.ws[4]] = T(acc);
        }
  });
}

template <class T>
void bias_loops(const TensorView& out, const TensorView& bias) {
  const T* B = bias.ptr<T>();
  T* Y = out.ptr<T>();
  const int64_t N = out.sizes[0], C = out.sizes[1];
  Shape inner(out.sizes.begin() + 2, out.sizes.end());
  const int64_t L = numel_of(inner);
  parallel_for_if(N * C * L > kParallelGrain, N * C, [&](int64_t nc) {
    const int64_t n = nc / C, c = nc % C;
    for (int64_t l = 0; l < L; ++l) {
      int64_t off = n * out.strides[0] + c * out.strides[1], rem = l;
      for (int64_t d = int64_t(inner.size()) - 1; d >= 0; --d) {
        off += (rem % inner[size_t(d)]) * out.strides[size_t(2 + d)];
        rem /= inner[size_t(d)];
      }
      Y[off] = T(acc_t<T>(Y[off]) + acc_t<T>(B[c * bias.strides[0]]));
    }
  });
}

}  // namespace

void forward(const TensorView& y, const TensorView& x, const TensorView& w, const TensorView& bias, const ConvParams& p) {
  const Geometry g = geometry(x, w, y, p);
  TZ_DISPATCH_FLOAT(x.dtype, "conv", [&]<class T>() { forward_loops<T>(y, x, w, bias, g); });
}

void backward_input(const TensorView& gx, const TensorView& gy, const TensorView& w, const TensorView& bias,
                    const ConvParams& p) {
  const Geometry g = geometry(gx, w, gy, p);
  TZ_DISPATCH_FLOAT(gx.dtype, "conv_backward_input", [&]<class T>() { backward_input_loops<T>(gx, gy, w, bias, g); });
}

void backward_weight(const TensorView& gw, const TensorView& gy, const TensorView& x, const ConvParams& p) {
  const Geometry g = geometry(x, gw, gy, p);
  TZ_DISPATCH_FLOAT(gw.dtype, "conv_backward_weight", [&]<class T>() { backward_weight_loops<T>(gw, gy, x, g); });
}

void add_channel_bias(const TensorView& out, const TensorView& bias) {
  TZ_DISPATCH_FLOAT(out.dtype, "conv", [&]<class T>() { bias_loops<T>(out, bias); });
}

}  // namespace tz::cpu::conv_reference
