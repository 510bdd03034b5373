#include "autograd/node.h"

#include <atomic>

#include "autograd/grad_mode.h"
#include "core/dispatch.h"

namespace tz::autograd {

namespace {
std::atomic<uint64_t> g_next_sequence{0};
std::atomic<int> g_next_hook{1};
}  // namespace

Node::Node() : sequence_nr(g_next_sequence.fetch_add(1)) {}

Node::~Node() {
  // Release long chains iteratively: dropping the last reference to the head of a 100k-node
  // graph would otherwise recurse once per node and overflow the stack.
  static thread_local bool draining = false;
  static thread_local std::vector<std::shared_ptr<Node>> pending;
  for (auto& e : next_edges)
    if (e.fn) pending.push_back(std::move(e.fn));
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    n.reset();
  }
  draining = false;
}

int next_hook_id() { return g_next_hook.fetch_add(1); }

AutogradMeta& meta_of(const Tensor& t) {
  auto& m = t.impl()->autograd;
  if (!m) m = std::make_shared<AutogradMeta>();
  return *m;
}

Edge gradient_edge(const Tensor& t) {
  auto& m = t.impl()->autograd;
  if (!m) return {};
  if (m->grad_fn) return {m->grad_fn, m->output_nr};
  if (!m->requires_grad) return {};
  // Threads recording ops on one shared leaf at once must agree on one accumulator: the weak_ptr
  // is read and replaced together under the lock (unguarded, two threads each stored their own
  // node into it concurrently: a torn weak_ptr and a double free).
  std::lock_guard<std::mutex> lock(m->mutex);
  std::shared_ptr<Node> acc = m->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    acc->outputs.push_back({t.shape(), t.dtype(), t.device()});
    m->grad_accumulator = acc;
  }
  return {acc, 0};
}

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor g = std::move(grads[0]);
  auto& m = *leaf_->autograd;
  // Hooks run on a snapshot taken under the lock, and outside it: another thread may add or
  // remove hooks meanwhile, and a hook may itself read this leaf's .grad.
  std::vector<std::pair<int, Hook>> hooks;
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    if (!m.hooks.empty()) hooks = m.hooks;
  }
  for (auto& [id, hook] : hooks) {
    Tensor r = hook(g);
    if (r.defined()) g = r;
  }
  Tensor leaf(leaf_);
  TZ_CHECK(g.shape() == leaf.shape(), "backward", "gradient of shape ", shape_str(g.shape()),
           " does not match its leaf tensor of shape ", shape_str(leaf.shape()));
  if (g.dtype() != leaf.dtype()) g = dispatch::cast(g, leaf.dtype());
  if (!GradMode::is_enabled()) {
    // .grad must not alias a tensor that someone else holds: zero_grad(false) and optimizers
    // write into it in place.
    g = g.detach();
    if (g.impl_ptr().use_count() > 1 || g.impl()->is_view || !g.is_contiguous() ||
        g.storage().use_count() > 1) {
      Tensor own = dispatch::empty(g.shape(), g.dtype(), g.device());
      dispatch::copy_into(own, g);
      g = own;
    }
  }
  // Read-add-store of .grad is one step per leaf: without the lock two threads read the same old
  // gradient and one addition is lost. The sum is out of place, so a handle to the previous
  // .grad that another thread holds (grad(), an optimizer) stays valid and unchanged.
  std::lock_guard<std::mutex> lock(m.mutex);
  if (!m.grad.defined()) {
    m.grad = g;
  } else {
    m.grad = GradMode::is_enabled() ? m.grad + g : dispatch::binary(BinaryOp::Add, m.grad, g);
  }
  return {};
}

}  // namespace tz::autograd
