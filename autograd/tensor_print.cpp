// PyTorch-style tensor printing (torch/_tensor_str.py's rules): one number format per tensor
// chosen from the values that are shown, 80-column lines, elision past 1000 elements with 3
// items kept at each edge of every dim, and dtype/device/autograd suffixes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops_shape.h"
#include "core/dispatch.h"
#include "core/tensor.h"

namespace tz {

namespace {

constexpr int64_t kThreshold = 1000;  // elements beyond which the printout is summarised
constexpr int64_t kEdgeItems = 3;
constexpr int64_t kLineWidth = 80;
constexpr int kPrecision = 4;

std::string printf_str(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

/// Python's "{:.Nf}" / "{:.Ne}" for finite values; "nan", "inf", "-inf" otherwise.
std::string float_str(double v, bool sci, int precision) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  const std::string fmt = sci ? "%." + std::to_string(precision) + "e" : "%." + std::to_string(precision) + "f";
  return printf_str(fmt.c_str(), v);
}

/// Host copy of the values that are shown, as doubles (floats) or int64 (integers, bool), in
/// row-major order. When summarising, every dim longer than 2 * kEdgeItems keeps only its edge
/// items (elided[d] is set), so a huge tensor is never copied whole.
struct HostValues {
  Shape shape;
  Strides strides;
  std::vector<bool> elided;
  bool floating = false;
  bool boolean = false;
  std::vector<double> f;
  std::vector<int64_t> i;
  int64_t numel() const { return floating ? int64_t(f.size()) : int64_t(i.size()); }
};

HostValues host_values(Tensor t, bool summarize) {
  HostValues h;
  h.elided.assign(size_t(t.dim()), false);
  if (summarize) {
    NoGradGuard no_grad;
    for (int64_t d = 0; d < t.dim(); ++d) {
      const int64_t n = t.size(d);
      if (n <= 2 * kEdgeItems) continue;
      t = cat({t.narrow(d, 0, kEdgeItems), t.narrow(d, n - kEdgeItems, kEdgeItems)}, d);
      h.elided[size_t(d)] = true;
    }
  }
  h.shape = t.shape();
  h.strides = contiguous_strides(t.shape());
  h.floating = is_floating(t.dtype());
  h.boolean = t.dtype() == DType::Bool;
  if (h.floating)
    h.f = t.to_vector<double>();
  else
    h.i = t.to_vector<int64_t>();
  return h;
}

class Formatter {
 public:
  explicit Formatter(const HostValues& h) : h_(h) {
    if (!h.floating) {
      for (int64_t k = 0; k < h.numel(); ++k) width_ = std::max<int64_t>(width_, int64_t(int_str(k).size()));
      return;
    }
    std::vector<double> vals;
    for (double v : h.f)
      if (std::isfinite(v) && v != 0.0) vals.push_back(v);
    if (vals.empty()) return;
    double lo = std::abs(vals[0]), hi = lo;
    for (double v : vals) {
      lo = std::min(lo, std::abs(v)), hi = std::max(hi, std::abs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (int_mode_) {
      // Integer-valued floats print as "3." (the dot marks a float tensor), unless the range
      // needs scientific notation.
      if (hi / lo > 1000.0 || hi > 1.0e8) {
        sci_mode_ = true;
        for (double v : vals) width_ = std::max<int64_t>(width_, int64_t(float_str(v, true, kPrecision).size()));
      } else {
        for (double v : vals) width_ = std::max<int64_t>(width_, int64_t(float_str(v, false, 0).size()) + 1);
      }
    } else {
      sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || lo < 1.0e-4;
      for (double v : vals) width_ = std::max<int64_t>(width_, int64_t(float_str(v, sci_mode_, kPrecision).size()));
    }
  }

  int64_t width() const { return width_; }

  std::string format(int64_t k) const {
    std::string s;
    if (!h_.floating) {
      s = int_str(k);
    } else {
      const double v = h_.f[size_t(k)];
      if (sci_mode_) {
        s = float_str(v, true, kPrecision);
      } else if (int_mode_) {
        s = float_str(v, false, 0);
        if (std::isfinite(v)) s += ".";
      } else {
        s = float_str(v, false, kPrecision);
      }
    }
    if (int64_t(s.size()) < width_) s.insert(0, size_t(width_ - int64_t(s.size())), ' ');
    return s;
  }

 private:
  std::string int_str(int64_t k) const {
    const int64_t v = h_.i[size_t(k)];
    if (h_.boolean) return v ? "True" : "False";
    return std::to_string(v);
  }

  const HostValues& h_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int64_t width_ = 1;
};

std::string vector_str(const HostValues& h, const Formatter& f, int64_t base, int64_t indent) {
  const size_t dim = h.shape.size() - 1;
  const int64_t n = h.shape[dim], st = h.strides[dim];
  const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / (f.width() + 2));
  std::vector<std::string> items;
  for (int64_t k = 0; k < n; ++k) {
    if (h.elided[dim] && k == kEdgeItems) items.push_back(" ...");
    items.push_back(f.format(base + k * st));
  }
  std::string out = "[";
  for (size_t k = 0; k < items.size(); ++k) {
    if (k > 0) out += int64_t(k) % per_line == 0 ? ",\n" + std::string(size_t(indent + 1), ' ') : ", ";
    out += items[k];
  }
  return out + "]";
}

std::string tensor_str(const HostValues& h, const Formatter& f, size_t dim, int64_t base, int64_t indent) {
  const size_t nd = h.shape.size();
  if (nd == 0) return f.format(0);
  if (dim == nd - 1) return vector_str(h, f, base, indent);
  const int64_t n = h.shape[dim], st = h.strides[dim];
  std::vector<std::string> slices;
  for (int64_t k = 0; k < n; ++k) {
    if (h.elided[dim] && k == kEdgeItems) slices.push_back("...");
    slices.push_back(tensor_str(h, f, dim + 1, base + k * st, indent + 1));
  }
  std::string sep = ",";
  sep.append(nd - dim - 1, '\n');
  sep.append(size_t(indent + 1), ' ');
  std::string out = "[";
  for (size_t k = 0; k < slices.size(); ++k) {
    if (k) out += sep;
    out += slices[k];
  }
  return out + "]";
}

std::string tuple_str(const Shape& s) {
  std::string out = "(";
  for (size_t k = 0; k < s.size(); ++k) out += (k ? ", " : "") + std::to_string(s[k]);
  return out + (s.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int64_t indent = int64_t(prefix.size());
  std::vector<std::string> suffixes;
  if (!device().is_cpu()) suffixes.push_back("device='" + device().str() + "'");
  const DType dt = dtype();
  std::string body;
  if (numel() == 0) {
    // No values to show the dtype by, so anything but the default float is named.
    if (dim() != 1) suffixes.push_back("size=" + tuple_str(shape()));
    if (dt != kDefaultFloat) suffixes.push_back(std::string("dtype=") + dtype_name(dt));
    body = "[]";
  } else {
    if (dt != kDefaultFloat && dt != DType::I64 && dt != DType::Bool)
      suffixes.push_back(std::string("dtype=") + dtype_name(dt));
    const HostValues h = host_values(detach(), numel() > kThreshold);
    const Formatter f(h);
    body = tensor_str(h, f, 0, 0, indent);
  }
  if (grad_fn())
    suffixes.push_back("grad_fn=<" + grad_fn()->name() + ">");
  else if (requires_grad())
    suffixes.push_back("requires_grad=True");

  // Suffixes follow the values on the last line while it stays within the line width.
  std::string out = prefix + body;
  const size_t nl = out.rfind('\n');
  int64_t last_line = int64_t(out.size()) - (nl == std::string::npos ? -1 : int64_t(nl)) + 1;
  for (const std::string& s : suffixes) {
    if (last_line + int64_t(s.size()) + 2 > kLineWidth) {
      out += ",\n" + std::string(size_t(indent), ' ') + s;
      last_line = indent + int64_t(s.size());
    } else {
      out += ", " + s;
      last_line += int64_t(s.size()) + 2;
    }
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace tz
