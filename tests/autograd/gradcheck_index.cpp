// Gradcheck cases for indexing, scatter/gather, sorting and selection (and the overlapping
// views whose backward goes through scatter_add).
#include "tests/support/gradcheck.h"

namespace tz::test {
namespace {

using TL = TensorList;

Tensor idx(std::initializer_list<std::initializer_list<int>> rows) { return tensor(rows); }
Tensor idx1(std::initializer_list<int> v) { return tensor(v); }

// ---- gather / scatter -------------------------------------------------------------------------
TZ_GRADCHECK("gather", [] { return TL{gc_input({3, 5}, -1, 1, 1)}; },
             [](const TL& x) { return gather(x[0], 1, idx({{0, 4, 4}, {3, 1, 0}, {2, 2, 2}})); });
// Non-contiguous input and an index smaller than the input outside dim.
TZ_GRADCHECK("gather/transposed", [] { return TL{gc_input({5, 3}, -1, 1, 2)}; },
             [](const TL& x) { return gather(x[0].t(), 0, idx({{0, 2, 1, 1}, {1, 0, 0, 2}})); });
TZ_GRADCHECK("take_along_dim/broadcast", [] { return TL{gc_input({2, 1, 4}, -1, 1, 3)}; },
             [](const TL& x) { return take_along_dim(x[0], from_vector<int64_t>({3, 0, 1, 1, 2, 0}, Shape{1, 3, 2}), 2); });
TZ_GRADCHECK("scatter", [] { return TL{gc_input({3, 4}, -1, 1, 4), gc_input({2, 4}, -1, 1, 5)}; },
             [](const TL& x) { return scatter(x[0], 0, idx({{0, 1, 2, 0}, {2, 0, 1, 1}}), x[1]); });
// src larger than the index: only its leading block is used, the rest gets zero gradient.
TZ_GRADCHECK("scatter/src_larger", [] { return TL{gc_input({3, 4}, -1, 1, 6), gc_input({3, 5}, -1, 1, 7)}; },
             [](const TL& x) { return scatter(x[0], 1, idx({{3, 0}, {1, 2}}), x[1]); });
TZ_GRADCHECK("scatter/value", [] { return TL{gc_input({3, 4}, -1, 1, 8)}; },
             [](const TL& x) { return scatter(x[0], 1, idx({{1}, {3}, {0}}), Scalar(2.5)) * x[0]; });
TZ_GRADCHECK("scatter_add/duplicates", [] { return TL{gc_input({3, 4}, -1, 1, 9), gc_input({4, 4}, -1, 1, 10)}; },
             [](const TL& x) { return scatter_add(x[0], 0, idx({{0, 1, 2, 0}, {0, 0, 1, 1}, {2, 2, 2, 2}, {0, 1, 0, 1}}), x[1]); });
TZ_GRADCHECK("scatter_add/transposed_src", [] { return TL{gc_input({2, 5}, -1, 1, 11), gc_input({5, 2}, -1, 1, 12)}; },
             [](const TL& x) { return scatter_add(x[0], 1, idx({{4, 4, 0}, {1, 3, 1}}), x[1].t()); });

#define TZ_SCATTER_REDUCE_CASE(name, red, inc, lo, hi)                                                       \
  TZ_GRADCHECK(name, [] { return TL{gc_input({4}, lo, hi, 13), gc_input({6}, lo, hi, 14)}; },           \
               [](const TL& x) { return scatter_reduce(x[0], 0, idx1({0, 1, 0, 1, 2, 0}), x[1], red, inc); })
TZ_SCATTER_REDUCE_CASE("scatter_reduce/sum", "sum", true, -1, 1);
TZ_SCATTER_REDUCE_CASE("scatter_reduce/sum_exclude_self", "sum", false, -1, 1);
TZ_SCATTER_REDUCE_CASE("scatter_reduce/mean", "mean", true, -1, 1);
TZ_SCATTER_REDUCE_CASE("scatter_reduce/mean_exclude_self", "mean", false, -1, 1);
TZ_SCATTER_REDUCE_CASE("scatter_reduce/prod", "prod", true, 0.5, 1.5);
TZ_SCATTER_REDUCE_CASE("scatter_reduce/prod_exclude_self", "prod", false, 0.5, 1.5);
TZ_SCATTER_REDUCE_CASE("scatter_reduce/amax", "amax", true, -1, 1);
TZ_SCATTER_REDUCE_CASE("scatter_reduce/amin_exclude_self", "amin", false, -1, 1);
// 2-d with a non-contiguous src.
TZ_GRADCHECK("scatter_reduce/mean_2d_transposed", [] { return TL{gc_input({3, 3}, -1, 1, 15), gc_input({3, 2}, -1, 1, 16)}; },
             [](const TL& x) { return scatter_reduce(x[0], 1, idx({{0, 0, 2}, {1, 1, 1}}), x[1].t(), "mean"); });

// ---- index_select / index_add / index / index_put ---------------------------------------------
TZ_GRADCHECK("index_select", [] { return TL{gc_input({4, 3}, -1, 1, 17)}; },
             [](const TL& x) { return index_select(x[0], 0, idx1({3, 0, 3, 1})); });
TZ_GRADCHECK("index_select/transposed_dim1", [] { return TL{gc_input({3, 4}, -1, 1, 18)}; },
             [](const TL& x) { return index_select(x[0].t(), 1, idx1({2, 2, 0})); });
TZ_GRADCHECK("index_add/alpha", [] { return TL{gc_input({4, 3}, -1, 1, 19), gc_input({5, 3}, -1, 1, 20)}; },
             [](const TL& x) { return index_add(x[0], 0, idx1({1, 3, 1, 0, 1}), x[1], 1.5); });
TZ_GRADCHECK("index/int_adjacent", [] { return TL{gc_input({2, 3, 4}, -1, 1, 21)}; },
             [](const TL& x) { return index(x[0], {Tensor(), tensor({{2, 0}, {-1, 1}}), idx1({3, 0})}); });
TZ_GRADCHECK("index/non_adjacent_transposed", [] { return TL{gc_input({4, 3, 2}, -1, 1, 22)}; },
             [](const TL& x) { return index(x[0].transpose(0, 2), {idx1({1, 0, 1}), Tensor(), idx1({3, 3, 0})}); });
TZ_GRADCHECK("index/bool_mask", [] { return TL{gc_input({2, 3, 2}, -1, 1, 23)}; },
             [](const TL& x) { return index(x[0], {tensor({true, false, true, false, true, true}).view({2, 3})}); });
TZ_GRADCHECK("index_put", [] { return TL{gc_input({3, 4}, -1, 1, 24), gc_input({3}, -1, 1, 25)}; },
             [](const TL& x) { return index_put(x[0], {idx1({0, 2, 1}), idx1({1, 3, 1})}, x[1]); });
TZ_GRADCHECK("index_put/accumulate_broadcast", [] { return TL{gc_input({3, 4}, -1, 1, 26), gc_input({4}, -1, 1, 27)}; },
             [](const TL& x) { return index_put(x[0], {idx1({0, 2, 0})}, x[1], true); });
TZ_GRADCHECK("index_put_/inplace", [] { return TL{gc_input({3, 4}, -1, 1, 28), gc_input({2}, -1, 1, 29)}; },
             [](const TL& x) {
               Tensor y = x[0] * 2.0;
               index_put_(y, {Tensor(), idx1({3, 0})}, x[1].view({1, 2}).expand({3, 2}).contiguous());
               return y;
             });
TZ_GRADCHECK("masked_select/broadcast", [] { return TL{gc_input({2, 3}, -1, 1, 30)}; },
             [](const TL& x) { return masked_select(x[0], tensor({true, false, true})); });
// padding_idx deliberately withholds the (mathematically nonzero) gradient of its row, so the
// check masks the padded positions out of the output; test_index.cpp checks the zero row.
TZ_GRADCHECK("embedding", [] { return TL{gc_input({5, 3}, -1, 1, 31)}; },
             [](const TL& x) { return embedding(x[0], tensor({{0, 2, 4}, {2, 2, 1}})); });
TZ_GRADCHECK("embedding/padding_idx_masked", [] { return TL{gc_input({5, 3}, -1, 1, 31)}; },
             [](const TL& x) {
               Tensor i = tensor({{0, 2, 4}, {2, 2, 1}});
               return embedding(x[0], i, 2) * ne(i, Scalar(2)).unsqueeze(-1).to(DType::F64);
             });

// ---- sort / topk ------------------------------------------------------------------------------
// Distinct values keep the sort order fixed under the finite-difference perturbation.
TZ_GRADCHECK("sort", [] { return TL{gc_input({3, 5}, -1, 1, 32)}; },
             [](const TL& x) { return sort(x[0], 1).values; });
TZ_GRADCHECK("sort/descending_transposed", [] { return TL{gc_input({4, 3}, -1, 1, 33)}; },
             [](const TL& x) { return sort(x[0].t(), 0, true).values; });
TZ_GRADCHECK("topk", [] { return TL{gc_input({3, 6}, -1, 1, 34)}; },
             [](const TL& x) { return topk(x[0], 2, 1).values; });
TZ_GRADCHECK("topk/smallest_dim0", [] { return TL{gc_input({5, 2}, -1, 1, 35)}; },
             [](const TL& x) { return topk(x[0], 3, 0, false).values; });

// ---- overlapping views (their backward scatter-adds into the base) ----------------------------
TZ_GRADCHECK("unfold/overlapping", [] { return TL{gc_input({2, 7}, -1, 1, 36)}; },
             [](const TL& x) { return x[0].unfold(1, 3, 2); });
TZ_GRADCHECK("as_strided/overlapping", [] { return TL{gc_input({3, 4}, -1, 1, 37)}; },
             [](const TL& x) { return x[0].as_strided({3, 3}, {2, 1}, 1); });

}  // namespace
}  // namespace tz::test
