// Images per second through a typical training input pipeline, on one thread:
// decode a 250x250 JPEG, Resize((224, 224)), RandomHorizontalFlip, ColorJitter(0.2, 0.2),
// ToTensor, Normalize. Also times each step alone, to show where the time goes. Wall and CPU
// time are both reported: on a machine shared with other work, the CPU time is the steadier.
//
//   ./build/bench/image_pipeline_bench [--image FILE.jpg] [--images N] [--repeats R]
// The default image is tests/fixtures/data/photo_250.jpg. Ends with one JSON line.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "minitorch/data/image.hpp"
#include "minitorch/data/transforms.hpp"
#include "minitorch/minitorch.hpp"

using namespace minitorch;
using namespace minitorch::data;
using namespace minitorch::data::transforms;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double cpu_ms() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

// Time per call of `body`, called `n` times per run: the median over `repeats` runs of the wall
// time and of the CPU time. On a shared machine the CPU time is the steadier of the two.
struct Timing {
  double wall_ms, cpu_ms;
};

Timing ms_per_call(int repeats, int n, const std::function<void()>& body) {
  body();  // warm-up
  std::vector<double> wall, cpu;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_ms();
    for (int i = 0; i < n; ++i) body();
    cpu.push_back((cpu_ms() - cpu_start) / n);
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / n);
  }
  return {median(wall), median(cpu)};
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = std::string(MINITORCH_FIXTURES) + "/data/photo_250.jpg";
  int images = 400, repeats = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--image")) path = argv[i + 1];
    if (!std::strcmp(argv[i], "--images")) images = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  set_num_threads(1);
  try {
    std::ifstream in(path, std::ios::binary);
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const Tensor image = decode_image(bytes.data(), bytes.size(), path);

    const Resize resize224(224, 224);
    const RandomHorizontalFlip flip(0.5);
    const ColorJitter jitter(0.2, 0.2);
    const ToTensor to_tensor;
    const Normalize normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225});
    const Compose pipeline({resize224, flip, jitter, to_tensor, normalize});
    Generator gen(0);

    const Timing total =
        ms_per_call(repeats, images, [&] { pipeline(decode_image(bytes.data(), bytes.size(), path), gen); });
    const Tensor resized = resize224(image), as_float = to_tensor(resized);
    std::printf("image %s (%lld x %lld), 1 thread, median of %d runs of %d images\n\n", path.c_str(),
                (long long)image.size(1), (long long)image.size(0), repeats, images);
    std::printf("%-30s %13s %12s\n", "step", "wall ms/image", "CPU ms/image");
    const std::vector<std::pair<const char*, std::function<void()>>> steps = {
        {"decode_image (libjpeg-turbo)", [&] { decode_image(bytes.data(), bytes.size(), path); }},
        {"Resize((224, 224))", [&] { resize224(image); }},
        {"RandomHorizontalFlip(0.5)", [&] { flip(resized, gen); }},
        {"ColorJitter(0.2, 0.2)", [&] { jitter(resized, gen); }},
        {"ToTensor", [&] { to_tensor(resized); }},
        {"Normalize", [&] { normalize(as_float); }},
    };
    for (const auto& [name, body] : steps) {
      const Timing t = ms_per_call(repeats, images, body);
      std::printf("%-30s %13.3f %12.3f\n", name, t.wall_ms, t.cpu_ms);
    }
    std::printf("%-30s %13.3f %12.3f   -> %.0f images/s (wall), %.0f per CPU second\n", "whole pipeline", total.wall_ms,
                total.cpu_ms, 1000.0 / total.wall_ms, 1000.0 / total.cpu_ms);
    std::printf("{\"bench\": \"image_pipeline\", \"threads\": 1, \"wall_ms_per_image\": %.4f, \"cpu_ms_per_image\": %.4f, "
                "\"images_per_s\": %.1f}\n",
                total.wall_ms, total.cpu_ms, 1000.0 / total.wall_ms);
  } catch (const Error& e) {
    std::fprintf(stderr, "image_pipeline_bench: %s\n", e.what());
    return 1;
  }
}
