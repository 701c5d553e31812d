#pragma once
// File helpers of the faceage commands: listing images, copying or linking them, and writing
// text files atomically (so a failed run never leaves a file that looks complete).
#include <filesystem>
#include <string>
#include <vector>

namespace faceage {

namespace fs = std::filesystem;

// Whether `p` names an image by its extension, as ImageFolder's defaults: .jpg, .jpeg, .png or
// .bmp, any case (the files split and train read).
bool is_image(const fs::path& p);
// Image files directly in `dir`, sorted by name. A .webp, .tif, .tiff, .ppm or .pgm file (an
// image torchvision would read) is an Error naming it rather than a file silently left out.
std::vector<fs::path> list_images(const fs::path& dir);
// The sub-folders of `dir`, sorted by name.
std::vector<fs::path> list_subdirs(const fs::path& dir);
// Copies (or hard-links) `from` to `to`, creating `to`'s folder; errors name both paths.
void copy_or_link(const fs::path& from, const fs::path& to, bool link);
// Creates `dir` (and parents) and checks that a file can be written in it.
void ensure_writable_dir(const fs::path& dir, const char* what);
// Writes `text` to `path` atomically (minitorch::write_file_atomic: a fresh temporary file in the
// same folder, flushed to disk, then renamed).
void write_text_atomic(const fs::path& path, const std::string& text);
// The decade folder name of an age, as the tutorial: (age // 10) * 10 capped at 100, "0s".."100s".
std::string age_group(int64_t age);

// A path made absolute with symbolic links followed and no trailing "/", and whether one such
// path is another or lies inside it.
fs::path resolved(const fs::path& path);
bool path_starts_with(const fs::path& path, const fs::path& prefix);
// Whether `inner` is `outer` or lies inside it, both resolved.
bool is_within(const fs::path& inner, const fs::path& outer);

}  // namespace faceage
