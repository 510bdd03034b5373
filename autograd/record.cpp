#include "autograd/record.h"

#include <array>
#include <cstdint>
#include <mutex>

#include "autograd/anomaly.h"
#include "autograd/op_list.h"
#include "core/dispatch.h"

namespace tz::autograd {

namespace {

/// A node whose backward is a lambda. Releasing it drops the lambda and with it the saved tensors.
///
/// Several threads may run backward through one shared graph at once (retain_graph, or a part
/// of the graph recorded before the threads split). As in PyTorch, the node's lock makes its
/// backward and the release of its saved state one step each: otherwise one thread could free
/// the lambda while another is running it.
class FunctionNode : public Node {
 public:
  FunctionNode(const char* name, BackwardFn fn, std::vector<bool> needs)
      : name_(name), fn_(std::move(fn)), needs_(std::move(needs)) {}
  std::string name() const override { return name_; }
  TensorList apply(TensorList&& grads) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!fn_)
      TZ_FAIL("autograd", "graph already freed: ", name_, " ran in an earlier backward; pass retain_graph=true "
              "to the first backward to run it again");
    BackwardArgs args{grads, needs_, *this};
    TensorList out = fn_(args);
    TZ_CHECK(out.size() == next_edges.size(), "autograd", name_, " returned ", out.size(), " gradients for ",
             next_edges.size(), " inputs");
    return out;
  }
  void release_saved() override {
    BackwardFn dropped;  // destroyed after the unlock: freeing saved tensors needs no lock
    std::lock_guard<std::mutex> lock(mutex_);
    dropped.swap(fn_);
  }

 private:
  std::mutex mutex_;
  const char* name_;
  BackwardFn fn_;
  std::vector<bool> needs_;
};

bool wants_grad(const Tensor& t) { return t.defined() && t.impl()->autograd && t.requires_grad(); }

/// is_listed_op with a per-thread memo of the names already found: node names are string
/// literals, so after the first record of an op its check is one pointer comparison instead of
/// a binary search over the op list.
bool listed_name(const char* name) {
  thread_local std::array<const char*, 64> seen{};
  const char*& slot = seen[(reinterpret_cast<uintptr_t>(name) >> 3) % seen.size()];
  if (slot == name) return true;
  if (!is_listed_op(name)) return false;
  slot = name;
  return true;
}

}  // namespace

bool needs_grad(std::initializer_list<Tensor> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (wants_grad(t)) return true;
  return false;
}

bool needs_grad(const TensorList& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (wants_grad(t)) return true;
  return false;
}

std::shared_ptr<Node> record(const char* name, const TensorList& inputs, const TensorList& outputs, BackwardFn fn) {
  TZ_CHECK(listed_name(name), "autograd", "node '", name, "' is missing from autograd/op_list.h");
  std::vector<bool> needs(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) needs[i] = wants_grad(inputs[i]);
  auto node = std::make_shared<FunctionNode>(name, std::move(fn), needs);
  node->next_edges.reserve(inputs.size());
  for (const Tensor& t : inputs) node->next_edges.push_back(wants_grad(t) ? gradient_edge(t) : Edge{});
  node->outputs.reserve(outputs.size());
  for (uint32_t i = 0; i < outputs.size(); ++i) {
    const Tensor& o = outputs[i];
    node->outputs.push_back(o.defined() ? OutputMeta{o.shape(), o.dtype(), o.device()} : OutputMeta{});
    if (!o.defined() || !is_floating(o.dtype())) continue;
    auto& m = meta_of(o);
    m.requires_grad = true;
    m.grad_fn = node;
    m.output_nr = i;
  }
  // The one place every differentiable op passes through after its forward ran.
  if (is_anomaly_enabled()) detail::anomaly_check_forward(*node, inputs, outputs);
  return node;
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const int64_t lead = grad.dim() - int64_t(shape.size());
  TZ_CHECK(lead >= 0, "sum_to", "cannot reduce ", shape_str(grad.shape()), " to ", shape_str(shape));
  Dims dims;
  for (int64_t i = 0; i < grad.dim(); ++i) {
    if (i < lead) {
      dims.push_back(i);
    } else if (shape[size_t(i - lead)] == 1 && grad.size(i) != 1) {
      dims.push_back(i);
    } else {
      TZ_CHECK(shape[size_t(i - lead)] == grad.size(i), "sum_to", "cannot reduce ", shape_str(grad.shape()), " to ",
               shape_str(shape));
    }
  }
  Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  return r.dim() == int64_t(shape.size()) ? r : r.reshape(shape);
}

Tensor grad_like(const Tensor& grad, const Shape& shape, DType dtype) {
  Tensor g = sum_to(grad, shape);
  return g.dtype() == dtype ? g : g.to(dtype);
}
Tensor grad_like(const Tensor& grad, const Tensor& input) { return grad_like(grad, input.shape(), input.dtype()); }

void check_inplace(const Tensor& self, const char* op, bool other_requires_grad) {
  if (!GradMode::is_enabled()) return;
  if (wants_grad(self) && !self.grad_fn()) {
    TZ_FAIL(op, "a leaf tensor that requires grad (", describe(self),
            ") is used in an in-place operation; wrap it in NoGradGuard or use an out-of-place op");
  }
  if (self.impl()->is_view && (wants_grad(self) || other_requires_grad)) {
    TZ_FAIL(op, "in-place operation on a view (", describe(self),
            ") while recording gradients is not supported; use the out-of-place op");
  }
}

void commit_inplace(const Tensor& self, const Tensor& result, const char* op) {
  check_inplace(self, op, wants_grad(result));
  {
    AutoGradMode off(false);
    dispatch::copy_into(self, result);
  }
  self.bump_version();
  if (wants_grad(result)) {
    auto& m = meta_of(self);
    m.requires_grad = true;
    m.grad_fn = result.grad_fn();
    m.output_nr = result.output_nr();
    // The node's output record now describes self.
  }
}

}  // namespace tz::autograd
