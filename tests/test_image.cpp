// Image files: decoding against PIL's Image.open(...).convert('RGB'), writing, and bad input.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "image_helpers.hpp"
#include "minitorch/data/transforms.hpp"

using namespace mt;
using namespace mt::data;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh directory under the system's temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("minitorch_test_image_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  void write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    std::ofstream(file(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
};

Tensor gradient_image(int64_t h, int64_t w) {
  Tensor img = empty({h, w, 3}, {.dtype = kUInt8});
  uint8_t* p = img.data_ptr<uint8_t>();
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      p[(y * w + x) * 3 + 0] = uint8_t(x * 255 / std::max<int64_t>(w - 1, 1));
      p[(y * w + x) * 3 + 1] = uint8_t(y * 255 / std::max<int64_t>(h - 1, 1));
      p[(y * w + x) * 3 + 2] = uint8_t((x * 7 + y * 13) % 256);
    }
  return img;
}

}  // namespace

TEST_CASE("RGB PNGs decode to the sizes and byte sums PIL saw") {
  for (const auto& c : fixture_cases("png_sum")) {
    INFO(c[0]);
    const Tensor img = read_image(data_fixture(c[0]));
    CHECK(img.dtype() == kUInt8);
    CHECK(img.is_contiguous());
    CHECK(img.shape() == Shape{to_int(c[2]), to_int(c[1]), 3});
    CHECK(img.to(kInt64).sum().item<int64_t>() == to_int(c[3]));
  }
}

TEST_CASE("grey, grey+alpha, RGBA, palette and BMP images become RGB exactly as PIL's convert('RGB')") {
  for (const auto& c : fixture_cases("decode")) {
    INFO(c[0]);
    const PixelDiff d = pixel_diff(read_image(data_fixture(c[0])), read_image(data_fixture(c[1])));
    CHECK_MESSAGE(d.max == 0, d);
  }
}

TEST_CASE("JPEG decoding: libjpeg-turbo with PIL's settings gives PIL's pixels") {
  // 4:2:0, 4:2:2 (whose last chroma column stb_image computes wrongly), grey, CMYK with and
  // without Adobe's marker, arithmetic coding.
  CHECK(fixture_cases("jpeg_decode").size() == 7);
  for (const auto& c : fixture_cases("jpeg_decode")) {
    const Tensor ours = read_image(data_fixture(c[0]));
    const PixelDiff d = pixel_diff(ours, read_image(data_fixture(c[1])));
    CHECK_MESSAGE(d.max == 0, c[0] << " (" << ours.size(1) << " x " << ours.size(0) << ") vs PIL: " << d);
  }
}

TEST_CASE("decode_image reads from memory what read_image reads from a file") {
  for (const char* name : {"photo_61x47.png", "photo_61x47.jpg", "photo_61x47.bmp"}) {
    INFO(name);
    const auto bytes = file_bytes(data_fixture(name));
    const Tensor a = decode_image(bytes.data(), bytes.size(), name), b = read_image(data_fixture(name));
    CHECK(pixel_diff(a, b).max == 0);
  }
}

TEST_CASE("write_png round-trips exactly, write_jpeg closely, and both replace files atomically") {
  TempDir dir;
  const Tensor img = gradient_image(37, 53);
  write_png(dir.file("a.png"), img);
  CHECK(pixel_diff(read_image(dir.file("a.png")), img).max == 0);

  // Any strides: a transposed view is written as the image it shows.
  write_png(dir.file("t.png"), img.transpose(0, 1));
  CHECK(pixel_diff(read_image(dir.file("t.png")), img.transpose(0, 1).contiguous()).max == 0);

  write_jpeg(dir.file("a.jpg"), img, 95);
  const PixelDiff d = pixel_diff(read_image(dir.file("a.jpg")), img);
  CHECK_MESSAGE(d.mean < 3, d);

  // Overwriting replaces the file; no temporary file is left behind.
  write_png(dir.file("a.png"), gradient_image(5, 6));
  CHECK(read_image(dir.file("a.png")).shape() == Shape{5, 6, 3});
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) files += entry.is_regular_file();
  CHECK(files == 3);
}

TEST_CASE("write errors name the file") {
  TempDir dir;
  const Tensor img = gradient_image(4, 4);
  CHECK_THROWS_WITH_FRAGMENT(write_png(dir.file("no/such/dir/a.png"), img), "no/such/dir/a.png");
  CHECK_THROWS_WITH_FRAGMENT(write_jpeg(dir.file("a.jpg"), img, 0), "quality must be in [1, 100]");
  CHECK_THROWS_WITH_FRAGMENT(write_png(dir.file("f.png"), zeros({4, 4, 3})), "expected a uint8 image [H, W, 3]");
  CHECK_THROWS_WITH_FRAGMENT(write_png(dir.file("g.png"), zeros({4, 4}, {.dtype = kUInt8})),
                             "expected a uint8 image [H, W, 3]");
  CHECK_FALSE(fs::exists(dir.file("f.png")));
}

TEST_CASE("bad input gives one clear error naming the file") {
  TempDir dir;
  CHECK_THROWS_WITH_FRAGMENT(read_image(data_fixture("truncated.jpg")), "truncated.jpg' holds corrupt or truncated JPEG");
  {  // Cut anywhere, down to its end-of-image marker alone, a JPEG is refused as PIL refuses it
     // (libjpeg itself would pad the missing rows with grey).
    const auto jpeg = file_bytes(data_fixture("photo_61x47.jpg"));
    size_t scan = 0;  // where the image data starts (the SOS marker)
    while (scan + 1 < jpeg.size() && !(jpeg[scan] == 0xFF && jpeg[scan + 1] == 0xDA)) ++scan;
    std::vector<size_t> sizes;
    for (size_t size = 0; size + 2 < jpeg.size(); size += size < 200 ? 1 : 29) sizes.push_back(size);
    sizes.push_back(jpeg.size() - 2);  // all but the end marker
    for (const size_t size : sizes) {
      CAPTURE(size);
      if (size > scan + 20) CHECK_THROWS_WITH_FRAGMENT(decode_image(jpeg.data(), size, "cut.jpg"), "'cut.jpg' holds corrupt");
      else CHECK_THROWS_AS(decode_image(jpeg.data(), size, "cut.jpg"), Error);
    }
    // Every row there but the end marker replaced by other bytes: PIL reads it, and so does this
    // (with 4 bytes instead of 64, the decoder's read-ahead runs out of data in the last row,
    // and both refuse it).
    std::vector<uint8_t> padded(jpeg.begin(), jpeg.end() - 2);
    padded.insert(padded.end(), 4, 0);
    CHECK_THROWS_WITH_FRAGMENT(decode_image(padded.data(), padded.size(), "padded.jpg"), "ends before its last pixel");
    padded.insert(padded.end(), 60, 0);
    CHECK(pixel_diff(decode_image(padded.data(), padded.size(), "padded.jpg"), read_image(data_fixture("photo_61x47.jpg"))).max == 0);
  }
  CHECK_THROWS_WITH_FRAGMENT(read_image(data_fixture("text.jpg")), "text.jpg' is not a JPEG, PNG or BMP image");
  CHECK_THROWS_WITH_FRAGMENT(read_image(data_fixture("empty.png")), "empty.png' is empty");
  CHECK_THROWS_WITH_FRAGMENT(read_image(dir.file("missing.png")), "missing.png' does not exist");
  CHECK_THROWS_WITH_FRAGMENT(read_image(dir.path.string()), "is a directory");
  CHECK_THROWS_WITH_FRAGMENT(decode_image(nullptr, 0, "blob"), "'blob' is empty");

  // A PNG whose compressed data is cut short, and one whose data is overwritten with noise.
  auto png = file_bytes(data_fixture("photo_61x47.png"));
  dir.write("cut.png", std::vector<uint8_t>(png.begin(), png.begin() + std::ptrdiff_t(png.size() / 2)));
  CHECK_THROWS_WITH_FRAGMENT(read_image(dir.file("cut.png")), "cut.png' holds corrupt or truncated PNG data");
  for (size_t i = 100; i < png.size() - 20; ++i) png[i] = uint8_t(i * 131);
  dir.write("noise.png", png);
  CHECK_THROWS_WITH_FRAGMENT(read_image(dir.file("noise.png")), "noise.png' holds corrupt or truncated PNG data");

  // A BMP cut anywhere inside its pixels (stb_image fills the rest with black) or its header.
  const auto bmp = file_bytes(data_fixture("photo_61x47.bmp"));
  // (Its 61-pixel rows are 183 bytes, padded to 184: the last byte is padding, not a pixel.)
  for (const size_t size : {size_t(60), size_t(4000), bmp.size() - 2}) {
    CAPTURE(size);
    dir.write("cut.bmp", std::vector<uint8_t>(bmp.begin(), bmp.begin() + std::ptrdiff_t(size)));
    CHECK_THROWS_WITH_FRAGMENT(read_image(dir.file("cut.bmp")), "cut.bmp' ");
  }
  CHECK_THROWS_WITH_FRAGMENT(read_image(dir.file("cut.bmp")), "is a truncated BMP image (its header needs");
  // Only the last row's padding missing: every pixel is there, and the image reads whole.
  dir.write("unpadded.bmp", std::vector<uint8_t>(bmp.begin(), bmp.end() - 1));
  const Tensor unpadded = read_image(dir.file("unpadded.bmp")), whole = read_image(data_fixture("photo_61x47.bmp"));
  CHECK(unpadded.shape() == whole.shape());
  CHECK(unpadded.to_vector<double>() == whole.to_vector<double>());
  // Rows stored top first (a negative height in the header) give the same picture, as in PIL.
  {
    const auto u32 = [&](size_t at) { return uint32_t(bmp[at] | bmp[at + 1] << 8 | bmp[at + 2] << 16 | bmp[at + 3] << 24); };
    const size_t offset = u32(10), row_bytes = 184, rows = u32(22);
    REQUIRE(rows == 47);
    std::vector<uint8_t> top_down = bmp;
    const uint32_t negative = uint32_t(-int32_t(rows));
    for (int b = 0; b < 4; ++b) top_down[22 + size_t(b)] = uint8_t(negative >> (8 * b));
    for (size_t r = 0; r < rows; ++r)
      std::copy_n(bmp.begin() + std::ptrdiff_t(offset + r * row_bytes), row_bytes,
                  top_down.begin() + std::ptrdiff_t(offset + (rows - 1 - r) * row_bytes));
    const Tensor flipped = decode_image(top_down.data(), top_down.size(), "top_down.bmp");
    CHECK(flipped.to_vector<double>() == whole.to_vector<double>());
  }
  // The kinds stb_image misreads are refused by name: run-length encoded BMPs and OS/2 BMPs with
  // a palette; a lossless JPEG, which libjpeg (and so PIL) cannot decode, is named as such.
  std::vector<uint8_t> rle = bmp;
  rle[30] = 1;
  CHECK_THROWS_WITH_FRAGMENT(decode_image(rle.data(), rle.size(), "rle.bmp"), "'rle.bmp' is a run-length encoded BMP");
  const std::vector<uint8_t> os2 = {'B', 'M', 36, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0,  // file header, pixels at 32
                                    12, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0,             // 1 x 1, 1 plane, 1 bit
                                    0, 0, 0, 255, 255, 255,                          // 2 palette entries
                                    0x80, 0, 0, 0};
  CHECK_THROWS_WITH_FRAGMENT(decode_image(os2.data(), os2.size(), "os2.bmp"), "'os2.bmp' is an OS/2 BMP with a palette");
  // An 8-bit BMP with a palette of 2 colours whose pixel uses colour 5, which stb_image would
  // take from uninitialised memory: refused.
  std::vector<uint8_t> short_palette = {'B', 'M', 66, 0, 0, 0, 0, 0, 0, 0, 62, 0, 0, 0,  // pixels at 62
                                        40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 8, 0,  // 1 x 1, 8 bits
                                        0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0, 0, 0, 0, 255, 255, 255, 0,  // 2 palette entries
                                        5, 0, 0, 0};
  CHECK_THROWS_WITH_FRAGMENT(decode_image(short_palette.data(), short_palette.size(), "short.bmp"),
                             "'short.bmp' uses colour 5 of a palette of 2 (pixel 0 of row 0)");
  short_palette[62] = 1;  // the second colour: white
  CHECK(decode_image(short_palette.data(), short_palette.size(), "short.bmp").to_vector<double>() ==
        std::vector<double>{255, 255, 255});
  std::vector<uint8_t> tallest = bmp;  // a height of -2^31: refused by the pixel limit, no overflow
  tallest[22] = tallest[23] = tallest[24] = 0;
  tallest[25] = 0x80;
  CHECK_THROWS_WITH_FRAGMENT(decode_image(tallest.data(), tallest.size(), "tall.bmp"),
                             "'tall.bmp' is 61 x 2147483648 pixels, more than the limit");
  std::vector<uint8_t> lossless = file_bytes(data_fixture("photo_61x47.jpg"));
  for (size_t i = 2; i + 1 < lossless.size(); ++i)
    if (lossless[i] == 0xFF && lossless[i + 1] == 0xC0) {
      lossless[i + 1] = 0xC3;
      break;
    }
  CHECK_THROWS_WITH_FRAGMENT(decode_image(lossless.data(), lossless.size(), "lossless.jpg"),
                             "'lossless.jpg' has a corrupt or unsupported JPEG header (libjpeg: Unsupported JPEG process");

  // A JPEG header announcing 20000 x 20000 pixels: refused before any pixel memory is allocated.
  const std::vector<uint8_t> huge = {0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 8, 0x4e, 0x20, 0x4e, 0x20, 3,
                                     1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 0xff, 0xd9};
  CHECK_THROWS_WITH_FRAGMENT(decode_image(huge.data(), huge.size(), "huge.jpg"),
                             "'huge.jpg' is 20000 x 20000 pixels, more than the limit");
  // A JPEG header with a zero height.
  std::vector<uint8_t> flat = huge;
  flat[7] = flat[8] = 0;
  CHECK_THROWS_WITH_FRAGMENT(decode_image(flat.data(), flat.size(), "flat.jpg"), "flat.jpg'");
}

TEST_CASE("real photos: decode + resize against PIL's decode + resize") {
  // Debian's python3-sklearn ships two photos; the fixtures hold PIL's resize of them.
  const auto cases = fixture_cases("real_photo", /*required=*/false);
  if (cases.empty()) MESSAGE("SKIPPED: the fixtures were made without python3-sklearn's photos");
  for (const auto& c : cases) {
    const std::string expected = data_fixture(c[3]);
    if (!fs::exists(c[0]) || !fs::exists(expected)) {
      MESSAGE("SKIPPED: " << c[0] << " is not on this machine (apt-get install python3-sklearn)");
      continue;
    }
    const Tensor ours = transforms::resize(read_image(c[0]), to_int(c[1]), to_int(c[2]));
    const PixelDiff d = pixel_diff(ours, read_image(expected));
    MESSAGE(fs::path(c[0]).filename().string() << " resized to " << c[2] << " x " << c[1] << ", ours vs PIL: " << d);
    CHECK(d.max == 0);  // the same JPEG decoder and the same resize arithmetic
  }
}
