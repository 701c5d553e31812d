#pragma once
// Steps 1 and 2 of the tutorial: sort images into decade folders, then split train/val.
#include <cstdint>
#include <string>
#include <vector>

namespace faceage {

struct LabelledImage {
  std::string file;  // path relative to the image folder
  int64_t age = 0;
};
// Both readers check every entry: a non-empty relative file name that stays inside the image
// folder (no "..", no NUL byte: a cut-short .mat shows as one) and an age in [0, 200) years.

// (age, file) pairs from CACD's celebrity2000_meta.mat (v5) or celebrity2000.mat (v7.3).
std::vector<LabelledImage> read_mat_labels(const std::string& mat_path);
// (age, file) pairs from a CSV: "file,age" rows, header optional.
std::vector<LabelledImage> read_csv_labels(const std::string& csv_path);

struct PrepareOptions {
  std::string images_dir, out_dir;
  std::string labels_file;  // the .mat or CSV the images came from (an input --overwrite keeps)
  int64_t per_group = 200;  // at most this many images per decade folder
  uint64_t seed = 0;
  bool link = false;        // hard-link instead of copying
  bool overwrite = false;   // replace the group folders of an earlier run (else they are an error)
};
struct PrepareReport {
  std::vector<std::pair<std::string, int64_t>> groups;  // folder name, images
  int64_t missing = 0;                                  // listed files that do not exist
  int64_t not_images = 0;       // listed folders and files without an image extension (split would drop them)
  std::string first_not_image;  // one of them, for the warning
  int64_t duplicates = 0;       // listed again, or with a copied file's name in the same group
  int64_t conflicting_ages = 0;  // listed again with another age (copied once, for the first entry)
};
// Shuffles the pairs (seeded), then copies up to per_group images of each decade into
// out_dir/<group>s/, as the tutorial's step 1. A file listed twice is copied once.
//
// prepare and split record the folders they write (run_record.hpp): an earlier run's folders
// that hold files are an error, or replaced with `overwrite`; folders no run recorded, or that
// hold an input, are never removed. Nothing is removed or written before the inputs are checked.
PrepareReport prepare(const std::vector<LabelledImage>& images, const PrepareOptions& options);

struct SplitOptions {
  std::string in_dir, out_dir;
  double val_fraction = 0.2;
  uint64_t seed = 42;
  bool link = false;
  bool overwrite = false;  // replace out_dir/train and out_dir/val of an earlier run (else an error)
};
// For each class folder: a seeded permutation, the first ceil(n * val_fraction) images to
// out_dir/val/<class>/, the rest to out_dir/train/<class>/ (sklearn's train_test_split sizes).
// Each class must keep at least one image on each side, and out_dir may not lie inside in_dir;
// an earlier run's train/ and val/ are handled as prepare's folders.
std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> split(const SplitOptions& options);

}  // namespace faceage
