// The bad-input table: one row per hostile-but-fair call into core, autograd and nn, each
// required to raise a tz::Error that starts with the op and names the offending value (shape,
// dim, index, dtype, device or option), leaking no storage. Rows are grouped by class; the
// values PyTorch returns instead of raising (NaN, empty and aliasing cases) are checked by the
// plain tests at the end of the file.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tensorzoo.h"
#include "tests/reliability/expect_error.h"
#include "tests/support/test_support.h"

namespace tz::test {
namespace {

namespace F = tz::nn::functional;

struct BadInput {
  std::string name;
  std::function<void()> call;
  std::vector<std::string> pieces;  // the first is the op prefix the message must start with
};

void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

class BadInputTable : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTable, RaisesANamedError) {
  const BadInput& c = GetParam();
  expect_op_error(c.call, c.pieces);
}

Tensor f32(const Shape& s) { return ones(s); }
Tensor i64(const std::vector<int64_t>& v) { return from_vector(v, std::nullopt, kCPU); }

// ---- shapes that do not broadcast or compose ---------------------------------------------------
std::vector<BadInput> shape_cases() {
  return {
      {"add_no_broadcast", [] { (void)add(f32({2, 3}), f32({4})); }, {"[add]", "[2, 3]", "[4]"}},
      {"mul_no_broadcast", [] { (void)mul(f32({2, 3}), f32({2, 2})); }, {"[mul]", "[2, 3]", "[2, 2]"}},
      {"sub_no_broadcast", [] { (void)sub(f32({5}), f32({3})); }, {"[sub]", "[5]", "[3]"}},
      {"div_no_broadcast", [] { (void)div(f32({3, 1, 2}), f32({4, 3})); }, {"[div]", "[3, 1, 2]", "[4, 3]"}},
      {"maximum_no_broadcast", [] { (void)maximum(f32({2}), f32({3})); }, {"[maximum]", "[2]", "[3]"}},
      {"where_no_broadcast", [] { (void)where(ones({2}, DType::Bool), f32({3}), f32({2})); }, {"[where]", "[3]"}},
      {"matmul_inner", [] { (void)matmul(f32({2, 3}), f32({4, 5})); }, {"[matmul]", "[2, 3]", "[4, 5]"}},
      {"matmul_scalar", [] { (void)matmul(f32({}), f32({3})); }, {"[matmul]", "[]"}},
      {"mm_rank", [] { (void)mm(f32({2, 3, 4}), f32({4, 2})); }, {"[mm]", "[2, 3, 4]"}},
      {"bmm_batch", [] { (void)bmm(f32({2, 3, 4}), f32({3, 4, 5})); }, {"[bmm]", "[2, 3, 4]", "[3, 4, 5]"}},
      {"dot_length", [] { (void)dot(f32({3}), f32({4})); }, {"[dot]", "[3]", "[4]"}},
      {"linear_in_features", [] { (void)linear(f32({2, 3}), f32({4, 5})); }, {"[linear]", "[2, 3]", "[4, 5]"}},
      {"view_numel", [] { (void)view(f32({2, 3}), {4}); }, {"[view]", "[4]", "size 6"}},
      {"view_two_inferred", [] { (void)view(f32({2, 3}), {-1, -1}); }, {"[view]", "-1"}},
      {"reshape_numel", [] { (void)reshape(f32({2, 3}), {7}); }, {"[reshape]", "[7]"}},
      {"reshape_negative", [] { (void)reshape(f32({2, 3}), {-2, 3}); }, {"[reshape]", "-2"}},
      {"view_non_contiguous", [] { (void)view(transpose(f32({2, 3}), 0, 1), {6}); }, {"[view]", "reshape"}},
      {"expand_non_singleton", [] { (void)expand(f32({2, 3}), {4, 3}); }, {"[expand]", "[2, 3]", "[4, 3]"}},
      {"expand_fewer_dims", [] { (void)expand(f32({2, 3}), {3}); }, {"[expand]", "[2, 3]"}},
      {"cat_empty_list", [] { (void)cat({}, 0); }, {"[cat]", "empty"}},
      {"cat_other_sizes", [] { (void)cat({f32({2, 3}), f32({2, 4})}, 0); }, {"[cat]", "[2, 3]", "[2, 4]"}},
      {"cat_rank", [] { (void)cat({f32({2, 3}), f32({3})}, 0); }, {"[cat]", "[3]"}},
      {"stack_other_shapes", [] { (void)stack({f32({2}), f32({3})}, 0); }, {"[stack]", "[2]", "[3]"}},
      {"stack_empty_list", [] { (void)stack({}, 0); }, {"[stack]", "empty"}},
      {"einsum_bad_equation", [] { (void)einsum("ij,jk->il", {f32({2, 3}), f32({3, 4})}); }, {"[einsum]", "l"}},
      {"einsum_operand_count", [] { (void)einsum("ij,jk->ik", {f32({2, 3})}); }, {"[einsum]", "2"}},
      {"masked_fill_mask_shape", [] { (void)masked_fill(f32({2, 3}), ones({4}, DType::Bool), 0.0); }, {"[masked_fill]", "[4]"}},
      {"unflatten_sizes", [] { (void)unflatten(f32({6}), 0, {4, 2}); }, {"[unflatten]", "[4, 2]"}},
      {"pixel_shuffle_channels", [] { (void)pixel_shuffle(f32({1, 3, 2, 2}), 2); }, {"[pixel_shuffle]", "3"}},
      {"repeat_fewer_dims", [] { (void)repeat(f32({2, 3}), {2}); }, {"[repeat]", "[2, 3]"}},
  };
}

// ---- dims, indices and sizes out of range -----------------------------------------------------
std::vector<BadInput> range_cases() {
  return {
      {"sum_dim", [] { (void)sum(f32({2, 3}), {2}); }, {"[sum]", "2"}},
      {"sum_dim_negative", [] { (void)sum(f32({2, 3}), {-3}); }, {"[sum]", "-3"}},
      {"sum_dim_repeated", [] { (void)sum(f32({2, 3}), {1, -1}); }, {"[sum]", "dim 1 appears more than once", "[1, -1]"}},
      {"mean_dim", [] { (void)mean(f32({2}), {1}); }, {"[mean]", "1"}},
      {"softmax_dim", [] { (void)softmax(f32({2, 3}), 2); }, {"[softmax]", "2"}},
      {"log_softmax_dim", [] { (void)log_softmax(f32({2, 3}), -3); }, {"[log_softmax]", "-3"}},
      {"cumsum_dim", [] { (void)cumsum(f32({2, 3}), 5); }, {"[cumsum]", "5"}},
      {"argmax_dim", [] { (void)argmax(f32({2, 3}), 2); }, {"[argmax]", "2"}},
      {"transpose_dim", [] { (void)transpose(f32({2, 3}), 0, 2); }, {"[transpose]", "2"}},
      {"permute_duplicate", [] { (void)permute(f32({2, 3}), {0, 0}); }, {"[permute]", "0"}},
      {"permute_count", [] { (void)permute(f32({2, 3}), {0}); }, {"[permute]", "1", "[2, 3]"}},
      {"squeeze_dim", [] { (void)squeeze(f32({2, 3}), 3); }, {"[squeeze]", "3"}},
      {"unsqueeze_dim", [] { (void)unsqueeze(f32({2, 3}), 4); }, {"[unsqueeze]", "4"}},
      {"select_index", [] { (void)select(f32({2, 3}), 1, 3); }, {"[select]", "3"}},
      {"select_index_negative", [] { (void)select(f32({2, 3}), 0, -3); }, {"[select]", "-3"}},
      {"narrow_past_end", [] { (void)narrow(f32({5}), 0, 3, 3); }, {"[narrow]", "3"}},
      {"narrow_negative_length", [] { (void)narrow(f32({5}), 0, 1, -1); }, {"[narrow]", "-1"}},
      {"slice_step_zero", [] { (void)slice(f32({5}), 0, 0, 5, 0); }, {"[slice]", "step"}},
      {"slice_step_negative", [] { (void)slice(f32({5}), 0, 0, 5, -1); }, {"[slice]", "-1"}},
      {"flatten_start_after_end", [] { (void)flatten(f32({2, 3, 4}), 2, 1); }, {"[flatten]", "2"}},
      {"unfold_size", [] { (void)unfold(f32({4}), 0, 5, 1); }, {"[unfold]", "5"}},
      {"unfold_step_zero", [] { (void)unfold(f32({4}), 0, 2, 0); }, {"[unfold]", "step"}},
      {"diagonal_same_dims", [] { (void)diagonal(f32({3, 3}), 0, 1, 1); }, {"[diagonal]", "1"}},
      {"movedim_dim", [] { (void)movedim(f32({2, 3}), 0, 2); }, {"[movedim]", "2"}},
      {"roll_dims_count", [] { (void)roll(f32({2, 3}), {1, 2}, {0}); }, {"[roll]", "2"}},
      {"flip_dim", [] { (void)flip(f32({2, 3}), {2}); }, {"[flip]", "2"}},
      {"gather_index", [] { (void)gather(f32({2, 3}), 1, i64({0, 3}).view({1, 2})); }, {"[gather]", "3"}},
      {"gather_index_negative", [] { (void)gather(f32({2, 3}), 1, i64({-1}).view({1, 1})); }, {"[gather]", "-1"}},
      {"gather_float_index", [] { (void)gather(f32({2, 3}), 1, f32({1, 1})); }, {"[gather]", "float32"}},
      {"index_select_index", [] { (void)index_select(f32({4, 2}), 0, i64({1, 4})); }, {"[index_select]", "4"}},
      {"index_select_rank", [] { (void)index_select(f32({4, 2}), 0, i64({1, 2}).view({1, 2})); }, {"[index_select]", "[1, 2]"}},
      {"scatter_index", [] { (void)scatter(zeros({3}), 0, i64({5}), ones({1})); }, {"[scatter]", "5"}},
      {"scatter_add_index", [] { (void)scatter_add(zeros({3}), 0, i64({-4}), ones({1})); }, {"[scatter_add]", "-4"}},
      {"index_add_index", [] { (void)index_add(zeros({3, 2}), 0, i64({3}), ones({1, 2})); }, {"[index_add]", "3"}},
      {"index_out_of_range", [] { (void)index(f32({3}), {i64({0, 7})}); }, {"[index]", "7"}},
      {"index_put_out_of_range", [] { (void)index_put(zeros({3}), {i64({3})}, ones({1})); }, {"[index_put]", "3"}},
      {"index_bool_mask_shape", [] { (void)index(f32({3}), {ones({4}, DType::Bool)}); }, {"[index]", "[4]"}},
      {"embedding_index", [] { (void)embedding(f32({4, 2}), i64({4})); }, {"[embedding]", "4"}},
      {"embedding_negative", [] { (void)embedding(f32({4, 2}), i64({-1})); }, {"[embedding]", "-1"}},
      {"one_hot_negative", [] { (void)one_hot(i64({-1}), 3); }, {"[one_hot]", "-1"}},
      {"one_hot_too_large", [] { (void)one_hot(i64({3}), 3); }, {"[one_hot]", "3"}},
      {"topk_k", [] { (void)topk(f32({3}), 4); }, {"[topk]", "4"}},
      {"topk_negative_k", [] { (void)topk(f32({3}), -1); }, {"[topk]", "-1"}},
      {"bincount_negative", [] { (void)bincount(i64({1, -2})); }, {"[bincount]", "-2"}},
      {"tril_rank", [] { (void)tril(f32({3})); }, {"[tril]", "[3]"}},
      {"pad_too_many", [] { (void)pad(f32({3}), {1, 1, 1, 1}); }, {"[pad]", "4"}},
      {"pad_reflect_too_wide", [] { (void)pad(f32({1, 1, 3}), {3, 3}, "reflect"); }, {"[pad]", "3"}},
      {"pad_mode", [] { (void)pad(f32({1, 1, 3}), {1, 1}, "mirror"); }, {"[pad]", "mirror"}},
      {"repeat_interleave_negative", [] { (void)repeat_interleave(f32({3}), -1); }, {"[repeat_interleave]", "-1"}},
  };
}

// ---- dtypes and devices ----------------------------------------------------------------------
std::vector<BadInput> dtype_device_cases() {
  std::vector<BadInput> cases = {
      {"bitwise_and_float", [] { (void)bitwise_and(f32({2}), f32({2})); }, {"[bitwise_and]", "float32"}},
      {"bitwise_xor_float", [] { (void)bitwise_xor(f32({2}), f32({2})); }, {"[bitwise_xor]", "float32"}},
      {"requires_grad_int", [] { Tensor t = zeros({2}, DType::I64); t.requires_grad_(); }, {"[requires_grad_]", "int64"}},
      {"matmul_bool", [] { (void)matmul(ones({2, 2}, DType::Bool), ones({2, 2}, DType::Bool)); }, {"[matmul]", "bool"}},
      {"softmax_int", [] { (void)softmax(zeros({3}, DType::I64), 0); }, {"[softmax]", "int64"}},
      {"embedding_float_indices", [] { (void)embedding(f32({4, 2}), f32({1})); }, {"[embedding]", "float32"}},
      {"cross_entropy_float_target_shape", [] { (void)F::cross_entropy(f32({2, 3}), f32({2})); }, {"[cross_entropy]", "[2]"}},
      {"cross_entropy_target_class", [] { (void)F::cross_entropy(f32({2, 3}), i64({0, 3})); }, {"[cross_entropy]", "3"}},
      {"nll_loss_target_negative", [] { (void)F::nll_loss(f32({2, 3}), i64({0, -2})); }, {"[nll_loss]", "-2"}},
      {"mse_shape", [] { (void)F::mse_loss(f32({2, 3}), f32({3, 2})); }, {"[mse_loss]", "[2, 3]", "[3, 2]"}},
      {"l1_shape", [] { (void)F::l1_loss(f32({4}), f32({5})); }, {"[l1_loss]", "[4]", "[5]"}},
      {"bce_shape", [] { (void)F::binary_cross_entropy(full({3}, 0.5), f32({2})); }, {"[binary_cross_entropy]", "[3]", "[2]"}},
  };
#if defined(TZ_TEST_WITH_STUB_BACKEND)
  const Device ext(DeviceType::Ext0, 0);
  cases.push_back({"add_devices", [ext] { (void)add(f32({2}), ones({2}, ext)); }, {"[add]", "cpu", "ext0:0"}});
  cases.push_back({"matmul_devices", [ext] { (void)matmul(f32({2, 2}), ones({2, 2}, ext)); }, {"[matmul]", "cpu", "ext0:0"}});
  cases.push_back({"cat_devices", [ext] { (void)cat({f32({2}), ones({2}, ext)}, 0); }, {"[cat]", "ext0:0"}});
  cases.push_back({"where_devices", [ext] { (void)where(ones({2}, DType::Bool), f32({2}), ones({2}, ext)); }, {"[where]", "ext0:0"}});
  cases.push_back({"index_select_devices", [ext] { (void)index_select(ones({3}, ext), 0, i64({0})); }, {"[index_select]", "ext0:0", "cpu"}});
#endif
  return cases;
}

// ---- random sampling and nonsense probabilities ------------------------------------------------
std::vector<BadInput> random_cases() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return {
      {"randint_empty_range", [] { (void)randint(5, 5, {2}); }, {"[randint]", "5"}},
      {"randint_reversed", [] { (void)randint(5, 2, {2}); }, {"[randint]", "2"}},
      {"randperm_negative", [] { (void)randperm(-1); }, {"[randperm]", "-1"}},
      {"bernoulli_p_above_one", [] { (void)bernoulli({2}, 1.5); }, {"[bernoulli]", "1.5"}},
      {"bernoulli_p_negative", [] { (void)bernoulli({2}, -0.1); }, {"[bernoulli]", "-0.1"}},
      {"bernoulli_p_nan", [nan] { (void)bernoulli({2}, nan); }, {"[bernoulli]", "nan"}},
      {"bernoulli_tensor_p", [] { (void)bernoulli(full({2}, 2.0)); }, {"[bernoulli]", "[0, 1]", "got 2", "flat index 0"}},
      {"normal_negative_std", [] { Tensor t = zeros({2}); normal_(t, 0.0, -1.0); }, {"[normal_]", "std=-1"}},
      {"uniform_reversed", [] { Tensor t = zeros({2}); uniform_(t, 1.0, 0.0); }, {"[uniform_]", "from=1", "to=0"}},
      {"uniform_nan", [nan] { Tensor t = zeros({2}); uniform_(t, nan, 1.0); }, {"[uniform_]", "from=nan"}},
      {"dropout_p_above_one", [] { (void)dropout(f32({4}), 1.5); }, {"[dropout]", "1.5"}},
      {"dropout_p_negative", [] { (void)dropout(f32({4}), -0.5); }, {"[dropout]", "-0.5"}},
      {"dropout_p_nan", [nan] { (void)dropout(f32({4}), nan); }, {"[dropout]", "nan"}},
  };
}

// ---- autograd misuse -------------------------------------------------------------------------
std::vector<BadInput> autograd_cases() {
  return {
      {"backward_non_scalar", [] {
         Tensor x = f32({3}).requires_grad_();
         mul(x, x).backward();
       }, {"[backward]", "[3]"}},
      {"backward_no_grad_fn", [] { f32({}).backward(); }, {"[backward]", "does not require grad"}},
      {"backward_twice", [] {
         Tensor x = f32({2}).requires_grad_();
         Tensor y = sum(mul(x, x));
         y.backward();
         y.backward();
       }, {"[autograd]", "graph already freed", "SumBackward", "retain_graph"}},
      {"backward_grad_shape", [] {
         Tensor x = f32({3}).requires_grad_();
         mul(x, x).backward(f32({2}));
       }, {"[backward]", "[2]", "[3]"}},
      {"grad_unused_input", [] {
         Tensor x = f32({2}).requires_grad_();
         Tensor y = f32({2}).requires_grad_();
         (void)tz::grad({sum(x)}, {y});
       }, {"[grad]", "allow_unused"}},
      {"grad_input_without_grad", [] {
         Tensor x = f32({2}).requires_grad_();
         (void)tz::grad({sum(x)}, {f32({2})});
       }, {"[grad]", "input 0", "does not require grad"}},
      {"inplace_on_leaf", [] {
         Tensor x = f32({2}).requires_grad_();
         x.add_(f32({2}));
       }, {"[add_]", "leaf", "[2]"}},
      {"saved_tensor_modified", [] {
         Tensor x = f32({2}).requires_grad_();
         Tensor h = mul(x, full({2}, 2.0));
         Tensor y = sum(mul(h, h));
         h.add_(f32({2}));
         y.backward();
       }, {"[autograd]", "[2]", "modified by an in-place operation", "version 1, expected 0"}},
  };
}

// ---- nn layers, losses, optimizers -----------------------------------------------------------
std::vector<BadInput> nn_cases() {
  return {
      {"Linear_input_features", [] { nn::Linear l(3, 2); (void)l(f32({4, 5})); }, {"[Linear]", "[*, 3]", "[4, 5]"}},
      {"Linear_negative_features", [] { nn::Linear l(-1, 2); }, {"[Linear]", "-1"}},
      {"Conv2d_channels", [] { nn::Conv2d c(3, 4, {3}); (void)c(f32({1, 2, 8, 8})); }, {"[Conv2d]", "3 channels", "[1, 2, 8, 8]"}},
      {"Conv2d_kernel_larger", [] { nn::Conv2d c(1, 1, {5}); (void)c(f32({1, 1, 3, 3})); }, {"[convolution]", "kernel size 5", "[1, 1, 3, 3]"}},
      {"Conv2d_zero_stride", [] { (void)conv2d(f32({1, 1, 4, 4}), f32({1, 1, 2, 2}), {}, {0}); }, {"[conv2d]", "stride"}},
      {"Conv2d_rank", [] { nn::Conv2d c(1, 1, {3}); (void)c(f32({4, 4})); }, {"[Conv2d]", "[4, 4]"}},
      {"Conv2d_groups", [] { nn::Conv2d c(3, 4, {1}, {.groups = 2}); }, {"[Conv2d]", "groups"}},
      {"max_pool_kernel_zero", [] { (void)max_pool2d(f32({1, 1, 4, 4}), {0}); }, {"[max_pool2d]", "kernel"}},
      {"max_pool_padding", [] { (void)max_pool2d(f32({1, 1, 4, 4}), {2}, {}, {2}); }, {"[max_pool2d]", "pad"}},
      {"avg_pool_window_larger", [] { (void)avg_pool2d(f32({1, 1, 2, 2}), {3}); }, {"[avg_pool2d]", "3"}},
      {"adaptive_pool_negative", [] { (void)adaptive_avg_pool2d(f32({1, 1, 4, 4}), {-1, 2}); }, {"[adaptive_avg_pool2d]", "-1"}},
      {"interpolate_zero_size", [] { (void)interpolate(f32({1, 1, 4}), {0}); }, {"[interpolate]", "0"}},
      {"BatchNorm_channels", [] { nn::BatchNorm2d bn(3); (void)bn(f32({2, 4, 2, 2})); }, {"[BatchNorm2d]", "3 channels", "[2, 4, 2, 2]"}},
      {"LayerNorm_shape", [] { nn::LayerNorm ln({4}); (void)ln(f32({2, 3})); }, {"[layer_norm]", "[4]", "[2, 3]"}},
      {"group_norm_groups", [] { (void)group_norm(f32({2, 6, 4}), 4); }, {"[group_norm]", "4", "6"}},
      {"Embedding_index", [] { nn::Embedding e(4, 2); (void)e(i64({9})); }, {"[embedding]", "9"}},
      {"Dropout_p", [] { nn::Dropout d(2.0); }, {"[Dropout]", "2"}},
      {"MultiheadAttention_heads", [] { nn::MultiheadAttention m(10, 3); }, {"[MultiheadAttention]", "10", "3"}},
      {"SGD_negative_lr", [] {
         Tensor p = zeros({2}).requires_grad_();
         optim::SGD opt({p}, {.lr = -0.1});
       }, {"[SGD]", "-0.1"}},
      {"SGD_nesterov_without_momentum", [] {
         Tensor p = zeros({2}).requires_grad_();
         optim::SGD opt({p}, {.lr = 0.1, .nesterov = true});
       }, {"[SGD]", "nesterov"}},
      {"Adam_beta_one", [] {
         Tensor p = zeros({2}).requires_grad_();
         optim::Adam opt({p}, {.lr = 0.1, .beta1 = 1.0});
       }, {"[Adam]", "beta"}},
      {"Adam_negative_eps", [] {
         Tensor p = zeros({2}).requires_grad_();
         optim::Adam opt({p}, {.lr = 0.1, .eps = -1.0});
       }, {"[Adam]", "eps"}},
      {"Adam_nan_lr", [] {
         Tensor p = zeros({2}).requires_grad_();
         optim::Adam opt({p}, {.lr = std::numeric_limits<double>::quiet_NaN()});
       }, {"[Adam]", "nan"}},
      {"Optimizer_duplicate_param", [] {
         Tensor p = zeros({2}).requires_grad_();
         optim::SGD opt({p, p}, {.lr = 0.1});
       }, {"[SGD]", "parameter 1", "twice"}},
      {"load_state_dict_shape", [] {
         nn::Linear a(3, 2), b(4, 2);
         b.load_state_dict(a.state_dict());
       }, {"[load_state_dict]", "weight", "[2, 3]", "[2, 4]"}},
      {"load_state_dict_missing", [] {
         nn::Linear a(3, 2, false), b(3, 2, true);
         b.load_state_dict(a.state_dict());
       }, {"[load_state_dict]", "bias"}},
      {"clip_grad_norm_nonfinite", [] {
         Tensor p = zeros({2}).requires_grad_();
         p.set_grad(full({2}, std::numeric_limits<double>::infinity()));
         (void)nn::utils::clip_grad_norm_({p}, 1.0, 2.0, true);
       }, {"[clip_grad_norm_]", "inf"}},
  };
}

// ---- aliasing in-place writes (PyTorch's internal / partial overlap errors) --------------------
std::vector<BadInput> aliasing_cases() {
  return {
      {"add_into_expanded", [] { Tensor x = zeros({1}).expand({3}); x.add_(ones({3})); },
       {"[add_]", "more than one element of the written-to tensor", "[3]"}},
      {"mul_into_expanded_rows", [] { Tensor x = ones({1, 3}).expand({2, 3}); x.mul_(full({2, 3}, 2.0)); },
       {"[mul_]", "more than one element"}},
      {"copy_into_expanded", [] { Tensor x = zeros({1}).expand({4}); x.copy_(arange(4.0)); },
       {"[copy_]", "more than one element"}},
      {"add_shifted_self", [] {
         Tensor x = arange(5.0);
         Tensor head = slice(x, 0, 1, 5), tail = slice(x, 0, 0, 4);
         head.add_(tail);
       }, {"[add_]", "some elements of the input tensor", "written-to tensor"}},
      {"copy_shifted_self", [] {
         Tensor x = arange(5.0);
         Tensor a = slice(x, 0, 0, 4);
         a.copy_(slice(x, 0, 1, 5));
       }, {"[copy_]", "some elements of the input tensor"}},
      {"add_transposed_self", [] {
         Tensor x = ones({3, 3});
         x.add_(transpose(x, 0, 1));
       }, {"[add_]", "some elements of the input tensor", "[3, 3]"}},
  };
}

std::vector<BadInput> all_cases() {
  std::vector<BadInput> all;
  for (auto part : {shape_cases(), range_cases(), dtype_device_cases(), random_cases(), autograd_cases(), nn_cases(), aliasing_cases()})
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

// ---- where PyTorch returns a value: the same value here ---------------------------------------

TEST(AliasingValues, SameViewAndDisjointViewsAreAllowed) {
  Tensor x = arange(4.0);
  x.add_(x);  // exactly the same view: x *= 2
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{0, 2, 4, 6}));
  Tensor y = arange(6.0);
  slice(y, 0, 0, 6, 2).add_(slice(y, 0, 1, 6, 2));  // interleaved, disjoint elements
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, 1, 5, 3, 9, 5}));
  Tensor z = arange(6.0);
  slice(z, 0, 3, 6).copy_(slice(z, 0, 0, 3));  // same storage, no shared element
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{0, 1, 2, 0, 1, 2}));
}

TEST(AliasingValues, InPlaceIntoNonContiguousView) {
  Tensor t = zeros({2, 3});
  Tensor tt = transpose(t, 0, 1);
  tt.add_(arange(6.0).to(DType::F32).view({3, 2}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 2, 4, 1, 3, 5}));
  Tensor col = select(t, 1, 1);
  col.mul_(full({2}, 10.0));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 20, 4, 1, 30, 5}));
}

TEST(NanValues, SortPutsNanLastAndMaxPropagates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x = tensor({3.f, nan, 1.f, -2.f});
  const auto up = sort(x);
  const auto v = up.values.to_vector<float>();
  EXPECT_EQ(std::vector<float>(v.begin(), v.begin() + 3), (std::vector<float>{-2.f, 1.f, 3.f}));
  EXPECT_TRUE(std::isnan(v[3]));
  EXPECT_EQ(up.indices.to_vector<int64_t>(), (std::vector<int64_t>{3, 2, 0, 1}));
  const auto down = sort(x, -1, true);
  EXPECT_TRUE(std::isnan(down.values.to_vector<float>()[0]));
  EXPECT_EQ(down.indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 2, 3}));
  EXPECT_TRUE(std::isnan(max(x).item<float>()));
  EXPECT_TRUE(std::isnan(min(x).item<float>()));
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);  // PyTorch: the NaN's index
  EXPECT_EQ(argmin(x).item<int64_t>(), 1);
  EXPECT_TRUE(std::isnan(maximum(tensor({nan}), tensor({1.f})).item<float>()));
  EXPECT_TRUE(std::isnan(sum(x).item<float>()));
}

TEST(NanValues, SoftmaxOfAllMinusInfIsNan) {
  const float inf = std::numeric_limits<float>::infinity();
  const auto p = softmax(tensor({-inf, -inf}), 0).to_vector<float>();
  EXPECT_TRUE(std::isnan(p[0]) && std::isnan(p[1]));
  const auto q = softmax(tensor({-inf, 0.f}), 0).to_vector<float>();
  EXPECT_EQ(q, (std::vector<float>{0.f, 1.f}));
}

TEST(EmptyValues, ReductionsOfEmptyTensors) {
  const Tensor e = zeros({0});
  EXPECT_EQ(sum(e).item<float>(), 0.f);
  EXPECT_EQ(prod(e).item<float>(), 1.f);
  EXPECT_TRUE(std::isnan(mean(e).item<float>()));
  EXPECT_EQ(count_nonzero(e).item<int64_t>(), 0);
  EXPECT_TRUE(all(e).item<bool>());
  EXPECT_FALSE(any(e).item<bool>());
  expect_op_error([&] { (void)max(e); }, {"[max]", "[0]"});
  expect_op_error([&] { (void)argmax(e); }, {"[argmax]", "[0]"});
  // A reduction over a non-empty dim of a tensor with an empty other dim is empty, not an error.
  EXPECT_EQ(sum(zeros({0, 3}), {1}).shape(), (Shape{0}));
  EXPECT_EQ(amax(zeros({0, 3}), {1}).shape(), (Shape{0}));
}

TEST(EmptyValues, ShapesWithZeros) {
  EXPECT_EQ(matmul(zeros({2, 0}), zeros({0, 3})).to_vector<float>(), std::vector<float>(6, 0.f));
  EXPECT_EQ(matmul(zeros({0, 4}), zeros({4, 3})).shape(), (Shape{0, 3}));
  EXPECT_EQ(softmax(zeros({0, 5}), 1).shape(), (Shape{0, 5}));
  EXPECT_EQ(cat({zeros({0, 2}), ones({3, 2})}, 0).shape(), (Shape{3, 2}));
  EXPECT_EQ(topk(tensor({1.f, 2.f}), 0).values.shape(), (Shape{0}));
  EXPECT_EQ(index_select(zeros({4, 2}), 0, zeros({0}, DType::I64)).shape(), (Shape{0, 2}));
  EXPECT_EQ(reshape(zeros({0, 3}), {3, 0}).shape(), (Shape{3, 0}));
  // PyTorch: -1 next to a 0 is ambiguous for an empty tensor.
  expect_op_error([] { (void)reshape(zeros({0, 3}), {-1, 0}); }, {"[reshape]", "[-1, 0]"});
  nn::Linear l(3, 2);
  EXPECT_EQ(l(zeros({0, 3})).shape(), (Shape{0, 2}));
}

INSTANTIATE_TEST_SUITE_P(Rows, BadInputTable, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<BadInput>& i) { return i.param.name; });

}  // namespace
}  // namespace tz::test
