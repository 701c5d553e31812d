#pragma once
// A cairo drawing surface with text helpers, used by the plots (not part of faceage's API).
// Sizes are pixels; at matplotlib's 100 dpi one point is 100/72 px.
#include <cairo.h>

#include <string>

#include "plots.hpp"

namespace faceage::draw {

inline constexpr double kPt = 100.0 / 72.0;      // pixels per point at 100 dpi
inline constexpr double kFontSize = 10 * kPt;    // matplotlib's default text size
inline constexpr double kTitleSize = 12 * kPt;   // axes titles ("large")
inline constexpr const char* kFont = "DejaVu Sans";

struct Rect {
  double left = 0, top = 0, right = 0, bottom = 0;
  double width() const { return right - left; }
  double height() const { return bottom - top; }
  bool contains(double x, double y) const { return x >= left && x <= right && y >= top && y <= bottom; }
};

enum class HAlign { Left, Center, Right };
enum class VAlign { Top, Middle, Baseline, Bottom };

// A white RGB image surface and its cairo context.
class Canvas {
 public:
  Canvas(int width, int height);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_; }
  int width() const { return width_; }
  int height() const { return height_; }

  void set_color(Rgb c, double alpha = 1) const;
  // Text at (x, y) aligned as asked, rotated by `degrees` counter-clockwise about (x, y).
  void text(const std::string& s, double x, double y, double size, HAlign h, VAlign v, Rgb color = {},
            double degrees = 0, bool bold = false) const;
  double text_width(const std::string& s, double size, bool bold = false) const;
  // Height of a text line (ascent + descent) at this size.
  double line_height(double size) const;

  // Encodes the image as PNG and writes it atomically (minitorch::data::write_png).
  void save_png(const std::string& path) const;

 private:
  void select_font(double size, bool bold) const;
  int width_, height_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

// A number as a tick label with `decimals` digits after the point, with matplotlib's minus sign
// (U+2212) and no "-0".
std::string format_number(double v, int decimals);

}  // namespace faceage::draw
