#pragma once
// torchvision's ImageFolder: one sub-folder per class, the images inside.
//
//   root/10s/0001.jpg, root/10s/0002.jpg, root/20s/0003.jpg, ...
//   ImageFolder train("data/sorted_images_split/train", train_transform);
//   train.classes();   // {"10s", "20s", ...}: the sub-folder names, sorted; the label is the index
//
// As torchvision: classes are all sub-folders of root (hidden ones too), sorted by name; a class
// folder is searched recursively (symbolic links followed) for files with one of the extensions
// (case-insensitive); samples are ordered by class, then folder, then file name, so the order is
// stable from run to run. Errors name the folder: a missing or unreadable root, a root without
// sub-folders, a class folder without images (every such class is named). With the default
// extensions, a .ppm, .pgm, .tif, .tiff or .webp file (which torchvision lists but minitorch
// cannot decode) is an Error naming it, rather than a sample silently left out.
#include <string>
#include <vector>

#include "minitorch/data/dataset.hpp"

namespace minitorch::data {

// Extensions of images torchvision's ImageFolder lists (its IMG_EXTENSIONS) that minitorch cannot
// decode: with the default extensions such a file is an Error, not a sample silently left out.
inline const std::vector<std::string> kUndecodableImageExtensions = {".ppm", ".pgm", ".tif", ".tiff", ".webp"};

struct ImageFolderOptions {
  std::vector<std::string> extensions = {".jpg", ".jpeg", ".png", ".bmp"};
  bool skip_bad_images = false;  // see ImageDataset
};

class ImageFolder : public ImageDataset {
 public:
  explicit ImageFolder(const std::string& root, Transform transform = {}, ImageFolderOptions options = {});
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

}  // namespace minitorch::data
