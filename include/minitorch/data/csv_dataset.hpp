#pragma once
// Images listed in a CSV file with their labels: the second of the three shapes labelled image
// data comes in (a .mat file, a CSV, one folder per class).
//
//   labels.csv                          CsvImageDataset data("labels.csv", "images/", transform);
//     file,label                        data.classes();  // {"cat", "dog"}: sorted names
//     cat_001.jpg,cat
//     "dog, small.jpg",dog
//
//   ages.csv (CACD)                     CsvImageDataset data("ages.csv", "CACD2000/", transform,
//     53_Robin_Williams_0001.jpg,53                          {.bin = decade_bin});
//                                       data.classes();  // {"10s", ..., "60s"}: the bins found
//
// A row is `file,label` (more columns are allowed; file_column and label_column pick two). The
// file is relative to image_root (or absolute). The label is
// - with `bin`: an integer (an age, a year) that bin() names, e.g. decade_bin(34) == "30s";
// - otherwise an integer class index, or a class name; the first row decides which, and every
//   row must then follow it.
// Classes are `classes` when given (labels must be among them), else the names found, sorted as
// ImageFolder sorts folders; with integer labels and no names, "0" .. "<max label>".
//
// The header line is optional: with Header::Auto the first row is taken as a header when its file
// field names no existing file and has no image extension ("file", "path", "filename"). Errors name the CSV file and line: a row naming a missing file,
// a bad or unknown label, too few fields, a broken quoted field. Every file is checked to exist
// at construction; skip_bad_images works as for ImageFolder (see ImageDataset).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "minitorch/data/dataset.hpp"

namespace minitorch::data {

// The tutorial's age groups: (age / 10) * 10 capped at 100, named "10s", "20s", ...; a negative
// age is an Error.
std::string decade_bin(int64_t age);

struct CsvImageOptions {
  std::function<std::string(int64_t)> bin = {};  // integer label -> class name; empty: no binning
  std::vector<std::string> classes = {};    // class names in index order; empty: found in the file
  enum class Header { Auto, Present, Absent } header = Header::Auto;
  size_t file_column = 0, label_column = 1;
  bool skip_bad_images = false;  // see ImageDataset
};

class CsvImageDataset : public ImageDataset {
 public:
  CsvImageDataset(const std::string& csv_path, const std::string& image_root, Transform transform = {},
                  CsvImageOptions options = {});
};

}  // namespace minitorch::data
