// Eyes, brows, nose and mouth of a synthetic face, in the 250 x 250 frame.
#include "synth_draw.hpp"

namespace faceage::synth {

void eyes(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, const Expression& e) {
  const double ew = g.eye_w, eh = g.eye_h;
  const double lid = -1.6 * eh + 1.3 * look.sag * eh;  // control height of the upper lid: droops with age
  for (int side : {-1, 1}) {
    cairo_save(cr);
    cairo_translate(cr, g.features_x + side * g.eye_dx, g.eye_y);
    cairo_rotate(cr, -side * t.eye_tilt);
    cairo_move_to(cr, -ew, 0);
    cairo_curve_to(cr, -0.5 * ew, -1.6 * eh, 0.5 * ew, -1.6 * eh, ew, 0);
    cairo_curve_to(cr, 0.5 * ew, 1.25 * eh, -0.5 * ew, 1.25 * eh, -ew, 0);
    set_colour(cr, {0.94, 0.93, 0.90});
    cairo_fill_preserve(cr);
    cairo_save(cr);
    cairo_clip(cr);
    const double ir = 1.15 * eh / (1 - 0.2 * look.sag), ix = 0.25 * ew * e.yaw;  // iris size is fixed
    ellipse(cr, ix, 0, ir, ir);
    set_colour(cr, t.iris);
    cairo_fill(cr);
    ellipse(cr, ix, 0, 0.45 * ir, 0.45 * ir);
    set_colour(cr, {0.03, 0.03, 0.03});
    cairo_fill(cr);
    ellipse(cr, ix - 0.3 * ir, -0.3 * ir, 0.2 * ir, 0.2 * ir);
    set_colour(cr, {1, 1, 1}, 0.8);
    cairo_fill(cr);
    // The drooping lid covers the top of the eye.
    cairo_move_to(cr, -1.1 * ew, -2 * eh);
    cairo_line_to(cr, 1.1 * ew, -2 * eh);
    cairo_line_to(cr, ew, 0);
    cairo_curve_to(cr, 0.5 * ew, lid, -0.5 * ew, lid, -ew, 0);
    set_colour(cr, scaled(aged_skin(t, look), 0.95));
    cairo_fill(cr);
    cairo_restore(cr);
    // Lid lines and the crease above the eye.
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_move_to(cr, -ew, 0);
    cairo_curve_to(cr, -0.5 * ew, lid, 0.5 * ew, lid, ew, 0);
    cairo_set_line_width(cr, 1.6);
    set_colour(cr, {0.15, 0.10, 0.08}, 0.9);
    cairo_stroke(cr);
    cairo_move_to(cr, -ew, 0);
    cairo_curve_to(cr, -0.5 * ew, 1.25 * eh, 0.5 * ew, 1.25 * eh, ew, 0);
    cairo_set_line_width(cr, 0.8);
    set_colour(cr, {0.3, 0.2, 0.15}, 0.35);
    cairo_stroke(cr);
    cairo_move_to(cr, -0.8 * ew, -1.3 * eh);
    cairo_curve_to(cr, -0.4 * ew, -2.4 * eh, 0.4 * ew, -2.4 * eh, 0.9 * ew, -1.2 * eh);
    set_colour(cr, scaled(aged_skin(t, look), 0.6), 0.25 + 0.2 * look.sag);
    cairo_stroke(cr);
    cairo_restore(cr);
  }
}

void brows(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look) {
  const Rgb colour = mix(scaled(t.hair, 0.9), {0.75, 0.75, 0.75}, 0.6 * look.grey);
  const double arch = 2 + 3 * t.brow_arch;
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width(cr, 2.6 * t.brow_thickness * (1 - 0.3 * look.sag));  // brows thin out with age
  for (int side : {-1, 1}) {
    const double x0 = g.features_x + side * (g.eye_dx - 0.9 * g.eye_w);
    const double x1 = g.features_x + side * (g.eye_dx + 1.15 * g.eye_w);
    const double span = x1 - x0;
    cairo_move_to(cr, x0, g.brow_y + 1);
    cairo_curve_to(cr, x0 + 0.3 * span, g.brow_y - arch, x1 - 0.3 * span, g.brow_y - arch, x1, g.brow_y + 1.5);
  }
  set_colour(cr, colour, 0.9);
  cairo_stroke(cr);
}

void nose(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look) {
  const Rgb shade = scaled(aged_skin(t, look), 0.65);
  const double fx = g.features_x, ny = g.nose_y, nw = g.nose_w;
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_move_to(cr, fx - 0.25 * nw, g.eye_y + 2);  // the bridge's shadow side
  cairo_curve_to(cr, fx - 0.3 * nw, ny - 0.6 * (ny - g.eye_y), fx - 0.9 * nw, ny - 6, fx - 0.8 * nw, ny - 2);
  cairo_set_line_width(cr, 1);
  set_colour(cr, shade, 0.25);
  cairo_stroke(cr);
  cairo_move_to(cr, fx - nw, ny - 1);  // tip and wings
  cairo_curve_to(cr, fx - 1.2 * nw, ny + 3, fx - 0.5 * nw, ny + 4, fx, ny + 2.5);
  cairo_curve_to(cr, fx + 0.5 * nw, ny + 4, fx + 1.2 * nw, ny + 3, fx + nw, ny - 1);
  cairo_set_line_width(cr, 1.3);
  set_colour(cr, shade, 0.5);
  cairo_stroke(cr);
  for (int side : {-1, 1}) ellipse(cr, fx + side * 0.5 * nw, ny + 1.5, 0.28 * nw, 0.13 * nw);
  set_colour(cr, scaled(shade, 0.5), 0.6);
  cairo_fill(cr);
}

void mouth(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, const Expression& e) {
  const double mx = g.features_x, my = g.mouth_y, mw = g.mouth_w;
  const double corner = my - (3.5 * e.smile - 2.5 * look.sag);  // corners rise with a smile, fall with age
  const double mid = my + 0.4 * (3.5 * e.smile - 2.5 * look.sag);
  const double upper = 2.8 * t.lip_fullness * (1 - 0.45 * look.sag) + 0.4 * look.youth;  // lips thin with age
  const double lower = 3.6 * t.lip_fullness * (1 - 0.4 * look.sag);
  const Rgb lips = mix(t.lips, aged_skin(t, look), 0.3 * look.sag);
  // Upper lip with its cupid's bow, back along the mouth line; then the lower lip.
  cairo_move_to(cr, mx - mw, corner);
  cairo_curve_to(cr, mx - 0.5 * mw, my - upper, mx - 0.2 * mw, my - 1.1 * upper, mx, my - 0.75 * upper);
  cairo_curve_to(cr, mx + 0.2 * mw, my - 1.1 * upper, mx + 0.5 * mw, my - upper, mx + mw, corner);
  cairo_curve_to(cr, mx + 0.5 * mw, mid, mx - 0.5 * mw, mid, mx - mw, corner);
  cairo_curve_to(cr, mx - 0.5 * mw, mid + 1.3 * lower, mx + 0.5 * mw, mid + 1.3 * lower, mx + mw, corner);
  cairo_curve_to(cr, mx + 0.5 * mw, mid, mx - 0.5 * mw, mid, mx - mw, corner);
  set_colour(cr, lips);
  cairo_fill(cr);
  cairo_move_to(cr, mx - mw, corner);
  cairo_curve_to(cr, mx - 0.5 * mw, mid, mx + 0.5 * mw, mid, mx + mw, corner);
  cairo_set_line_width(cr, 1.2);
  set_colour(cr, scaled(lips, 0.45), 0.8);
  cairo_stroke(cr);
}

}  // namespace faceage::synth
