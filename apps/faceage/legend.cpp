// The legend box, sized and styled with matplotlib's defaults (in units of the font size:
// border pad 0.4, label spacing 0.5, handle length 2, handle-text pad 0.8, inset 0.5).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "axes.hpp"

namespace faceage::draw {

namespace {

constexpr double kPad = 0.4 * kFontSize;
constexpr double kSpacing = 0.5 * kFontSize;
constexpr double kHandleLength = 2.0 * kFontSize;
constexpr double kHandlePad = 0.8 * kFontSize;
constexpr double kInset = 0.5 * kFontSize;
constexpr double kMarkerSize = 6 * kPt;
constexpr Rgb kEdge{0.8, 0.8, 0.8};

// matplotlib's loc="best" candidates in its order of preference, as fractions of the free room
// (0 = left/top, 1 = right/bottom): upper right, upper left, lower left, lower right, right,
// center left, center right, lower center, upper center, center.
constexpr double kCandidates[][2] = {{1, 0},   {0, 0}, {0, 1},   {1, 1},   {1, 0.5},
                                     {0, 0.5}, {1, 0.5}, {0.5, 1}, {0.5, 0}, {0.5, 0.5}};

Rect place(const Rect& axes, double w, double h, const std::vector<std::array<double, 2>>& avoid) {
  Rect best;
  size_t best_count = SIZE_MAX;
  for (const auto& c : kCandidates) {
    const double left = axes.left + kInset + c[0] * (axes.width() - 2 * kInset - w);
    const double top = axes.top + kInset + c[1] * (axes.height() - 2 * kInset - h);
    const Rect r{left, top, left + w, top + h};
    const size_t count = size_t(std::count_if(avoid.begin(), avoid.end(), [&](const auto& p) { return r.contains(p[0], p[1]); }));
    if (count < best_count) best = r, best_count = count;
  }
  return best;
}

void rounded_box(cairo_t* cr, const Rect& r, double radius) {
  const double pi = std::numbers::pi;
  cairo_new_sub_path(cr);
  cairo_arc(cr, r.right - radius, r.top + radius, radius, -pi / 2, 0);
  cairo_arc(cr, r.right - radius, r.bottom - radius, radius, 0, pi / 2);
  cairo_arc(cr, r.left + radius, r.bottom - radius, radius, pi / 2, pi);
  cairo_arc(cr, r.left + radius, r.top + radius, radius, pi, 3 * pi / 2);
  cairo_close_path(cr);
}

}  // namespace

void legend(const Canvas& c, const Rect& axes, const std::string& title, const std::vector<LegendEntry>& entries,
            const std::vector<std::array<double, 2>>& avoid) {
  if (entries.empty()) return;
  const double row = c.line_height(kFontSize);
  double text_w = 0;
  for (const auto& e : entries) text_w = std::max(text_w, c.text_width(e.label, kFontSize));
  const double title_w = title.empty() ? 0 : c.text_width(title, kFontSize);
  const double w = 2 * kPad + std::max(kHandleLength + kHandlePad + text_w, title_w);
  const double rows_h = double(entries.size()) * row + double(entries.size() - 1) * kSpacing;
  const double h = 2 * kPad + rows_h + (title.empty() ? 0 : row + kSpacing);
  const Rect box = place(axes, w, h, avoid);

  cairo_t* cr = c.cr();
  rounded_box(cr, {std::floor(box.left) + 0.5, std::floor(box.top) + 0.5, std::floor(box.right) + 0.5,
                   std::floor(box.bottom) + 0.5}, 0.2 * kFontSize);
  c.set_color({1, 1, 1}, 0.8);
  cairo_fill_preserve(cr);
  c.set_color(kEdge);
  cairo_set_line_width(cr, 1.0);
  cairo_stroke(cr);

  double y = box.top + kPad;
  if (!title.empty()) {
    c.text(title, (box.left + box.right) / 2, y, kFontSize, HAlign::Center, VAlign::Top);
    y += row + kSpacing;
  }
  for (const auto& e : entries) {
    const double mid = y + row / 2, x = box.left + kPad;
    if (e.line) {
      c.set_color(e.color, e.alpha);
      cairo_set_line_width(cr, 1.5 * kPt);
      cairo_move_to(cr, x, mid);
      cairo_line_to(cr, x + kHandleLength, mid);
      cairo_stroke(cr);
    }
    marker(c, x + kHandleLength / 2, mid, kMarkerSize, e.color, e.alpha);
    c.text(e.label, x + kHandleLength + kHandlePad, mid, kFontSize, HAlign::Left, VAlign::Middle);
    y += row + kSpacing;
  }
}

}  // namespace faceage::draw
