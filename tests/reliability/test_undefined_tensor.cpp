// An undefined tz::Tensor (default-constructed or moved-from) used anywhere in the public API:
// a tz::Error naming the op, never a null-pointer crash. Before the fix, the autograd members
// (requires_grad, grad, backward, ...), set_data, binary operators and tz::grad dereferenced the
// missing TensorImpl; the metadata accessors threw, but all as "[tensor]".
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tensorzoo.h"
#include "tests/reliability/expect_error.h"

namespace tz::test {
namespace {

/// One public entry point called with an undefined tensor `u` (and a defined float vector `x`
/// where the call needs a second operand); `op` is the name the error must start with.
struct UndefinedCase {
  std::string name;
  std::string op;
  std::function<void(const Tensor& u, const Tensor& x)> call;
};

void PrintTo(const UndefinedCase& c, std::ostream* os) { *os << c.name; }

// A gtest name may hold letters, digits and '_' only.
using V = const Tensor&;
const std::vector<UndefinedCase> kCases = {
    // ---- metadata (core/tensor.cpp) ----
    {"shape", "shape", [](V u, V) { (void)u.shape(); }},
    {"sizes", "shape", [](V u, V) { (void)u.sizes(); }},
    {"size", "size", [](V u, V) { (void)u.size(0); }},
    {"strides", "strides", [](V u, V) { (void)u.strides(); }},
    {"stride", "stride", [](V u, V) { (void)u.stride(0); }},
    {"dim", "dim", [](V u, V) { (void)u.dim(); }},
    {"numel", "numel", [](V u, V) { (void)u.numel(); }},
    {"dtype", "dtype", [](V u, V) { (void)u.dtype(); }},
    {"device", "device", [](V u, V) { (void)u.device(); }},
    {"storage_offset", "storage_offset", [](V u, V) { (void)u.storage_offset(); }},
    {"is_contiguous", "is_contiguous", [](V u, V) { (void)u.is_contiguous(); }},
    {"is_floating_point", "is_floating_point", [](V u, V) { (void)u.is_floating_point(); }},
    {"data_ptr", "data_ptr", [](V u, V) { (void)u.data_ptr(); }},
    {"data", "data", [](V u, V) { (void)u.data<float>(); }},
    {"kernel_view", "kernel_view", [](V u, V) { (void)u.kernel_view(); }},
    {"storage", "storage", [](V u, V) { (void)u.storage(); }},
    {"impl", "tensor", [](V u, V) { (void)u.impl(); }},
    {"bump_version", "bump_version", [](V u, V) { u.bump_version(); }},
    {"set_data_self", "set_data", [](V u, V x) { u.set_data(x); }},
    {"set_data_other", "set_data", [](V u, V x) { x.set_data(u); }},
    // ---- autograd (autograd/tensor_autograd.cpp) ----
    {"requires_grad", "requires_grad", [](V u, V) { (void)u.requires_grad(); }},
    {"requires_grad_", "requires_grad_", [](V u, V) { Tensor t = u; t.requires_grad_(); }},
    {"grad", "grad", [](V u, V) { (void)u.grad(); }},
    {"set_grad_self", "set_grad", [](V u, V x) { u.set_grad(x); }},
    {"zero_grad", "zero_grad", [](V u, V) { u.zero_grad(); }},
    {"grad_fn", "grad_fn", [](V u, V) { (void)u.grad_fn(); }},
    {"output_nr", "output_nr", [](V u, V) { (void)u.output_nr(); }},
    {"is_leaf", "is_leaf", [](V u, V) { (void)u.is_leaf(); }},
    {"backward", "backward", [](V u, V) { u.backward(); }},
    {"detach", "detach", [](V u, V) { (void)u.detach(); }},
    {"register_hook", "register_hook", [](V u, V) { u.register_hook([](const Tensor& g) { return g; }); }},
    {"remove_hook", "remove_hook", [](V u, V) { u.remove_hook(0); }},
    {"retain_grad", "retain_grad", [](V u, V) { u.retain_grad(); }},
    {"grad_undefined_output", "grad", [](V u, V x) { (void)tz::grad({u}, {x}); }},
    {"grad_undefined_input", "grad", [](V u, V x) {
       Tensor w = x.detach().requires_grad_();
       (void)tz::grad({(w * w).sum()}, {w, u});
     }},
    // ---- conversions and data ----
    {"to_dtype", "to", [](V u, V) { (void)u.to(DType::F64); }},
    {"to_device", "to", [](V u, V) { (void)u.to(kCPU); }},
    {"to_device_dtype", "to", [](V u, V) { (void)u.to(kCPU, DType::F64); }},
    {"cpu", "cpu", [](V u, V) { (void)u.cpu(); }},
    {"contiguous", "contiguous", [](V u, V) { (void)u.contiguous(); }},
    {"clone", "clone", [](V u, V) { (void)u.clone(); }},
    {"item_typed", "item", [](V u, V) { (void)u.item<float>(); }},
    {"item_scalar", "item", [](V u, V) { (void)u.item(); }},
    {"to_vector", "to_vector", [](V u, V) { (void)u.to_vector<float>(); }},
    // ---- views ----
    {"view", "view", [](V u, V) { (void)u.view({3}); }},
    {"reshape", "reshape", [](V u, V) { (void)u.reshape({3}); }},
    {"permute", "permute", [](V u, V) { (void)u.permute({0}); }},
    {"transpose", "transpose", [](V u, V) { (void)u.transpose(0, 1); }},
    {"t", "t", [](V u, V) { (void)u.t(); }},
    {"mT", "mT", [](V u, V) { (void)u.mT(); }},
    {"slice", "slice", [](V u, V) { (void)u.slice(0, 0, 1); }},
    {"narrow", "narrow", [](V u, V) { (void)u.narrow(0, 0, 1); }},
    {"select", "select", [](V u, V) { (void)u.select(0, 0); }},
    {"subscript", "select", [](V u, V) { (void)u[0]; }},
    {"expand", "expand", [](V u, V) { (void)u.expand({3}); }},
    {"expand_as_self", "expand", [](V u, V x) { (void)u.expand_as(x); }},
    {"expand_as_other", "expand_as", [](V u, V x) { (void)x.expand_as(u); }},
    {"squeeze", "squeeze", [](V u, V) { (void)u.squeeze(); }},
    {"squeeze_dim", "squeeze", [](V u, V) { (void)u.squeeze(0); }},
    {"unsqueeze", "unsqueeze", [](V u, V) { (void)u.unsqueeze(0); }},
    {"flatten", "flatten", [](V u, V) { (void)u.flatten(); }},
    {"unflatten", "unflatten", [](V u, V) { (void)u.unflatten(0, {1, 3}); }},
    {"unfold", "unfold", [](V u, V) { (void)u.unfold(0, 1, 1); }},
    {"diagonal", "diagonal", [](V u, V) { (void)u.diagonal(); }},
    {"as_strided", "as_strided", [](V u, V) { (void)u.as_strided({1}, {1}); }},
    {"view_as_other", "view_as", [](V u, V x) { (void)x.view_as(u); }},
    // ---- in place ----
    {"fill_", "fill_", [](V u, V) { Tensor t = u; t.fill_(1); }},
    {"zero_", "zero_", [](V u, V) { Tensor t = u; t.zero_(); }},
    {"copy_self", "copy_", [](V u, V x) { Tensor t = u; t.copy_(x); }},
    {"copy_src", "copy_", [](V u, V x) { x.clone().copy_(u); }},
    {"add_self", "add_", [](V u, V x) { Tensor t = u; t.add_(x); }},
    {"add_other", "add_", [](V u, V x) { x.clone().add_(u); }},
    {"add_scalar", "add_", [](V u, V) { Tensor t = u; t.add_(1.0); }},
    {"sub_other", "sub_", [](V u, V x) { x.clone().sub_(u); }},
    {"mul_other", "mul_", [](V u, V x) { x.clone().mul_(u); }},
    {"mul_scalar", "mul_", [](V u, V) { Tensor t = u; t.mul_(2.0); }},
    {"div_other", "div_", [](V u, V x) { x.clone().div_(u); }},
    {"div_scalar", "div_", [](V u, V) { Tensor t = u; t.div_(2.0); }},
    {"clamp_", "clamp_", [](V u, V) { Tensor t = u; t.clamp_(0.0, 1.0); }},
    {"masked_fill_self", "masked_fill_", [](V u, V x) { Tensor t = u; t.masked_fill_(x > 0.0, 0.0); }},
    {"masked_fill_mask", "masked_fill_", [](V u, V x) { x.clone().masked_fill_(u, 0.0); }},
    {"uniform_", "uniform_", [](V u, V) { Tensor t = u; t.uniform_(); }},
    {"normal_", "normal_", [](V u, V) { Tensor t = u; t.normal_(); }},
    // ---- ops as methods ----
    {"neg", "neg", [](V u, V) { (void)u.neg(); }},
    {"abs", "abs", [](V u, V) { (void)u.abs(); }},
    {"exp", "exp", [](V u, V) { (void)u.exp(); }},
    {"log", "log", [](V u, V) { (void)u.log(); }},
    {"sqrt", "sqrt", [](V u, V) { (void)u.sqrt(); }},
    {"rsqrt", "rsqrt", [](V u, V) { (void)u.rsqrt(); }},
    {"square", "square", [](V u, V) { (void)u.square(); }},
    {"tanh", "tanh", [](V u, V) { (void)u.tanh(); }},
    {"sigmoid", "sigmoid", [](V u, V) { (void)u.sigmoid(); }},
    {"relu", "relu", [](V u, V) { (void)u.relu(); }},
    {"pow_scalar", "pow", [](V u, V) { (void)u.pow(2.0); }},
    {"pow_tensor_exponent", "pow", [](V u, V x) { (void)x.pow(u); }},
    {"sum", "sum", [](V u, V) { (void)u.sum(); }},
    {"mean", "mean", [](V u, V) { (void)u.mean(); }},
    {"amax", "amax", [](V u, V) { (void)u.amax(); }},
    {"amin", "amin", [](V u, V) { (void)u.amin(); }},
    {"argmax", "argmax", [](V u, V) { (void)u.argmax(); }},
    {"var", "var", [](V u, V) { (void)u.var(); }},
    {"matmul_self", "matmul", [](V u, V x) { (void)u.matmul(x); }},
    {"matmul_other", "matmul", [](V u, V x) { (void)x.matmul(u); }},
    {"softmax", "softmax", [](V u, V) { (void)u.softmax(0); }},
    {"log_softmax", "log_softmax", [](V u, V) { (void)u.log_softmax(0); }},
    {"masked_fill", "masked_fill", [](V u, V) { (void)u.masked_fill(tensor({true, false, true}), 0.0); }},
    {"masked_fill_undefined_mask", "masked_fill", [](V u, V x) { (void)x.masked_fill(u, 0.0); }},
    {"clamp", "clamp", [](V u, V) { (void)u.clamp(0.0, 1.0); }},
    {"eq_method", "eq", [](V u, V x) { (void)x.eq(u); }},
    // ---- operators and free binary ops (autograd/ops_binary.cpp) ----
    {"plus_right", "add", [](V u, V x) { (void)(x + u); }},
    {"plus_left", "add", [](V u, V x) { (void)(u + x); }},
    {"minus", "sub", [](V u, V x) { (void)(x - u); }},
    {"times", "mul", [](V u, V x) { (void)(x * u); }},
    {"divide", "div", [](V u, V x) { (void)(u / x); }},
    {"plus_scalar", "add", [](V u, V) { (void)(u + 1.0); }},
    {"scalar_minus", "sub", [](V u, V) { (void)(1.0 - u); }},
    {"scalar_times", "mul", [](V u, V) { (void)(2.0 * u); }},
    {"scalar_divide", "div", [](V u, V) { (void)(1.0 / u); }},
    {"unary_minus", "neg", [](V u, V) { (void)(-u); }},
    {"logical_not_op", "logical_not", [](V u, V) { (void)(!u); }},
    {"equal_to", "eq", [](V u, V x) { (void)(x == u); }},
    {"not_equal", "ne", [](V u, V x) { (void)(u != x); }},
    {"less", "lt", [](V u, V x) { (void)(x < u); }},
    {"less_equal", "le", [](V u, V x) { (void)(x <= u); }},
    {"greater", "gt", [](V u, V x) { (void)(u > x); }},
    {"greater_equal", "ge", [](V u, V x) { (void)(x >= u); }},
    {"less_scalar", "lt", [](V u, V) { (void)(u < 0.0); }},
    {"and_op", "logical_and", [](V u, V x) { (void)(x && u); }},
    {"or_op", "logical_or", [](V u, V x) { (void)(u || x); }},
    {"free_add", "add", [](V u, V x) { (void)tz::add(x, u); }},
    {"free_maximum", "maximum", [](V u, V x) { (void)tz::maximum(x, u); }},
    {"free_remainder", "remainder", [](V u, V x) { (void)tz::remainder(u, x); }},
    {"free_floor_divide", "floor_divide", [](V u, V x) { (void)tz::floor_divide(x, u); }},
    {"free_atan2", "atan2", [](V u, V x) { (void)tz::atan2(x, u); }},
    {"free_where_cond", "where", [](V u, V x) { (void)tz::where(u, x, x); }},
    {"free_where_value", "where", [](V u, V x) { (void)tz::where(x > 0.0, x, u); }},
    {"free_isclose", "isclose", [](V u, V x) { (void)tz::isclose(x, u); }},
    {"free_equal", "equal", [](V u, V x) { (void)tz::equal(u, x); }},
};

class UndefinedTensor : public ::testing::TestWithParam<UndefinedCase> {};

TEST_P(UndefinedTensor, ThrowsNamingTheOp) {
  const UndefinedCase& c = GetParam();
  const Tensor u;
  const Tensor x = tensor({1.f, -2.f, 3.f});
  expect_error([&] { c.call(u, x); }, {"[" + c.op + "]", "use of an undefined tensor"});
}

INSTANTIATE_TEST_SUITE_P(Api, UndefinedTensor, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<UndefinedCase>& i) { return i.param.name; });

TEST(UndefinedTensorMovedFrom, BackwardAndGradThrow) {
  Tensor a = tensor({1.f, 2.f}).requires_grad_();
  Tensor b = std::move(a);
  // NOLINTBEGIN(bugprone-use-after-move): the point of the test.
  EXPECT_FALSE(a.defined());
  expect_error([&] { a.backward(); }, {"[backward]", "use of an undefined tensor"});
  expect_error([&] { (void)a.grad(); }, {"[grad]", "use of an undefined tensor"});
  expect_error([&] { (void)(a + b); }, {"[add]", "use of an undefined tensor"});
  // NOLINTEND(bugprone-use-after-move)
  EXPECT_TRUE(b.requires_grad());  // the moved-to handle is intact
}

TEST(UndefinedTensorAllowed, UndefinedArgumentsThatMeanNone) {
  // These are documented uses of an undefined tensor, not errors: printing it, a backward seed
  // of "ones", clearing a gradient, and an undefined grad_output entry.
  const Tensor u;
  EXPECT_EQ(u.str(), "tensor(undefined)");
  EXPECT_EQ(describe(u), "undefined");
  Tensor w = tensor({1.f, 2.f}).requires_grad_();
  (w * w).sum().backward(u);
  EXPECT_TRUE(w.grad().defined());
  w.set_grad(u);
  EXPECT_FALSE(w.grad().defined());
  const TensorList g = tz::grad({(w * w).sum()}, {w}, {u});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].to_vector<float>(), (std::vector<float>{2.f, 4.f}));
}

}  // namespace
}  // namespace tz::test
