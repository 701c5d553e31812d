#include "canvas.hpp"

#include <cmath>
#include <cstdio>
#include <numbers>

#include "minitorch/data/image.hpp"
#include "minitorch/error.hpp"
#include "minitorch/tensor.hpp"

namespace faceage::draw {

Canvas::Canvas(int width, int height) : width_(width), height_(height) {
  surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cr_ = cairo_create(surface_);
  if (const cairo_status_t status = cairo_status(cr_); status != CAIRO_STATUS_SUCCESS) {
    cairo_destroy(cr_);  // a throwing constructor gets no destructor call
    cairo_surface_destroy(surface_);
    minitorch::detail::fail("plot: cairo cannot create a ", width, " x ", height, " image: ",
                            cairo_status_to_string(status));
  }
  cairo_set_source_rgb(cr_, 1, 1, 1);
  cairo_paint(cr_);
}

Canvas::~Canvas() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

void Canvas::set_color(Rgb c, double alpha) const { cairo_set_source_rgba(cr_, c.r, c.g, c.b, alpha); }

void Canvas::select_font(double size, bool bold) const {
  cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
}

double Canvas::text_width(const std::string& s, double size, bool bold) const {
  select_font(size, bold);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, s.c_str(), &e);
  return e.x_advance;
}

double Canvas::line_height(double size) const {
  select_font(size, false);
  cairo_font_extents_t f;
  cairo_font_extents(cr_, &f);
  return f.ascent + f.descent;
}

void Canvas::text(const std::string& s, double x, double y, double size, HAlign h, VAlign v, Rgb color,
                  double degrees, bool bold) const {
  select_font(size, bold);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, s.c_str(), &e);
  // Vertical placement uses the font's ascent and descent rather than the string's own box, so
  // that labels with and without descenders line up.
  cairo_font_extents_t f;
  cairo_font_extents(cr_, &f);
  const double dx = h == HAlign::Left ? 0 : h == HAlign::Center ? -e.x_advance / 2 : -e.x_advance;
  const double dy = v == VAlign::Top ? f.ascent
                    : v == VAlign::Middle ? (f.ascent - f.descent) / 2
                    : v == VAlign::Bottom ? -f.descent
                                          : 0;
  cairo_save(cr_);
  cairo_translate(cr_, x, y);
  cairo_rotate(cr_, -degrees * std::numbers::pi / 180);
  cairo_move_to(cr_, dx, dy);
  set_color(color);
  cairo_show_text(cr_, s.c_str());
  cairo_new_path(cr_);
  cairo_restore(cr_);
}

void Canvas::save_png(const std::string& path) const {
  cairo_surface_flush(surface_);
  // RGB24 pixels are native-endian 32-bit words 0x00RRGGBB.
  const unsigned char* data = cairo_image_surface_get_data(surface_);
  const int stride = cairo_image_surface_get_stride(surface_);
  minitorch::Tensor image = minitorch::empty({height_, width_, 3}, {.dtype = minitorch::kUInt8});
  uint8_t* out = image.data_ptr<uint8_t>();
  for (int y = 0; y < height_; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + size_t(y) * size_t(stride));
    for (int x = 0; x < width_; ++x, out += 3) {
      out[0] = uint8_t(row[x] >> 16);
      out[1] = uint8_t(row[x] >> 8);
      out[2] = uint8_t(row[x]);
    }
  }
  minitorch::data::write_png(path, image);
}

std::string format_number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s[0] == '-') {
    // "-0.00" is printed as "0.00"; other negatives get the typographic minus.
    if (s.find_first_of("123456789") == std::string::npos) return s.substr(1);
    s = "\u2212" + s.substr(1);
  }
  return s;
}

}  // namespace faceage::draw
