// libjpeg reports errors through a callback that must not return: it jumps back (longjmp) to
// the call that started the work. So the functions that call libjpeg hold only C structs, whose
// state a jump cannot leave half-destroyed; C++ objects are made before or after.
#include "jpeg_decoder.hpp"

#include <csetjmp>
#include <cstdio>

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

// Decodes every row into `out` (the header's height * width * 3 bytes); false (with the
// message) on error.
bool read_rows(Decoder& d, uint8_t* out) {
  if (setjmp(d.jump)) return false;
  d.info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&d.info);
  if (d.info.output_width != d.info.image_width || d.info.output_height != d.info.image_height ||
      d.info.output_components != 3) {
    std::snprintf(d.message, sizeof d.message, "unexpected output of %u x %u x %d", d.info.output_width,
                  d.info.output_height, d.info.output_components);
    return false;
  }
  const size_t stride = size_t(d.info.output_width) * 3;
  while (d.info.output_scanline < d.info.output_height) {
    JSAMPROW row = out + size_t(d.info.output_scanline) * stride;
    jpeg_read_scanlines(&d.info, &row, 1);
  }
  jpeg_finish_decompress(&d.info);
  return true;
}

// Owns the decompressor, destroyed whatever happens (a zeroed one, if creating it failed, is
// destroyed safely: libjpeg frees only the memory it finds).
struct Session {
  Decoder d{};
  ~Session() { jpeg_destroy_decompress(&d.info); }
};

}  // namespace

bool jpeg_decodes_to_rgb(const uint8_t* data, size_t size, const std::string& name, const char* op) {
  Session s;
  MT_CHECK(start(s.d, data, size), op, ": '", name, "' has a corrupt JPEG header (libjpeg: ", s.d.message, ")");
  return s.d.info.jpeg_color_space != JCS_CMYK && s.d.info.jpeg_color_space != JCS_YCCK;
}

Tensor decode_jpeg_rgb(const uint8_t* data, size_t size, const std::string& name, const char* op) {
  Session s;
  MT_CHECK(start(s.d, data, size), op, ": '", name, "' has a corrupt JPEG header (libjpeg: ", s.d.message, ")");
  Tensor image = empty({int64_t(s.d.info.image_height), int64_t(s.d.info.image_width), 3}, {.dtype = kUInt8});
  MT_CHECK(read_rows(s.d, image.data_ptr<uint8_t>()), op, ": '", name, "' holds corrupt JPEG data (libjpeg: ",
           s.d.message, ")");
  MT_CHECK(!s.d.truncated, op, ": '", name, "' holds corrupt or truncated JPEG data (it ends before its last pixel)");
  return image;
}

}  // namespace minitorch::data::internal
