// Image files: decoding through stb_image (PNG, BMP) and libjpeg-turbo (JPEG, jpeg_decoder.cpp),
// encoding through stb_image_write, files written whole through write_file_atomic.
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <tuple>
#include <vector>

#include "jpeg_decoder.hpp"
#include "minitorch/data/image.hpp"
#include "minitorch/io/atomic_write.hpp"

namespace minitorch::data {

namespace {

// The format is recognised from its signature, so that a text file named .jpg is reported as
// "not an image" rather than with a decoder's complaint about a broken JPEG.
const char* sniff_format(const uint8_t* data, size_t size) {
  static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return "JPEG";
  if (size >= 8 && std::memcmp(data, png, 8) == 0) return "PNG";
  if (size >= 2 && data[0] == 'B' && data[1] == 'M') return "BMP";
  return nullptr;
}

std::string first_bytes(const uint8_t* data, size_t size) {
  std::ostringstream out;
  for (size_t i = 0; i < std::min<size_t>(size, 8); ++i) {
    static const char* hex = "0123456789abcdef";
    out << (i ? " " : "") << hex[data[i] >> 4] << hex[data[i] & 15];
  }
  return out.str();
}

// A BMP's header fields (OS/2's 12-byte header or Windows' longer ones); 0 where the file ends.
struct BmpHeader {
  uint32_t header_size = 0, pixel_offset = 0, bits = 0, compression = 0;
  int64_t width = 0, height = 0;
};
BmpHeader bmp_header(const uint8_t* data, size_t size) {
  const auto u16 = [&](size_t at) { return at + 2 <= size ? uint32_t(data[at] | data[at + 1] << 8) : 0u; };
  const auto u32 = [&](size_t at) { return at + 4 <= size ? u16(at) | u16(at + 2) << 16 : 0u; };
  BmpHeader h;
  h.header_size = u32(14), h.pixel_offset = u32(10);
  if (h.header_size == 12) {  // OS/2's BITMAPCOREHEADER
    h.width = u16(18), h.height = u16(20), h.bits = u16(24);
  } else {
    h.width = int32_t(u32(18)), h.height = int32_t(u32(22)), h.bits = u16(28), h.compression = u32(30);
  }
  return h;
}

// The BMPs stb_image misreads: run-length encoded ones (which it cannot decode, and reports as a
// corrupt header) and OS/2 ones with a palette (it reads their 3-byte entries with the wrong
// count, leaving colours uninitialised).
void check_bmp_kind(const BmpHeader& h, const std::string& name, const char* op) {
  MT_CHECK(h.header_size != 12 || h.bits > 8, op, ": '", name, "' is an OS/2 BMP with a palette (", h.bits,
           " bits per pixel), which minitorch cannot read; save it as a Windows BMP or a PNG");
  MT_CHECK(h.compression != 1 && h.compression != 2, op, ": '", name, "' is a run-length encoded BMP, which ",
           "minitorch cannot read (it reads uncompressed and bit-field BMPs); save it uncompressed or as a PNG");
}

// stb_image reads as many palette entries as lie between the headers and the pixels, and leaves
// the rest of its 256 uninitialised: a pixel with a higher index would take whatever colour the
// stack held (another on every run). Such a file is refused, after every index is scanned; it
// has been checked to hold all its rows.
void check_bmp_palette(const uint8_t* data, const BmpHeader& h, int64_t row_bytes, const std::string& name,
                       const char* op) {
  if (h.compression != 0 || h.bits > 8 || h.bits == 0 || h.header_size == 12) return;
  const int64_t entries = std::min<int64_t>(256, (int64_t(h.pixel_offset) - 14 - int64_t(h.header_size)) / 4);
  if (entries >= (int64_t(1) << h.bits)) return;  // every index the bits can hold has a colour
  const uint32_t mask = (1u << h.bits) - 1;
  for (int64_t y = 0; y < std::abs(h.height); ++y) {
    const uint8_t* row = data + h.pixel_offset + size_t(y * row_bytes);
    for (int64_t x = 0; x < std::abs(h.width); ++x) {
      const int64_t bit = x * h.bits;  // pixels fill each byte from its high bits down
      const uint32_t index = (row[bit / 8] >> (8 - h.bits - bit % 8)) & mask;
      MT_CHECK(int64_t(index) < entries, op, ": '", name, "' uses colour ", index, " of a palette of ", entries,
               " (pixel ", x, " of row ", y, "); the file is corrupt");
    }
  }
}

// stb_image fills the missing rows of a cut-short BMP with black instead of failing, so the size
// its header implies is checked here: the pixel offset plus the rows of an uncompressed bitmap.
void check_bmp_complete(const uint8_t* data, size_t size, const BmpHeader& h, const std::string& name,
                        const char* op) {
  if (h.compression != 0 && h.compression != 3 && h.compression != 6) return;  // 0: plain; 3, 6: bit fields
  // Rows are padded to 4 bytes; the last row's padding may be missing without losing a pixel.
  const int64_t row_bits = std::abs(h.width) * int64_t(h.bits), row_bytes = (row_bits + 31) / 32 * 4;
  const int64_t needed =
      int64_t(h.pixel_offset) + row_bytes * std::max<int64_t>(std::abs(h.height) - 1, 0) + (row_bits + 7) / 8;
  MT_CHECK(needed <= int64_t(size), op, ": '", name, "' is a truncated BMP image (its header needs ", needed,
           " bytes, the file has ", size, ")");
  check_bmp_palette(data, h, row_bytes, name, op);
}

Tensor decode(const uint8_t* data, size_t size, const std::string& name, const char* op) {
  MT_CHECK(size > 0, op, ": '", name, "' is empty (expected a JPEG, PNG or BMP image)");
  const char* format = sniff_format(data, size);
  MT_CHECK(format != nullptr, op, ": '", name, "' is not a JPEG, PNG or BMP image (it starts with bytes ",
           first_bytes(data, size), ")");
  MT_CHECK(size <= size_t(INT_MAX), op, ": '", name, "' is ", size, " bytes, more than an image file may be (2 GiB)");
  const int length = int(size);

  const bool jpeg = std::strcmp(format, "JPEG") == 0, bmp = std::strcmp(format, "BMP") == 0;
  const BmpHeader bmp_fields = bmp ? bmp_header(data, size) : BmpHeader{};
  if (bmp) check_bmp_kind(bmp_fields, name, op);

  // The header alone gives the size: absurd dimensions are refused before anything is allocated.
  int64_t width = 0, height = 0;
  if (jpeg) {
    std::tie(width, height) = internal::jpeg_frame_size(data, size, name, op);
  } else {
    int w = 0, h = 0, channels = 0;
    MT_CHECK(stbi_info_from_memory(data, length, &w, &h, &channels), op, ": '", name, "' has a corrupt ", format,
             " header (stb_image: ", stbi_failure_reason(), ")");
    width = w;
    height = bmp ? std::abs(int64_t(h)) : h;  // a BMP's negative height: rows stored top first
  }
  MT_CHECK(width > 0 && height > 0, op, ": '", name, "' is an empty ", format, " image (", width,
           " x ", height, " pixels)");
  MT_CHECK(width * height <= kMaxImagePixels, op, ": '", name, "' is ", width, " x ", height,
           " pixels, more than the limit of ", kMaxImagePixels, " (kMaxImagePixels)");
  // JPEGs through libjpeg-turbo, as PIL reads them (jpeg_decoder.hpp).
  if (jpeg) return internal::decode_jpeg_rgb(data, size, name, op);
  if (bmp) check_bmp_complete(data, size, bmp_fields, name, op);

  // Asking stb for 3 channels converts as PIL's convert('RGB') does: grey is replicated, the
  // alpha channel dropped (not composited), palette entries looked up, 16-bit samples cut to 8.
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(data, length, &w, &h, &channels, 3),
                                                   stbi_image_free);
  // (stb_image's own reason is left out: it comes from the last decoder tried, often another
  // format's, such as "bad png sig" for a cut-short BMP.)
  MT_CHECK(pixels != nullptr, op, ": '", name, "' holds corrupt or truncated ", format, " data");
  Tensor image = empty({h, w, 3}, {.dtype = kUInt8});
  std::memcpy(image.data_ptr<uint8_t>(), pixels.get(), size_t(h) * size_t(w) * 3);
  return image;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  MT_CHECK(status.type() != std::filesystem::file_type::not_found, "read_image: '", path,
           "' does not exist (expected a JPEG, PNG or BMP image file)");
  MT_CHECK(status.type() != std::filesystem::file_type::directory, "read_image: '", path,
           "' is a directory (expected a JPEG, PNG or BMP image file)");
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  MT_CHECK(file != nullptr, "read_image: cannot open '", path, "': ", std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (size_t n; (n = std::fread(chunk, 1, sizeof chunk, file.get())) > 0;) bytes.insert(bytes.end(), chunk, chunk + n);
  MT_CHECK(!std::ferror(file.get()), "read_image: error while reading '", path, "': ", std::strerror(errno));
  return bytes;
}

// stb_image_write hands the encoded file over in pieces.
void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
}

}  // namespace

void check_image(const Tensor& image, const char* op) {
  MT_CHECK(image.defined(), op, ": the image is an undefined tensor");
  MT_CHECK(image.dtype() == kUInt8 && image.dim() == 3 && image.size(2) == 3, op,
           ": expected a uint8 image [H, W, 3], got ", dtype_name(image.dtype()), " ", shape_str(image.shape()));
  MT_CHECK(image.size(0) > 0 && image.size(1) > 0, op, ": the image ", shape_str(image.shape()), " is empty");
  MT_CHECK(image.device().is_cpu(), op, ": the image is on ", image.device().str(), "; call to(kCPU) first");
}

Tensor decode_image(const uint8_t* data, size_t size, const std::string& name_for_errors) {
  return decode(data, size, name_for_errors, "decode_image");
}

Tensor read_image(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  return decode(bytes.data(), bytes.size(), path, "read_image");
}

void write_png(const std::string& path, const Tensor& image) {
  check_image(image, "write_png");
  const Tensor pixels = image.contiguous();
  const int height = int(pixels.size(0)), width = int(pixels.size(1));
  std::vector<uint8_t> encoded;
  MT_CHECK(stbi_write_png_to_func(append_bytes, &encoded, width, height, 3, pixels.data_ptr<uint8_t>(), width * 3),
           "write_png: stb_image_write could not encode '", path, "' (", width, " x ", height, ")");
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()), "write_png");
}

void write_jpeg(const std::string& path, const Tensor& image, int quality) {
  check_image(image, "write_jpeg");
  MT_CHECK(quality >= 1 && quality <= 100, "write_jpeg: quality must be in [1, 100], got ", quality);
  const Tensor pixels = image.contiguous();
  const int height = int(pixels.size(0)), width = int(pixels.size(1));
  MT_CHECK(width <= 65535 && height <= 65535, "write_jpeg: '", path, "': JPEG allows at most 65535 x 65535 pixels, got ",
           width, " x ", height);
  std::vector<uint8_t> encoded;
  MT_CHECK(stbi_write_jpg_to_func(append_bytes, &encoded, width, height, 3, pixels.data_ptr<uint8_t>(), quality),
           "write_jpeg: stb_image_write could not encode '", path, "' (", width, " x ", height, ")");
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()),
                    "write_jpeg");
}

}  // namespace minitorch::data
