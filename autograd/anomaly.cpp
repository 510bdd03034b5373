#include "autograd/anomaly.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstring>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops_binary.h"
#include "autograd/ops_reduce.h"
#include "core/error.h"

namespace tz::autograd {

namespace {

thread_local bool g_anomaly_enabled = false;

/// The names of the last few nodes recorded on this thread under anomaly mode, oldest first
/// once full: a cheap stand-in for PyTorch's forward traceback.
struct RecentOps {
  static constexpr size_t kKept = 3;
  std::array<std::string, kKept> names;
  size_t next = 0, count = 0;
  std::string list() const {
    std::string out;
    for (size_t i = 0; i < count; ++i) {
      const size_t at = (next + kKept - count + i) % kKept;
      out += (out.empty() ? "" : ", ") + names[at];
    }
    return out;
  }
  void push(const std::string& name) {
    names[next] = name;
    next = (next + 1) % kKept;
    if (count < kKept) ++count;
  }
};
thread_local RecentOps g_recent;

std::string describe_short(const Tensor& t) {
  if (!t.defined()) return "-";
  return std::string(dtype_name(t.dtype())) + shape_str(t.shape());
}

std::string describe_list(const TensorList& ts) {
  std::string out;
  for (size_t i = 0; i < ts.size(); ++i) out += (i ? ", " : "") + describe_short(ts[i]);
  return out;
}

/// Infinities from these ops are fills (masks written as -inf, -inf padding for max pooling),
/// not overflow.
bool fills_infinities(const std::string& node_name) {
  return node_name == "MaskedFillBackward" || node_name == "WhereBackward" || node_name == "ConstantPadBackward";
}

std::string node_label(const Node& node) { return cat_str("node ", node.name(), " #", node.sequence_nr); }

}  // namespace

bool is_anomaly_enabled() { return g_anomaly_enabled; }

DetectAnomaly::DetectAnomaly(bool enabled) : prev_(g_anomaly_enabled) {
  // "recorded after ..." lists ops of this anomaly scope only, not of an earlier one.
  if (enabled && !prev_) g_recent = RecentOps{};
  g_anomaly_enabled = enabled;
}
DetectAnomaly::~DetectAnomaly() { g_anomaly_enabled = prev_; }

std::string NonFiniteScan::what() const {
  if (nan && inf) return "NaN and Inf";
  return nan ? "NaN" : inf ? "Inf" : "";
}

NonFiniteScan scan_nonfinite(const Tensor& t) {
  NonFiniteScan s;
  if (!t.defined() || !is_floating(t.dtype()) || t.numel() == 0) return s;
  // The checks themselves must not record (record() would check them again, without end).
  NoGradGuard no_grad;
  // One pass and one sync on the common path: x * 0 is 0 for every finite x and NaN for a NaN
  // or an infinity, and a sum of zeros cannot overflow.
  const double probe = sum(t * Scalar(0.0)).item<double>();
  if (std::isfinite(probe)) return s;
  s.nan = any(isnan(t)).item<bool>();
  s.inf = any(isinf(t)).item<bool>();
  return s;
}

bool all_finite(const Tensor& t) { return scan_nonfinite(t).finite(); }

std::string forward_op_name(const std::string& node_name) {
  std::string base = node_name;
  constexpr const char* kSuffix = "Backward";
  const size_t n = std::strlen(kSuffix);
  if (base.size() > n && base.compare(base.size() - n, n, kSuffix) == 0) base.resize(base.size() - n);
  std::string out;
  for (size_t i = 0; i < base.size(); ++i) {
    const char c = base[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0) out += '_';
      out += char(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

namespace detail {

void anomaly_check_forward(Node& node, const TensorList& inputs, const TensorList& outputs) {
  const std::string name = node.name();
  const std::string op = forward_op_name(name);
  node.anomaly = std::make_unique<AnomalyRecord>(AnomalyRecord{describe_list(inputs), g_recent.list()});
  g_recent.push(op);

  for (size_t i = 0; i < outputs.size(); ++i) {
    const NonFiniteScan out = scan_nonfinite(outputs[i]);
    if (out.finite()) continue;
    // Inputs are scanned only now, on the error path: was the value there before this op?
    NonFiniteScan in_any;
    int nan_from_plain = -1;  // an input without history that holds a NaN
    for (size_t j = 0; j < inputs.size(); ++j) {
      const NonFiniteScan in = scan_nonfinite(inputs[j]);
      in_any.nan = in_any.nan || in.nan;
      in_any.inf = in_any.inf || in.inf;
      if (in.nan && nan_from_plain < 0 && !inputs[j].grad_fn()) nan_from_plain = int(j);
    }
    if (out.nan && nan_from_plain >= 0) {
      TZ_FAIL("anomaly", op, " forward: input ", nan_from_plain, " (", describe_short(inputs[size_t(nan_from_plain)]),
              ", a tensor without autograd history: a parameter or data) already holds NaN (", node_label(node),
              "; inputs: ", node.anomaly->inputs, ")");
    }
    const bool new_nan = out.nan && !in_any.nan;
    const bool new_inf = out.inf && !in_any.inf && !fills_infinities(name);
    if (!new_nan && !new_inf) continue;  // carried in from an input, reported where it appeared
    TZ_FAIL("anomaly", op, " forward produced ", new_nan ? "NaN" : "Inf", " in output ", i, " (", node_label(node),
            "; inputs: ", node.anomaly->inputs, ")",
            node.anomaly->after.empty() ? "" : "; recorded after " + node.anomaly->after);
  }
}

void anomaly_check_backward(const Node& node, const TensorList& grads_in, const TensorList& grads_out) {
  for (size_t i = 0; i < grads_out.size(); ++i) {
    const NonFiniteScan s = scan_nonfinite(grads_out[i]);
    if (s.finite()) continue;
    const std::string op = forward_op_name(node.name());
    std::string where;
    if (node.anomaly) {
      where = cat_str("inputs: ", node.anomaly->inputs, "); the node was created in the forward",
                      node.anomaly->after.empty() ? std::string(" as the first op under anomaly mode")
                                                  : " after " + node.anomaly->after);
    } else {
      where = cat_str("gradients: ", describe_list(grads_out),
                      "); run the forward under DetectAnomaly too to see where the node was created");
    }
    // Said only on the error path: a bad incoming gradient moves the blame downstream.
    std::string carried;
    for (size_t j = 0; j < grads_in.size(); ++j) {
      const NonFiniteScan in = scan_nonfinite(grads_in[j]);
      if (!in.finite()) {
        carried = cat_str("; its incoming gradient ", j, " already held ", in.what());
        break;
      }
    }
    TZ_FAIL("anomaly", op, " backward produced ", s.what(), " in gradient ", i, " (", node_label(node), "; ", where,
            carried);
  }
}

}  // namespace detail

}  // namespace tz::autograd
