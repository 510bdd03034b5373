#pragma once
/// Training curves as a self-contained SVG (no plotting dependency): one panel per quantity
/// (loss, evaluation metrics, learning rate), each with axes, "nice" ticks, axis labels, one
/// polyline per series and a legend.
#include <string>
#include <utility>
#include <vector>

#include "models/config.h"

namespace tz::models {

struct CurveSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y); non-finite y values are skipped
};

struct CurvePanel {
  std::string title;
  std::string x_label = "step";
  std::string y_label;
  std::vector<CurveSeries> series;
};

/// Panels from metrics.jsonl records: "loss" (train loss and eval_*loss*), "eval metrics" (the
/// other eval_* keys) and "learning rate"; panels without points are left out.
std::vector<CurvePanel> panels_from_metrics(const std::vector<json>& records);

/// The whole SVG document (panels stacked vertically). An empty list gives a "no data" figure.
std::string render_curves_svg(const std::vector<CurvePanel>& panels, const std::string& title = "");

/// Up to max_ticks+2 round tick values (1, 2, 5 x 10^k steps) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int max_ticks = 6);

}  // namespace tz::models
