#include "axes.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace faceage {

namespace {

// Counts the multiples of `step` in [lo, hi]; the slack keeps ends that are multiples up to
// rounding (0.30000000000000004) inside.
int64_t first_multiple(double lo, double step) { return int64_t(std::ceil(lo / step - 1e-9)); }
int64_t last_multiple(double hi, double step) { return int64_t(std::floor(hi / step + 1e-9)); }

// The smallest step 1, 2 or 5 x 10^k that puts at most max_ticks multiples in [lo, hi].
double nice_step(double lo, double hi, int max_ticks, bool integer) {
  double scale = std::pow(10.0, std::floor(std::log10((hi - lo) / max_ticks)));
  if (integer) scale = std::max(scale, 1.0);
  for (;; scale *= 10)
    for (double m : {1.0, 2.0, 5.0}) {
      const double step = m * scale;
      if (last_multiple(hi, step) - first_multiple(lo, step) + 1 <= max_ticks) return step;
    }
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int max_ticks, bool integer) {
  // A range too narrow (or too wide) for a step to be measured gets one tick.
  if (!(hi > lo) || !((hi - lo) / std::max(max_ticks, 1) > 0) || !std::isfinite(hi - lo)) return {lo};
  const double step = nice_step(lo, hi, std::max(max_ticks, 1), integer);
  std::vector<double> ticks;
  for (int64_t k = first_multiple(lo, step); k <= last_multiple(hi, step); ++k) ticks.push_back(double(k) * step);
  return ticks;
}

}  // namespace faceage

namespace faceage::draw {

namespace {

constexpr double kTickLength = 3.5 * kPt;
constexpr double kTickPad = 3.5 * kPt;
constexpr double kLabelPad = 4 * kPt;
constexpr double kTitlePad = 6 * kPt;
constexpr double kLineWidth = 0.8 * kPt;  // spines, ticks, grid
constexpr Rgb kGridColor{0.69, 0.69, 0.69};  // matplotlib's #b0b0b0
constexpr Rgb kBlack{0, 0, 0};

// Thin lines look crisp when they run through pixel centres.
double snap(double v) { return std::floor(v) + 0.5; }

void line(const Canvas& c, double x0, double y0, double x1, double y1, Rgb color, double width) {
  cairo_t* cr = c.cr();
  c.set_color(color);
  cairo_set_line_width(cr, width);
  cairo_move_to(cr, x0, y0);
  cairo_line_to(cr, x1, y1);
  cairo_stroke(cr);
}

double widest(const Canvas& c, const std::vector<std::string>& labels) {
  double w = 0;
  for (const auto& s : labels) w = std::max(w, c.text_width(s, kFontSize));
  return w;
}

}  // namespace

Axis data_axis(double lo, double hi, bool integer_ticks) {
  if (hi - lo <= 0) {  // matplotlib widens a singular range by 5% of the value (or 0.05 at zero)
    const double pad = lo != 0 ? 0.05 * std::abs(lo) : 0.05;
    lo -= pad;
    hi += pad;
  }
  const double margin = 0.05 * (hi - lo);
  Axis a{lo - margin, hi + margin, {}, 0};
  a.ticks = nice_ticks(a.lo, a.hi, 8, integer_ticks);
  if (a.ticks.size() > 1)
    a.decimals = std::max(0, int(std::ceil(-std::log10(a.ticks[1] - a.ticks[0]) - 1e-9)));
  return a;
}

std::vector<std::string> tick_labels(const Axis& axis) {
  std::vector<std::string> out;
  for (double t : axis.ticks) out.push_back(format_number(t, axis.decimals));
  return out;
}

Rect axes_box(const Canvas& c, const std::vector<std::string>& ytick_labels, double right_reserve) {
  const double w = c.width(), h = c.height();
  const double needed_left =
      8 + c.line_height(kFontSize) + kLabelPad + widest(c, ytick_labels) + kTickPad + kTickLength;
  return {std::max(0.125 * w, needed_left), 0.12 * h, 0.9 * w - right_reserve, 0.89 * h};
}

void Axes::grid() const {
  for (double t : x_.ticks) line(c_, snap(px(t)), box_.top, snap(px(t)), box_.bottom, kGridColor, kLineWidth);
  for (double t : y_.ticks) line(c_, box_.left, snap(py(t)), box_.right, snap(py(t)), kGridColor, kLineWidth);
}

void Axes::clip() const {
  cairo_rectangle(c_.cr(), box_.left, box_.top, box_.width(), box_.height());
  cairo_clip(c_.cr());
}

void Axes::frame() const {
  cairo_t* cr = c_.cr();
  c_.set_color(kBlack);
  cairo_set_line_width(cr, kLineWidth);
  cairo_rectangle(cr, snap(box_.left), snap(box_.top), std::round(box_.width()), std::round(box_.height()));
  cairo_stroke(cr);
  std::vector<double> xs, ys;
  for (double t : x_.ticks) xs.push_back(px(t));
  for (double t : y_.ticks) ys.push_back(py(t));
  edge_ticks(c_, box_, Edge::Bottom, xs, tick_labels(x_));
  edge_ticks(c_, box_, Edge::Left, ys, tick_labels(y_));
}

void Axes::labels(const std::string& title, const std::string& xlabel, const std::string& ylabel) const {
  box_labels(c_, box_, title, xlabel, ylabel, kTickLength + kTickPad + widest(c_, tick_labels(y_)));
}

void edge_ticks(const Canvas& c, const Rect& box, Edge edge, const std::vector<double>& positions,
                const std::vector<std::string>& labels) {
  for (size_t i = 0; i < positions.size(); ++i) {
    const double p = snap(positions[i]);
    const std::string& s = i < labels.size() ? labels[i] : std::string();
    if (edge == Edge::Bottom) {
      line(c, p, snap(box.bottom), p, snap(box.bottom) + kTickLength, kBlack, kLineWidth);
      c.text(s, positions[i], box.bottom + kTickLength + kTickPad, kFontSize, HAlign::Center, VAlign::Top);
    } else if (edge == Edge::Left) {
      line(c, snap(box.left), p, snap(box.left) - kTickLength, p, kBlack, kLineWidth);
      c.text(s, box.left - kTickLength - kTickPad, positions[i], kFontSize, HAlign::Right, VAlign::Middle);
    } else {
      line(c, snap(box.right), p, snap(box.right) + kTickLength, p, kBlack, kLineWidth);
      c.text(s, box.right + kTickLength + kTickPad, positions[i], kFontSize, HAlign::Left, VAlign::Middle);
    }
  }
}

void box_labels(const Canvas& c, const Rect& box, const std::string& title, const std::string& xlabel,
                const std::string& ylabel, double left_extent) {
  const double cx = (box.left + box.right) / 2, cy = (box.top + box.bottom) / 2;
  if (!title.empty()) c.text(title, cx, box.top - kTitlePad, kTitleSize, HAlign::Center, VAlign::Bottom);
  const double xlabel_top = box.bottom + kTickLength + kTickPad + c.line_height(kFontSize) + kLabelPad;
  if (!xlabel.empty()) c.text(xlabel, cx, xlabel_top, kFontSize, HAlign::Center, VAlign::Top);
  if (!ylabel.empty())
    c.text(ylabel, box.left - left_extent - kLabelPad, cy, kFontSize, HAlign::Center, VAlign::Bottom, {}, 90);
}

void marker(const Canvas& c, double x, double y, double size, Rgb color, double alpha) {
  cairo_t* cr = c.cr();
  c.set_color(color, alpha);
  cairo_new_sub_path(cr);
  cairo_arc(cr, x, y, size / 2, 0, 2 * std::numbers::pi);
  cairo_fill(cr);
}

}  // namespace faceage::draw
