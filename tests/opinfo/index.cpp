// Op entries of indexing, gather/scatter, sorting and selection.
#include "tests/support/op_info.h"

namespace tz::test {
namespace {

// Index tensors of parity samples live on the device of the sample's inputs (`like`): the table
// runs each sample on every backend, and ops reject operands on different devices.
Tensor li(const Tensor& like, std::initializer_list<int> v) { return tensor(v).to(like.device()); }
Tensor li2(const Tensor& like, std::initializer_list<std::initializer_list<int>> v) { return tensor(v).to(like.device()); }
// Index tensors of gradcheck samples (CPU).
Tensor idx(std::initializer_list<std::initializer_list<int>> rows) { return tensor(rows); }
Tensor idx1(std::initializer_list<int> v) { return tensor(v); }

// ---- gather / scatter -------------------------------------------------------------------------
TZ_OPINFO(gather) {
  op.dtypes = kAll;
  op.sample("transposed", in({5, 3}, -5, 5, 1), [](const TL& x) {
    return TL{gather(x[0].t(), 1, li2(x[0], {{0, 4, 1, 1}, {2, 2, 0, 3}})), gather(x[0], 0, li2(x[0], {{4, 0}, {1, 1}}))};
  });
  op.grad("", gc({3, 5}, -1, 1, 1), [](const TL& x) { return gather(x[0], 1, idx({{0, 4, 4}, {3, 1, 0}, {2, 2, 2}})); });
  // Non-contiguous input and an index smaller than the input outside dim.
  op.grad("transposed", gc({5, 3}, -1, 1, 2), [](const TL& x) { return gather(x[0].t(), 0, idx({{0, 2, 1, 1}, {1, 0, 0, 2}})); });
}
TZ_OPINFO(take_along_dim) {
  op.dtypes = kAll;
  op.sample("flat", in({5, 3}, -5, 5, 1), [](const TL& x) { return TL{take_along_dim(x[0], li(x[0], {14, 0}))}; });
  op.grad("broadcast", gc({2, 1, 4}, -1, 1, 3),
          [](const TL& x) { return take_along_dim(x[0], from_vector<int64_t>({3, 0, 1, 1, 2, 0}, Shape{1, 3, 2}), 2); });
}
TZ_OPINFO(scatter) {
  op.dtypes = kAll;
  op.sample("dup_and_size0", in2({3, 4}, {2, 4}, -5, 5, 2), [](const TL& x) {
    Tensor i = li2(x[0], {{0, 1, 2, 0}, {0, 0, 1, 2}});
    return TL{scatter(x[0], 0, i, x[1]), scatter(x[0], 1, zeros({2, 0}, TensorOptions(DType::I64, x[0].device())), x[1]),
              scatter(x[0].t(), 1, li2(x[0], {{2}, {0}, {1}, {1}}), Scalar(1))};
  });
  op.grad("", gc2({3, 4}, {2, 4}, -1, 1, 4), [](const TL& x) { return scatter(x[0], 0, idx({{0, 1, 2, 0}, {2, 0, 1, 1}}), x[1]); });
  // src larger than the index: only its leading block is used, the rest gets zero gradient.
  op.grad("src_larger", gc2({3, 4}, {3, 5}, -1, 1, 6), [](const TL& x) { return scatter(x[0], 1, idx({{3, 0}, {1, 2}}), x[1]); });
  op.grad("value", gc({3, 4}, -1, 1, 8), [](const TL& x) { return scatter(x[0], 1, idx({{1}, {3}, {0}}), Scalar(2.5)) * x[0]; });
}
TZ_OPINFO(scatter_add) {
  op.dtypes = kAll;
  op.sample("dup", in2({3, 4}, {2, 4}, -5, 5, 2),
            [](const TL& x) { return TL{scatter_add(x[0], 0, li2(x[0], {{0, 1, 2, 0}, {0, 0, 1, 2}}), x[1])}; });
  op.grad("duplicates", gc2({3, 4}, {4, 4}, -1, 1, 9), [](const TL& x) {
    return scatter_add(x[0], 0, idx({{0, 1, 2, 0}, {0, 0, 1, 1}, {2, 2, 2, 2}, {0, 1, 0, 1}}), x[1]);
  });
  op.grad("transposed_src", gc2({2, 5}, {5, 2}, -1, 1, 11),
          [](const TL& x) { return scatter_add(x[0], 1, idx({{4, 4, 0}, {1, 3, 1}}), x[1].t()); });
}
TZ_OPINFO(scatter_reduce) {
  op.dtypes = kAll;
  op.sample("all", [](DType dt) { return TL{make_input({2, 4}, dt, 1, 3, 4), make_input({2, 5}, dt, 1, 3, 5)}; },
            [](const TL& x) {
              Tensor i = li2(x[0], {{0, 1, 0, 3, 0}, {2, 2, 2, 1, 0}});
              TL out;
              for (const char* r : {"sum", "prod", "mean", "amax", "amin"})
                for (bool inc : {true, false}) out.push_back(scatter_reduce(x[0], 1, i, x[1], r, inc));
              return out;
            }, 4.0);
  struct R { const char* name; const char* red; bool inc; double lo, hi; };
  for (const R& r : {R{"sum", "sum", true, -1, 1}, R{"sum_exclude_self", "sum", false, -1, 1}, R{"mean", "mean", true, -1, 1},
                     R{"mean_exclude_self", "mean", false, -1, 1}, R{"prod", "prod", true, 0.5, 1.5},
                     R{"prod_exclude_self", "prod", false, 0.5, 1.5}, R{"amax", "amax", true, -1, 1},
                     R{"amin_exclude_self", "amin", false, -1, 1}}) {
    const std::string red = r.red;
    const bool inc = r.inc;
    op.grad(r.name, gc2({4}, {6}, r.lo, r.hi, 13),
            [red, inc](const TL& x) { return scatter_reduce(x[0], 0, idx1({0, 1, 0, 1, 2, 0}), x[1], red, inc); });
  }
  // 2-d with a non-contiguous src.
  op.grad("mean_2d_transposed", gc2({3, 3}, {3, 2}, -1, 1, 15),
          [](const TL& x) { return scatter_reduce(x[0], 1, idx({{0, 0, 2}, {1, 1, 1}}), x[1].t(), "mean"); });
}

// ---- index_select / index_add / index / index_put ---------------------------------------------
TZ_OPINFO(index_select) {
  op.dtypes = kAll;
  op.sample("size1_transposed", in({4, 1, 3}, -5, 5, 6), [](const TL& x) {
    return TL{index_select(x[0], 0, li(x[0], {3, 0})), index_select(x[0].transpose(0, 2), 2, li(x[0], {1, 1, 2}))};
  });
  op.grad("", gc({4, 3}, -1, 1, 17), [](const TL& x) { return index_select(x[0], 0, idx1({3, 0, 3, 1})); });
  op.grad("transposed_dim1", gc({3, 4}, -1, 1, 18), [](const TL& x) { return index_select(x[0].t(), 1, idx1({2, 2, 0})); });
}
TZ_OPINFO(index_add) {
  op.dtypes = kAll;
  op.sample("size1", in2({4, 1, 3}, {2, 1, 3}, -5, 5, 6), [](const TL& x) { return TL{index_add(x[0], 0, li(x[0], {3, 0}), x[1])}; });
  op.grad("alpha", gc2({4, 3}, {5, 3}, -1, 1, 19), [](const TL& x) { return index_add(x[0], 0, idx1({1, 3, 1, 0, 1}), x[1], 1.5); });
}
TZ_OPINFO(index) {
  op.dtypes = kAll;
  op.sample("advanced", in({3, 4, 5}, -5, 5, 8), [](const TL& x) {
    Tensor m = tensor({true, false, true, true}).to(x[0].device());
    return TL{index(x[0], {li(x[0], {2, -1}), Tensor(), li(x[0], {0, 4})}), index(x[0], {Tensor(), m}),
              index(x[0].transpose(0, 1), {li2(x[0], {{1}, {0}}), li(x[0], {2, 0})})};
  });
  op.grad("int_adjacent", gc({2, 3, 4}, -1, 1, 21),
          [](const TL& x) { return index(x[0], {Tensor(), tensor({{2, 0}, {-1, 1}}), idx1({3, 0})}); });
  op.grad("non_adjacent_transposed", gc({4, 3, 2}, -1, 1, 22),
          [](const TL& x) { return index(x[0].transpose(0, 2), {idx1({1, 0, 1}), Tensor(), idx1({3, 3, 0})}); });
  op.grad("bool_mask", gc({2, 3, 2}, -1, 1, 23),
          [](const TL& x) { return index(x[0], {tensor({true, false, true, false, true, true}).view({2, 3})}); });
}
TZ_OPINFO(masked_select) {
  op.dtypes = kAll;
  op.sample("from_input", in({3, 4, 5}, -5, 5, 8), [](const TL& x) { return TL{masked_select(x[0], x[0] > 0.0)}; });
  op.grad("broadcast", gc({2, 3}, -1, 1, 30), [](const TL& x) { return masked_select(x[0], tensor({true, false, true})); });
}
TZ_OPINFO(index_put) {
  op.dtypes = kAll;
  op.sample("accumulate", in2({3, 4}, {3}, -5, 5, 9), [](const TL& x) {
    TL ij{li(x[0], {0, 2, 1}), li(x[0], {3, 3, 0})};
    return TL{index_put(x[0], ij, x[1]), index_put(x[0], ij, x[1], true), index_put(x[0].t(), {li(x[0], {1, 1})}, x[1])};
  });
  op.grad("", gc2({3, 4}, {3}, -1, 1, 24), [](const TL& x) { return index_put(x[0], {idx1({0, 2, 1}), idx1({1, 3, 1})}, x[1]); });
  op.grad("accumulate_broadcast", gc2({3, 4}, {4}, -1, 1, 26),
          [](const TL& x) { return index_put(x[0], {idx1({0, 2, 0})}, x[1], true); });
  op.grad("inplace", gc2({3, 4}, {2}, -1, 1, 28), [](const TL& x) {
    Tensor y = x[0] * 2.0;
    index_put_(y, {Tensor(), idx1({3, 0})}, x[1].view({1, 2}).expand({3, 2}).contiguous());
    return y;
  });
}
TZ_OPINFO(embedding) {
  op.dtypes = kAll;
  op.sample("", in({6, 3}, -1, 1, 11), [](const TL& x) { return TL{embedding(x[0], li2(x[0], {{5, 0}, {2, 2}}))}; });
  op.grad("", gc({5, 3}, -1, 1, 31), [](const TL& x) { return embedding(x[0], tensor({{0, 2, 4}, {2, 2, 1}})); });
  // padding_idx deliberately withholds the (mathematically nonzero) gradient of its row, so the
  // check masks the padded positions out of the output; test_index.cpp checks the zero row.
  op.grad("padding_idx_masked", gc({5, 3}, -1, 1, 31), [](const TL& x) {
    Tensor i = tensor({{0, 2, 4}, {2, 2, 1}});
    return embedding(x[0], i, 2) * ne(i, Scalar(2)).unsqueeze(-1).to(DType::F64);
  });
}
TZ_OPINFO(one_hot) {
  op.dtypes = kFloats;
  op.dtype_skip = "takes an int64 index, whatever the sample's dtype";
  op.sample("", in({6, 3}, -1, 1, 11), [](const TL& x) { return TL{one_hot(li(x[0], {3, 1}), 5)}; });
}
TZ_OPINFO(nonzero) {
  op.dtypes = kAll;
  op.sample("transposed", in({6, 3}, -1, 1, 11), [](const TL& x) { return TL{nonzero(x[0] > 0.0), nonzero(x[0].t())}; });
}

// ---- sort / topk / unique ---------------------------------------------------------------------
// Distinct values keep the sort order fixed under the finite-difference perturbation.
TensorList sort_inputs(DType dt) { return TL{make_input({3, 7}, dt, -3, 3, 12), make_input({0, 4}, dt, -3, 3, 13)}; }
TZ_OPINFO(sort) {
  op.dtypes = kAll;
  op.sample("size0_descending_transposed", sort_inputs, [](const TL& x) {
    auto s = sort(x[0], 1), d = sort(x[0].t(), 1, true), z = sort(x[1], 0);
    return TL{s.values, s.indices, d.values, d.indices, z.values};
  });
  op.grad("", gc({3, 5}, -1, 1, 32), [](const TL& x) { return sort(x[0], 1).values; });
  op.grad("descending_transposed", gc({4, 3}, -1, 1, 33), [](const TL& x) { return sort(x[0].t(), 0, true).values; });
}
TZ_OPINFO(argsort) {
  op.dtypes = kAll;
  op.sample("size1_sliced", sort_inputs, [](const TL& x) { return TL{argsort(x[0].narrow(1, 0, 1))}; });
}
TZ_OPINFO(topk) {
  op.dtypes = kAll;
  op.sample("largest_smallest", sort_inputs, [](const TL& x) {
    auto t = topk(x[0], 3, 1), b = topk(x[0], 1, 0, false);
    return TL{t.values, t.indices, b.values, b.indices};
  });
  op.grad("", gc({3, 6}, -1, 1, 34), [](const TL& x) { return topk(x[0], 2, 1).values; });
  op.grad("smallest_dim0", gc({5, 2}, -1, 1, 35), [](const TL& x) { return topk(x[0], 3, 0, false).values; });
}
TZ_OPINFO(unique) {
  op.dtypes = {DType::I64, DType::I32, DType::F32};
  op.dtype_skip = "dtype coverage not declared yet";
  op.sample("dims", [](DType dt) { return TL{floor(make_input({4, 6}, DType::F32, 0, 4, 14)).to(dt)}; }, [](const TL& x) {
    auto u = unique(x[0], true, true), r = unique(x[0], true, true, 0), c = unique(x[0], true, true, 1);
    return TL{u.values, u.inverse, u.counts, r.values, r.inverse, r.counts, c.values, c.inverse, c.counts};
  });
}
TZ_OPINFO(bincount) {
  op.dtypes = {DType::I64};
  op.dtype_skip = "takes an int64 input, whatever the sample's dtype";
  op.sample("minlength", in({4}, 0, 4, 14), [](const TL& x) { return TL{bincount(li(x[0], {0, 3, 3, 1}), {}, 6)}; });
}

}  // namespace
}  // namespace tz::test
