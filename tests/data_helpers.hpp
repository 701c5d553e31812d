#pragma once
// Helpers for the dataset, loader and checkpoint tests: a temporary folder that removes itself,
// small files and images written into it.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "helpers.hpp"
#include "minitorch/data/image.hpp"

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "minitorch-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

// A uint8 [h, w, 3] image of seeded noise.
inline mt::Tensor noise_image(int64_t h, int64_t w, uint64_t seed) {
  mt::Generator gen(seed);
  return mt::randint(0, 256, {h, w, 3}, {.dtype = mt::kUInt8}, &gen);
}

// Writes a PNG of seeded noise (folders created as needed).
inline void write_noise_png(const std::string& path, int64_t h, int64_t w, uint64_t seed) {
  fs::create_directories(fs::path(path).parent_path());
  mt::data::write_png(path, noise_image(h, w, seed));
}

// Same shape, dtype and values.
inline bool pixel_equal(const mt::Tensor& a, const mt::Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.to_vector<double>() == b.to_vector<double>();
}

// Joins strings with += (g++ 12 warns falsely, -Wrestrict, on some chains of string operator+).
inline std::string join_text(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}
