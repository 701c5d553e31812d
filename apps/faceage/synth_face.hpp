#pragma once
// The look of a synthetic face: traits fixed per identity, the marks that age leaves on them, and
// the cairo drawing of a head from both.
#include <cairo.h>

#include "synth_random.hpp"

namespace faceage::synth {

struct Rgb {
  double r = 0, g = 0, b = 0;
};
inline Rgb mix(const Rgb& a, const Rgb& b, double t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

enum class HairStyle { Short, Long, Bob, Buzz };

// What makes a person recognisable; fixed per identity, jittered slightly per photo.
struct FaceTraits {
  Rgb skin, hair, iris, lips;
  double face_width = 1, face_length = 1;  // relative to an average face
  HairStyle hair_style = HairStyle::Short;
  double hair_volume = 0.5;  // 0..1
  double balding = 0;        // how far the hairline recedes by old age, 0..1
  double grey_onset = 40;    // age at which the hair starts greying
  double looks_older = 0;    // years added to the real age: people age at different rates
  double eye_size = 1, eye_spacing = 1, eye_tilt = 0;
  double brow_thickness = 1, brow_arch = 0.5;
  double nose_length = 1, nose_width = 1;
  double mouth_width = 1, lip_fullness = 1;
  double freckles = 0;  // 0..1; freckles look a little like age spots, on purpose
  double stubble = 0;   // 0..1
  bool glasses = false;
  bool round_glasses = false;
  Rgb frame;
};

// How old a face looks, each in 0..1 and smooth in the apparent age.
struct AgeLook {
  double youth = 0;      // round full cheeks, larger eyes; fades out by the early thirties
  double wrinkles = 0;   // forehead lines, crow's feet, nasolabial folds, skin texture
  double sag = 0;        // longer face, jowls, drooping lids, thinner lips, longer nose
  double grey = 0;       // share of grey hair
  double recession = 0;  // how far the hairline has moved back
  double bags = 0;       // under-eye bags
  double spots = 0;      // age spots
};

// Per-photo state of the face itself.
struct Expression {
  double smile = 0;  // 0..1
  double yaw = 0;    // head turn, -1..1: the inner features shift sideways
};

FaceTraits random_traits(Rng& rng);
// The same person in another photo: small changes of shape and colour, glasses sometimes off.
FaceTraits jitter_traits(const FaceTraits& traits, Rng& rng);
AgeLook age_look(const FaceTraits& traits, double apparent_age);

// Draws hair, head, neck and shoulders in a 250 x 250 frame whose centre is near the face's centre;
// the caller sets the transform that maps it into the photo.
void draw_head(cairo_t* cr, const FaceTraits& traits, const AgeLook& look, const Expression& expression,
               const Rgb& clothes, Rng& rng);

}  // namespace faceage::synth
