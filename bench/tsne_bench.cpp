// faceage's Barnes-Hut t-SNE against scikit-learn 1.2's TSNE(n_components=2, random_state=42):
// final KL divergence and wall time on sklearn's digits (500 and 1797 points) and on 5000 noisy
// copies of them. sklearn's figures come from tests/fixtures/tsne/reference.txt, written by
// tools/tsne_reference.py on the same machine (or from --reference FILE, written by its --out).
//
//   ./build/bench/tsne_bench [--runs R] [--threads T] [--reference FILE]
// Prints one markdown table row per data set: the median wall time of R runs (default 3).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "minitorch/parallel.hpp"
#include "projection.hpp"

using faceage::Rows;

namespace {

const std::string kDir = std::string(MINITORCH_FIXTURES) + "/tsne/";

Rows read_digits() {
  std::ifstream in(kDir + "digits.txt");
  std::string comment;
  std::getline(in, comment);
  size_t n = 0, d = 0;
  in >> n >> d;
  Rows x(n, std::vector<double>(d));
  for (auto& row : x)
    for (double& v : row) in >> v;
  if (!in) std::fprintf(stderr, "cannot read %sdigits.txt\n", kDir.c_str()), std::exit(1);
  return x;
}

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// tools/tsne_reference.py's noisy_digits: row r is digits[r % 1797] plus uniform noise in [-2, 2).
Rows noisy_digits(const Rows& digits, size_t n) {
  const size_t d = digits[0].size();
  Rows out(n, std::vector<double>(d));
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < d; ++c) {
      const double u = double(splitmix64(r * d + c) >> 11) * 0x1.0p-53;
      out[r][c] = digits[r % digits.size()][c] + 4.0 * (u - 0.5);
    }
  return out;
}

// "key rest of line" from reference.txt; for "tsne NAME ..." lines the key is "tsne NAME".
std::map<std::string, std::string> read_reference(const std::string& path) {
  std::ifstream in(path);
  if (!in) std::fprintf(stderr, "cannot read %s\n", path.c_str()), std::exit(1);
  std::map<std::string, std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string key, name, rest;
    ls >> key;
    if (key == "tsne") ls >> name, key += " " + name;
    std::getline(ls, rest);
    out[key] = rest;
  }
  return out;
}

// The number after `word` in a reference line.
double field(const std::string& line, const std::string& word) {
  std::istringstream in(line);
  for (std::string w; in >> w;)
    if (w == word && in >> w) return std::stod(w);
  return NAN;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  std::string reference = kDir + "reference.txt";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--reference")) reference = argv[i + 1];
    if (!std::strcmp(argv[i], "--runs")) runs = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--threads")) minitorch::set_num_threads(std::atoi(argv[i + 1]));
  }
  const Rows digits = read_digits();
  const auto ref = read_reference(reference);
  const Rows noisy = noisy_digits(digits, 5000);
  double sum = 0;
  for (const auto& row : noisy)
    for (double v : row) sum += v;
  const double expected = std::stod(ref.at("noisy_checksum"));
  if (std::abs(sum - expected) > 1e-9 * std::abs(expected))
    std::printf("warning: noisy_5000 checksum %.10g differs from sklearn's data (%.10g)\n", sum, expected);

  std::printf("minitorch: %d threads, median of %d runs; sklearn: %s\n\n", minitorch::get_num_threads(), runs,
              reference.c_str());
  std::printf("| data | N | KL minitorch | KL sklearn | KL difference | seconds minitorch | seconds sklearn | speed-up |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  const std::vector<std::pair<std::string, Rows>> sets = {
      {"digits_500", Rows(digits.begin(), digits.begin() + 500)}, {"digits_1797", digits}, {"noisy_5000", noisy}};
  for (const auto& [name, x] : sets) {
    std::vector<double> seconds;
    double kl = 0;
    for (int r = 0; r < runs; ++r) {
      const auto start = std::chrono::steady_clock::now();
      kl = faceage::tsne_2d(x).kl_divergence;
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const std::string& line = ref.at("tsne " + name);
    const double sk_kl = field(line, "kl"), sk_s = field(line, "seconds");
    std::printf("| %s | %zu | %.4f | %.4f | %+.1f%% | %.2f | %.2f | %.1fx |\n", name.c_str(), x.size(), kl, sk_kl,
                100 * (kl - sk_kl) / sk_kl, seconds[seconds.size() / 2], sk_s, sk_s / seconds[seconds.size() / 2]);
    std::fflush(stdout);
  }
}
