// The nuisances of a synthetic photo: background, head pose, lighting, colour, blur and noise. They
// vary per photo and carry no information about age, so a model has to look at the face.
#include "synth_photo.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "minitorch/error.hpp"
#include "synth_draw.hpp"

namespace faceage::synth {
namespace {

Rgb random_colour(Rng& rng) {
  const Rgb c = {rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)};
  return mix(c, {0.5, 0.5, 0.5}, rng.uniform(0.2, 0.6));  // muted, as most backdrops are
}

// Backdrops as in event and studio photos: gradients, out-of-focus lights, panels.
void background(cairo_t* cr, int size, Rng& rng) {
  const Rgb a = random_colour(rng), b = random_colour(rng);
  const int style = rng.integer(0, 3);
  const double h = size / 2.0;
  cairo_pattern_t* fill = style == 1 ? cairo_pattern_create_radial(h, h, 0, h, h, size)
                                     : cairo_pattern_create_linear(0, 0, rng.uniform(0, size), size);
  cairo_pattern_add_color_stop_rgb(fill, 0, a.r, a.g, a.b);
  cairo_pattern_add_color_stop_rgb(fill, 1, b.r, b.g, b.b);
  cairo_set_source(cr, fill);
  cairo_paint(cr);
  cairo_pattern_destroy(fill);
  if (style == 2) {
    for (int i = 0; i < 14; ++i) {
      const double r = rng.uniform(0.04, 0.2) * size;
      ellipse(cr, rng.uniform(0, size), rng.uniform(0, size), r, r);
      set_colour(cr, random_colour(rng), 0.25);
      cairo_fill(cr);
    }
  } else if (style == 3) {
    const double width = rng.uniform(0.08, 0.2) * size;
    for (double x = rng.uniform(-width, 0); x < size; x += 2 * width) cairo_rectangle(cr, x, 0, width, size);
    set_colour(cr, random_colour(rng), 0.3);
    cairo_fill(cr);
  }
}

// Light from one side: brighter there, darker on the other.
void lighting(cairo_t* cr, int size, Rng& rng) {
  const double angle = rng.uniform(0, 2 * kPi), strength = rng.uniform(0, 1), h = size / 2.0;
  cairo_pattern_t* light = cairo_pattern_create_linear(h - h * std::cos(angle), h - h * std::sin(angle),
                                                       h + h * std::cos(angle), h + h * std::sin(angle));
  cairo_pattern_add_color_stop_rgba(light, 0, 1, 1, 1, 0.3 * strength);
  cairo_pattern_add_color_stop_rgba(light, 1, 0, 0, 0, 0.4 * strength);
  cairo_set_source(cr, light);
  cairo_paint(cr);
  cairo_pattern_destroy(light);
}

// Separable box blur of an interleaved RGB float image, in place.
void box_blur(std::vector<float>& px, int size, int radius) {
  std::vector<float> line(size_t(size) * 3);
  for (int pass = 0; pass < 2; ++pass) {  // rows, then columns
    for (int i = 0; i < size; ++i) {
      auto at = [&](int j) -> float* { return &px[3 * (pass == 0 ? size_t(i) * size + j : size_t(j) * size + i)]; };
      for (int j = 0; j < size; ++j)
        for (int c = 0; c < 3; ++c) {
          float sum = 0;
          for (int k = -radius; k <= radius; ++k) sum += at(std::clamp(j + k, 0, size - 1))[c];
          line[3 * size_t(j) + c] = sum / float(2 * radius + 1);
        }
      for (int j = 0; j < size; ++j)
        for (int c = 0; c < 3; ++c) at(j)[c] = line[3 * size_t(j) + c];
    }
  }
}

// The camera's part: exposure, white balance, contrast, sometimes blur, always sensor noise.
minitorch::Tensor develop(cairo_surface_t* surface, int size, Rng& rng) {
  cairo_surface_flush(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const double exposure = rng.uniform(0.8, 1.2), contrast = rng.uniform(0.85, 1.15);
  const double balance[3] = {rng.uniform(0.94, 1.06), rng.uniform(0.97, 1.03), rng.uniform(0.94, 1.06)};
  std::vector<float> px(size_t(size) * size * 3);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      // CAIRO_FORMAT_RGB24: native-endian 0x00RRGGBB words.
      uint32_t word;
      std::memcpy(&word, data + size_t(y) * stride + 4 * size_t(x), sizeof word);
      const int channel[3] = {int(word >> 16) & 255, int(word >> 8) & 255, int(word) & 255};
      for (int c = 0; c < 3; ++c)
        px[3 * (size_t(y) * size + x) + c] = float((channel[c] * exposure * balance[c] - 128) * contrast + 128);
    }
  const double blur = rng.uniform();
  if (blur < 0.25) box_blur(px, size, blur < 0.1 ? 2 : 1);
  const double noise = rng.uniform(1.5, 6);
  minitorch::Tensor image = minitorch::empty({size, size, 3}, {.dtype = minitorch::kUInt8});
  uint8_t* out = image.data_ptr<uint8_t>();
  for (size_t i = 0; i < px.size(); ++i)
    out[i] = uint8_t(std::clamp(std::lround(px[i] + noise * rng.approx_normal()), 0L, 255L));
  return image;
}

}  // namespace

Snapshot take_photo(const FaceTraits& identity, int age, int size, uint64_t seed) {
  Rng rng(seed);
  const FaceTraits traits = jitter_traits(identity, rng);
  const AgeLook look = age_look(traits, age + 1.5 * rng.normal());
  Expression expression;
  expression.smile = rng.uniform();
  expression.yaw = std::clamp(0.35 * rng.normal(), -1.0, 1.0);
  const Rgb clothes = random_colour(rng);

  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, size, size), &cairo_surface_destroy);
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> context(cairo_create(surface.get()), &cairo_destroy);
  cairo_t* cr = context.get();
  background(cr, size, rng);
  // Head pose: a small tilt, shift and zoom around the photo's centre (CACD's crops are roughly
  // aligned on the face, not exactly).
  cairo_save(cr);
  cairo_translate(cr, size * (0.5 + 0.025 * rng.normal()), size * (0.5 + 0.025 * rng.normal()));
  cairo_rotate(cr, 0.1 * rng.normal());
  const double zoom = size / 250.0 * rng.uniform(0.95, 1.15);
  cairo_scale(cr, zoom, zoom);
  cairo_translate(cr, -125, -125);
  draw_head(cr, traits, look, expression, clothes, rng);
  cairo_restore(cr);
  lighting(cr, size, rng);
  MT_CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS, "take_photo: cairo failed: ",
           cairo_status_to_string(cairo_status(cr)));
  Snapshot shot;
  shot.image = develop(surface.get(), size, rng);
  shot.jpeg_quality = rng.integer(60, 95);
  return shot;
}

}  // namespace faceage::synth
