// Reading CACD's image metadata from a MATLAB v7.3 file at full size: 163,446 rows, written in the
// layout MATLAB uses (tests/mat_writer.hpp: float64 (1, N) columns, names as object references
// to UTF-16 datasets under #refs#) and read back with read_cacd_image_meta.
//
//   ./build/bench/mat_bench [--rows N] [--file PATH]
// Without --file, the file is written to a temporary folder first (that takes a while too).
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "mat_writer.hpp"
#include "minitorch/io/mat.hpp"

namespace fs = std::filesystem;

namespace {
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
  size_t rows = 163446;
  std::string file;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--rows")) rows = size_t(std::max(1, std::atoi(argv[i + 1])));
    if (!std::strcmp(argv[i], "--file")) file = argv[i + 1];
  }
  try {
    fs::path dir;
    if (file.empty()) {
      std::string pattern = (fs::temp_directory_path() / "minitorch-mat-bench-XXXXXX").string();
      if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder");
      dir = pattern;
      file = (dir / "celebrity2000.mat").string();
      const auto start = std::chrono::steady_clock::now();
      write_cacd_hdf5(file, make_cacd_rows(rows));
      std::printf("wrote %zu rows (%.1f MB) in %.2f s\n", rows, double(fs::file_size(file)) / 1e6, seconds_since(start));
    }
    const auto start = std::chrono::steady_clock::now();
    const minitorch::CacdImageMeta meta = minitorch::read_cacd_image_meta(file);
    const double seconds = seconds_since(start);
    std::printf("read %zu rows in %.2f s (%.1f us per row)\n", meta.size(), seconds, 1e6 * seconds / double(meta.size()));
    std::printf("{\"bench\": \"mat_v73\", \"rows\": %zu, \"read_s\": %.3f}\n", meta.size(), seconds);
    if (!dir.empty()) fs::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mat_bench: %s\n", e.what());
    return 1;
  }
}
