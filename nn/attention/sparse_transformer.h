#pragma once
/// The strided and fixed factorized attention patterns of "Generating Long Sequences with Sparse
/// Transformers" (Child et al., 2019), as evaluated in "Long Range Arena: A Benchmark for
/// Efficient Transformers".
///
/// Patterns (query i, key j, before causal masking; l = stride / block, c = summary columns):
///   "sparse-strided"  A: |i - j| < l            (the previous l tokens when causal)
///                     B: (i - j) mod l == 0      (every l-th token)
///   "sparse-fixed"    A: floor(i / l) == floor(j / l)   (own block)
///                     B: j mod l in [l - c, l)          (the last c "summary" columns of every block)
/// head_mode "union" (LRA, all heads use A OR B) or "split" (even heads A, odd heads B: the
/// paper's factorized heads; needs n_heads >= 2). Causal = the pattern AND j <= i.
///
/// Efficient form: blocks of l queries. Part A is a band over the own and neighbouring blocks;
/// strided part B regroups tokens by residue i mod l (N/l keys per query); fixed part B gathers
/// the N c / l summary columns once and shares them across queries. One softmax spans both parts
/// (duplicated keys are masked out of part B). Memory O(N (l + N / l)) strided, O(N (l + N c / l))
/// fixed; dense [N, N] masks only in the reference path.
///
/// Config (LRA sparse_attention.py defaults: the union of Fixed1(block 128) and Fixed2(block 128,
/// c 32) in every head):
///   stride             128     l (the block length of "fixed", the stride of "strided")
///   summary_columns    32      c ("sparse-fixed" only; 1 <= c <= l)
///   head_mode          "union" "union" or "split"
///   lra_always_causal  false   the LRA code ANDs every pattern with the lower triangle, so its
///                              Sparse Transformer is causal even on encoder tasks; true
///                              reproduces that, false (canonical) masks only when asked.
/// Projections: to_q, to_k, to_v, to_out.
#include "nn/attention/sparse_common.h"

namespace tz::nn {

enum class SparsePattern { Strided, Fixed };

/// The variants' own config keys, declared once: field name = JSON key, initializer = registry
/// default (the entries and the constructor go through these structs; the common keys live in
/// ProjectedMixer). SparseTransformerConfig holds the keys of both patterns ("sparse-strided"
/// has only these); SparseFixedConfig adds "sparse-fixed"'s summary_columns.
struct SparseTransformerConfig {
  int64_t stride = 128;
  std::string head_mode = "union";
  bool lra_always_causal = false;
};
struct SparseFixedConfig : SparseTransformerConfig {
  int64_t summary_columns = 32;
};

class SparseTransformerAttention : public ProjectedMixer {
 public:
  SparseTransformerAttention(SparsePattern pattern_kind, const json& config, const TensorOptions& opts = {});
  Tensor forward(const Tensor& x, const MixerArgs& args) override;
  /// bool [H, N, N] (split) or [N, N] (union): the pattern before causal masking.
  Tensor pattern(int64_t n, Device device) const;

  SparsePattern pattern_kind;
  /// Both patterns read the wider struct; "sparse-strided" has no summary_columns key and never
  /// reads that field.
  SparseFixedConfig config;

 private:
  bool split_heads_mode() const { return config.head_mode == "split"; }
  /// bool [1, H, 1, 1, 1]: heads that use part A (all in union mode) / part B.
  Tensor heads_using(bool part_a, Device device) const;
};

MixerEntry sparse_strided_mixer_entry();
MixerEntry sparse_fixed_mixer_entry();

}  // namespace tz::nn
