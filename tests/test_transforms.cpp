// Transforms against torchvision 0.14 on PIL images (Pillow 9.4): the fixtures in
// tests/fixtures/data/ come from tools/make_image_fixtures.py. Every deterministic step must
// match pixel for pixel; the random ones must draw only from the generator they are given.
#include <cstring>
#include <fstream>
#include <set>

#include "image_helpers.hpp"
#include "minitorch/data/transforms.hpp"

using namespace mt;
using namespace mt::data;
using namespace mt::data::transforms;

namespace {

Tensor fixture_image(const std::string& name) { return read_image(data_fixture(name)); }

Tensor read_f32(const std::string& path, const Shape& shape) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing " << path);
  Tensor t = empty(shape);
  in.read(reinterpret_cast<char*>(t.data_ptr<float>()), std::streamsize(t.numel() * 4));
  REQUIRE(in.gcount() == t.numel() * 4);
  return t;
}

Tensor constant_image(int64_t h, int64_t w, uint8_t r, uint8_t g, uint8_t b) {
  Tensor img = empty({h, w, 3}, {.dtype = kUInt8});
  uint8_t* p = img.data_ptr<uint8_t>();
  for (int64_t i = 0; i < h * w; ++i) p[3 * i] = r, p[3 * i + 1] = g, p[3 * i + 2] = b;
  return img;
}

bool same_pixels(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && pixel_diff(a, b).max == 0; }

}  // namespace

TEST_CASE("resize matches PIL's resize(BILINEAR) exactly, down and up, integer and non-integer factors") {
  for (const auto& c : fixture_cases("resize")) {
    INFO(c[0] << " to " << c[2] << " x " << c[1]);
    const Tensor out = resize(fixture_image(c[0]), to_int(c[1]), to_int(c[2]));
    const PixelDiff d = pixel_diff(out, fixture_image(c[3]));
    CHECK_MESSAGE(d.max == 0, d);
  }
}

TEST_CASE("Resize(shorter_side) keeps the aspect ratio with torchvision's rounding") {
  for (const auto& c : fixture_cases("resize_short")) {
    INFO(c[0] << " shorter side " << c[1]);
    const Tensor out = Resize(to_int(c[1]))(fixture_image(c[0]));
    const PixelDiff d = pixel_diff(out, fixture_image(c[2]));
    CHECK_MESSAGE(d.max == 0, d);
  }
}

TEST_CASE("resize accepts views and leaves a same-size image unchanged") {
  const Tensor img = fixture_image("photo_61x47.png");
  CHECK(same_pixels(resize(img, 47, 61), img));
  const Tensor flipped_view = img.transpose(0, 1);  // [61, 47, 3], not contiguous
  CHECK(same_pixels(resize(flipped_view, 20, 30), resize(flipped_view.contiguous(), 20, 30)));
}

TEST_CASE("CenterCrop matches torchvision, including its half-to-even offsets") {
  for (const auto& c : fixture_cases("center_crop")) {
    INFO(c[0] << " crop " << c[2] << " x " << c[1]);
    const Tensor out = CenterCrop(to_int(c[1]), to_int(c[2]))(fixture_image(c[0]));
    CHECK(out.is_contiguous());
    CHECK(pixel_diff(out, fixture_image(c[3])).max == 0);
  }
  CHECK_THROWS_WITH_FRAGMENT(center_crop(fixture_image("photo_61x47.png"), 48, 10),
                             "a 48 x 10 crop does not fit in the 47 x 61 image");
}

TEST_CASE("adjust_brightness, adjust_contrast, adjust_saturation and adjust_hue match torchvision") {
  const std::vector<std::pair<const char*, Tensor (*)(const Tensor&, double)>> ops = {
      {"brightness", adjust_brightness},
      {"contrast", adjust_contrast},
      {"saturation", adjust_saturation},
      {"hue", adjust_hue},
  };
  for (const auto& [name, fn] : ops) {
    for (const auto& c : fixture_cases(name)) {
      INFO(name << " " << c[1] << " on " << c[0]);
      const PixelDiff d = pixel_diff(fn(fixture_image(c[0]), to_double(c[1])), fixture_image(c[2]));
      CHECK_MESSAGE(d.max == 0, d);
    }
  }
  const Tensor img = fixture_image("photo_61x47.png");
  CHECK_THROWS_WITH_FRAGMENT(adjust_hue(img, 0.6), "hue_factor must be in [-0.5, 0.5]");
  CHECK_THROWS_WITH_FRAGMENT(adjust_contrast(img, -1), "non-negative");
  CHECK_THROWS_WITH_FRAGMENT(adjust_brightness(zeros({4, 4, 3}), 1), "expected a uint8 image [H, W, 3]");
}

TEST_CASE("rgb_to_grayscale is PIL's convert('L')") {
  // L = (19595 R + 38470 G + 7471 B + 2^15) >> 16; saturation 0 replicates it into RGB.
  const Tensor img = fixture_image("photo_61x47.png");
  const Tensor gray = rgb_to_grayscale(img);
  const Tensor expected = fixture_image("saturation_0.png").select(2, 0);
  CHECK(pixel_diff(gray, expected).max == 0);
}

TEST_CASE("ToTensor + Normalize match torchvision's float32 values") {
  const auto c = fixture_cases("normalize").at(0);
  const Tensor img = fixture_image(c[0]);
  const std::vector<double> mean = {to_double(c[1]), to_double(c[2]), to_double(c[3])};
  const std::vector<double> std = {to_double(c[4]), to_double(c[5]), to_double(c[6])};
  const Tensor x = Normalize(mean, std)(ToTensor()(img));
  CHECK(x.dtype() == kFloat32);
  CHECK(x.shape() == Shape{3, img.size(0), img.size(1)});
  const PixelDiff d = pixel_diff(x, read_f32(data_fixture(c[7]), x.shape()));
  CHECK_MESSAGE(d.max == 0, d);

  const Tensor t = to_tensor(img);
  CHECK(t[1][5][7].item<float>() == float(img[5][7][1].item()) / 255.0f);
  CHECK_THROWS_WITH_FRAGMENT(normalize(t, {0.5, 0.5}, {1, 1}), "3 channels need as many means and stds");
  CHECK_THROWS_WITH_FRAGMENT(normalize(img, mean, std), "expected a float32 CPU tensor [C, H, W]");
}

TEST_CASE("RandomHorizontalFlip flips with probability p, drawing from the generator") {
  const Tensor img = fixture_image("photo_61x47.png");
  const Tensor mirrored = hflip(img);
  CHECK(img[3][0][1].item() == mirrored[3][60][1].item());
  CHECK(same_pixels(hflip(mirrored), img));
  Generator gen(7);
  CHECK(same_pixels(RandomHorizontalFlip(1.0)(img, gen), mirrored));
  CHECK(same_pixels(RandomHorizontalFlip(0.0)(img, gen), img));
  int flips = 0;
  const Tensor tiny = constant_image(1, 2, 0, 0, 0);
  Tensor marked = tiny.clone();
  marked.select(1, 0).fill_(255);
  for (int i = 0; i < 400; ++i) flips += RandomHorizontalFlip(0.3)(marked, gen)[0][0][0].item() == 0;
  CHECK(flips > 80);
  CHECK(flips < 160);
  CHECK_THROWS_WITH_FRAGMENT(RandomHorizontalFlip(1.5), "p must be in [0, 1]");
}

TEST_CASE("ColorJitter draws the order, then the factors, and applies the steps in that order") {
  const Tensor img = fixture_image("photo_61x47.png");
  const ColorJitter jitter(0.4, 0.4, 0.4, 0.1);
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    Generator gen(seed), replay(seed);
    const Tensor out = jitter(img, gen);
    // The same draws by hand: a permutation of the 4 steps, then one uniform number per step.
    const auto order = randperm(4, &replay).to_vector<int64_t>();
    const auto u = [&](double lo, double hi) { return lo + (hi - lo) * rand({1}, {.dtype = kFloat64}, &replay).item(); };
    const double b = u(0.6, 1.4), c = u(0.6, 1.4), s = u(0.6, 1.4), h = u(-0.1, 0.1);
    Tensor expected = img;
    for (int64_t step : order) {
      if (step == 0) expected = adjust_brightness(expected, b);
      if (step == 1) expected = adjust_contrast(expected, c);
      if (step == 2) expected = adjust_saturation(expected, s);
      if (step == 3) expected = adjust_hue(expected, h);
    }
    CHECK(same_pixels(out, expected));
    CHECK(gen.offset() == replay.offset());
  }
}

TEST_CASE("ColorJitter factor ranges and inactive steps") {
  // Brightness alone on a constant grey: the factor lies in [0.5, 1.5], so 100 -> [50, 150].
  const Tensor grey = constant_image(2, 2, 100, 100, 100);
  std::set<double> seen;
  Generator gen(11);
  for (int i = 0; i < 50; ++i) {
    const double v = ColorJitter(0.5)(grey, gen)[0][0][0].item();
    CHECK(v >= 50);
    CHECK(v <= 150);
    seen.insert(v);
  }
  CHECK(seen.size() > 20);
  // Nothing active: the image is returned untouched (not even the hue round trip).
  const Tensor img = fixture_image("photo_61x47.png");
  CHECK(same_pixels(ColorJitter()(img, gen), img));
  CHECK_THROWS_WITH_FRAGMENT(ColorJitter(0, 0, 0, 0.7), "hue must be in [0, 0.5]");
  CHECK_THROWS_WITH_FRAGMENT(ColorJitter(-0.1), "brightness must be finite and non-negative");
}

TEST_CASE("a training pipeline is reproducible from one seed") {
  const Compose pipeline({Resize(32, 32), RandomHorizontalFlip(0.5), ColorJitter(0.2, 0.2), ToTensor(),
                          Normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225})});
  const Tensor img = fixture_image("photo_250.jpg");
  Generator a(42), b(42), c(43);
  const Tensor xa = pipeline(img, a), xb = pipeline(img, b), xc = pipeline(img, c);
  CHECK(xa.shape() == Shape{3, 32, 32});
  CHECK(xa.dtype() == kFloat32);
  CHECK(pixel_diff(xa, xb).max == 0);
  CHECK(pixel_diff(xa, xc).max > 0);
  // Later calls continue the stream: a second image gets new draws.
  CHECK(pixel_diff(pipeline(img, a), xa).max > 0);

  // Deterministic steps compose with plain callables too.
  const Compose eval({Resize(40), CenterCrop(32), [](const Tensor& x, Generator&) { return hflip(x); }});
  CHECK(eval(img).shape() == Shape{32, 32, 3});
}

TEST_CASE("transform arguments are checked") {
  CHECK_THROWS_WITH_FRAGMENT(Resize(0, 5), "Resize: sizes must be positive");
  CHECK_THROWS_WITH_FRAGMENT(Resize(-3), "Resize: the shorter side must be positive");
  CHECK_THROWS_WITH_FRAGMENT(CenterCrop(0), "CenterCrop: sizes must be positive");
  CHECK_THROWS_WITH_FRAGMENT(Normalize({0.5}, {0.5, 0.5}), "one mean and one std per channel");
  CHECK_THROWS_WITH_FRAGMENT(Normalize({0.5}, {0}), "std must be non-zero");
  CHECK_THROWS_WITH_FRAGMENT(resize(constant_image(4, 4, 1, 2, 3), 0, 4), "output size 0 x 4 is invalid");
}
