// The head of a synthetic face, one function per part. All sizes are in the 250 x 250 frame.
#include "synth_draw.hpp"

namespace faceage::synth {

Geometry make_geometry(const FaceTraits& t, const AgeLook& look, const Expression& e) {
  Geometry g;
  g.hw = 50 * t.face_width * (1 + 0.05 * look.youth);
  g.hh = 72 * t.face_length * (1 + 0.03 * look.sag);
  g.features_x = g.cx + e.yaw * 0.12 * g.hw;
  g.eye_y = g.cy - 0.02 * g.hh;
  g.eye_dx = 0.42 * g.hw * t.eye_spacing;
  g.eye_w = 0.21 * g.hw * t.eye_size * (1 + 0.10 * look.youth);  // young faces have larger eyes
  g.eye_h = g.eye_w * 0.48 * (1 - 0.2 * look.sag);
  g.brow_y = g.eye_y - (0.18 - 0.02 * look.sag) * g.hh;  // brows drop a little with age
  g.nose_y = g.cy + 0.30 * g.hh * t.nose_length * (1 + 0.08 * look.sag);  // noses grow longer
  g.nose_w = 0.16 * g.hw * t.nose_width * (1 + 0.08 * look.sag);
  g.mouth_y = g.cy + 0.53 * g.hh * (1 + 0.04 * look.sag);
  g.mouth_w = 0.36 * g.hw * t.mouth_width;
  // The temples recede faster than the middle: the M-shaped hairline of male-pattern balding.
  g.hairline_y = g.cy - (0.62 + 0.55 * look.recession) * g.hh;
  g.temple_dx = (0.84 + 0.5 * look.recession) * g.hw;
  g.temple_y = g.cy - (0.50 + 0.72 * look.recession) * g.hh;
  return g;
}

Point outline_point(const Geometry& g, const AgeLook& look, double angle) {
  const double u = -std::cos(angle);  // -1 at the top of the head, +1 at the chin
  double width = 1, height = 1;
  if (u > 0) {
    // The jaw tapers to the chin; young faces taper less (round), old ones sag and grow jowls.
    width -= (0.30 - 0.12 * look.youth + 0.05 * look.sag) * u * u;
    width += 0.07 * look.youth * bump(u, 0.35, 0.25);
    width += 0.06 * look.sag * bump(u, 0.75, 0.15);
    height += 0.10 * look.sag - 0.04 * look.youth;
  }
  return {g.cx + g.hw * std::sin(angle) * width, g.cy + g.hh * u * height};
}

void face_outline(cairo_t* cr, const Geometry& g, const AgeLook& look) {
  constexpr int kSteps = 96;
  for (int i = 0; i < kSteps; ++i) {
    const Point p = outline_point(g, look, 2 * kPi * i / kSteps);
    i == 0 ? cairo_move_to(cr, p.x, p.y) : cairo_line_to(cr, p.x, p.y);
  }
  cairo_close_path(cr);
}

namespace {

void neck_and_shoulders(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look,
                        const Rgb& clothes) {
  const double collar = g.cy + g.hh + 24;
  cairo_move_to(cr, g.cx - 150, 320);  // far below the frame: poses shift it
  cairo_line_to(cr, g.cx - 150, collar + 40);
  cairo_curve_to(cr, g.cx - 110, collar + 5, g.cx - 70, collar, g.cx - 0.5 * g.hw, collar);
  cairo_line_to(cr, g.cx + 0.5 * g.hw, collar);
  cairo_curve_to(cr, g.cx + 70, collar, g.cx + 110, collar + 5, g.cx + 150, collar + 40);
  cairo_line_to(cr, g.cx + 150, 320);
  cairo_close_path(cr);
  set_colour(cr, clothes);
  cairo_fill(cr);
  const Rgb neck = scaled(aged_skin(t, look), 0.86);
  cairo_move_to(cr, g.cx - 0.42 * g.hw, g.cy + 0.4 * g.hh);  // neck and the skin in the open collar
  cairo_line_to(cr, g.cx + 0.42 * g.hw, g.cy + 0.4 * g.hh);
  cairo_line_to(cr, g.cx + 0.42 * g.hw, collar);
  cairo_line_to(cr, g.cx, collar + 22);
  cairo_line_to(cr, g.cx - 0.42 * g.hw, collar);
  cairo_close_path(cr);
  set_colour(cr, neck);
  cairo_fill(cr);
}

void ears(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look) {
  const Rgb skin = scaled(aged_skin(t, look), 0.92);
  for (int side : {-1, 1}) {
    // Ears keep growing through life.
    const double x = g.cx + side * g.hw * 0.97, y = g.eye_y + 0.14 * g.hh;
    ellipse(cr, x, y, 0.14 * g.hw, 0.24 * g.hh * (1 + 0.12 * look.sag));
    set_colour(cr, skin);
    cairo_fill(cr);
    ellipse(cr, x + side * 1.5, y, 0.07 * g.hw, 0.15 * g.hh);
    set_colour(cr, scaled(skin, 0.75), 0.6);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
  }
}

void face_skin(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look) {
  face_outline(cr, g, look);
  set_colour(cr, aged_skin(t, look));
  cairo_fill_preserve(cr);
  // Roundness: the face darkens towards its edge.
  cairo_pattern_t* shade = cairo_pattern_create_radial(g.cx, g.cy - 0.1 * g.hh, 0.2 * g.hw, g.cx, g.cy, 1.25 * g.hh);
  cairo_pattern_add_color_stop_rgba(shade, 0, 0, 0, 0, 0);
  cairo_pattern_add_color_stop_rgba(shade, 1, 0, 0, 0, 0.3);
  cairo_set_source(cr, shade);
  cairo_fill(cr);
  cairo_pattern_destroy(shade);
  // Rosy, round cheeks when young; hollow ones when old.
  for (int side : {-1, 1}) {
    const double x = g.features_x + side * 0.5 * g.hw, y = g.cy + 0.25 * g.hh;
    cairo_pattern_t* cheek = cairo_pattern_create_radial(x, y, 0, x, y, 0.3 * g.hw);
    cairo_pattern_add_color_stop_rgba(cheek, 0, 0.9, 0.45, 0.45, 0.22 * look.youth + 0.04);
    cairo_pattern_add_color_stop_rgba(cheek, 1, 0.9, 0.45, 0.45, 0);
    cairo_set_source(cr, cheek);
    ellipse(cr, x, y, 0.3 * g.hw, 0.3 * g.hw);
    cairo_fill(cr);
    cairo_pattern_destroy(cheek);
    const double hx = x + side * 0.12 * g.hw, hy = y + 0.14 * g.hh, r = 0.16 * g.hw;
    cairo_pattern_t* hollow = cairo_pattern_create_radial(hx, hy, 0, hx, hy, r);
    cairo_pattern_add_color_stop_rgba(hollow, 0, 0, 0, 0, 0.10 * look.sag);
    cairo_pattern_add_color_stop_rgba(hollow, 1, 0, 0, 0, 0);
    cairo_set_source(cr, hollow);
    ellipse(cr, hx, hy, r, r);
    cairo_fill(cr);
    cairo_pattern_destroy(hollow);
  }
}

// Freckles (an identity trait), age spots and the fine crepe texture of older skin.
void skin_marks(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, Rng& rng) {
  const Rgb skin = aged_skin(t, look);
  for (int i = 0, n = int(40 * t.freckles); i < n; ++i) {
    ellipse(cr, g.features_x + rng.uniform(-0.6, 0.6) * g.hw, g.nose_y - rng.uniform(0, 0.35) * g.hh,
            rng.uniform(0.5, 1.1), rng.uniform(0.5, 1.1));
    set_colour(cr, scaled(skin, 0.7), 0.35);
    cairo_fill(cr);
  }
  for (int i = 0, n = int(std::lround(8 * look.spots)); i < n; ++i) {
    const Point edge = outline_point(g, look, rng.uniform(-0.45, 0.45) * kPi + (rng.chance(0.5) ? kPi * 0.5 : 0));
    const double f = rng.uniform(0.3, 0.85);
    ellipse(cr, g.cx + f * (edge.x - g.cx), g.cy + f * (edge.y - g.cy), rng.uniform(1.2, 3), rng.uniform(1, 2.5));
    set_colour(cr, mix(skin, {0.45, 0.30, 0.18}, 0.5), 0.35);
    cairo_fill(cr);
  }
  cairo_set_line_width(cr, 0.5);
  for (int i = 0, n = int(70 * look.wrinkles); i < n; ++i) {
    const double x = g.features_x + rng.uniform(-0.75, 0.75) * g.hw, y = g.cy + rng.uniform(-0.6, 0.6) * g.hh;
    const double a = rng.uniform(0, kPi), len = rng.uniform(2, 4);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + len * std::cos(a), y + len * std::sin(a));
  }
  set_colour(cr, scaled(skin, 0.6), 0.12);
  cairo_stroke(cr);
}

void wrinkles(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, const Expression& e,
              Rng& rng) {
  const Rgb crease = scaled(aged_skin(t, look), 0.55);
  const double w = look.wrinkles, fx = g.features_x;
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  // Forehead lines: more, longer and deeper with age (the hair drawn later hides those above the hairline).
  const int lines = w < 0.08 ? 0 : 1 + int(w * 3.5);
  for (int i = 0; i < lines; ++i) {
    const double y = g.brow_y - (0.10 + 0.075 * i) * g.hh, half = 0.42 * g.hw * (0.6 + 0.4 * w) * (1 - 0.1 * i);
    const double wave = rng.uniform(-1.5, 1.5);
    cairo_move_to(cr, fx - half, y + 1.5);
    cairo_curve_to(cr, fx - half / 3, y - 2 + wave, fx + half / 3, y - 2 - wave, fx + half, y + 1.5);
    cairo_set_line_width(cr, 0.6 + 0.9 * w);
    set_colour(cr, crease, 0.15 + 0.45 * w);
    cairo_stroke(cr);
  }
  for (int side : {-1, 1}) {
    // Crow's feet: short lines fanning out from the outer eye corner.
    if (w > 0.15) {
      const double x0 = fx + side * (g.eye_dx + g.eye_w + 1.5), len = 4 + 8 * w;
      for (int k = -1; k <= 1; ++k) {
        const double a = 0.35 * k;
        cairo_move_to(cr, x0, g.eye_y + 1.5 * k);
        cairo_line_to(cr, x0 + side * len * std::cos(a), g.eye_y + 1.5 * k + len * std::sin(a));
      }
      cairo_set_line_width(cr, 0.7);
      set_colour(cr, crease, 0.5 * w);
      cairo_stroke(cr);
    }
    // Nasolabial folds: faint in the young (deeper when smiling), deep with age.
    cairo_move_to(cr, fx + side * (g.nose_w + 3), g.nose_y - 2);
    cairo_curve_to(cr, fx + side * (g.nose_w + 8), g.nose_y + 8, fx + side * (g.mouth_w + 4), g.mouth_y - 6,
                   fx + side * (g.mouth_w + 4), g.mouth_y + 4);
    cairo_set_line_width(cr, 0.8 + 1.2 * w);
    set_colour(cr, crease, 0.08 + 0.5 * w + 0.15 * e.smile);
    cairo_stroke(cr);
    // Marionette lines down from the mouth corners.
    if (look.sag > 0.2) {
      cairo_move_to(cr, fx + side * (g.mouth_w + 1), g.mouth_y + 3);
      cairo_line_to(cr, fx + side * (g.mouth_w + 3), g.mouth_y + 14);
      cairo_set_line_width(cr, 1);
      set_colour(cr, crease, 0.5 * look.sag);
      cairo_stroke(cr);
    }
    // Under-eye bags: a shadowed crescent below each eye.
    const double ex = fx + side * g.eye_dx, top = g.eye_y + 0.8 * g.eye_h, low = g.eye_y + g.eye_h + 3 + 4 * look.bags;
    cairo_move_to(cr, ex - 0.9 * g.eye_w, top);
    cairo_curve_to(cr, ex - 0.4 * g.eye_w, low, ex + 0.4 * g.eye_w, low, ex + 0.9 * g.eye_w, top);
    set_colour(cr, {0.25, 0.15, 0.15}, 0.12 * look.bags);
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, 0.8 + 0.8 * look.bags);
    set_colour(cr, crease, 0.1 + 0.45 * look.bags);
    cairo_stroke(cr);
  }
}

}  // namespace

void draw_head(cairo_t* cr, const FaceTraits& t, const AgeLook& look, const Expression& e, const Rgb& clothes,
               Rng& rng) {
  const Geometry g = make_geometry(t, look, e);
  hair_back(cr, g, t, look, rng);
  neck_and_shoulders(cr, g, t, look, clothes);
  ears(cr, g, t, look);
  face_skin(cr, g, t, look);
  skin_marks(cr, g, t, look, rng);
  wrinkles(cr, g, t, look, e, rng);
  eyes(cr, g, t, look, e);
  brows(cr, g, t, look);
  nose(cr, g, t, look);
  mouth(cr, g, t, look, e);
  stubble(cr, g, t, look, rng);
  hair_front(cr, g, t, look, rng);
  glasses(cr, g, t);
}

}  // namespace faceage::synth
