// "sparse-strided" / "sparse-fixed" (Sparse Transformer patterns): blocked form == dense masked
// reference, per-query hand computation over the set definitions, l >= N == full (causal)
// attention, the LRA always-causal flag, causality, masked keys, gradients.
#include <cmath>

#include "nn/attention/sparse_transformer.h"
#include "tests/zoo/sparse_test_util.h"

namespace tz {
namespace {

using namespace test::sparse;
using test::make_input;

nn::json cfg(const std::string& name, int64_t stride, const std::string& mode = "union", int64_t c = 1) {
  nn::json j = {{"d_model", 12}, {"n_heads", 4}, {"stride", stride}, {"head_mode", mode}};
  if (name == "sparse-fixed") j["summary_columns"] = c;
  return j;
}

// The set definitions of the paper, written independently of the implementation.
bool allowed(bool strided, bool part_a, int64_t i, int64_t j, int64_t l, int64_t c, bool causal) {
  if (causal && j > i) return false;
  if (strided) return part_a ? std::abs(i - j) < l : (i - j) % l == 0;
  return part_a ? i / l == j / l : j % l >= l - c;
}

TEST(ZooSparseTransformer, RegistryDefaults) {
  const auto& f = nn::find_mixer("sparse-fixed");
  EXPECT_EQ(f.defaults["stride"], 128);
  EXPECT_EQ(f.defaults["summary_columns"], 32);
  EXPECT_EQ(f.defaults["head_mode"], "union");
  EXPECT_FALSE(nn::find_mixer("sparse-strided").defaults.contains("summary_columns"));
  EXPECT_TZ_ERROR(make_f64("sparse-fixed", {{"d_model", 4}, {"stride", 4}, {"summary_columns", 5}}), "summary_columns");
  EXPECT_TZ_ERROR(make_f64("sparse-strided", {{"d_model", 4}, {"head_mode", "split"}}), "n_heads >= 2");
  EXPECT_TZ_ERROR(make_f64("sparse-strided", {{"d_model", 4}, {"head_mode", "both"}}), "head_mode");
}

TEST(ZooSparseTransformer, BlockedEqualsDenseReference) {
  for (const char* name : {"sparse-strided", "sparse-fixed"})
    for (const char* mode : {"union", "split"})
      for (int64_t l : {1, 3, 5, 8, 40}) {
        const int64_t c = std::string(name) == "sparse-fixed" ? std::max<int64_t>(1, l / 2) : -1;
        auto m = make_as<nn::SparseTransformerAttention>(name, cfg(name, l, mode, c));
        const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 5);
        expect_fast_equals_dense(*m, x, padding_mask(2, 37, {{1, 30, 7}, {0, 2, 3}}),
                                 std::string(name) + " " + mode + " l=" + std::to_string(l));
      }
}

TEST(ZooSparseTransformer, EachQueryIsSoftmaxOverItsAllowedKeys) {
  const int64_t N = 19, l = 4, c = 2, H = 4, hd = 3;
  for (bool strided : {true, false})
    for (bool split : {false, true})
      for (bool causal : {false, true}) {
        auto m = make_as<nn::SparseTransformerAttention>(strided ? "sparse-strided" : "sparse-fixed",
                                                         cfg(strided ? "sparse-strided" : "sparse-fixed", l,
                                                             split ? "split" : "union", c));
        const Tensor x = make_input({1, N, H * hd}, DType::F64, -1, 1, 13);
        nn::MixerArgs args;
        args.causal = causal;
        const Tensor y = (*m)(x, args);
        const Tensor q = m->split_heads((*m->to_q)(x)).select(0, 0), k = m->split_heads((*m->to_k)(x)).select(0, 0);
        const Tensor v = m->split_heads((*m->to_v)(x)).select(0, 0);
        const auto qv = q.to_vector<double>(), kv = k.to_vector<double>(), vv = v.to_vector<double>();
        std::vector<double> heads(N * H * hd, 0.0);  // [N, H, hd] before to_out
        for (int64_t h = 0; h < H; ++h)
          for (int64_t i = 0; i < N; ++i) {
            std::vector<double> w(N, 0.0);
            double mx = -1e300, z = 0;
            for (int64_t j = 0; j < N; ++j) {
              const bool a = allowed(strided, true, i, j, l, c, causal), b = allowed(strided, false, i, j, l, c, causal);
              const bool ok = split ? (h % 2 == 0 ? a : b) : (a || b);
              if (!ok) continue;
              double s = 0;
              for (int64_t e = 0; e < hd; ++e) s += qv[(h * N + i) * hd + e] * kv[(h * N + j) * hd + e];
              w[j] = s / std::sqrt(double(hd));
              mx = std::max(mx, w[j]);
            }
            std::vector<double> ex(N, 0.0);
            for (int64_t j = 0; j < N; ++j) {
              const bool a = allowed(strided, true, i, j, l, c, causal), b = allowed(strided, false, i, j, l, c, causal);
              if (split ? (h % 2 == 0 ? a : b) : (a || b)) z += ex[j] = std::exp(w[j] - mx);
            }
            if (z == 0) continue;  // no allowed key: zero output (the fully-masked-row convention)
            for (int64_t j = 0; j < N; ++j)
              for (int64_t e = 0; e < hd; ++e) heads[(i * H + h) * hd + e] += ex[j] / z * vv[(h * N + j) * hd + e];
          }
        const Tensor expected = (*m->to_out)(from_vector(heads, Shape{1, N, H * hd}));
        EXPECT_TENSOR_CLOSE(y, expected, 1e-12, 1e-12) << strided << split << causal;
      }
}

TEST(ZooSparseTransformer, StrideCoveringSequenceIsFullAttention) {
  auto m = make_as<nn::SparseTransformerAttention>("sparse-strided", cfg("sparse-strided", 23));
  const Tensor x = make_input({2, 23, 12}, DType::F64, -1, 1, 6);
  EXPECT_TENSOR_CLOSE((*m)(x), softmax_reference(*m, x), 1e-12, 1e-12);
  nn::MixerArgs args;
  args.causal = true;
  EXPECT_TENSOR_CLOSE((*m)(x, args), softmax_reference(*m, x, {}, true), 1e-12, 1e-12);
  // Fixed with one block covering everything is full attention too.
  auto f = make_as<nn::SparseTransformerAttention>("sparse-fixed", cfg("sparse-fixed", 32, "union", 4));
  EXPECT_TENSOR_CLOSE((*f)(x), softmax_reference(*f, x), 1e-12, 1e-12);
}

TEST(ZooSparseTransformer, LraAlwaysCausalFlag) {
  auto m = make_as<nn::SparseTransformerAttention>("sparse-fixed", cfg("sparse-fixed", 4, "union", 2));
  const Tensor x = make_input({2, 13, 12}, DType::F64, -1, 1, 7);
  nn::MixerArgs causal;
  causal.causal = true;
  const Tensor want = (*m)(x, causal);
  EXPECT_FALSE(test::tensors_equal((*m)(x), want));
  m->config.lra_always_causal = true;
  EXPECT_TENSOR_EQ((*m)(x), want);
}

TEST(ZooSparseTransformer, CausalNeverLooksAhead) {
  for (const char* name : {"sparse-strided", "sparse-fixed"}) {
    auto m = make_f64(name, cfg(name, 4, "union", 2));
    const Tensor x = make_input({2, 21, 12}, DType::F64, -1, 1, 11);
    for (int64_t t : {0, 3, 4, 14}) test::zoo::expect_causal_from(*m, x, t + 1);
  }
}

TEST(ZooSparseTransformer, MaskedKeysGetZeroWeight) {
  for (const char* name : {"sparse-strided", "sparse-fixed"})
    for (const char* mode : {"union", "split"}) {
      auto m = make_f64(name, cfg(name, 4, mode, 2));
      const Tensor x = make_input({2, 19, 12}, DType::F64, -1, 1, 12);
      expect_masked_keys_ignored(*m, x, {13, 6});
      expect_masked_keys_ignored(*m, x, {13, 6}, true);
    }
}

TEST(ZooSparseTransformer, Gradcheck) {
  for (const char* name : {"sparse-strided", "sparse-fixed"}) {
    nn::json c = cfg(name, 3, "split", 1);
    c["d_model"] = 4, c["n_heads"] = 2;
    auto m = make_f64(name, c);
    expect_gradcheck(*m, {2, 8, 4}, false);
    expect_gradcheck(*m, {1, 8, 4}, true);
  }
}

}  // namespace
}  // namespace tz
