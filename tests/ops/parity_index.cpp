// Parity cases for gather/scatter, indexing, sorting and selection.
#include "tests/support/parity.h"

namespace tz::test {
namespace {

using TL = TensorList;
const std::vector<DType> kFloats{DType::F32, DType::F64, DType::F16, DType::BF16};
const std::vector<DType> kAll{DType::F32, DType::F64, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I8, DType::U8};

// Index tensors live on the device of the case's inputs (`like`): the table runs each case on
// every backend, and ops reject operands on different devices.
Tensor li(const Tensor& like, std::initializer_list<int> v) { return tensor(v).to(like.device()); }
Tensor li2(const Tensor& like, std::initializer_list<std::initializer_list<int>> v) { return tensor(v).to(like.device()); }

TZ_PARITY("gather/transposed", kAll, [](DType dt) { return TL{make_input({5, 3}, dt, -5, 5, 1)}; },
          [](const TL& x) {
            Tensor i = li2(x[0], {{0, 4, 1, 1}, {2, 2, 0, 3}});
            return TL{gather(x[0].t(), 1, i), gather(x[0], 0, li2(x[0], {{4, 0}, {1, 1}})), take_along_dim(x[0], li(x[0], {14, 0}))};
          });
TZ_PARITY("scatter/dup_and_size0", kAll,
          [](DType dt) { return TL{make_input({3, 4}, dt, -5, 5, 2), make_input({2, 4}, dt, -5, 5, 3)}; },
          [](const TL& x) {
            Tensor i = li2(x[0], {{0, 1, 2, 0}, {0, 0, 1, 2}});
            return TL{scatter(x[0], 0, i, x[1]), scatter_add(x[0], 0, i, x[1]), scatter(x[0], 1, zeros({2, 0}, TensorOptions(DType::I64, x[0].device())), x[1]),
                      scatter(x[0].t(), 1, li2(x[0], {{2}, {0}, {1}, {1}}), Scalar(1))};
          });
TZ_PARITY("scatter_reduce/all", kAll,
          [](DType dt) { return TL{make_input({2, 4}, dt, 1, 3, 4), make_input({2, 5}, dt, 1, 3, 5)}; },
          [](const TL& x) {
            Tensor i = li2(x[0], {{0, 1, 0, 3, 0}, {2, 2, 2, 1, 0}});
            TL out;
            for (const char* r : {"sum", "prod", "mean", "amax", "amin"})
              for (bool inc : {true, false}) out.push_back(scatter_reduce(x[0], 1, i, x[1], r, inc));
            return out;
          }, 4.0);
TZ_PARITY("index_select_add/size1", kAll,
          [](DType dt) { return TL{make_input({4, 1, 3}, dt, -5, 5, 6), make_input({2, 1, 3}, dt, -5, 5, 7)}; },
          [](const TL& x) {
            Tensor i = li(x[0], {3, 0});
            return TL{index_select(x[0], 0, i), index_select(x[0].transpose(0, 2), 2, li(x[0], {1, 1, 2})), index_add(x[0], 0, i, x[1])};
          });
TZ_PARITY("index/advanced", kAll, [](DType dt) { return TL{make_input({3, 4, 5}, dt, -5, 5, 8)}; },
          [](const TL& x) {
            Tensor m = tensor({true, false, true, true}).to(x[0].device());
            return TL{index(x[0], {li(x[0], {2, -1}), Tensor(), li(x[0], {0, 4})}), index(x[0], {Tensor(), m}),
                      index(x[0].transpose(0, 1), {li2(x[0], {{1}, {0}}), li(x[0], {2, 0})}), masked_select(x[0], x[0] > 0.0)};
          });
TZ_PARITY("index_put/accumulate", kAll,
          [](DType dt) { return TL{make_input({3, 4}, dt, -5, 5, 9), make_input({3}, dt, -5, 5, 10)}; },
          [](const TL& x) {
            TL ij{li(x[0], {0, 2, 1}), li(x[0], {3, 3, 0})};
            return TL{index_put(x[0], ij, x[1]), index_put(x[0], ij, x[1], true), index_put(x[0].t(), {li(x[0], {1, 1})}, x[1])};
          });
TZ_PARITY("embedding_onehot_nonzero", kFloats, [](DType dt) { return TL{make_input({6, 3}, dt, -1, 1, 11)}; },
          [](const TL& x) {
            Tensor i = li2(x[0], {{5, 0}, {2, 2}});
            return TL{embedding(x[0], i), one_hot(li(x[0], {3, 1}), 5), nonzero(x[0] > 0.0), nonzero(x[0].t())};
          });
TZ_PARITY("sort_topk/size0_size1", kAll,
          [](DType dt) { return TL{make_input({3, 7}, dt, -3, 3, 12), make_input({0, 4}, dt, -3, 3, 13)}; },
          [](const TL& x) {
            auto s = sort(x[0], 1), d = sort(x[0].t(), 1, true), z = sort(x[1], 0);
            auto t = topk(x[0], 3, 1), b = topk(x[0], 1, 0, false);
            return TL{s.values, s.indices, d.values, d.indices, z.values, t.values, t.indices, b.values, b.indices,
                      argsort(x[0].narrow(1, 0, 1))};
          });
TZ_PARITY("unique_bincount", {DType::I64, DType::I32, DType::F32},
          [](DType dt) { return TL{floor(make_input({4, 6}, DType::F32, 0, 4, 14)).to(dt)}; },
          [](const TL& x) {
            auto u = unique(x[0], true, true), r = unique(x[0], true, true, 0), c = unique(x[0], true, true, 1);
            return TL{u.values, u.inverse, u.counts, r.values, r.inverse, r.counts, c.values, c.inverse, c.counts,
                      bincount(li(x[0], {0, 3, 3, 1}), {}, 6)};
          });

}  // namespace
}  // namespace tz::test
