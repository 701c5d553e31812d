#include "files.hpp"

#include <algorithm>
#include <fstream>

#include "minitorch/data/image_folder.hpp"
#include "minitorch/error.hpp"
#include "minitorch/io/atomic_write.hpp"

namespace faceage {

bool is_image(const fs::path& p) {
  return minitorch::data::has_extension(p.filename().string(), minitorch::data::ImageFolderOptions{}.extensions);
}

std::vector<fs::path> list_images(const fs::path& dir) {
  std::error_code ec;
  MT_CHECK(fs::is_directory(dir, ec), "no such folder: ", dir.string());
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    if (is_image(entry.path())) {
      out.push_back(entry.path());
      continue;
    }
    // Images torchvision's ImageFolder would read but minitorch's cannot: named, not dropped.
    MT_CHECK(!minitorch::data::has_extension(entry.path().filename().string(),
                                             minitorch::data::kUndecodableImageExtensions),
             "'", entry.path().string(), "' is an image in a format faceage cannot read (it reads JPEG, PNG and ",
             "BMP); convert it or move it out of ", dir.string());
  }
  MT_CHECK(!ec, "cannot read folder ", dir.string(), ": ", ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> list_subdirs(const fs::path& dir) {
  std::error_code ec;
  MT_CHECK(fs::is_directory(dir, ec), "no such folder: ", dir.string());
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory()) out.push_back(entry.path());
  MT_CHECK(!ec, "cannot read folder ", dir.string(), ": ", ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

void copy_or_link(const fs::path& from, const fs::path& to, bool link) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  MT_CHECK(!ec, "cannot create folder ", to.parent_path().string(), ": ", ec.message());
  fs::remove(to, ec);
  if (link) fs::create_hard_link(from, to, ec);
  else fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  MT_CHECK(!ec, "cannot ", link ? "link " : "copy ", from.string(), " to ", to.string(), ": ", ec.message());
}

void ensure_writable_dir(const fs::path& dir, const char* what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  MT_CHECK(!ec && fs::is_directory(dir), "cannot create ", what, " folder ", dir.string(),
           ec ? ": " + ec.message() : std::string());
  const fs::path probe = dir / ".faceage-write-test";
  fs::remove(probe, ec);  // never write through a link someone left under that name
  {
    std::ofstream out(probe);
    MT_CHECK(out.good(), "the ", what, " folder ", dir.string(), " is not writable");
  }
  fs::remove(probe, ec);
}

void write_text_atomic(const fs::path& path, const std::string& text) {
  minitorch::write_file_atomic(path.string(), text, "faceage");
}

fs::path resolved(const fs::path& path) {
  fs::path n = fs::weakly_canonical(fs::absolute(path));
  return n.has_filename() ? n : n.parent_path();
}

bool path_starts_with(const fs::path& path, const fs::path& prefix) {
  auto i = path.begin();
  for (auto j = prefix.begin(); j != prefix.end(); ++j, ++i)
    if (i == path.end() || *i != *j) return false;
  return true;
}

bool is_within(const fs::path& inner, const fs::path& outer) { return path_starts_with(resolved(inner), resolved(outer)); }

std::string age_group(int64_t age) {
  MT_CHECK(age >= 0, "invalid age ", age);
  return std::to_string(std::min<int64_t>(age / 10 * 10, 100)) + "s";
}

}  // namespace faceage
