#pragma once
/// The backward engine: runs the graph reachable from the roots in reverse, iteratively (no
/// recursion, so arbitrarily deep graphs are safe).
#include "autograd/node.h"

namespace tz::autograd {

struct EngineOptions {
  bool retain_graph = false;
  bool create_graph = false;
  /// When non-empty, gradients arriving at these edges are returned instead of being
  /// accumulated into .grad, and only the part of the graph leading to them runs (tz::grad).
  std::vector<Edge> capture;
};

/// Runs backward from `roots` seeded with `root_grads`; returns the captured gradients (one per
/// EngineOptions::capture entry, undefined where none arrived).
TensorList run_backward(const std::vector<Edge>& roots, const TensorList& root_grads, const EngineOptions& opts);

}  // namespace tz::autograd
