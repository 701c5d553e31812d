#pragma once
// MATLAB .mat files: the struct columns of the CACD metadata (celebrity2000_meta.mat,
// celebrity2000.mat), the first of the three shapes labelled image data comes in.
//
//   CacdImageMeta images = read_cacd_image_meta("data/celebrity2000_meta.mat");
//   for (size_t i = 0; i < images.size(); ++i) use(images.age[i], images.name[i]);
//
// Both MATLAB formats are read, told apart by the file itself:
// - v5 (celebrity2000_meta.mat) through matio: each field a column of integers (uint8, uint16,
//   ...), `name` a cell of char arrays.
// - v7.3 (celebrity2000.mat), an HDF5 file, through libhdf5 directly: numbers are float64 (1, N)
//   datasets, `name` a dataset of object references to uint16 (UTF-16) char datasets under
//   #refs#. Only the fields asked for are read: the 75,520-dim `feature` field is never touched.
//   (matio's own v7.3 cell reader is quadratic in the number of cells; the 163,446 names of CACD
//   take about a second here, see bench/RESULTS.md.)
// Fields are found by name, wherever they are in the struct. Strings come back as UTF-8.
// Numbers must be whole (an age of 34.5 or NaN is an Error naming the field and position).
// A file without the variable or a field is an Error listing the variables or fields it has;
// any other problem (missing, not a .mat file, truncated) is an Error naming the file.
// libhdf5 and matio are not thread-safe: read .mat files from one thread at a time.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace minitorch {

// Columns of a 1 x 1 struct variable, by field name.
struct MatStructColumns {
  std::map<std::string, std::vector<int64_t>> integers;
  std::map<std::string, std::vector<std::string>> strings;
};

// Reads the listed fields of struct `variable`: integer_fields as numbers, string_fields as cells
// of char arrays.
MatStructColumns read_mat_struct(const std::string& path, const std::string& variable,
                                 const std::vector<std::string>& integer_fields,
                                 const std::vector<std::string>& string_fields);

// celebrityImageData: one entry per image.
struct CacdImageMeta {
  std::vector<int64_t> age, identity, year, rank, lfw, birth;
  std::vector<std::string> name;  // the image file name, e.g. "53_Robin_Williams_0001.jpg"
  size_t size() const { return name.size(); }
};

// celebrityData: one entry per celebrity.
struct CacdCelebrityMeta {
  std::vector<std::string> name;
  std::vector<int64_t> identity, birth, rank, lfw;
  size_t size() const { return name.size(); }
};

struct CacdMeta {
  CacdImageMeta images;
  CacdCelebrityMeta celebrities;
};

// Every column must have the same length (an Error names the two that differ).
CacdImageMeta read_cacd_image_meta(const std::string& path);
CacdCelebrityMeta read_cacd_celebrity_meta(const std::string& path);
CacdMeta read_cacd_meta(const std::string& path);

}  // namespace minitorch
