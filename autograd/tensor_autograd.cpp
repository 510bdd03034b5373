// Tensor's autograd members and tz::grad.
#include "autograd/engine.h"
#include "autograd/functional.h"
#include "autograd/grad_mode.h"
#include "core/dispatch.h"

namespace tz {

using autograd::meta_of;

bool Tensor::requires_grad() const {
  check_defined(*this, "requires_grad");
  auto& m = impl()->autograd;
  return m && (m->requires_grad || m->grad_fn);
}

Tensor& Tensor::requires_grad_(bool on) {
  check_defined(*this, "requires_grad_");
  TZ_CHECK(!grad_fn() || on, "requires_grad_", "cannot turn off requires_grad on a non-leaf tensor (",
           describe(*this), "); use detach()");
  TZ_CHECK(!on || is_floating(dtype()), "requires_grad_", "only floating-point tensors can require grad, got ",
           describe(*this));
  meta_of(*this).requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const {
  check_defined(*this, "grad");
  auto& m = impl()->autograd;
  if (!m) return Tensor();
  std::lock_guard<std::mutex> lock(m->mutex);  // backward may be replacing it on another thread
  return m->grad;
}

void Tensor::set_grad(const Tensor& g) const {
  check_defined(*this, "set_grad");
  // PyTorch's .grad setter rejects these too: optimizers and the engine's accumulation would
  // otherwise mix dtypes, shapes or devices later and fail far from the assignment. An
  // undefined g clears the gradient.
  if (g.defined()) {
    TZ_CHECK(!g.is_same(*this), "set_grad", "can't assign a tensor as its own grad (", describe(g), ")");
    TZ_CHECK(g.dtype() == dtype(), "set_grad", "assigned grad has data of a different type: ", describe(g),
             " for a tensor ", describe(*this));
    TZ_CHECK(g.device() == device(), "set_grad", "assigned grad has data located on a different device: ",
             describe(g), " for a tensor ", describe(*this));
    TZ_CHECK(g.shape() == shape(), "set_grad", "assigned grad has data of a different size: ", describe(g),
             " for a tensor ", describe(*this));
  }
  auto& m = meta_of(*this);
  std::lock_guard<std::mutex> lock(m.mutex);
  m.grad = g;
}

void Tensor::zero_grad(bool set_to_none) const {
  check_defined(*this, "zero_grad");
  auto& m = impl()->autograd;
  if (!m) return;
  std::lock_guard<std::mutex> lock(m->mutex);
  if (!m->grad.defined()) return;
  if (set_to_none) {
    m->grad = Tensor();
  } else {
    dispatch::fill(m->grad, 0);
    m->grad.bump_version();
  }
}

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<autograd::Node> none;
  check_defined(*this, "grad_fn");
  auto& m = impl()->autograd;
  return m ? m->grad_fn : none;
}

uint32_t Tensor::output_nr() const {
  check_defined(*this, "output_nr");
  auto& m = impl()->autograd;
  return m ? m->output_nr : 0;
}

bool Tensor::is_leaf() const {
  check_defined(*this, "is_leaf");
  return !grad_fn();
}

Tensor Tensor::detach() const {
  check_defined(*this, "detach");
  Tensor t = dispatch::make_view(*this, shape(), strides(), storage_offset());
  t.impl()->is_view = impl()->is_view;
  return t;
}

int Tensor::register_hook(std::function<Tensor(const Tensor&)> fn) const {
  check_defined(*this, "register_hook");
  TZ_CHECK(bool(fn), "register_hook", "the hook is an empty std::function");
  TZ_CHECK(requires_grad(), "register_hook", "cannot register a hook on a tensor that does not require grad (",
           describe(*this), ")");
  const int id = autograd::next_hook_id();
  if (grad_fn()) {
    grad_fn()->pre_hooks.push_back({output_nr(), {id, std::move(fn)}});
  } else {
    auto& m = meta_of(*this);
    std::lock_guard<std::mutex> lock(m.mutex);
    m.hooks.push_back({id, std::move(fn)});
  }
  return id;
}

void Tensor::remove_hook(int handle) const {
  check_defined(*this, "remove_hook");
  auto& m = meta_of(*this);
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    std::erase_if(m.hooks, [&](auto& h) { return h.first == handle; });
  }
  if (grad_fn()) std::erase_if(grad_fn()->pre_hooks, [&](auto& h) { return h.second.first == handle; });
}

void Tensor::retain_grad() const {
  check_defined(*this, "retain_grad");
  TZ_CHECK(requires_grad(), "retain_grad", "tensor does not require grad (", describe(*this), ")");
  if (is_leaf()) return;
  auto& m = meta_of(*this);
  if (m.retains_grad) return;
  m.retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_ptr();
  grad_fn()->pre_hooks.push_back({output_nr(), {autograd::next_hook_id(), [weak](const Tensor& g) {
    if (auto impl = weak.lock()) {
      auto& mm = *impl->autograd;
      std::lock_guard<std::mutex> lock(mm.mutex);
      mm.grad = mm.grad.defined() ? dispatch::binary(BinaryOp::Add, mm.grad, g) : g.detach();
    }
    return Tensor();
  }}});
}

namespace {
Tensor default_grad(const Tensor& out, const char* op) {
  TZ_CHECK(out.numel() == 1, op, "grad can be implicitly created only for scalar outputs, got ", describe(out),
           "; pass a gradient of the output's shape");
  Tensor g = dispatch::empty(out.shape(), out.dtype(), out.device());
  dispatch::fill(g, 1);
  return g;
}
}  // namespace

void Tensor::backward(const Tensor& grad, bool retain_graph, bool create_graph) const {
  check_defined(*this, "backward");  // an undefined `grad` is allowed: it means ones
  TZ_CHECK(requires_grad(), "backward", "tensor ", describe(*this),
           " does not require grad and has no grad_fn (was it computed under NoGradGuard, or by a "
           "non-differentiable op such as argmax or a comparison?)");
  Tensor g = grad.defined() ? grad : default_grad(*this, "backward");
  TZ_CHECK(g.shape() == shape(), "backward", "gradient ", describe(g), " does not match output ", describe(*this));
  autograd::EngineOptions opts;
  opts.retain_graph = retain_graph || create_graph;
  opts.create_graph = create_graph;
  autograd::run_backward({autograd::gradient_edge(*this)}, {g}, opts);
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs,
                std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  TZ_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "grad", "got ", grad_outputs.size(),
           " grad_outputs for ", outputs.size(), " outputs");
  std::vector<autograd::Edge> roots;
  TensorList seeds;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& o = outputs[i];
    TZ_CHECK(o.defined(), "grad", "output ", i, ": use of an undefined tensor");
    TZ_CHECK(o.requires_grad(), "grad", "output ", i, " (", describe(o), ") does not require grad");
    roots.push_back(autograd::gradient_edge(o));
    const Tensor& go = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    seeds.push_back(go.defined() ? go : default_grad(o, "grad"));
  }
  autograd::EngineOptions opts;
  opts.retain_graph = retain_graph.value_or(create_graph);
  opts.create_graph = create_graph;
  for (size_t j = 0; j < inputs.size(); ++j) {
    TZ_CHECK(inputs[j].defined(), "grad", "input ", j, ": use of an undefined tensor");
    TZ_CHECK(inputs[j].requires_grad(), "grad", "input ", j, " (", describe(inputs[j]), ") does not require grad");
    opts.capture.push_back(autograd::gradient_edge(inputs[j]));
  }
  TensorList result = autograd::run_backward(roots, seeds, opts);
  for (size_t j = 0; j < result.size(); ++j) {
    TZ_CHECK(result[j].defined() || allow_unused, "grad", "input ", j, " (", describe(inputs[j]),
             ") was not used to compute the outputs; pass allow_unused=true");
    if (result[j].defined() && !create_graph) result[j] = result[j].detach();
  }
  return result;
}

}  // namespace tz
