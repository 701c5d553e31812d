// Hair, stubble and glasses of a synthetic face, in the 250 x 250 frame.
#include "synth_draw.hpp"

namespace faceage::synth {
namespace {

const Rgb kSilver = {0.80, 0.80, 0.82};

// Loose strands over the current clip. Each strand is grey or not, so greying hair shows as salt
// and pepper rather than as a uniform tint. `fall` is the strands' direction: pi/2 hangs down.
void strands(cairo_t* cr, double x0, double y0, double x1, double y1, double fall, int count, const FaceTraits& t,
             const AgeLook& look, Rng& rng) {
  cairo_set_line_width(cr, 0.8);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (int i = 0; i < count; ++i) {
    const double x = rng.uniform(x0, x1), y = rng.uniform(y0, y1), len = rng.uniform(8, 20);
    const double a = fall + rng.uniform(-0.5, 0.5), bend = rng.uniform(-3, 3);
    cairo_move_to(cr, x, y);
    cairo_curve_to(cr, x + 0.5 * len * std::cos(a) + bend, y + 0.5 * len * std::sin(a), x + len * std::cos(a),
                   y + len * std::sin(a) - bend, x + len * std::cos(a), y + len * std::sin(a));
    const Rgb c = rng.chance(look.grey) ? kSilver : scaled(t.hair, rng.uniform(0.7, 1.5));
    set_colour(cr, c, 0.5);
    cairo_stroke(cr);
  }
}

}  // namespace

Rgb greyed_hair(const FaceTraits& t, const AgeLook& look) { return mix(t.hair, kSilver, 0.85 * look.grey); }

// Long hair and bobs fall behind the head and neck.
void hair_back(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, Rng& rng) {
  if (t.hair_style != HairStyle::Long && t.hair_style != HairStyle::Bob) return;
  const double top = g.cy - 1.3 * g.hh - 8 * t.hair_volume;
  const double bottom = t.hair_style == HairStyle::Long ? g.cy + g.hh + 45 : g.cy + 0.65 * g.hh;
  const double half = g.hw * (1.18 + 0.12 * t.hair_volume);
  cairo_save(cr);
  cairo_move_to(cr, g.cx - half, bottom);
  cairo_line_to(cr, g.cx - half, g.cy - 0.3 * g.hh);
  cairo_curve_to(cr, g.cx - half, top, g.cx + half, top, g.cx + half, g.cy - 0.3 * g.hh);
  cairo_line_to(cr, g.cx + half, bottom);
  cairo_curve_to(cr, g.cx + 0.5 * half, bottom + 6, g.cx - 0.5 * half, bottom + 6, g.cx - half, bottom);
  set_colour(cr, greyed_hair(t, look));
  cairo_fill_preserve(cr);
  cairo_clip(cr);
  strands(cr, g.cx - half, g.cy - g.hh, g.cx + half, bottom, kPi / 2, 70, t, look, rng);
  cairo_restore(cr);
}

// The hair on the skull: everything above the hairline, plus the sides down to the ears, inside
// the dome that the hair's volume makes. As the hairline recedes, its temple corners move up and
// out of the dome and the top thins, leaving the horseshoe of old age.
void hair_front(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, Rng& rng) {
  const bool buzz = t.hair_style == HairStyle::Buzz;
  const double volume = (buzz ? 0 : t.hair_volume) * (1 - look.recession);
  cairo_save(cr);
  ellipse(cr, g.cx, g.cy - 0.25 * g.hh, g.hw * (buzz ? 1.01 : 1.04) + 5 * volume,
          (buzz ? 0.77 : 0.80) * g.hh + 9 * volume);
  cairo_clip(cr);
  const double far = 2 * g.hw, side_x = 0.84 * g.hw, side_bottom = g.eye_y - 0.10 * g.hh;
  const double side_top = g.cy - 0.5 * g.hh, rise = 0.5 * (side_top - g.temple_y);
  cairo_move_to(cr, g.cx - far, g.cy - 2 * g.hh);
  cairo_line_to(cr, g.cx + far, g.cy - 2 * g.hh);
  cairo_line_to(cr, g.cx + far, side_bottom);
  for (int side : {1, -1}) {  // the right side up to the middle of the hairline, then down the left side
    const double s = side, temple_x = g.cx + s * g.temple_dx;
    const double toward_middle[6] = {g.cx + s * 0.6 * g.temple_dx, g.temple_y, g.cx + s * 0.3 * g.hw, g.hairline_y,
                                     g.cx, g.hairline_y};
    if (side == 1) {
      cairo_line_to(cr, g.cx + side_x, side_bottom);
      cairo_line_to(cr, g.cx + side_x, side_top);
      cairo_curve_to(cr, g.cx + side_x, side_top - rise, temple_x, g.temple_y + rise, temple_x, g.temple_y);
      cairo_curve_to(cr, toward_middle[0], toward_middle[1], toward_middle[2], toward_middle[3], toward_middle[4],
                     toward_middle[5]);
    } else {  // the same curves, traced backwards
      cairo_curve_to(cr, toward_middle[2], toward_middle[3], toward_middle[0], toward_middle[1], temple_x, g.temple_y);
      cairo_curve_to(cr, temple_x, g.temple_y + rise, g.cx - side_x, side_top - rise, g.cx - side_x, side_top);
      cairo_line_to(cr, g.cx - side_x, side_bottom);
    }
  }
  cairo_line_to(cr, g.cx - far, side_bottom);
  cairo_close_path(cr);
  set_colour(cr, greyed_hair(t, look), buzz ? 0.8 : 1.0);
  cairo_fill_preserve(cr);
  cairo_clip(cr);
  strands(cr, g.cx - g.hw * 1.1, g.cy - 1.4 * g.hh, g.cx + g.hw * 1.1, side_bottom, buzz ? 0 : kPi / 3,
          buzz ? 25 : 60, t, look, rng);
  cairo_restore(cr);
}

// Stubble on the jaw, chin and upper lip, greying with the hair.
void stubble(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, Rng& rng) {
  if (t.stubble <= 0) return;
  for (int i = 0, n = int(250 * t.stubble); i < n; ++i) {
    double x, y;
    if (i % 5 == 0) {  // moustache area
      x = g.features_x + rng.uniform(-1, 1) * g.mouth_w;
      y = rng.uniform(g.nose_y + 5, g.mouth_y - 4);
    } else {
      const Point edge = outline_point(g, look, rng.uniform(0.62, 1.38) * kPi);
      const double f = rng.uniform(0.55, 0.97);
      x = g.cx + f * (edge.x - g.cx);
      y = g.cy + f * (edge.y - g.cy);
      if (y < g.mouth_y - 4 && std::abs(x - g.features_x) < g.mouth_w + 6) continue;  // cheeks stay clear
      if (std::abs(y - g.mouth_y) < 5 && std::abs(x - g.features_x) < g.mouth_w) continue;  // lips
    }
    cairo_rectangle(cr, x, y, 0.8, 0.8);
  }
  set_colour(cr, mix(scaled(t.hair, 0.8), kSilver, look.grey), 0.35 * t.stubble);
  cairo_fill(cr);
}

void glasses(cairo_t* cr, const Geometry& g, const FaceTraits& t) {
  if (!t.glasses) return;
  const double rx = 1.45 * g.eye_w, ry = t.round_glasses ? rx : 1.05 * g.eye_w, y = g.eye_y + 1;
  for (int side : {-1, 1}) {
    const double x = g.features_x + side * g.eye_dx;
    ellipse(cr, x, y, rx, ry);
    set_colour(cr, {1, 1, 1}, 0.08);  // lens glare
    cairo_fill_preserve(cr);
    cairo_set_line_width(cr, 1.8);
    set_colour(cr, t.frame);
    cairo_stroke(cr);
    cairo_move_to(cr, x + side * rx, y - 0.3 * ry);  // temple arm to the ear
    cairo_line_to(cr, g.cx + side * 0.98 * g.hw, g.eye_y + 0.02 * g.hh);
    cairo_set_line_width(cr, 1.6);
    cairo_stroke(cr);
  }
  cairo_move_to(cr, g.features_x - g.eye_dx + rx, y - 0.2 * ry);  // bridge
  cairo_curve_to(cr, g.features_x - 3, y - 0.5 * ry, g.features_x + 3, y - 0.5 * ry, g.features_x + g.eye_dx - rx,
                 y - 0.2 * ry);
  cairo_set_line_width(cr, 1.6);
  cairo_stroke(cr);
}

}  // namespace faceage::synth
