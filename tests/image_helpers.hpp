#pragma once
// Helpers for the image tests: the fixture files made by tools/make_image_fixtures.py, and
// pixel-difference statistics.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "minitorch/data/image.hpp"

inline std::string data_fixture(const std::string& name) {
  return std::string(MINITORCH_FIXTURES) + "/data/" + name;
}

// The lines of tests/fixtures/data/cases.txt whose first word is `kind`, split into words.
// `required`: fail when there are none (optional kinds depend on what the fixture machine had).
inline std::vector<std::vector<std::string>> fixture_cases(const std::string& kind, bool required = true) {
  std::ifstream in(data_fixture("cases.txt"));
  REQUIRE_MESSAGE(in.good(), "missing " << data_fixture("cases.txt") << " (run tools/make_image_fixtures.py)");
  std::vector<std::vector<std::string>> cases;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    if (!w.empty() && w[0] == kind) cases.emplace_back(w.begin() + 1, w.end());
  }
  if (required) REQUIRE_MESSAGE(!cases.empty(), "no '" << kind << "' cases in cases.txt");
  return cases;
}

inline int64_t to_int(const std::string& s) { return std::stoll(s); }
inline double to_double(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

// How far two images (or any tensors of one shape) are apart, element by element.
struct PixelDiff {
  double max = 0, mean = 0;
  int64_t differing = 0, count = 0;
};

inline PixelDiff pixel_diff(const mt::Tensor& actual, const mt::Tensor& expected) {
  REQUIRE_MESSAGE(actual.shape() == expected.shape(),
                  "shape " << mt::shape_str(actual.shape()) << " vs expected " << mt::shape_str(expected.shape()));
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  PixelDiff d;
  d.count = int64_t(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const double diff = std::abs(a[i] - e[i]);
    d.max = std::max(d.max, diff);
    d.mean += diff;
    d.differing += diff != 0;
  }
  d.mean /= double(std::max<int64_t>(d.count, 1));
  return d;
}

inline std::ostream& operator<<(std::ostream& out, const PixelDiff& d) {
  return out << "max " << d.max << ", mean " << d.mean << ", " << d.differing << " of " << d.count << " differ";
}
