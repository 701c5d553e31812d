// Line and scatter plots (the seed's plt.plot and plt.scatter figures).
#include "plots.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "axes.hpp"
#include "minitorch/error.hpp"

namespace faceage {

using draw::Axes;
using draw::Canvas;
using draw::LegendEntry;

Rgb tab10(int i) {
  static constexpr uint32_t colors[10] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                          0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  const uint32_t c = colors[((i % 10) + 10) % 10];
  return {double(c >> 16) / 255, double((c >> 8) & 0xff) / 255, double(c & 0xff) / 255};
}

void line_plot(const std::string& path, const std::string& title, const std::string& xlabel,
               const std::string& ylabel, const std::vector<Series>& series) {
  MT_CHECK(!series.empty(), "line_plot: no series to draw into '", path, "'");
  size_t epochs = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series) {
    MT_CHECK(!s.values.empty(), "line_plot: series '", s.name, "' has no values");
    for (size_t i = 0; i < s.values.size(); ++i) {
      MT_CHECK(std::isfinite(s.values[i]), "line_plot: series '", s.name, "' has the non-finite value ", s.values[i],
               " at epoch ", i + 1);
      lo = std::min(lo, s.values[i]);
      hi = std::max(hi, s.values[i]);
    }
    epochs = std::max(epochs, s.values.size());
  }

  Canvas c(640, 480);
  const draw::Axis x_axis = draw::data_axis(1, double(epochs), true), y_axis = draw::data_axis(lo, hi);
  const Axes axes(c, draw::axes_box(c, draw::tick_labels(y_axis)), x_axis, y_axis);
  axes.grid();
  std::vector<LegendEntry> entries;
  std::vector<std::array<double, 2>> avoid;  // points along the curves, for the legend's placement
  cairo_t* cr = c.cr();
  for (const auto& s : series) {
    c.set_color(s.color);
    cairo_set_line_width(cr, 1.5 * draw::kPt);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t i = 0; i < s.values.size(); ++i) {
      const double x = axes.px(double(i + 1)), y = axes.py(s.values[i]);
      i == 0 ? cairo_move_to(cr, x, y) : cairo_line_to(cr, x, y);
      if (i > 0)
        for (int k = 0; k < 16; ++k) {
          const double t = k / 16.0;
          avoid.push_back({axes.px(double(i) + t), axes.py(s.values[i - 1] + t * (s.values[i] - s.values[i - 1]))});
        }
      avoid.push_back({x, y});
    }
    cairo_stroke(cr);
    for (size_t i = 0; i < s.values.size(); ++i)
      draw::marker(c, axes.px(double(i + 1)), axes.py(s.values[i]), 6 * draw::kPt, s.color);
    entries.push_back({s.name, s.color, true});
  }
  axes.frame();
  axes.labels(title, xlabel, ylabel);
  draw::legend(c, axes.box(), "", entries, avoid);
  c.save_png(path);
}

void scatter_plot(const std::string& path, const std::string& title, const std::string& xlabel,
                  const std::string& ylabel, const std::vector<std::array<double, 2>>& points,
                  const std::vector<int>& labels, const std::vector<std::string>& label_names,
                  const std::string& legend_title) {
  MT_CHECK(!points.empty(), "scatter_plot: no points to draw into '", path, "'");
  MT_CHECK(points.size() == labels.size(), "scatter_plot: ", points.size(), " points but ", labels.size(), " labels");
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (size_t i = 0; i < points.size(); ++i) {
    const auto [x, y] = points[i];
    MT_CHECK(std::isfinite(x) && std::isfinite(y), "scatter_plot: point ", i, " is (", x, ", ", y, ")");
    MT_CHECK(labels[i] >= 0 && size_t(labels[i]) < label_names.size(), "scatter_plot: point ", i, " has label ",
             labels[i], ", expected one in [0, ", label_names.size(), ")");
    x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  }

  Canvas c(1000, 800);
  const draw::Axis x_axis = draw::data_axis(x_lo, x_hi), y_axis = draw::data_axis(y_lo, y_hi);
  const Axes axes(c, draw::axes_box(c, draw::tick_labels(y_axis)), x_axis, y_axis);
  axes.grid();
  std::vector<LegendEntry> entries;
  std::vector<std::array<double, 2>> pixels;
  // One pass per label in increasing order, as the seed's loop over np.unique(labels): later
  // groups are drawn over earlier ones.
  for (int label : std::set<int>(labels.begin(), labels.end())) {
    for (size_t i = 0; i < points.size(); ++i) {
      if (labels[i] != label) continue;
      const double x = axes.px(points[i][0]), y = axes.py(points[i][1]);
      draw::marker(c, x, y, 6 * draw::kPt, tab10(label), 0.6);
      pixels.push_back({x, y});
    }
    entries.push_back({label_names[size_t(label)], tab10(label), false, 0.6});
  }
  axes.frame();
  axes.labels(title, xlabel, ylabel);
  draw::legend(c, axes.box(), legend_title, entries, pixels);
  c.save_png(path);
}

}  // namespace faceage
