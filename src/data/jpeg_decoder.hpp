#pragma once
// JPEG decoding through libjpeg-turbo, the library (and the default settings: the accurate
// integer IDCT, fancy upsampling) that PIL uses, so that pixels are those torchvision's default
// loader gives. (stb_image's own JPEG decoder differs by a few levels, computes the last chroma
// column of 4:2:2 images wrongly, reads arithmetic coding not at all and a CMYK file without
// Adobe's marker as YCbCr.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "minitorch/tensor.hpp"

namespace minitorch::data::internal {

// (width, height) from the first frame header (SOFn), read without decoding anything, so that
// absurd sizes are refused before any memory is taken. An Error naming the file when there is
// no frame header before the first scan.
std::pair<int64_t, int64_t> jpeg_frame_size(const uint8_t* data, size_t size, const std::string& name, const char* op);

// The image as uint8 [H, W, 3], converted to RGB as PIL's convert('RGB') does: grey replicated;
// CMYK (and Adobe's YCCK, which libjpeg turns into CMYK) read with Adobe's inverted samples, as
// PIL assumes for every CMYK JPEG, then R = (255 - K) - (255 - K) C / 255 and so on. A file cut
// short before its last row (libjpeg would pad it with grey), corrupt data or a coding libjpeg
// cannot decode (lossless, hierarchical) is an Error naming the file.
Tensor decode_jpeg_rgb(const uint8_t* data, size_t size, const std::string& name, const char* op);

}  // namespace minitorch::data::internal
