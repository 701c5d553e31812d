// seaborn's annotated heatmap with its colour bar, and the column normalisation the seed applies
// to the prediction counts before drawing them.
#include <algorithm>
#include <cmath>

#include "axes.hpp"
#include "minitorch/error.hpp"
#include "plots.hpp"

namespace faceage {

namespace {

// 17 of the 256 entries of seaborn's "rocket" table (every 16th and the last), at their
// positions t = index / 255.
struct Stop {
  double t;
  Rgb c;
};
constexpr Stop kRocket[] = {
    {0 / 255.0, {0.01060815, 0.01808215, 0.10018654}},   {16 / 255.0, {0.09572396, 0.06050127, 0.16200507}},
    {32 / 255.0, {0.18643324, 0.09165431, 0.22699705}},  {48 / 255.0, {0.28144375, 0.11104133, 0.2835489}},
    {64 / 255.0, {0.38092887, 0.12061482, 0.32506528}},  {80 / 255.0, {0.48426077, 0.12036349, 0.35010104}},
    {96 / 255.0, {0.59096382, 0.10810205, 0.35847347}},  {112 / 255.0, {0.69803757, 0.08897226, 0.3462986}},
    {128 / 255.0, {0.7965014, 0.10506637, 0.31063031}},  {144 / 255.0, {0.87507281, 0.18587368, 0.26529697}},
    {160 / 255.0, {0.92676657, 0.29823282, 0.24285536}}, {176 / 255.0, {0.94914549, 0.42038251, 0.28780969}},
    {192 / 255.0, {0.95922872, 0.53307513, 0.3748895}},  {208 / 255.0, {0.96372785, 0.63843852, 0.47905028}},
    {224 / 255.0, {0.96592829, 0.73844258, 0.60053991}}, {240 / 255.0, {0.97169389, 0.83320847, 0.73716071}},
    {255 / 255.0, {0.98137749, 0.92061729, 0.86536915}},
};

// seaborn picks annotation colours by WCAG relative luminance: dark text on light cells.
Rgb annotation_color(Rgb cell) {
  auto linear = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
  const double lum = 0.2126 * linear(cell.r) + 0.7152 * linear(cell.g) + 0.0722 * linear(cell.b);
  return lum > 0.408 ? Rgb{0.15, 0.15, 0.15} : Rgb{1, 1, 1};
}

void check_matrix(const std::vector<std::vector<double>>& m, const char* op) {
  MT_CHECK(!m.empty() && !m[0].empty(), op, ": the matrix is empty");
  for (size_t r = 0; r < m.size(); ++r) {
    MT_CHECK(m[r].size() == m[0].size(), op, ": row ", r, " has ", m[r].size(), " values, row 0 has ", m[0].size());
    for (size_t c = 0; c < m[r].size(); ++c)
      MT_CHECK(std::isfinite(m[r][c]), op, ": element [", r, "][", c, "] is ", m[r][c]);
  }
}

}  // namespace

Rgb rocket(double t) {
  t = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0);
  size_t i = 1;
  while (i + 1 < std::size(kRocket) && kRocket[i].t < t) ++i;
  const Stop &a = kRocket[i - 1], &b = kRocket[i];
  const double f = (t - a.t) / (b.t - a.t);
  return {a.c.r + f * (b.c.r - a.c.r), a.c.g + f * (b.c.g - a.c.g), a.c.b + f * (b.c.b - a.c.b)};
}

std::vector<std::vector<double>> normalize_columns(const std::vector<std::vector<double>>& counts) {
  std::vector<std::vector<double>> out = counts;
  if (counts.empty()) return out;
  for (size_t r = 0; r < counts.size(); ++r)
    MT_CHECK(counts[r].size() == counts[0].size(), "normalize_columns: row ", r, " has ", counts[r].size(),
             " values, row 0 has ", counts[0].size());
  for (size_t c = 0; c < counts[0].size(); ++c) {
    double sum = 0;
    for (const auto& row : counts) sum += row[c];
    if (sum != 0)
      for (auto& row : out) row[c] /= sum;
  }
  return out;
}

void heatmap(const std::string& path, const std::string& title, const std::vector<std::vector<double>>& matrix,
             const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
             const std::string& xlabel, const std::string& ylabel) {
  check_matrix(matrix, "heatmap");
  const size_t rows = matrix.size(), cols = matrix[0].size();
  MT_CHECK(row_labels.size() == rows && col_labels.size() == cols, "heatmap: ", row_labels.size(), " row and ",
           col_labels.size(), " column labels for a ", rows, " x ", cols, " matrix");
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& row : matrix)
    for (double v : row) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi == lo) lo -= 0.5, hi += 0.5;  // a constant matrix: mid-range colour, still a readable bar

  // matplotlib's colour bar takes 15% of the axes' width plus a 5% gap, and is 1/20 as wide as tall.
  draw::Canvas c(640, 480);
  const draw::Rect full = draw::axes_box(c, row_labels);
  const draw::Rect box{full.left, full.top, full.right - 0.2 * (full.right - full.left), full.bottom};
  const double bar_left = box.right + 0.05 * (full.right - full.left);
  const draw::Rect bar{bar_left, box.top, bar_left + box.height() / 20, box.bottom};

  cairo_t* cr = c.cr();
  const double cw = box.width() / double(cols), ch = box.height() / double(rows);
  std::vector<double> xs, ys;
  for (size_t j = 0; j < cols; ++j) xs.push_back(box.left + (double(j) + 0.5) * cw);
  for (size_t i = 0; i < rows; ++i) ys.push_back(box.top + (double(i) + 0.5) * ch);
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) {
      const Rgb color = rocket((matrix[i][j] - lo) / (hi - lo));
      c.set_color(color);
      cairo_rectangle(cr, box.left + double(j) * cw, box.top + double(i) * ch, cw + 0.5, ch + 0.5);  // no seams
      cairo_fill(cr);
      c.text(draw::format_number(matrix[i][j], 2), xs[j], ys[i], draw::kFontSize, draw::HAlign::Center,
             draw::VAlign::Middle, annotation_color(color));
    }
  draw::edge_ticks(c, box, draw::Edge::Bottom, xs, col_labels);
  draw::edge_ticks(c, box, draw::Edge::Left, ys, row_labels);
  double label_w = 0;
  for (const auto& s : row_labels) label_w = std::max(label_w, c.text_width(s, draw::kFontSize));
  draw::box_labels(c, box, title, xlabel, ylabel, 7 * draw::kPt + label_w);

  // The colour bar: a vertical gradient through the same stops, ticks on its right.
  cairo_pattern_t* ramp = cairo_pattern_create_linear(0, bar.bottom, 0, bar.top);
  for (const auto& s : kRocket) cairo_pattern_add_color_stop_rgb(ramp, s.t, s.c.r, s.c.g, s.c.b);
  cairo_rectangle(cr, bar.left, bar.top, bar.width(), bar.height());
  cairo_set_source(cr, ramp);
  cairo_fill(cr);
  cairo_pattern_destroy(ramp);
  const std::vector<double> ticks = nice_ticks(lo, hi, 8);
  const int decimals =
      ticks.size() > 1 ? std::max(0, int(std::ceil(-std::log10(ticks[1] - ticks[0]) - 1e-9))) : 2;
  std::vector<double> positions;
  std::vector<std::string> labels;
  for (double t : ticks) {
    positions.push_back(bar.bottom - (t - lo) / (hi - lo) * bar.height());
    labels.push_back(draw::format_number(t, decimals));
  }
  draw::edge_ticks(c, bar, draw::Edge::Right, positions, labels);
  c.save_png(path);
}

}  // namespace faceage
