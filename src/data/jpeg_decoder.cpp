// libjpeg reports errors through a callback that must not return: it jumps back (longjmp) to
// the call that started the work. So the functions that call libjpeg hold only C structs, whose
// state a jump cannot leave half-destroyed; C++ objects are made before or after.
#include "jpeg_decoder.hpp"

#include <csetjmp>
#include <cstdio>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>  // the message codes (JWRN_JPEG_EOF)

#include "minitorch/error.hpp"
#include "minitorch/ops/creation.hpp"

namespace minitorch::data::internal {

namespace {

struct Decoder {
  jpeg_decompress_struct info;
  jpeg_error_mgr errors;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;  // libjpeg ran out of data and padded the image (a warning, not an error)
  bool rows_truncated;  // ... while reading the rows (after them it only looked for the end marker)
};

Decoder& decoder_of(j_common_ptr info) { return *reinterpret_cast<Decoder*>(info->client_data); }

[[noreturn]] void on_error(j_common_ptr info) {
  (*info->err->format_message)(info, decoder_of(info).message);
  std::longjmp(decoder_of(info).jump, 1);
}

// Warnings (level -1) are dropped, as PIL drops them, except running out of data: PIL refuses a
// truncated image, where libjpeg would pad it with grey.
void on_message(j_common_ptr info, int level) {
  if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) decoder_of(info).truncated = true;
}

// Creates the decompressor over `data` and reads the header; false (with the message) on error.
bool start(Decoder& d, const uint8_t* data, size_t size) {
  d.info.err = jpeg_std_error(&d.errors);
  d.errors.error_exit = on_error;
  d.errors.emit_message = on_message;
  d.info.client_data = &d;
  if (setjmp(d.jump)) return false;
  jpeg_create_decompress(&d.info);  // (it clears the struct but keeps err and client_data)
  jpeg_mem_src(&d.info, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d.info, TRUE);
  return true;
}

// Decodes every row into `out`, `components` (3: RGB, 4: CMYK) samples per pixel; false (with
// the message) on error.
bool read_rows(Decoder& d, uint8_t* out, int components) {
  if (setjmp(d.jump)) return false;
  d.info.out_color_space = components == 4 ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&d.info);
  if (d.info.output_width != d.info.image_width || d.info.output_height != d.info.image_height ||
      d.info.output_components != components) {
    std::snprintf(d.message, sizeof d.message, "unexpected output of %u x %u x %d", d.info.output_width,
                  d.info.output_height, d.info.output_components);
    return false;
  }
  const size_t stride = size_t(d.info.output_width) * size_t(components);
  while (d.info.output_scanline < d.info.output_height) {
    JSAMPROW row = out + size_t(d.info.output_scanline) * stride;
    jpeg_read_scanlines(&d.info, &row, 1);
  }
  // PIL refuses data that ends before the last row, but not a file whose end marker is missing
  // or followed by other bytes, which only finishing (looking for the marker) would notice.
  d.rows_truncated = d.truncated;
  jpeg_finish_decompress(&d.info);
  return true;
}

// PIL's CMYK to RGB (Convert.c's cmyk2rgb) on samples it reads inverted ("CMYK;I", Adobe's
// convention, assumed for every CMYK JPEG): with nk = 255 - K, R = nk - round(C * nk / 255).
void cmyk_to_rgb(const uint8_t* cmyk, uint8_t* rgb, size_t pixels) {
  const auto mul_div_255 = [](int a, int b) {
    const int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  };
  for (size_t i = 0; i < pixels; ++i) {
    const int nk = cmyk[4 * i + 3];  // 255 - (255 - stored K)
    for (int c = 0; c < 3; ++c) rgb[3 * i + size_t(c)] = uint8_t(nk - mul_div_255(255 - cmyk[4 * i + size_t(c)], nk));
  }
}

// Owns the decompressor, destroyed whatever happens (a zeroed one, if creating it failed, is
// destroyed safely: libjpeg frees only the memory it finds).
struct Session {
  Decoder d{};
  ~Session() { jpeg_destroy_decompress(&d.info); }
};

}  // namespace

std::pair<int64_t, int64_t> jpeg_frame_size(const uint8_t* data, size_t size, const std::string& name,
                                            const char* op) {
  // Marker segments from after SOI: FF, the marker, a 2-byte length that counts itself.
  for (size_t at = 2; at + 4 <= size && data[at] == 0xFF;) {
    const uint8_t marker = data[at + 1];
    if (marker == 0xFF) {  // a fill byte before the marker
      ++at;
      continue;
    }
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame && at + 9 <= size)  // length, precision, height, width
      return {int64_t(data[at + 7] << 8 | data[at + 8]), int64_t(data[at + 5] << 8 | data[at + 6])};
    if (frame || marker == 0xDA || marker == 0xD9) break;  // cut short, or a scan before any frame
    at += 2 + size_t(data[at + 2] << 8 | data[at + 3]);
  }
  detail::fail(op, ": '", name, "' has a corrupt JPEG header (no frame header before the image data)");
}

Tensor decode_jpeg_rgb(const uint8_t* data, size_t size, const std::string& name, const char* op) {
  Session s;
  MT_CHECK(start(s.d, data, size), op, ": '", name, "' has a corrupt or unsupported JPEG header (libjpeg: ",
           s.d.message, ")");
  const bool cmyk = s.d.info.jpeg_color_space == JCS_CMYK || s.d.info.jpeg_color_space == JCS_YCCK;
  const int64_t height = s.d.info.image_height, width = s.d.info.image_width;
  Tensor image = empty({height, width, 3}, {.dtype = kUInt8});
  std::vector<uint8_t> cmyk_samples(cmyk ? size_t(height * width * 4) : 0);
  MT_CHECK(read_rows(s.d, cmyk ? cmyk_samples.data() : image.data_ptr<uint8_t>(), cmyk ? 4 : 3), op, ": '", name,
           "' holds corrupt or undecodable JPEG data (libjpeg: ", s.d.message, ")");
  MT_CHECK(!s.d.rows_truncated, op, ": '", name,
           "' holds corrupt or truncated JPEG data (it ends before its last pixel)");
  if (cmyk) cmyk_to_rgb(cmyk_samples.data(), image.data_ptr<uint8_t>(), size_t(height * width));
  return image;
}

}  // namespace minitorch::data::internal
