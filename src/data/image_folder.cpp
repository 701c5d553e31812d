// ImageFolder: classes from sub-folder names, samples from the files inside, in torchvision's
// order.
#include "minitorch/data/image_folder.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace minitorch::data {

namespace fs = std::filesystem;

namespace {

// Built with += only: g++ 12 warns falsely (-Wrestrict) on chains of string operator+.
std::string quoted(const fs::path& p) {
  std::string out = "'";
  out += p.string();
  out += "'";
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::ostringstream out;
  for (size_t i = 0; i < items.size(); ++i) out << (i ? ", " : "") << items[i];
  return out.str();
}

// The sub-folder names of root, sorted (directories and links to directories, hidden ones too,
// as torchvision's find_classes). Counts the image files lying directly in root for the error
// message of a root that has not been sorted into classes.
std::vector<std::string> class_folders(const fs::path& root, const ImageFolderOptions& options, size_t& loose_images) {
  std::vector<std::string> classes;
  loose_images = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(root)) {
    std::error_code ec;
    if (entry.is_directory(ec)) classes.push_back(entry.path().filename().string());
    else if (has_extension(entry.path().string(), options.extensions)) ++loose_images;
  }
  std::sort(classes.begin(), classes.end());
  return classes;
}

// The image files under one class folder, ordered as torchvision's sorted(os.walk(...)): by
// folder path, then by file name. With the default extensions, a file that torchvision's
// ImageFolder would also list (its IMG_EXTENSIONS) but that cannot be read here is an Error:
// dropping it silently would make a smaller dataset than the user's PyTorch code sees.
std::vector<std::string> class_images(const fs::path& folder, const ImageFolderOptions& options) {
  const bool default_extensions = options.extensions == ImageFolderOptions{}.extensions;
  std::vector<std::pair<std::string, std::string>> found;  // (folder, file name)
  for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::follow_directory_symlink);
       it != fs::recursive_directory_iterator(); ++it) {
    std::error_code ec;
    if (!it->is_regular_file(ec)) continue;
    const fs::path& p = it->path();
    if (has_extension(p.filename().string(), options.extensions))
      found.emplace_back(p.parent_path().string(), p.filename().string());
    else
      MT_CHECK(!default_extensions || !has_extension(p.filename().string(), kUndecodableImageExtensions), "ImageFolder: ", quoted(p),
               " is an image torchvision's ImageFolder would list, in a format minitorch cannot read (it reads ",
               "JPEG, PNG and BMP); convert it, move it out of the class folder, or pass extensions to choose the files");
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (const auto& [dir, name] : found) paths.push_back((fs::path(dir) / name).string());
  return paths;
}

ImageList scan(const std::string& root, const ImageFolderOptions& options) {
  std::string expected = "(expected a folder with one sub-folder of images per class, e.g. ";
  expected += root;
  expected += "/cat/1.jpg)";
  std::error_code ec;
  const fs::file_status status = fs::status(root, ec);
  MT_CHECK(status.type() != fs::file_type::not_found, "ImageFolder: root '", root, "' does not exist ", expected);
  MT_CHECK(!ec, "ImageFolder: cannot read root '", root, "': ", ec.message());
  MT_CHECK(fs::is_directory(status), "ImageFolder: root '", root, "' is not a folder ", expected);
  MT_CHECK(!options.extensions.empty(), "ImageFolder: the list of image extensions is empty");

  ImageList out;
  try {
    size_t loose = 0;
    out.classes = class_folders(root, options, loose);
    MT_CHECK(!out.classes.empty(), "ImageFolder: root '", root, "' has no sub-folders ", expected,
             loose ? "; it holds " : "", loose ? std::to_string(loose) : "",
             loose ? " images directly, which must be sorted into class folders" : "");
    std::vector<std::string> empty_classes;
    for (size_t c = 0; c < out.classes.size(); ++c) {
      const std::vector<std::string> paths = class_images(fs::path(root) / out.classes[c], options);
      if (paths.empty()) empty_classes.push_back(quoted(fs::path(root) / out.classes[c]));
      for (const std::string& p : paths) out.samples.push_back({p, int64_t(c)});
    }
    MT_CHECK(empty_classes.empty(), "ImageFolder: class folder", empty_classes.size() > 1 ? "s " : " ",
             join(empty_classes), empty_classes.size() > 1 ? " hold" : " holds", " no images (expected files ending in ",
             join(options.extensions), ")");
  } catch (const fs::filesystem_error& e) {
    // Unreadable folders (permissions, a folder removed while scanning) end in one clear Error.
    detail::fail("ImageFolder: cannot read '", e.path1().string(), "' under root '", root, "': ", e.code().message());
  }
  return out;
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root, Transform transform, ImageFolderOptions options)
    : ImageDataset("ImageFolder", scan(root, options), std::move(transform), options.skip_bad_images), root_(root) {}

}  // namespace minitorch::data
