// Random identities and the way age shows on them.
#include <algorithm>
#include <cmath>

#include "synth_face.hpp"

namespace faceage::synth {
namespace {

// 0 below lo, 1 above hi, a smooth S in between: the cues change gradually with age, so that
// neighbouring decades overlap as they do in real photos.
double ramp(double x, double lo, double hi) {
  const double t = std::clamp((x - lo) / (hi - lo), 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

const std::vector<Rgb> kHairColours = {
    {0.08, 0.07, 0.06}, {0.20, 0.13, 0.08}, {0.38, 0.25, 0.14}, {0.74, 0.60, 0.36}, {0.48, 0.22, 0.10}};
const std::vector<Rgb> kIrisColours = {{0.30, 0.18, 0.08}, {0.20, 0.12, 0.06}, {0.25, 0.45, 0.65},
                                       {0.30, 0.45, 0.30}, {0.45, 0.35, 0.18}};
const std::vector<Rgb> kFrameColours = {{0.05, 0.05, 0.05}, {0.35, 0.22, 0.12}, {0.70, 0.70, 0.72},
                                        {0.60, 0.50, 0.25}};

}  // namespace

FaceTraits random_traits(Rng& rng) {
  FaceTraits t;
  const double darkness = std::pow(rng.uniform(), 1.3);
  t.skin = mix({0.96, 0.82, 0.70}, {0.42, 0.28, 0.20}, darkness);
  t.skin.r += rng.uniform(-0.03, 0.03);  // warmer or cooler undertone
  t.skin.b += rng.uniform(-0.03, 0.03);
  t.hair = darkness > 0.5 ? kHairColours[size_t(rng.integer(0, 1))] : rng.pick(kHairColours);
  t.iris = darkness > 0.5 ? kIrisColours[size_t(rng.integer(0, 1))] : rng.pick(kIrisColours);
  t.lips = mix(t.skin, {0.70, 0.30, 0.30}, rng.uniform(0.25, 0.45));
  t.face_width = rng.uniform(0.9, 1.1);
  t.face_length = rng.uniform(0.92, 1.08);
  const double style = rng.uniform();
  t.hair_style = style < 0.4 ? HairStyle::Short : style < 0.7 ? HairStyle::Long : style < 0.85 ? HairStyle::Bob
                                                                                               : HairStyle::Buzz;
  const bool long_hair = t.hair_style == HairStyle::Long || t.hair_style == HairStyle::Bob;
  t.hair_volume = rng.uniform(0.2, 1.0);
  t.balding = long_hair ? rng.uniform(0, 0.15) : rng.chance(0.6) ? rng.uniform(0.3, 1.0) : rng.uniform(0, 0.2);
  t.grey_onset = rng.uniform(30, 48);
  t.looks_older = std::clamp(3.5 * rng.normal(), -7.0, 7.0);
  t.eye_size = rng.uniform(0.85, 1.15);
  t.eye_spacing = rng.uniform(0.9, 1.1);
  t.eye_tilt = rng.uniform(-0.15, 0.15);
  t.brow_thickness = rng.uniform(0.6, 1.4);
  t.brow_arch = rng.uniform(0.2, 1.0);
  t.nose_length = rng.uniform(0.85, 1.15);
  t.nose_width = rng.uniform(0.8, 1.25);
  t.mouth_width = rng.uniform(0.85, 1.15);
  t.lip_fullness = long_hair ? rng.uniform(1.0, 1.4) : rng.uniform(0.7, 1.1);
  t.freckles = rng.chance(0.15) ? rng.uniform(0.3, 1.0) : 0;
  t.stubble = !long_hair && rng.chance(0.3) ? rng.uniform(0.3, 1.0) : 0;
  t.glasses = rng.chance(0.2);
  t.round_glasses = rng.chance(0.5);
  t.frame = rng.pick(kFrameColours);
  return t;
}

FaceTraits jitter_traits(const FaceTraits& traits, Rng& rng) {
  FaceTraits t = traits;
  auto wobble = [&](double& v, double amount) { v *= 1 + amount * rng.normal(); };
  wobble(t.face_width, 0.015);
  wobble(t.face_length, 0.015);
  wobble(t.eye_size, 0.03);
  wobble(t.brow_thickness, 0.05);
  wobble(t.hair_volume, 0.08);
  t.hair = mix(t.hair, {0.5, 0.5, 0.5}, rng.uniform(-0.05, 0.05));  // dye, light, hair products
  t.glasses = t.glasses && rng.chance(0.85);
  return t;
}

AgeLook age_look(const FaceTraits& traits, double apparent_age) {
  const double a = apparent_age + traits.looks_older;
  AgeLook look;
  look.youth = 1 - ramp(a, 15, 32);
  look.wrinkles = ramp(a, 24, 66);
  look.sag = ramp(a, 32, 72);
  look.grey = ramp(a, traits.grey_onset, traits.grey_onset + 24);
  look.recession = traits.balding * ramp(a, 22, 62);
  look.bags = ramp(a, 28, 66);
  look.spots = ramp(a, 44, 72);
  return look;
}

}  // namespace faceage::synth
