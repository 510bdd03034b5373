#include "autograd/engine.h"

#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/anomaly.h"
#include "autograd/autocast.h"
#include "autograd/grad_mode.h"
#include "core/dispatch.h"

namespace tz::autograd {

namespace {

struct ByLatest {
  bool operator()(Node* a, Node* b) const { return a->sequence_nr < b->sequence_nr; }
};

Tensor accumulate(const Tensor& acc, const Tensor& g, bool create_graph) {
  if (!acc.defined()) return g;
  if (!g.defined()) return acc;
  return create_graph ? acc + g : dispatch::binary(BinaryOp::Add, acc, g);
}

}  // namespace

TensorList run_backward(const std::vector<Edge>& roots, const TensorList& root_grads, const EngineOptions& opts) {
  // 1. Discover the graph and count, for every node, the edges that point at it.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> order;  // discovery order, for the "needed" pass
  {
    std::unordered_set<Node*> seen;
    std::vector<Node*> stack;
    for (const Edge& r : roots)
      if (r.fn && seen.insert(r.fn.get()).second) stack.push_back(r.fn.get());
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      order.push_back(n);
      for (const Edge& e : n->next_edges) {
        if (!e.fn) continue;
        deps[e.fn.get()]++;
        if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
      }
    }
  }

  // 2. With captures, run only nodes from which a captured edge is reachable.
  const bool capturing = !opts.capture.empty();
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> capture_at;  // node -> (slot, result index)
  std::unordered_set<Node*> needed;
  if (capturing) {
    for (size_t i = 0; i < opts.capture.size(); ++i)
      if (opts.capture[i].fn) capture_at[opts.capture[i].fn.get()].push_back({opts.capture[i].input_nr, i});
    // Iterate to a fixed point in reverse discovery order (children are usually discovered
    // after parents, so this converges in one or two sweeps).
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node* n = *it;
        if (needed.count(n)) continue;
        bool need = false;
        for (const Edge& e : n->next_edges)
          if (e.fn && (needed.count(e.fn.get()) || capture_at.count(e.fn.get()))) need = true;
        if (need) {
          needed.insert(n);
          changed = true;
        }
      }
    }
  }

  // 3. Seed the input buffers and run ready nodes latest-first.
  std::unordered_map<Node*, TensorList> buffers;
  std::priority_queue<Node*, std::vector<Node*>, ByLatest> ready;
  std::unordered_map<Node*, std::shared_ptr<Node>> keep_alive;
  for (size_t i = 0; i < roots.size(); ++i) {
    Node* n = roots[i].fn.get();
    if (!n) continue;
    keep_alive[n] = roots[i].fn;
    auto& buf = buffers[n];
    buf.resize(n->outputs.size());
    buf[roots[i].input_nr] = accumulate(buf[roots[i].input_nr], root_grads[i], opts.create_graph);
  }
  for (auto& [n, _] : buffers)
    if (deps[n] == 0) ready.push(n);

  TensorList captured(opts.capture.size());
  AutoGradMode grad_mode(opts.create_graph);
  // Backward functions run on the dtypes the forward chose, never re-cast by an enclosing
  // autocast scope (PyTorch: backward under autocast is not autocast).
  autocast::Suspend no_autocast;
  while (!ready.empty()) {
    Node* n = ready.top();
    ready.pop();
    TensorList grads = std::move(buffers[n]);
    buffers.erase(n);
    grads.resize(n->outputs.size());
    for (auto& [slot, hook] : n->pre_hooks) {
      if (slot < grads.size() && grads[slot].defined()) {
        Tensor r = hook.second(grads[slot]);
        if (r.defined()) grads[slot] = r;
      }
    }
    bool run = true;
    if (capturing) {
      auto c = capture_at.find(n);
      if (c != capture_at.end())
        for (auto [slot, idx] : c->second) captured[idx] = accumulate(captured[idx], grads[slot], opts.create_graph);
      run = needed.count(n) > 0;
    }
    bool any = false;
    for (const Tensor& g : grads) any = any || g.defined();
    TensorList out;
    if (run && any) {
      for (size_t i = 0; i < grads.size(); ++i) {
        if (grads[i].defined()) continue;
        const OutputMeta& m = n->outputs[i];
        grads[i] = dispatch::empty(m.shape, m.dtype, m.device);
        dispatch::fill(grads[i], 0);
      }
      if (is_anomaly_enabled() && !n->next_edges.empty()) {  // leaves (AccumulateGrad) produce none
        const TensorList received = grads;  // for the error message only
        out = n->apply(std::move(grads));
        detail::anomaly_check_backward(*n, received, out);
      } else {
        out = n->apply(std::move(grads));
      }
      if (!opts.retain_graph) n->release_saved();
    }
    for (size_t i = 0; i < n->next_edges.size(); ++i) {
      const Edge& e = n->next_edges[i];
      if (!e.fn) continue;
      Node* child = e.fn.get();
      if (i < out.size() && out[i].defined()) {
        keep_alive.emplace(child, e.fn);
        auto& buf = buffers[child];
        buf.resize(child->outputs.size());
        buf[e.input_nr] = accumulate(buf[e.input_nr], out[i], opts.create_graph);
      }
      if (--deps[child] == 0) ready.push(child);  // runs (or is skipped) even if no grad arrived
    }
  }
  return captured;
}

}  // namespace tz::autograd
