// The CUDA fused-attention kernels (forward and backward, tensor-core and SIMT paths) run on the
// CPU kernel emulator (backends/cuda/emu) and are compared with a double-precision reference
// written here: values, logsumexp and the three gradients, for causal, L != S, ragged tiles, key
// padding (incl. rows that see no key), additive bias, GQA/MQA, strided inputs and the head dims
// each path takes. This is how CI checks the kernels' fragment layouts, masks and barriers
// without a GPU; the same cases run on hardware in tests/cuda/test_cuda_attention.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cuda/emu/cuda_emulator.h"
#include "backends/cuda/cuda_attention.cuh"
#include "tests/cuda_emu/emulated_compare.h"

namespace {

namespace attn = tz::cuda_backend_emulated::attention;
using tz::DType;

struct Case {
  int B, Hq, Hk, L, S, D;
  bool causal = false;
  bool key_padding = false;  // batch 0 pads its last keys, batch 1 (if any) pads every key
  bool bias = false;
  bool strided = false;      // q/k/v/dO stored as [B, N, H, D]
};

std::string describe(const Case& c, DType dt) {
  return std::string(tz::dtype_name(dt)) + " B" + std::to_string(c.B) + " Hq" + std::to_string(c.Hq) + " Hk" +
         std::to_string(c.Hk) + " L" + std::to_string(c.L) + " S" + std::to_string(c.S) + " D" + std::to_string(c.D) +
         (c.causal ? " causal" : "") + (c.key_padding ? " kpm" : "") + (c.bias ? " bias" : "") +
         (c.strided ? " strided" : "");
}

/// A host buffer standing in for device memory (64-byte aligned, like the caching allocator).
struct Buffer {
  std::unique_ptr<unsigned char, decltype(&std::free)> mem{nullptr, &std::free};
  DType dtype = DType::F32;
  Buffer() = default;
  Buffer(DType dt, size_t n) : mem(static_cast<unsigned char*>(std::aligned_alloc(64, (n * 8 + 63) / 64 * 64)), &std::free), dtype(dt) {
    std::memset(mem.get(), 0, (n * 8 + 63) / 64 * 64);
  }
  void* data() const { return mem.get(); }
  void set(size_t i, double v) {
    switch (dtype) {
      case DType::F64: reinterpret_cast<double*>(data())[i] = v; break;
      case DType::F32: reinterpret_cast<float*>(data())[i] = float(v); break;
      case DType::F16: reinterpret_cast<__half*>(data())[i] = __float2half_rn(float(v)); break;
      case DType::BF16: reinterpret_cast<__nv_bfloat16*>(data())[i] = __float2bfloat16_rn(float(v)); break;
      default: std::abort();
    }
  }
  double get(size_t i) const {
    switch (dtype) {
      case DType::F64: return reinterpret_cast<const double*>(data())[i];
      case DType::F32: return reinterpret_cast<const float*>(data())[i];
      case DType::F16: return __half2float(reinterpret_cast<const __half*>(data())[i]);
      case DType::BF16: return __bfloat162float(reinterpret_cast<const __nv_bfloat16*>(data())[i]);
      default: std::abort();
    }
  }
};

/// A [B, H, N, D] operand: values (rounded to the dtype) in logical order and the device buffer.
struct Operand {
  int B, H, N, D;
  bool strided;
  std::vector<double> values;  // logical [B, H, N, D]
  Buffer buf;
  int64_t sb() const { return int64_t(N) * H * D; }
  int64_t sh() const { return strided ? D : int64_t(N) * D; }
  int64_t sl() const { return strided ? int64_t(H) * D : D; }
  size_t logical(int b, int h, int n, int d) const { return ((size_t(b) * H + h) * N + n) * D + d; }
  size_t physical(int b, int h, int n, int d) const { return size_t(b * sb() + h * sh() + n * sl() + d); }
  double at(int b, int h, int n, int d) const { return values[logical(b, h, n, d)]; }

  Operand(DType dt, int B_, int H_, int N_, int D_, bool strided_, std::mt19937& rng)
      : B(B_), H(H_), N(N_), D(D_), strided(strided_), values(size_t(B_) * H_ * N_ * D_), buf(dt, values.size()) {
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (int b = 0; b < B; ++b)
      for (int h = 0; h < H; ++h)
        for (int n = 0; n < N; ++n)
          for (int d = 0; d < D; ++d) {
            buf.set(physical(b, h, n, d), u(rng));
            values[logical(b, h, n, d)] = buf.get(physical(b, h, n, d));
          }
  }
};

struct Reference {
  std::vector<double> out, lse, dq, dk, dv;  // contiguous [B, H, N, D] / [B, Hq, L]
};

/// Softmax attention and its gradients in double, straight from the definitions.
Reference reference(const Case& c, const Operand& q, const Operand& k, const Operand& v, const Operand& dout,
                    const std::vector<unsigned char>& kpm, const std::vector<float>& bias, double scale) {
  Reference r;
  const int group = c.Hq / c.Hk;
  r.out.assign(size_t(c.B) * c.Hq * c.L * c.D, 0.0);
  r.lse.assign(size_t(c.B) * c.Hq * c.L, -INFINITY);
  r.dq.assign(r.out.size(), 0.0);
  r.dk.assign(size_t(c.B) * c.Hk * c.S * c.D, 0.0);
  r.dv.assign(r.dk.size(), 0.0);
  std::vector<double> p(size_t(c.S)), dp(size_t(c.S));
  for (int b = 0; b < c.B; ++b)
    for (int h = 0; h < c.Hq; ++h) {
      const int hk = h / group;
      for (int i = 0; i < c.L; ++i) {
        double mx = -INFINITY;
        for (int j = 0; j < c.S; ++j) {
          double s = -INFINITY;
          if (!(c.causal && j > i) && !kpm[size_t(b) * c.S + j]) {
            s = 0;
            for (int d = 0; d < c.D; ++d) s += q.at(b, h, i, d) * k.at(b, hk, j, d);
            s = s * scale + (c.bias ? double(bias[((size_t(b) * c.Hq + h) * c.L + i) * c.S + j]) : 0.0);
          }
          p[j] = s;
          mx = std::max(mx, s);
        }
        if (mx == -INFINITY) continue;  // no visible key: output, lse and gradients stay 0 / -inf
        double sum = 0;
        for (int j = 0; j < c.S; ++j) sum += (p[j] = std::exp(p[j] - mx));
        const size_t row = (size_t(b) * c.Hq + h) * c.L + i;
        r.lse[row] = mx + std::log(sum);
        for (int j = 0; j < c.S; ++j) p[j] /= sum;
        for (int d = 0; d < c.D; ++d) {
          double o = 0;
          for (int j = 0; j < c.S; ++j) o += p[j] * v.at(b, hk, j, d);
          r.out[row * c.D + d] = o;
        }
        double delta = 0;
        for (int d = 0; d < c.D; ++d) delta += dout.at(b, h, i, d) * r.out[row * c.D + d];
        for (int j = 0; j < c.S; ++j) {
          double g = 0;
          for (int d = 0; d < c.D; ++d) g += dout.at(b, h, i, d) * v.at(b, hk, j, d);
          dp[j] = p[j] * (g - delta);  // dS
        }
        for (int j = 0; j < c.S; ++j) {
          const size_t krow = (size_t(b) * c.Hk + hk) * c.S + j;
          for (int d = 0; d < c.D; ++d) {
            r.dq[row * c.D + d] += dp[j] * k.at(b, hk, j, d) * scale;
            r.dk[krow * c.D + d] += dp[j] * q.at(b, h, i, d) * scale;
            r.dv[krow * c.D + d] += p[j] * dout.at(b, h, i, d);
          }
        }
      }
    }
  return r;
}

/// The shared scale-free error (emulated_compare.h) of a device buffer's first want.size() values.
double relative_error(const Buffer& got, const std::vector<double>& want) {
  std::vector<double> g(want.size());
  for (size_t i = 0; i < g.size(); ++i) g[i] = got.get(i);
  return tz::cuda_emu_tests::relative_error(g, want);
}

double tolerance(DType dt) {
  switch (dt) {
    case DType::F16: return 4e-3;
    case DType::BF16: return 3e-2;
    case DType::F32: return 1e-4;
    default: return 1e-10;
  }
}

void check_case(const Case& c, DType dt) {
  SCOPED_TRACE(describe(c, dt));
  std::mt19937 rng(1234u + unsigned(c.L * 31 + c.S * 7 + c.D));
  Operand q(dt, c.B, c.Hq, c.L, c.D, c.strided, rng), k(dt, c.B, c.Hk, c.S, c.D, c.strided, rng),
      v(dt, c.B, c.Hk, c.S, c.D, c.strided, rng), dout(dt, c.B, c.Hq, c.L, c.D, c.strided, rng);
  std::vector<unsigned char> kpm(size_t(c.B) * c.S, 0);
  if (c.key_padding) {
    for (int j = c.S - c.S / 3; j < c.S; ++j) kpm[size_t(j)] = 1;
    for (int b = 1; b < c.B; ++b)
      for (int j = 0; j < c.S; ++j) kpm[size_t(b) * c.S + j] = 1;
  }
  std::vector<float> bias;
  if (c.bias) {
    std::normal_distribution<float> n(0.f, 1.f);
    bias.resize(size_t(c.B) * c.Hq * c.L * c.S);
    for (float& x : bias) x = n(rng);
    bias[1] = -INFINITY;  // a masked entry written as bias
  }
  const double scale = 1.0 / std::sqrt(double(c.D));
  const Reference want = reference(c, q, k, v, dout, kpm, bias, scale);

  attn::Args a;
  a.q = q.buf.data(), a.k = k.buf.data(), a.v = v.buf.data();
  a.q_sb = q.sb(), a.q_sh = q.sh(), a.q_sl = q.sl();
  a.k_sb = k.sb(), a.k_sh = k.sh(), a.k_sl = k.sl();
  a.v_sb = v.sb(), a.v_sh = v.sh(), a.v_sl = v.sl();
  static_assert(sizeof(bool) == 1);
  if (c.key_padding) a.kpm = reinterpret_cast<const bool*>(kpm.data()), a.kpm_sb = c.S, a.kpm_ss = 1;
  if (c.bias) {
    a.bias = bias.data();
    a.bias_sb = int64_t(c.Hq) * c.L * c.S, a.bias_sh = int64_t(c.L) * c.S, a.bias_sl = c.S, a.bias_ss = 1;
  }
  a.B = c.B, a.Hq = c.Hq, a.Hk = c.Hk, a.L = c.L, a.S = c.S, a.D = c.D, a.group = c.Hq / c.Hk;
  a.scale = scale;
  a.causal = c.causal;

  const size_t q_rows = size_t(c.B) * c.Hq * c.L, k_rows = size_t(c.B) * c.Hk * c.S;
  Buffer out(dt, q_rows * c.D), lse(DType::F32, q_rows);
  a.o = out.data();
  a.lse = static_cast<float*>(lse.data());
  attn::launch_forward(dt, a, nullptr);
  const double tol = tolerance(dt);
  EXPECT_LE(relative_error(out, want.out), tol) << "output";
  for (size_t i = 0; i < q_rows; ++i) {
    if (std::isinf(want.lse[i])) EXPECT_TRUE(std::isinf(lse.get(i)) && lse.get(i) < 0) << "lse row " << i;
    else EXPECT_NEAR(lse.get(i), want.lse[i], dt == DType::F64 ? 1e-6 : 2e-3 * std::max(1.0, std::abs(want.lse[i])))
        << "lse row " << i;  // the forward keeps lse in f32
  }

  const bool tensor_cores = attn::tensor_core_eligible(dt, a);
  const DType acc = dt == DType::F64 ? DType::F64 : DType::F32;
  Buffer dq(dt, q_rows * c.D), dk(dt, k_rows * c.D), dv(dt, k_rows * c.D);
  Buffer row_lse(acc, tensor_cores ? 1 : q_rows), row_delta(acc, q_rows), dq_accum(DType::F32, tensor_cores ? q_rows * c.D : 1);
  a.dout = dout.buf.data();
  a.do_sb = dout.sb(), a.do_sh = dout.sh(), a.do_sl = dout.sl();
  a.out = out.data();
  a.dq = dq.data(), a.dk = dk.data(), a.dv = dv.data();
  a.row_lse = row_lse.data();
  a.row_delta = row_delta.data();
  a.dq_accum = static_cast<float*>(dq_accum.data());
  attn::launch_backward(dt, a, nullptr);
  EXPECT_LE(relative_error(dq, want.dq), tol) << "dq";
  EXPECT_LE(relative_error(dk, want.dk), tol) << "dk";
  EXPECT_LE(relative_error(dv, want.dv), tol) << "dv";
}

// The tensor-core kernels (f16 / bf16, D 64 and 128) at tile-sized shapes.
class EmulatedTensorCoreAttention : public ::testing::TestWithParam<DType> {};

TEST_P(EmulatedTensorCoreAttention, PlainAndCausalHeadDims64And128) {
  for (int D : {64, 128})
    for (bool causal : {false, true}) check_case({1, 2, 2, 128, 128, D, causal}, GetParam());
}

TEST_P(EmulatedTensorCoreAttention, RaggedTilesAndLNotEqualS) {
  check_case({1, 1, 1, 77, 45, 64, true}, GetParam());
  check_case({1, 1, 1, 33, 150, 128, false}, GetParam());
  check_case({2, 1, 1, 1, 5, 64, true}, GetParam());
}

// Several key blocks and query tiles per block, so the causal start, the tile pipelines and the
// dQ accumulation across blocks all run more than once.
TEST_P(EmulatedTensorCoreAttention, ManyTilesCausal) {
  check_case({1, 1, 1, 260, 300, 64, true}, GetParam());
  check_case({1, 1, 1, 40, 300, 128, true}, GetParam());  // key blocks past every query: no query step
}

TEST_P(EmulatedTensorCoreAttention, KeyPaddingBiasAndGroupedHeads) {
  Case c{2, 4, 2, 70, 70, 64, true};
  c.key_padding = true;
  c.bias = true;
  check_case(c, GetParam());
}

TEST_P(EmulatedTensorCoreAttention, StridedMultiQuery) {
  Case c{1, 3, 1, 40, 72, 128, false};
  c.strided = true;
  check_case(c, GetParam());
}

// The forward's other query-tile size for each head dim (the defaults: 128 rows at D = 64, 64 at
// D = 128), which the tuning knob selects.
TEST_P(EmulatedTensorCoreAttention, OtherQueryTileSizes) {
  attn::set_forward_query_rows(64);
  Case c{2, 4, 2, 70, 90, 64, false};
  c.key_padding = true;
  c.bias = true;
  check_case(c, GetParam());
  attn::set_forward_query_rows(128);
  check_case({1, 2, 2, 150, 128, 128, true}, GetParam());
  attn::set_forward_query_rows(0);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedTensorCoreAttention, ::testing::Values(DType::F16, DType::BF16),
                         [](const auto& info) { return std::string(tz::dtype_name(info.param)); });

// The SIMT kernels (every dtype; f32 / f64 and head dims other than 64 / 128 take them), at small
// shapes: a warp per row makes every score a chain of emulated shuffles.
class EmulatedSimtAttention : public ::testing::TestWithParam<DType> {};

TEST_P(EmulatedSimtAttention, CausalRaggedAndOtherHeadDims) {
  const bool tc = GetParam() == DType::F16 || GetParam() == DType::BF16;
  check_case({1, 1, 1, 9, 13, tc ? 40 : 64, true}, GetParam());
  check_case({1, 1, 1, 6, 5, tc ? 200 : 128, false}, GetParam());
  check_case({2, 1, 1, 1, 5, 40, true}, GetParam());
}

TEST_P(EmulatedSimtAttention, KeyPaddingBiasGroupedHeadsAndStrides) {
  Case c{2, 4, 2, 7, 9, 40, true};
  c.key_padding = true;
  c.bias = true;
  check_case(c, GetParam());
  Case s{1, 3, 1, 5, 8, 33, false};
  s.strided = true;
  check_case(s, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EmulatedSimtAttention,
                         ::testing::Values(DType::F16, DType::BF16, DType::F32, DType::F64),
                         [](const auto& info) { return std::string(tz::dtype_name(info.param)); });

// Other thread orders must give the same results: a barrier missing between a shared-memory
// write and another thread's read (or a read and another warp's later write) shows up under one
// of them.
TEST(EmulatedAttentionSchedule, OtherThreadOrdersGiveTheSameResults) {
  for (auto schedule : {tz::cuda_emu::Schedule::reverse, tz::cuda_emu::Schedule::warp_greedy}) {
    SCOPED_TRACE(schedule == tz::cuda_emu::Schedule::reverse ? "reverse" : "warp_greedy");
    tz::cuda_emu::set_schedule(schedule);
    Case c{1, 2, 1, 70, 90, 64, true};
    c.key_padding = true;
    check_case(c, DType::F16);
    check_case({1, 1, 1, 64, 200, 128, false}, DType::BF16);
    check_case({1, 1, 1, 9, 13, 40, true}, DType::F32);
  }
  tz::cuda_emu::set_schedule(tz::cuda_emu::Schedule::forward);
}

}  // namespace
