#pragma once
// JPEG decoding through libjpeg-turbo, the library (and the default settings: the accurate
// integer IDCT, fancy upsampling) that PIL uses, so that pixels are those torchvision's default
// loader gives. stb_image's own JPEG decoder differs by a few levels, and in 4:2:2 images
// computes the last chroma column wrongly (up to 120 levels).
#include <cstddef>
#include <cstdint>
#include <string>

#include "minitorch/tensor.hpp"

namespace minitorch::data::internal {

// Whether libjpeg decodes `data` to RGB itself: YCbCr, RGB and grey JPEGs. CMYK and YCCK ones
// (Adobe's) are left to stb_image, whose conversion matches PIL's to a few levels. An Error
// naming the file when the header cannot be read.
bool jpeg_decodes_to_rgb(const uint8_t* data, size_t size, const std::string& name, const char* op);

// The image as uint8 [H, W, 3]. A file cut short (libjpeg would pad it with grey) or corrupt
// data is an Error naming the file.
Tensor decode_jpeg_rgb(const uint8_t* data, size_t size, const std::string& name, const char* op);

}  // namespace minitorch::data::internal
