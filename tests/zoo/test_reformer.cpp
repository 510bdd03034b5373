// "reformer-lsh": one bucket + one chunk == full shared-QK attention with the self rule, chunked ==
// dense bucket-restricted reference, chunk look-back by hand, hash scale invariance, permutation
// equivariance, round combination == softmax over the union, the rotation redraw rule,
// causality, masked keys, gradients.
#include <algorithm>
#include <cmath>
#include <set>

#include "nn/attention/reformer.h"
#include "tests/zoo/sparse_test_util.h"

namespace tz {
namespace {

using namespace test::sparse;
using test::make_input;

nn::json cfg(int64_t chunk, int64_t buckets, int64_t hashes, int64_t before = 1) {
  return {{"d_model", 12}, {"n_heads", 3}, {"chunk_len", chunk}, {"n_buckets", buckets}, {"n_hashes", hashes},
          {"n_chunks_before", before}, {"seed", 3}};
}

/// Shared-QK softmax attention computed directly: keys = normalised queries, own score -1e5,
/// allowed (bool [N, N] or undefined = all) and causal masks as -inf.
Tensor shared_qk_reference(nn::ReformerAttention& m, const Tensor& x, bool causal, const Tensor& allowed = {}) {
  const int64_t B = x.size(0), N = x.size(1), H = m.n_heads, hd = m.head_dim;
  const Tensor q = (*m.to_qk)(x).reshape({B, N, H, hd}).transpose(1, 2);
  const Tensor v = (*m.to_v)(x).reshape({B, N, H, hd}).transpose(1, 2);
  const Tensor k = q / sqrt(sum(square(q), {-1}, true));
  Tensor s = matmul(q, k.transpose(-1, -2)) / std::sqrt(double(hd));
  s = masked_fill(s, eye(N, {}, TensorOptions(DType::Bool)), -1e5);
  Tensor keep = ones({N, N}, DType::Bool);
  if (causal) keep = logical_and(keep, tril(keep));
  if (allowed.defined()) keep = logical_and(keep, allowed);
  s = masked_fill(s, logical_not(keep), -INFINITY);
  const Tensor o = matmul(softmax(s, -1), v);
  return (*m.to_out)(o.transpose(1, 2).reshape({B, N, H * hd}));
}

TEST(ZooReformer, RegistryDefaultsAndErrors) {
  const auto& e = nn::find_mixer("reformer-lsh");
  EXPECT_EQ(e.defaults["chunk_len"], 10);
  EXPECT_EQ(e.defaults["n_buckets"], 10);
  EXPECT_EQ(e.defaults["n_hashes"], 1);
  EXPECT_EQ(e.defaults["n_chunks_before"], 1);
  auto m = make_as<nn::ReformerAttention>("reformer-lsh", {{"d_model", 8}});
  EXPECT_TRUE(m->to_qk);
  EXPECT_EQ(m->named_parameters().size(), 6u);  // to_qk, to_v, to_out (weight + bias)
  EXPECT_TZ_ERROR(make_f64("reformer-lsh", {{"d_model", 8}, {"n_buckets", 3}}), "n_buckets must be 1 or even");
}

TEST(ZooReformer, OneBucketOneChunkIsFullSharedQkAttention) {
  const Tensor x = make_input({2, 37, 12}, DType::F64, -1, 1, 5);
  for (int64_t hashes : {1, 3})
    for (int64_t chunk : {37, 50}) {
      auto m = make_as<nn::ReformerAttention>("reformer-lsh", cfg(chunk, 1, hashes));
      EXPECT_TENSOR_CLOSE((*m)(x), shared_qk_reference(*m, x, false), 1e-10, 1e-10);
      nn::MixerArgs args;
      args.causal = true;
      EXPECT_TENSOR_CLOSE((*m)(x, args), shared_qk_reference(*m, x, true), 1e-10, 1e-10);
    }
}

TEST(ZooReformer, QueryAttendsToItselfOnlyWhenNothingElseIsLeft) {
  auto m = make_as<nn::ReformerAttention>("reformer-lsh", cfg(8, 1, 1));
  const Tensor x = make_input({1, 9, 12}, DType::F64, -1, 1, 6);
  nn::MixerArgs args;
  args.causal = true;
  // Causal query 0 has no other key: its output is its own value.
  const Tensor y0 = (*m)(x, args).narrow(1, 0, 1);
  EXPECT_TENSOR_CLOSE(y0, (*m->to_out)((*m->to_v)(x.narrow(1, 0, 1))), 1e-12, 1e-12);
  // Query 1 has key 0: its own weight is exp(-1e5) = 0, so the output is value 0's.
  const Tensor y1 = (*m)(x, args).narrow(1, 1, 1);
  EXPECT_TENSOR_CLOSE(y1, (*m->to_out)((*m->to_v)(x.narrow(1, 0, 1))), 1e-12, 1e-12);
}

TEST(ZooReformer, ChunkLookBackMatchesHandMask) {
  // One bucket: the sorted order is the original order, so query i sees the keys of its chunk
  // and of the previous n_chunks_before chunks.
  const int64_t N = 37, c = 5;
  const Tensor x = make_input({2, N, 12}, DType::F64, -1, 1, 7);
  for (int64_t before : {0, 1, 2}) {
    auto m = make_as<nn::ReformerAttention>("reformer-lsh", cfg(c, 1, 1, before));
    Tensor allowed = zeros({N, N}, DType::Bool);
    for (int64_t i = 0; i < N; ++i)
      for (int64_t j = 0; j < N; ++j)
        if (j / c <= i / c && j / c >= i / c - before) allowed.select(0, i).select(0, j).fill_(true);
    EXPECT_TENSOR_CLOSE((*m)(x), shared_qk_reference(*m, x, false, allowed), 1e-10, 1e-10) << before;
    nn::MixerArgs args;
    args.causal = true;
    EXPECT_TENSOR_CLOSE((*m)(x, args), shared_qk_reference(*m, x, true, allowed), 1e-10, 1e-10) << before;
  }
}

TEST(ZooReformer, SortedChunksWithBucketsMatchHandMask) {
  // One round, several buckets, several chunks: rebuild each query's key set from the hashes.
  // Non-causal (the paper): sort by (bucket, position), cut into chunks of c, attend to the own
  // and previous chunk within the own bucket. Causal: chunks are cut per bucket (rank / c).
  const int64_t N = 23, c = 3, H = 3;
  const Tensor x = make_input({1, N, 12}, DType::F64, -1, 1, 17);
  auto m = make_as<nn::ReformerAttention>("reformer-lsh", cfg(c, 4, 1));
  const Tensor q = (*m->to_qk)(x).reshape({1, N, H, 4}).transpose(1, 2);
  const auto h = m->hash_buckets(q, m->rotations_for(q)).to_vector<int64_t>();  // [1, H, 1, N]
  for (bool causal : {false, true}) {
    Tensor allowed = zeros({H, N, N}, DType::Bool);
    for (int64_t head = 0; head < H; ++head) {
      const int64_t* bk = h.data() + head * N;
      std::vector<int64_t> chunk(N);
      if (!causal) {
        std::vector<int64_t> order(N);
        for (int64_t i = 0; i < N; ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return bk[a] < bk[b]; });
        for (int64_t s = 0; s < N; ++s) chunk[order[s]] = s / c;
      } else {
        std::vector<int64_t> seen(4, 0);
        for (int64_t i = 0; i < N; ++i) chunk[i] = seen[bk[i]]++ / c;
      }
      for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j)
          if (bk[i] == bk[j] && chunk[j] <= chunk[i] && chunk[j] >= chunk[i] - 1 && (!causal || j <= i))
            allowed.select(0, head).select(0, i).select(0, j).fill_(true);
    }
    nn::MixerArgs args;
    args.causal = causal;
    EXPECT_TENSOR_CLOSE((*m)(x, args), shared_qk_reference(*m, x, causal, allowed), 1e-10, 1e-10) << causal;
  }
  EXPECT_GT(std::set<int64_t>(h.begin(), h.end()).size(), 2u);  // several buckets really used
}

TEST(ZooReformer, ChunkedEqualsDenseBucketReferenceWhenOneChunk) {
  const Tensor x = make_input({2, 29, 12}, DType::F64, -1, 1, 8);
  for (int64_t buckets : {2, 4, 8})
    for (int64_t hashes : {1, 2, 3}) {
      auto m = make_as<nn::ReformerAttention>("reformer-lsh", cfg(32, buckets, hashes));
      expect_fast_equals_dense(*m, x, padding_mask(2, 29, {{1, 20, 9}}),
                               "buckets " + std::to_string(buckets) + " hashes " + std::to_string(hashes), 1e-10);
    }
}

TEST(ZooReformer, HashIsScaleInvariantAndUsesAllBuckets) {
  auto m = make_as<nn::ReformerAttention>("reformer-lsh", cfg(4, 8, 2));
  const Tensor q = make_input({2, 3, 50, 4}, DType::F64, -1, 1, 9);
  const Tensor rot = m->rotations_for(q);
  EXPECT_EQ(rot.shape(), Shape({2, 4, 4}));
  const Tensor h = m->hash_buckets(q, rot);
  EXPECT_EQ(h.shape(), Shape({2, 3, 2, 50}));
  EXPECT_TENSOR_EQ(m->hash_buckets(q * 3.7, rot), h);
  EXPECT_TENSOR_EQ(m->hash_buckets(q * 0.01, rot), h);
  EXPECT_GE(amin(h).item<int64_t>(), 0);
  EXPECT_LE(amax(h).item<int64_t>(), 7);
  EXPECT_EQ(count_nonzero(bincount(h.reshape({-1}))).item<int64_t>(), 8);
}

TEST(ZooReformer, PermutationEquivariantWithOneChunk) {
  auto m = make_as<nn::ReformerAttention>("reformer-lsh", cfg(40, 4, 2));
  const Tensor x = make_input({2, 23, 12}, DType::F64, -1, 1, 10);
  const Tensor perm = randperm(23, TensorOptions(DType::I64), nullptr);
  EXPECT_TENSOR_CLOSE((*m)(index_select(x, 1, perm)), index_select((*m)(x), 1, perm), 1e-10, 1e-10);
}

TEST(ZooReformer, DisjointRoundsCombineToSoftmaxOverTheUnion) {
  // Scores over 7 keys split into rounds {0, 1, 2} and {3, 4, 5, 6}.
  const Tensor s = make_input({5, 7}, DType::F64, -2, 2, 11), v = make_input({7, 3}, DType::F64, -1, 1, 12);
  const Tensor full = matmul(softmax(s, -1), v);  // [5, 3]
  nn::LshRounds r;
  TensorList outs, lses;
  for (auto [start, len] : {std::pair<int64_t, int64_t>{0, 3}, {3, 4}}) {
    const Tensor part = s.narrow(1, start, len);
    outs.push_back(matmul(softmax(part, -1), v.narrow(0, start, len)));
    lses.push_back(logsumexp(part, {-1}));
  }
  r.outputs = stack(outs, 0), r.lse = stack(lses, 0), r.has_keys = ones({2, 5}, DType::Bool);
  EXPECT_TENSOR_CLOSE(nn::combine_lsh_rounds(r), full, 1e-12, 1e-12);
  // A round without keys drops out.
  r.has_keys.select(0, 1).fill_(false);
  EXPECT_TENSOR_CLOSE(nn::combine_lsh_rounds(r), outs[0], 1e-12, 1e-12);
}

TEST(ZooReformer, RotationsRedrawnOnlyWhenAsked) {
  const Tensor x = make_input({1, 40, 12}, DType::F64, -1, 1, 13);
  auto fixed = make_f64("reformer-lsh", cfg(4, 8, 1));
  fixed->train();
  EXPECT_TENSOR_EQ((*fixed)(x), (*fixed)(x));
  nn::json c = cfg(4, 8, 1);
  c["redraw_rotations"] = true;
  auto redraw = make_f64("reformer-lsh", c);
  redraw->load_state_dict(fixed->state_dict());
  redraw->train();
  const Tensor a = (*redraw)(x), b = (*redraw)(x);
  EXPECT_FALSE(test::tensors_equal(a, b));
  redraw->eval();
  EXPECT_TENSOR_EQ((*redraw)(x), (*fixed)(x));  // eval: the fixed rotations of the seed
  auto again = make_f64("reformer-lsh", c);
  again->load_state_dict(fixed->state_dict());
  again->train();
  EXPECT_TENSOR_EQ((*again)(x), a);  // same seed, same sequence of draws
  EXPECT_TENSOR_EQ((*again)(x), b);
}

TEST(ZooReformer, CausalNeverLooksAhead) {
  auto m = make_f64("reformer-lsh", cfg(4, 4, 2));
  const Tensor x = make_input({2, 21, 12}, DType::F64, -1, 1, 14);
  for (int64_t t : {0, 3, 4, 12}) test::zoo::expect_causal_from(*m, x, t + 1);
  auto longer = make_f64("reformer-lsh", cfg(2, 8, 3, 2));
  for (int64_t t : {1, 7, 15}) test::zoo::expect_causal_from(*longer, x, t + 1);
}

TEST(ZooReformer, MaskedKeysGetZeroWeight) {
  for (int64_t chunk : {30, 3}) {
    auto m = make_f64("reformer-lsh", cfg(chunk, 4, 2));
    const Tensor x = make_input({2, 19, 12}, DType::F64, -1, 1, 15);
    expect_masked_keys_ignored(*m, x, {13, 7});
    expect_masked_keys_ignored(*m, x, {13, 7}, true);
  }
}

TEST(ZooReformer, CausalNeedsBucketRestriction) {
  nn::json c = cfg(4, 4, 1);
  c["restrict_to_bucket"] = false;
  auto m = make_f64("reformer-lsh", c);
  const Tensor x = make_input({1, 9, 12}, DType::F64);
  EXPECT_EQ((*m)(x).shape(), Shape({1, 9, 12}));
  nn::MixerArgs args;
  args.causal = true;
  EXPECT_TZ_ERROR((*m)(x, args), "causal form needs restrict_to_bucket=true");
}

TEST(ZooReformer, Gradcheck) {
  for (int64_t buckets : {1, 4}) {
    auto m = make_f64("reformer-lsh", {{"d_model", 4}, {"n_heads", 2}, {"chunk_len", 3}, {"n_buckets", buckets},
                                       {"n_hashes", 2}});
    expect_gradcheck(*m, {2, 7, 4}, false);
    expect_gradcheck(*m, {1, 7, 4}, true);
  }
}

}  // namespace
}  // namespace tz
