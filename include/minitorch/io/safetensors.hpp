#pragma once
// safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON describing each tensor
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value"}}
// and then the raw little-endian data, the offsets counting from the end of the header.
// Supported dtypes: F32, F16, BF16, F64, I64, U8 and BOOL; any other is an Error.
#include <cstdint>
#include <map>
#include <string>

#include "minitorch/io/state_dict.hpp"

namespace minitorch {

using SafetensorsMetadata = std::map<std::string, std::string>;

// Reads a file. The tensors come in the order of the header; `metadata`, when given, receives
// the "__metadata__" strings. Every inconsistency (truncation, offsets outside the data or
// overlapping, a size that does not match the shape, bad JSON, an unknown dtype) is an Error
// naming the file.
StateDict load_safetensors(const std::string& path, SafetensorsMetadata* metadata = nullptr);
// Same, from memory; `name_for_errors` stands for the file in messages.
StateDict parse_safetensors(const uint8_t* data, size_t size, const std::string& name_for_errors,
                            SafetensorsMetadata* metadata = nullptr);

// Writes contiguous CPU copies of the tensors in the state dict's order, the header padded with
// spaces to a multiple of 8 bytes. The file is written to `path + ".tmp"` and renamed, so an
// existing file is replaced only by a complete one.
void save_safetensors(const std::string& path, const StateDict& tensors, const SafetensorsMetadata& metadata = {});

}  // namespace minitorch
