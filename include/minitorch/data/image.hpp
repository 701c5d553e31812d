#pragma once
// Reading and writing images. An image is a contiguous uint8 CPU tensor [H, W, 3] (RGB), the
// layout of a decoded file and of PIL's np.asarray(img). JPEGs are decoded by libjpeg-turbo with
// PIL's settings, PNGs and BMPs by stb_image.
//
// JPEG, PNG and BMP are read. Every image becomes RGB exactly as PIL's Image.convert('RGB')
// makes it: grey is replicated, alpha is dropped (not composited over a background), palettes
// are looked up, CMYK is converted with PIL's formula. Pixels are PIL's, but for 16-bit BMPs
// (stb and PIL widen 5- and 6-bit samples to 8 bits differently: one level on some values).
// One deliberate difference: 16-bit PNGs keep the high byte of each sample, where PIL clips
// 16-bit grey at 255. Not read: lossless or hierarchical JPEGs (as libjpeg-turbo, hence PIL),
// run-length encoded BMPs and OS/2 BMPs with a palette (which stb_image cannot read or misreads),
// and a BMP using a colour its palette lacks (stb would read it from uninitialised memory).
//
// Every failure throws minitorch::Error naming the file and what was expected.
#include <cstddef>
#include <cstdint>
#include <string>

#include "minitorch/tensor.hpp"

namespace minitorch::data {

// Images of more pixels than this are refused before any memory is allocated for them.
inline constexpr int64_t kMaxImagePixels = int64_t(1) << 28;

// Decodes an encoded JPEG, PNG or BMP held in memory; `name_for_errors` is used in messages.
Tensor decode_image(const uint8_t* data, size_t size, const std::string& name_for_errors);
// Reads and decodes a file.
Tensor read_image(const std::string& path);

// Write a uint8 [H, W, 3] image (any strides). The file appears complete or not at all: the data
// goes to a temporary file in the same directory, which is then renamed over `path`.
void write_png(const std::string& path, const Tensor& image);
void write_jpeg(const std::string& path, const Tensor& image, int quality = 90);  // quality 1..100

// Checks that `image` is a uint8 [H, W, 3] CPU tensor with H, W > 0; `op` names the caller.
void check_image(const Tensor& image, const char* op);

}  // namespace minitorch::data
