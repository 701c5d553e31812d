// Images per second through the DataLoader: an ImageFolder of 250x250 JPEGs, the tutorial's
// training transforms (Resize((224, 224)), RandomHorizontalFlip, ColorJitter(0.2, 0.2), ToTensor,
// Normalize), batches of 32, shuffled, with 0 (the calling thread), 1 and 2 worker threads.
// Wall time and the process's CPU time are both reported: on a machine shared with other work,
// CPU seconds per image are the steadier measure of what one core does.
//
//   ./build/bench/loader_bench [--image FILE.jpg] [--images N] [--epochs E] [--workers 0,1,2]
// The folder is made in a temporary directory from copies of the image (default
// tests/fixtures/data/photo_250.jpg). Ends with one JSON line per worker count.
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "minitorch/data/image_folder.hpp"
#include "minitorch/data/loader.hpp"
#include "minitorch/data/transforms.hpp"

using namespace minitorch;
using namespace minitorch::data;
using namespace minitorch::data::transforms;
namespace fs = std::filesystem;

namespace {

double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// A folder of `n` copies of `image` in two classes; removed by the destructor.
struct Folder {
  fs::path root;
  Folder(const std::string& image, int n) {
    std::string pattern = (fs::temp_directory_path() / "minitorch-loader-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw Error("loader_bench: cannot create a temporary folder");
    root = pattern;
    for (int i = 0; i < n; ++i) {
      const fs::path dir = root / (i % 2 ? "b" : "a");
      fs::create_directories(dir);
      fs::copy_file(image, dir / (std::to_string(i) + ".jpg"));
    }
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string image = std::string(MINITORCH_FIXTURES) + "/data/photo_250.jpg";
  int images = 512, epochs = 3;
  std::vector<int> workers = {0, 1, 2};
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--image")) image = argv[i + 1];
    if (!std::strcmp(argv[i], "--images")) images = std::max(32, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--epochs")) epochs = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--workers")) {
      workers.clear();
      std::istringstream list(argv[i + 1]);
      for (std::string w; std::getline(list, w, ',');) workers.push_back(std::max(0, std::atoi(w.c_str())));
    }
  }
  try {
    const Folder folder(image, images);
    ImageFolder data(folder.root.string(), Compose({Resize(224, 224), RandomHorizontalFlip(), ColorJitter(0.2, 0.2),
                                                    ToTensor(), Normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225})}));
    std::printf("%d copies of %s, batches of 32, %d epochs after a warm-up epoch\n\n", images, image.c_str(), epochs);
    std::printf("%8s %14s %18s %16s\n", "workers", "images/s wall", "CPU ms per image", "images/s per core");
    std::vector<std::string> json;
    for (int w : workers) {
      DataLoader loader(data, {.batch_size = 32, .shuffle = true, .num_workers = w, .seed = 0});
      for (const Batch& b : loader.epoch(0)) (void)b;  // warm-up: page cache, allocator
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = cpu_seconds();
      int64_t count = 0;
      for (int e = 1; e <= epochs; ++e)
        for (const Batch& b : loader.epoch(e)) count += b.labels.numel();
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double cpu = cpu_seconds() - cpu_start;
      const double rate = double(count) / wall, cpu_ms = 1e3 * cpu / double(count);
      std::printf("%8d %14.0f %18.3f %16.0f\n", w, rate, cpu_ms, 1e3 / cpu_ms);
      char line[256];
      std::snprintf(line, sizeof line,
                    "{\"bench\": \"loader\", \"workers\": %d, \"images_per_s\": %.1f, \"cpu_ms_per_image\": %.4f}", w,
                    rate, cpu_ms);
      json.push_back(line);
    }
    for (const std::string& line : json) std::printf("%s\n", line.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loader_bench: %s\n", e.what());
    return 1;
  }
}
