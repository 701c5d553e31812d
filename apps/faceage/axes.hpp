#pragma once
// Axes in matplotlib's default style: data-to-pixel mapping, grid, spines, ticks and their
// labels, title and axis labels, and a legend box placed like loc="best".
#include <array>
#include <string>
#include <vector>

#include "canvas.hpp"

namespace faceage::draw {

// One axis: the visible data range, the tick positions inside it and how many decimals their
// labels show.
struct Axis {
  double lo = 0, hi = 1;
  std::vector<double> ticks;
  int decimals = 0;
};

// The axis for data in [lo, hi]: padded by matplotlib's 5% margins (a zero-width range is widened
// first, so a constant series still gets a scale), with nice ticks.
Axis data_axis(double lo, double hi, bool integer_ticks = false);

// Where the axes go on the canvas: matplotlib's default subplot box, widened on the left when the
// y tick labels need more room, and shrunk on the right by `right_reserve` pixels.
Rect axes_box(const Canvas& canvas, const std::vector<std::string>& ytick_labels, double right_reserve = 0);

// Tick labels of an axis, formatted with its decimals.
std::vector<std::string> tick_labels(const Axis& axis);

class Axes {
 public:
  Axes(const Canvas& canvas, Rect box, Axis x, Axis y) : c_(canvas), box_(box), x_(std::move(x)), y_(std::move(y)) {}

  double px(double x) const { return box_.left + (x - x_.lo) / (x_.hi - x_.lo) * box_.width(); }
  double py(double y) const { return box_.bottom - (y - y_.lo) / (y_.hi - y_.lo) * box_.height(); }
  const Rect& box() const { return box_; }

  void grid() const;                 // light grey lines at the ticks (drawn below the data)
  void frame() const;                // spines, tick marks, tick labels
  void labels(const std::string& title, const std::string& xlabel, const std::string& ylabel) const;
  void clip() const;                 // restrict drawing to the axes box (undo with cairo_reset_clip)

 private:
  const Canvas& c_;
  Rect box_;
  Axis x_, y_;
};

// Draws tick marks and labels along one edge of a box, for plots whose ticks are not an Axis
// (heatmap cells, the colour bar). `positions` are pixel coordinates along that edge.
enum class Edge { Left, Right, Bottom };
void edge_ticks(const Canvas& canvas, const Rect& box, Edge edge, const std::vector<double>& positions,
                const std::vector<std::string>& labels);
// Title above a box and axis labels beside it; `left_extent` is how far the y tick labels reach
// to the left of the box.
void box_labels(const Canvas& canvas, const Rect& box, const std::string& title, const std::string& xlabel,
                const std::string& ylabel, double left_extent);

struct LegendEntry {
  std::string label;
  Rgb color;
  bool line = false;  // a line with a marker (line plots) or a lone marker (scatter plots)
  double alpha = 1;
};

// A legend inside `axes`, at the first of matplotlib's "best" candidate positions that covers
// the fewest of `avoid` (data points in pixels).
void legend(const Canvas& canvas, const Rect& axes, const std::string& title, const std::vector<LegendEntry>& entries,
            const std::vector<std::array<double, 2>>& avoid);

// A filled circle marker of diameter `size` pixels.
void marker(const Canvas& canvas, double x, double y, double size, Rgb color, double alpha = 1);

}  // namespace faceage::draw
