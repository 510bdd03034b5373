#include "models/curves.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tz::models {

namespace {

constexpr double kWidth = 820, kPanelHeight = 280, kTitleHeight = 34;
constexpr double kLeft = 78, kRight = 24, kTop = 34, kBottom = 50;
constexpr size_t kMaxPolylinePoints = 2000;  // beyond this, thin the polyline (the file stays small)
const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fmt(const char* pattern, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), pattern, v);
  return buf;
}

std::string tick_label(double v, double step) {
  if (std::fabs(v) < step * 1e-9) return "0";
  const double mag = std::fabs(v);
  if (mag >= 1e5 || mag < 1e-3) return fmt("%.2g", v);
  // Enough decimals to tell neighbouring ticks apart.
  const int decimals = std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", std::min(decimals, 6), v);
  return buf;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
};

/// Widens a degenerate range so a constant series still gets an axis.
void widen(Range& r) {
  if (r.hi - r.lo > 1e-12 * std::max(1.0, std::fabs(r.hi))) return;
  const double pad = std::fabs(r.lo) > 0 ? std::fabs(r.lo) * 0.1 : 1.0;
  r.lo -= pad;
  r.hi += pad;
}

void render_panel(std::string& svg, const CurvePanel& panel, double y0) {
  Range xr, yr;
  for (const auto& s : panel.series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      xr.add(x);
      yr.add(y);
    }
  }
  const double plot_x = kLeft, plot_y = y0 + kTop;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kPanelHeight - kTop - kBottom;
  svg += "<g class=\"panel\">\n";
  svg += "<text x=\"" + fmt("%.1f", plot_x) + "\" y=\"" + fmt("%.1f", y0 + 22) +
         "\" font-size=\"14\" font-weight=\"bold\">" + xml_escape(panel.title) + "</text>\n";
  if (xr.empty()) {
    svg += "<text x=\"" + fmt("%.1f", plot_x + plot_w / 2) + "\" y=\"" + fmt("%.1f", plot_y + plot_h / 2) +
           "\" text-anchor=\"middle\" fill=\"#888\">no finite data</text>\n</g>\n";
    return;
  }
  widen(xr);
  widen(yr);
  const auto xticks = nice_ticks(xr.lo, xr.hi), yticks = nice_ticks(yr.lo, yr.hi);
  const double xlo = std::min(xr.lo, xticks.front()), xhi = std::max(xr.hi, xticks.back());
  const double ylo = std::min(yr.lo, yticks.front()), yhi = std::max(yr.hi, yticks.back());
  auto px = [&](double x) { return plot_x + (x - xlo) / (xhi - xlo) * plot_w; };
  auto py = [&](double y) { return plot_y + plot_h - (y - ylo) / (yhi - ylo) * plot_h; };

  // Grid and ticks.
  const double xstep = xticks.size() > 1 ? xticks[1] - xticks[0] : 1.0;
  const double ystep = yticks.size() > 1 ? yticks[1] - yticks[0] : 1.0;
  for (double t : xticks) {
    const std::string x = fmt("%.2f", px(t));
    svg += "<line x1=\"" + x + "\" y1=\"" + fmt("%.2f", plot_y) + "\" x2=\"" + x + "\" y2=\"" +
           fmt("%.2f", plot_y + plot_h) + "\" stroke=\"#e5e5e5\"/>\n";
    svg += "<line x1=\"" + x + "\" y1=\"" + fmt("%.2f", plot_y + plot_h) + "\" x2=\"" + x + "\" y2=\"" +
           fmt("%.2f", plot_y + plot_h + 5) + "\" stroke=\"#333\"/>\n";
    svg += "<text x=\"" + x + "\" y=\"" + fmt("%.2f", plot_y + plot_h + 18) +
           "\" font-size=\"11\" text-anchor=\"middle\">" + tick_label(t, xstep) + "</text>\n";
  }
  for (double t : yticks) {
    const std::string y = fmt("%.2f", py(t));
    svg += "<line x1=\"" + fmt("%.2f", plot_x) + "\" y1=\"" + y + "\" x2=\"" + fmt("%.2f", plot_x + plot_w) +
           "\" y2=\"" + y + "\" stroke=\"#e5e5e5\"/>\n";
    svg += "<line x1=\"" + fmt("%.2f", plot_x - 5) + "\" y1=\"" + y + "\" x2=\"" + fmt("%.2f", plot_x) +
           "\" y2=\"" + y + "\" stroke=\"#333\"/>\n";
    svg += "<text x=\"" + fmt("%.2f", plot_x - 8) + "\" y=\"" + fmt("%.2f", py(t) + 4) +
           "\" font-size=\"11\" text-anchor=\"end\">" + tick_label(t, ystep) + "</text>\n";
  }
  // Axes and labels.
  svg += "<rect x=\"" + fmt("%.2f", plot_x) + "\" y=\"" + fmt("%.2f", plot_y) + "\" width=\"" + fmt("%.2f", plot_w) +
         "\" height=\"" + fmt("%.2f", plot_h) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  svg += "<text x=\"" + fmt("%.2f", plot_x + plot_w / 2) + "\" y=\"" + fmt("%.2f", plot_y + plot_h + 38) +
         "\" font-size=\"12\" text-anchor=\"middle\">" + xml_escape(panel.x_label) + "</text>\n";
  const std::string ylab_x = fmt("%.2f", 18.0), ylab_y = fmt("%.2f", plot_y + plot_h / 2);
  svg += "<text x=\"" + ylab_x + "\" y=\"" + ylab_y + "\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 " +
         ylab_x + " " + ylab_y + ")\">" + xml_escape(panel.y_label) + "</text>\n";

  // Series, then the legend on top of them.
  size_t color = 0;
  for (const auto& s : panel.series) {
    const char* stroke = kPalette[color++ % (sizeof(kPalette) / sizeof(kPalette[0]))];
    std::vector<std::pair<double, double>> pts;
    for (const auto& p : s.points) {
      if (std::isfinite(p.first) && std::isfinite(p.second)) pts.push_back(p);
    }
    const size_t stride = pts.size() > kMaxPolylinePoints ? (pts.size() + kMaxPolylinePoints - 1) / kMaxPolylinePoints : 1;
    std::string coords;
    for (size_t i = 0; i < pts.size(); i += stride) {
      coords += fmt("%.2f", px(pts[i].first)) + "," + fmt("%.2f", py(pts[i].second)) + " ";
    }
    if (!pts.empty() && (pts.size() - 1) % stride != 0) {
      coords += fmt("%.2f", px(pts.back().first)) + "," + fmt("%.2f", py(pts.back().second));
    }
    svg += "<polyline fill=\"none\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"1.6\" points=\"" + coords +
           "\"><title>" + xml_escape(s.name) + "</title></polyline>\n";
    if (pts.size() <= 50) {  // sparse series (evaluations) get markers so single points show
      for (const auto& [x, y] : pts) {
        svg += "<circle cx=\"" + fmt("%.2f", px(x)) + "\" cy=\"" + fmt("%.2f", py(y)) + "\" r=\"2.5\" fill=\"" +
               stroke + "\"/>\n";
      }
    }
  }
  double ly = plot_y + 8;
  const double lx = plot_x + plot_w - 170;
  svg += "<rect x=\"" + fmt("%.2f", lx - 6) + "\" y=\"" + fmt("%.2f", ly - 4) + "\" width=\"170\" height=\"" +
         fmt("%.2f", 18.0 * panel.series.size() + 4) + "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n";
  color = 0;
  for (const auto& s : panel.series) {
    const char* stroke = kPalette[color++ % (sizeof(kPalette) / sizeof(kPalette[0]))];
    svg += "<line x1=\"" + fmt("%.2f", lx) + "\" y1=\"" + fmt("%.2f", ly + 7) + "\" x2=\"" + fmt("%.2f", lx + 22) +
           "\" y2=\"" + fmt("%.2f", ly + 7) + "\" stroke=\"" + stroke + "\" stroke-width=\"2\"/>\n";
    svg += "<text x=\"" + fmt("%.2f", lx + 28) + "\" y=\"" + fmt("%.2f", ly + 11) + "\" font-size=\"11\">" +
           xml_escape(s.name) + "</text>\n";
    ly += 18;
  }
  svg += "</g>\n";
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, max_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(lo / step) * step;
  // first + i * step (not a running sum, which drifts).
  for (int i = 0; ticks.size() < size_t(max_ticks) + 3; ++i) {
    const double t = first + double(i) * step;
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    if (t >= hi - step * 1e-9) break;
  }
  return ticks;
}

std::vector<CurvePanel> panels_from_metrics(const std::vector<json>& records) {
  CurvePanel loss{"loss", "step", "loss", {}}, metrics{"eval metrics", "step", "value", {}};
  CurvePanel lr{"learning rate", "step", "lr", {}};
  auto series_in = [](CurvePanel& panel, const std::string& name) -> CurveSeries& {
    for (auto& s : panel.series) {
      if (s.name == name) return s;
    }
    panel.series.push_back({name, {}});
    return panel.series.back();
  };
  for (const auto& r : records) {
    if (!r.is_object() || !r.contains("step") || !r["step"].is_number()) continue;
    const double step = r["step"].get<double>();
    for (auto it = r.begin(); it != r.end(); ++it) {
      if (!it->is_number()) continue;
      const std::string& key = it.key();
      const double v = it->get<double>();
      if (key == "loss") {
        series_in(loss, "train loss").points.emplace_back(step, v);
      } else if (key == "lr") {
        series_in(lr, "lr").points.emplace_back(step, v);
      } else if (key.rfind("eval_", 0) == 0) {
        CurvePanel& panel = key.find("loss") != std::string::npos ? loss : metrics;
        series_in(panel, key.substr(5) == "loss" ? "eval loss" : key).points.emplace_back(step, v);
      }
    }
  }
  std::vector<CurvePanel> out;
  for (auto* p : {&loss, &metrics, &lr}) {
    if (!p->series.empty()) out.push_back(std::move(*p));
  }
  return out;
}

std::string render_curves_svg(const std::vector<CurvePanel>& panels, const std::string& title) {
  const size_t n = std::max<size_t>(panels.size(), 1);
  const double height = kTitleHeight + kPanelHeight * double(n);
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", kWidth) + "\" height=\"" +
         fmt("%.0f", height) + "\" viewBox=\"0 0 " + fmt("%.0f", kWidth) + " " + fmt("%.0f", height) +
         "\" font-family=\"sans-serif\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + fmt("%.1f", kWidth / 2) + "\" y=\"22\" font-size=\"16\" text-anchor=\"middle\">" +
         xml_escape(title.empty() ? "training curves" : title) + "</text>\n";
  if (panels.empty()) {
    svg += "<text x=\"" + fmt("%.1f", kWidth / 2) + "\" y=\"" + fmt("%.1f", kTitleHeight + kPanelHeight / 2) +
           "\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n";
  }
  for (size_t i = 0; i < panels.size(); ++i) render_panel(svg, panels[i], kTitleHeight + kPanelHeight * double(i));
  svg += "</svg>\n";
  return svg;
}

}  // namespace tz::models
