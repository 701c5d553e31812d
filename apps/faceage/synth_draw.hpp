#pragma once
// Shared by the drawing of the head's parts: the face's geometry and small cairo helpers.
#include <cairo.h>

#include <cmath>

#include "synth_face.hpp"

namespace faceage::synth {

inline constexpr double kPi = 3.14159265358979323846;

inline Rgb scaled(const Rgb& c, double f) { return {c.r * f, c.g * f, c.b * f}; }
inline void set_colour(cairo_t* cr, const Rgb& c, double alpha = 1) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }
// Appends an axis-aligned ellipse to the current path.
inline void ellipse(cairo_t* cr, double x, double y, double rx, double ry) {
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, rx, ry);
  cairo_new_sub_path(cr);
  cairo_arc(cr, 0, 0, 1, 0, 2 * kPi);
  cairo_restore(cr);
}
// A Gaussian bump of height 1 at `centre`.
inline double bump(double x, double centre, double width) {
  const double d = (x - centre) / width;
  return std::exp(-d * d);
}

// Where the parts of one face go, in the 250 x 250 frame. Derived once per photo from the traits
// and the age look, so every part function agrees on it.
struct Geometry {
  double cx = 125, cy = 128;  // centre of the face (outline)
  double hw = 0, hh = 0;      // half width and half height of the face
  double features_x = 125;    // centre line of eyes, nose and mouth (moves with the head's turn)
  double eye_y = 0, eye_dx = 0, eye_w = 0, eye_h = 0;  // eye centre height, offset, half sizes
  double brow_y = 0;
  double nose_y = 0, nose_w = 0;  // nose tip height and half width of the nostrils
  double mouth_y = 0, mouth_w = 0;
  double hairline_y = 0;               // hairline in the middle
  double temple_dx = 0, temple_y = 0;  // its corners at the temples
};

struct Point {
  double x = 0, y = 0;
};

Geometry make_geometry(const FaceTraits& t, const AgeLook& look, const Expression& e);
// A point on the face outline; `angle` runs clockwise from the top of the head (0) to the chin (pi).
Point outline_point(const Geometry& g, const AgeLook& look, double angle);
// Appends the face outline to the current path (closed).
void face_outline(cairo_t* cr, const Geometry& g, const AgeLook& look);
// Skin colour after ageing: older skin is a little sallower.
inline Rgb aged_skin(const FaceTraits& t, const AgeLook& look) {
  return mix(t.skin, {0.78, 0.72, 0.60}, 0.15 * look.wrinkles);
}

// Parts of the head that draw_head (synth_face.cpp) calls from the other files.
void eyes(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, const Expression& e);
void brows(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look);
void nose(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look);
void mouth(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, const Expression& e);
void hair_back(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, Rng& rng);
void hair_front(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, Rng& rng);
void stubble(cairo_t* cr, const Geometry& g, const FaceTraits& t, const AgeLook& look, Rng& rng);
void glasses(cairo_t* cr, const Geometry& g, const FaceTraits& t);
// The hair colour after greying: the fill is a blend, single strands are either grey or not.
Rgb greyed_hair(const FaceTraits& t, const AgeLook& look);

}  // namespace faceage::synth
