#pragma once
// The two .mat readers behind read_mat_struct (src/io/mat.cpp), and what they share.
#include <cstdint>
#include <string>
#include <vector>

#include "minitorch/io/mat.hpp"

namespace minitorch::internal {

// MATLAB v5 through matio (src/io/mat_v5.cpp).
MatStructColumns read_mat5_struct(const std::string& path, const std::string& variable,
                                  const std::vector<std::string>& integer_fields,
                                  const std::vector<std::string>& string_fields);
// MATLAB v7.3 (HDF5) through libhdf5 (src/io/mat_v73.cpp).
MatStructColumns read_mat73_struct(const std::string& path, const std::string& variable,
                                   const std::vector<std::string>& integer_fields,
                                   const std::vector<std::string>& string_fields);

// UTF-16 code units to UTF-8; an unpaired surrogate becomes U+FFFD.
std::string utf16_to_utf8(const uint16_t* units, size_t n);
// Bytes that are valid UTF-8 are kept; otherwise they are taken as Latin-1 (MATLAB's 8-bit chars).
std::string bytes_to_utf8(const uint8_t* bytes, size_t n);

// A number that must be a whole number: Error "where: field 'age' value 7 is 34.5 (expected a
// whole number)" otherwise.
int64_t whole_number(double v, const std::string& where, const std::string& field, size_t index);

// "a, b, c" for the "has only ..." parts of errors.
std::string join_names(const std::vector<std::string>& names);

}  // namespace minitorch::internal
