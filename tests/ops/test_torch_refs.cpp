// Op values and gradients against PyTorch: the fixtures tests/data/torch_refs_<group>.safetensors
// are written by tools/gen_torch_refs.py (see tests/data/README.md), which also records each
// case's PyTorch call in the file's __metadata__. Each TEST runs the tensorzoo op on the stored
// inputs "<case>.in<i>", compares every stored output "<case>.<name>", then runs tz::grad with the
// stored upstream gradient "<case>.grad_out" and compares "<case>.grad_in<i>".
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "tests/support/test_support.h"

namespace tz {
namespace {

using Outputs = std::vector<std::pair<std::string, Tensor>>;
using CaseFn = std::function<Outputs(const TensorList&)>;

Outputs out(const Tensor& t) { return {{"out", t}}; }
Outputs values_indices(const ValuesIndices& r) { return {{"out", r.values}, {"indices", r.indices}}; }

const io::SafetensorsFile& fixture(const std::string& group) {
  static std::map<std::string, io::SafetensorsFile> cache;
  auto it = cache.find(group);
  if (it == cache.end())
    it = cache.emplace(group, io::load_safetensors(test::data_path("torch_refs_" + group + ".safetensors"))).first;
  return it->second;
}

/// f64 cases differ from PyTorch only by summation order; f32 cases are forward-only.
::testing::AssertionResult matches(const Tensor& actual, const Tensor& expected) {
  if (!actual.defined()) return ::testing::AssertionFailure() << "undefined result";
  if (!is_floating(expected.dtype())) {
    if (actual.dtype() != expected.dtype())
      return ::testing::AssertionFailure() << "dtype " << dtype_name(actual.dtype()) << " != expected "
                                           << dtype_name(expected.dtype());
    return test::tensors_equal(actual, expected);
  }
  if (expected.dtype() == DType::F64) return test::tensors_close(actual, expected, 1e-8, 1e-10);
  return test::tensors_close(actual, expected, 1e-5, 1e-6);
}

void check_case(const std::string& group, const std::string& name, const CaseFn& fn) {
  const io::SafetensorsFile& file = fixture(group);
  const auto& t = file.tensors;
  ASSERT_TRUE(file.metadata.count(name)) << "no case '" << name << "' in torch_refs_" << group
                                         << ".safetensors: rerun tools/gen_torch_refs.py";
  SCOPED_TRACE("PyTorch: " + file.metadata.at(name));
  auto key = [&](const std::string& suffix) { return name + "." + suffix; };

  TensorList inputs, grad_inputs;
  std::vector<std::string> grad_keys;
  for (int i = 0; t.count(key("in" + std::to_string(i))); ++i) {
    Tensor x = t.at(key("in" + std::to_string(i))).detach();
    if (t.count(key("grad_in" + std::to_string(i)))) {
      x.requires_grad_();
      grad_inputs.push_back(x);
      grad_keys.push_back(key("grad_in" + std::to_string(i)));
    }
    inputs.push_back(x);
  }

  const Outputs outputs = fn(inputs);
  ASSERT_FALSE(outputs.empty());
  for (const auto& [out_name, value] : outputs) {
    ASSERT_TRUE(t.count(key(out_name))) << "fixture lacks " << key(out_name);
    EXPECT_TRUE(matches(value, t.at(key(out_name)))) << key(out_name);
  }
  if (!t.count(key("grad_out"))) return;
  ASSERT_FALSE(grad_inputs.empty());
  const TensorList grads = tz::grad({outputs.front().second}, grad_inputs, {t.at(key("grad_out"))});
  ASSERT_EQ(grads.size(), grad_inputs.size());
  for (size_t i = 0; i < grads.size(); ++i) EXPECT_TRUE(matches(grads[i], t.at(grad_keys[i]))) << grad_keys[i];
}

#define TORCH_REF(suite, group, case_name, ...) \
  TEST(suite, case_name) { check_case(group, #case_name, __VA_ARGS__); }

// ---- linalg ---------------------------------------------------------------------------------
auto matmul_case = [](const TensorList& in) { return out(matmul(in[0], in[1])); };
TORCH_REF(TorchRefLinalg, "linalg", matmul_1d_1d, matmul_case)
TORCH_REF(TorchRefLinalg, "linalg", matmul_2d_1d, matmul_case)
TORCH_REF(TorchRefLinalg, "linalg", matmul_1d_3d, matmul_case)
TORCH_REF(TorchRefLinalg, "linalg", matmul_2d_2d, matmul_case)
TORCH_REF(TorchRefLinalg, "linalg", matmul_3d_2d, matmul_case)
TORCH_REF(TorchRefLinalg, "linalg", matmul_broadcast_batch, matmul_case)
TORCH_REF(TorchRefLinalg, "linalg", einsum_bmm, [](const TensorList& in) { return out(einsum("bij,bjk->bik", in)); })
TORCH_REF(TorchRefLinalg, "linalg", einsum_attention_scores,
          [](const TensorList& in) { return out(einsum("bhqd,bhkd->bhqk", in)); })
TORCH_REF(TorchRefLinalg, "linalg", einsum_diagonal, [](const TensorList& in) { return out(einsum("ii->i", in)); })
TORCH_REF(TorchRefLinalg, "linalg", einsum_implicit_output, [](const TensorList& in) { return out(einsum("ij,jk", in)); })

// ---- convolution ----------------------------------------------------------------------------
TORCH_REF(TorchRefConv, "conv", conv1d,
          [](const TensorList& in) { return out(conv1d(in[0], in[1], in[2], {2}, {1}, {2}, 2)); })
TORCH_REF(TorchRefConv, "conv", conv2d_plain, [](const TensorList& in) { return out(conv2d(in[0], in[1])); })
TORCH_REF(TorchRefConv, "conv", conv2d,
          [](const TensorList& in) { return out(conv2d(in[0], in[1], in[2], {2, 1}, IntList{1, 0}, {1, 2}, 2)); })
TORCH_REF(TorchRefConv, "conv", conv3d, [](const TensorList& in) {
  return out(conv3d(in[0], in[1], in[2], {1, 2, 1}, {1, 1, 0}, {2, 1, 1}, 2));
})
TORCH_REF(TorchRefConv, "conv", conv_transpose2d,
          [](const TensorList& in) { return out(conv_transpose2d(in[0], in[1], in[2], {2}, {1}, {1}, 2, {1})); })
TORCH_REF(TorchRefConv, "conv", conv_transpose2d_dilated, [](const TensorList& in) {
  return out(conv_transpose2d(in[0], in[1], Tensor(), {1, 2}, {0, 1}, {0}, 1, {2, 1}));
})

// ---- pooling --------------------------------------------------------------------------------
TORCH_REF(TorchRefPool, "pool", max_pool2d, [](const TensorList& in) { return out(max_pool2d(in[0], {3}, {2}, {1})); })
TORCH_REF(TorchRefPool, "pool", max_pool2d_ceil_dilated,
          [](const TensorList& in) { return out(max_pool2d(in[0], {3, 2}, {2}, {1, 0}, {1, 2}, true)); })
TORCH_REF(TorchRefPool, "pool", avg_pool2d, [](const TensorList& in) { return out(avg_pool2d(in[0], {3}, {2}, {1})); })
TORCH_REF(TorchRefPool, "pool", avg_pool2d_ceil_exclude_pad,
          [](const TensorList& in) { return out(avg_pool2d(in[0], {3}, {2}, {1}, true, false)); })
TORCH_REF(TorchRefPool, "pool", avg_pool2d_ceil_include_pad,
          [](const TensorList& in) { return out(avg_pool2d(in[0], {2, 3}, {2, 2}, {1, 1}, true, true)); })
TORCH_REF(TorchRefPool, "pool", avg_pool2d_divisor_override,
          [](const TensorList& in) { return out(avg_pool2d(in[0], {2}, {}, {0}, false, true, 3)); })
TORCH_REF(TorchRefPool, "pool", adaptive_avg_pool2d,
          [](const TensorList& in) { return out(adaptive_avg_pool2d(in[0], {3, 4})); })
TORCH_REF(TorchRefPool, "pool", adaptive_avg_pool2d_upsample,
          [](const TensorList& in) { return out(adaptive_avg_pool2d(in[0], {9, 5})); })

// ---- resampling -----------------------------------------------------------------------------
CaseFn resize(IntList size, std::string mode, std::optional<bool> align_corners = {}) {
  return [=](const TensorList& in) { return out(interpolate(in[0], size, {}, mode, align_corners)); };
}
TORCH_REF(TorchRefResample, "resample", interpolate_nearest_up, resize({5, 7}, "nearest"))
TORCH_REF(TorchRefResample, "resample", interpolate_nearest_down, resize({2, 3}, "nearest"))
TORCH_REF(TorchRefResample, "resample", interpolate_nearest_scale,
          [](const TensorList& in) { return out(interpolate(in[0], {}, {2.0, 1.5}, "nearest")); })
TORCH_REF(TorchRefResample, "resample", interpolate_bilinear_noalign_up, resize({5, 7}, "bilinear", false))
TORCH_REF(TorchRefResample, "resample", interpolate_bilinear_noalign_down, resize({3, 2}, "bilinear", false))
TORCH_REF(TorchRefResample, "resample", interpolate_bilinear_align_up, resize({5, 7}, "bilinear", true))
TORCH_REF(TorchRefResample, "resample", interpolate_bilinear_align_down, resize({3, 2}, "bilinear", true))
TORCH_REF(TorchRefResample, "resample", interpolate_bicubic_noalign_up, resize({5, 7}, "bicubic", false))
TORCH_REF(TorchRefResample, "resample", interpolate_bicubic_noalign_down, resize({3, 2}, "bicubic", false))
TORCH_REF(TorchRefResample, "resample", interpolate_bicubic_align_up, resize({5, 7}, "bicubic", true))
TORCH_REF(TorchRefResample, "resample", interpolate_bicubic_align_down, resize({3, 2}, "bicubic", true))

// ---- normalisation --------------------------------------------------------------------------
TORCH_REF(TorchRefNorm, "norm", layer_norm_affine,
          [](const TensorList& in) { return out(layer_norm(in[0], {4}, in[1], in[2], 1e-5)); })
TORCH_REF(TorchRefNorm, "norm", layer_norm_two_dims,
          [](const TensorList& in) { return out(layer_norm(in[0], {3, 4}, {}, {}, 1e-3)); })
TORCH_REF(TorchRefNorm, "norm", group_norm,
          [](const TensorList& in) { return out(group_norm(in[0], 3, in[1], in[2], 1e-5)); })
CaseFn batch_norm_case(bool training) {
  return [training](const TensorList& in) {
    // The running stats are updated in place: work on copies so the cached fixture stays intact.
    Tensor running_mean = in[1].clone(), running_var = in[2].clone();
    Tensor y = batch_norm(in[0], running_mean, running_var, in[3], in[4], training, 0.1, 1e-5);
    return Outputs{{"out", y}, {"running_mean", running_mean}, {"running_var", running_var}};
  };
}
TORCH_REF(TorchRefNorm, "norm", batch_norm_train, batch_norm_case(true))
TORCH_REF(TorchRefNorm, "norm", batch_norm_eval, batch_norm_case(false))

// ---- softmax --------------------------------------------------------------------------------
TORCH_REF(TorchRefSoftmax, "softmax", softmax_last, [](const TensorList& in) { return out(softmax(in[0], -1)); })
TORCH_REF(TorchRefSoftmax, "softmax", softmax_middle, [](const TensorList& in) { return out(softmax(in[0], 1)); })
TORCH_REF(TorchRefSoftmax, "softmax", log_softmax_first,
          [](const TensorList& in) { return out(log_softmax(in[0], 0)); })
TORCH_REF(TorchRefSoftmax, "softmax", log_softmax_last,
          [](const TensorList& in) { return out(log_softmax(in[0] * 30.0, -1)); })

// ---- sorting, selection, unique, scatter_reduce -----------------------------------------------
TORCH_REF(TorchRefIndex, "index", sort_ascending, [](const TensorList& in) { return values_indices(sort(in[0], -1)); })
TORCH_REF(TorchRefIndex, "index", sort_descending_dim0,
          [](const TensorList& in) { return values_indices(sort(in[0], 0, true)); })
TORCH_REF(TorchRefIndex, "index", sort_stable_ties, [](const TensorList& in) {
  const ValuesIndices up = sort(in[0], -1), down = sort(in[0], -1, true);
  return Outputs{{"out", up.values}, {"indices", up.indices}, {"desc_values", down.values}, {"desc_indices", down.indices}};
})
TORCH_REF(TorchRefIndex, "index", topk_largest, [](const TensorList& in) { return values_indices(topk(in[0], 3, -1)); })
TORCH_REF(TorchRefIndex, "index", topk_smallest_dim0,
          [](const TensorList& in) { return values_indices(topk(in[0], 2, 0, false)); })
TORCH_REF(TorchRefIndex, "index", unique_flat, [](const TensorList& in) {
  const UniqueResult r = unique(in[0], true, true);
  return Outputs{{"out", r.values}, {"inverse", r.inverse}, {"counts", r.counts}};
})
TORCH_REF(TorchRefIndex, "index", unique_float, [](const TensorList& in) {
  const UniqueResult r = unique(in[0], false, true);
  return Outputs{{"out", r.values}, {"counts", r.counts}};
})
TORCH_REF(TorchRefIndex, "index", unique_dim0, [](const TensorList& in) {
  const UniqueResult r = unique(in[0], true, true, 0);
  return Outputs{{"out", r.values}, {"inverse", r.inverse}, {"counts", r.counts}};
})
CaseFn scatter_reduce_case(int64_t dim, std::string reduce, bool include_self) {
  return [=](const TensorList& in) { return out(scatter_reduce(in[0], dim, in[1], in[2], reduce, include_self)); };
}
TORCH_REF(TorchRefIndex, "index", scatter_reduce_sum_self, scatter_reduce_case(0, "sum", true))
TORCH_REF(TorchRefIndex, "index", scatter_reduce_sum_noself, scatter_reduce_case(0, "sum", false))
TORCH_REF(TorchRefIndex, "index", scatter_reduce_mean_self, scatter_reduce_case(0, "mean", true))
TORCH_REF(TorchRefIndex, "index", scatter_reduce_mean_noself, scatter_reduce_case(0, "mean", false))
TORCH_REF(TorchRefIndex, "index", scatter_reduce_amax_self, scatter_reduce_case(0, "amax", true))
TORCH_REF(TorchRefIndex, "index", scatter_reduce_amax_noself, scatter_reduce_case(0, "amax", false))
TORCH_REF(TorchRefIndex, "index", scatter_reduce_amin_self, scatter_reduce_case(0, "amin", true))
TORCH_REF(TorchRefIndex, "index", scatter_reduce_amin_noself, scatter_reduce_case(0, "amin", false))
TORCH_REF(TorchRefIndex, "index", scatter_reduce_dim1, scatter_reduce_case(1, "sum", true))

// ---- composite functions (built from public ops here; PyTorch used its fused versions) -------
TORCH_REF(TorchRefComposite, "composite", attention, [](const TensorList& in) {
  const Tensor scores = matmul(in[0], in[1].mT()) / std::sqrt(4.0);
  return out(matmul(softmax(scores, -1), in[2]));
})
TORCH_REF(TorchRefComposite, "composite", layer_norm, [](const TensorList& in) {
  const Tensor& x = in[0];
  const Tensor mu = x.mean({-1}, true);
  const Tensor var = x.var({-1}, 0, true);
  return out((x - mu) * rsqrt(var + 1e-5) * in[1] + in[2]);
})
TORCH_REF(TorchRefComposite, "composite", conv2d_max_pool2d,
          [](const TensorList& in) { return out(max_pool2d(conv2d(in[0], in[1], in[2], {1}, IntList{1}), {2})); })
TORCH_REF(TorchRefComposite, "composite", cross_entropy, [](const TensorList& in) {
  // nn losses come later: cross_entropy == -mean(log_softmax(logits)[i, target[i]]).
  const Tensor picked = gather(log_softmax(in[0], 1), 1, unsqueeze(in[1], 1));
  return out(-picked.mean());
})

// Checks the harness itself (loading, output comparison, tz::grad with the stored upstream
// gradient) with core elementwise/reduce ops only, so it passes before the op families land.
TEST(TorchRefHarness, SoftmaxFromPrimitivesMatchesPyTorch) {
  check_case("softmax", "softmax_last", [](const TensorList& in) {
    const Tensor e = exp(in[0]);  // inputs are small randn values: no max shift needed
    return out(e / e.sum({-1}, true));
  });
}

// Every fixture case has a TEST above and every TEST has a fixture case: a case added to
// gen_torch_refs.py without a test here (or the reverse) fails.
TEST(TorchRefFixtures, EveryCaseIsTested) {
  const std::map<std::string, std::string> suite_of_group{
      {"linalg", "TorchRefLinalg"}, {"conv", "TorchRefConv"},       {"pool", "TorchRefPool"},
      {"resample", "TorchRefResample"}, {"norm", "TorchRefNorm"},   {"softmax", "TorchRefSoftmax"},
      {"index", "TorchRefIndex"},   {"composite", "TorchRefComposite"}};
  std::map<std::string, std::set<std::string>> tests_of_suite;
  const auto* unit = ::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) tests_of_suite[suite->name()].insert(suite->GetTestInfo(j)->name());
  }
  for (const auto& [group, suite] : suite_of_group) {
    std::set<std::string> cases;
    for (const auto& [case_name, call] : fixture(group).metadata) {
      cases.insert(case_name);
      EXPECT_TRUE(tests_of_suite[suite].count(case_name)) << "no TEST(" << suite << ", " << case_name << ")";
      EXPECT_TRUE(fixture(group).tensors.count(case_name + ".out")) << case_name;
    }
    for (const std::string& test_name : tests_of_suite[suite])
      EXPECT_TRUE(cases.count(test_name)) << suite << "." << test_name << " has no fixture case";
  }
}

}  // namespace
}  // namespace tz
