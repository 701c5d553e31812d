// faceage's plots: each writes a decodable PNG of the expected size with the expected colours,
// bad input and bad paths throw and leave no file, and the heatmap's column normalisation.
#include <unistd.h>

#include <filesystem>

#include "commands.hpp"
#include "helpers.hpp"
#include "minitorch/data/image.hpp"
#include "minitorch/io/pth_writer.hpp"
#include "plots.hpp"

using namespace faceage;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system's temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("faceage_test_plots_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  size_t entries() const { return size_t(std::distance(fs::directory_iterator(path), fs::directory_iterator())); }
};

struct Image {
  int64_t height = 0, width = 0;
  std::vector<uint8_t> rgb;
  // Pixels within `tol` levels of `c`.
  int64_t count(Rgb c, int tol = 8) const {
    int64_t n = 0;
    for (size_t i = 0; i + 2 < rgb.size(); i += 3)
      n += std::abs(rgb[i] - c.r * 255) <= tol && std::abs(rgb[i + 1] - c.g * 255) <= tol &&
           std::abs(rgb[i + 2] - c.b * 255) <= tol;
    return n;
  }
};

Image load(const std::string& path) {
  const mt::Tensor t = mt::data::read_image(path);
  return {t.size(0), t.size(1), t.to_vector<uint8_t>()};
}

// A colour drawn with alpha 0.6 over white.
Rgb over_white(Rgb c) { return {0.6 * c.r + 0.4, 0.6 * c.g + 0.4, 0.6 * c.b + 0.4}; }

}  // namespace

TEST_CASE("nice ticks are multiples of 1, 2 or 5 x 10^k inside the range") {
  CHECK(nice_ticks(0, 1) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  CHECK(nice_ticks(0.8, 5.2, 8, true) == std::vector<double>{1, 2, 3, 4, 5});
  CHECK(nice_ticks(0.95, 1.05, 8, true) == std::vector<double>{1});
  CHECK(nice_ticks(-37, 121) == std::vector<double>{-20, 0, 20, 40, 60, 80, 100, 120});
  CHECK(nice_ticks(-3.1, 3.1).front() == doctest::Approx(-3));
  CHECK(nice_ticks(2.5, 2.5) == std::vector<double>{2.5});
  for (double span : {1e-5, 0.37, 4.2, 77.0, 1234.0}) {
    const auto t = nice_ticks(-span / 3, span, 8);
    CHECK(t.size() >= 3);
    CHECK(t.size() <= 8);
  }
}

TEST_CASE("line_plot: the loss curves, red and blue, in a 640 x 480 PNG") {
  TempDir dir;
  const std::string path = dir.file("convnext_loss.png");
  line_plot(path, "Losses", "Epoch", "Losses",
            {{"train_losses", kRed, {1.71, 1.42, 1.30, 1.21, 1.12}}, {"val_losses", kBlue, {1.55, 1.41, 1.38, 1.40, 1.36}}});
  const Image img = load(path);
  CHECK(img.width == 640);
  CHECK(img.height == 480);
  CHECK(img.count({1, 1, 1}) > 640 * 480 / 2);  // mostly white background
  CHECK(img.count(kRed) > 300);                   // the curves and their markers
  CHECK(img.count(kBlue) > 300);
  CHECK(img.count({0, 0, 0}, 40) > 1000);         // frame, ticks and text
  CHECK(dir.entries() == 1);                      // no temporary file left beside it
}

TEST_CASE("line_plot: a single epoch and a constant series") {
  TempDir dir;
  line_plot(dir.file("one.png"), "Accuracies", "Epoch", "Accuracies", {{"train_accuracies", kRed, {0.25}}});
  line_plot(dir.file("flat.png"), "Accuracies", "Epoch", "Accuracies",
            {{"train_accuracies", kRed, {0.5, 0.5, 0.5}}, {"val_accuracies", kBlue, {0, 0, 0}}});
  line_plot(dir.file("zero.png"), "", "", "", {{"zeros", kBlue, {0, 0}}});
  for (const char* name : {"one.png", "flat.png", "zero.png"}) {
    const Image img = load(dir.file(name));
    CHECK(img.width == 640);
    CHECK(img.count(kRed) + img.count(kBlue) > 50);
  }
}

TEST_CASE("line_plot: NaN, inf and empty input are errors naming the series, and write nothing") {
  TempDir dir;
  const std::string path = dir.file("bad.png");
  CHECK_THROWS_WITH_AS(line_plot(path, "t", "x", "y", {{"train", kRed, {1}}, {"val_losses", kBlue, {1, NAN}}}),
                       doctest::Contains("'val_losses'"), mt::Error);
  CHECK_THROWS_WITH_AS(line_plot(path, "t", "x", "y", {{"train_acc", kRed, {INFINITY}}}),
                       doctest::Contains("'train_acc'"), mt::Error);
  CHECK_THROWS_AS(line_plot(path, "t", "x", "y", {}), mt::Error);
  CHECK_THROWS_WITH_AS(line_plot(path, "t", "x", "y", {{"empty", kRed, {}}}), doctest::Contains("'empty'"), mt::Error);
  CHECK(dir.entries() == 0);
}

TEST_CASE("normalize_columns: relative frequencies per column, an all-zero column stays zero") {
  const auto n = normalize_columns({{1, 0, 2}, {3, 0, 2}, {0, 0, 4}});
  CHECK(n == std::vector<std::vector<double>>{{0.25, 0, 0.25}, {0.75, 0, 0.25}, {0, 0, 0.5}});
  CHECK(normalize_columns({}).empty());
  CHECK_THROWS_AS(normalize_columns({{1, 2}, {3}}), mt::Error);
}

TEST_CASE("heatmap: 6 x 6 annotated cells and a colour bar in a 640 x 480 PNG") {
  TempDir dir;
  std::vector<std::vector<double>> counts(6, std::vector<double>(6, 0));
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) counts[size_t(i)][size_t(j)] = i == j ? 20 : std::max(0, 6 - 2 * std::abs(i - j));
  for (auto& row : counts) row[5] = 0;  // no image of the last group: an all-zero column
  const auto freq = normalize_columns(counts);
  const std::vector<std::string> labels = {"0", "1", "2", "3", "4", "5"};
  const std::string path = dir.file("pred_acctual_heatmap.png");
  heatmap(path, "", freq, labels, labels, "acctual", "pred");
  const Image img = load(path);
  CHECK(img.width == 640);
  CHECK(img.height == 480);
  CHECK(img.count(rocket(0), 3) > 6 * 2000);  // the zero cells, in rocket's darkest colour
  CHECK(img.count(rocket(1), 3) > 2000);      // the largest cell, in its lightest
  CHECK(dir.entries() == 1);
}

TEST_CASE("heatmap: bad shapes and values are errors") {
  TempDir dir;
  const std::string path = dir.file("h.png");
  CHECK_THROWS_AS(heatmap(path, "", {{1, 2}, {3}}, {"a", "b"}, {"x", "y"}, "", ""), mt::Error);
  CHECK_THROWS_AS(heatmap(path, "", {{1, 2}}, {"a", "b"}, {"x", "y"}, "", ""), mt::Error);
  CHECK_THROWS_AS(heatmap(path, "", {{1, NAN}}, {"a"}, {"x", "y"}, "", ""), mt::Error);
  CHECK_THROWS_AS(heatmap(path, "", {}, {}, {}, "", ""), mt::Error);
  heatmap(path, "constant", {{0.5, 0.5}, {0.5, 0.5}}, {"a", "b"}, {"x", "y"}, "", "");  // no division by zero
  CHECK(load(path).width == 640);
}

TEST_CASE("scatter_plot: one tab10 colour per label with alpha 0.6 in a 1000 x 800 PNG") {
  TempDir dir;
  std::vector<std::array<double, 2>> points;
  std::vector<int> labels;
  for (int i = 0; i < 600; ++i) {
    const int label = i % 6;
    points.push_back({label * 10.0 + (i * 37 % 100) / 20.0, std::sin(i * 0.1) * 3 + label});
    labels.push_back(label);
  }
  const std::vector<std::string> names = {"10s", "20s", "30s", "40s", "50s", "60s"};
  const std::string path = dir.file("convnext_tsne.png");
  scatter_plot(path, "t-SNE of Train Features", "t-SNE Component 1", "t-SNE Component 2", points, labels, names,
               "Age Group");
  const Image img = load(path);
  CHECK(img.width == 1000);
  CHECK(img.height == 800);
  for (int label = 0; label < 6; ++label) CHECK(img.count(over_white(tab10(label)), 4) > 100);
  CHECK(img.count(over_white(tab10(6)), 4) < 20);
}

TEST_CASE("scatter_plot: mismatched labels, labels without names and NaN points are errors") {
  TempDir dir;
  const std::string path = dir.file("s.png");
  CHECK_THROWS_AS(scatter_plot(path, "", "", "", {{0, 0}}, {0, 1}, {"a", "b"}, ""), mt::Error);
  CHECK_THROWS_AS(scatter_plot(path, "", "", "", {{0, 0}}, {2}, {"a", "b"}, ""), mt::Error);
  CHECK_THROWS_AS(scatter_plot(path, "", "", "", {{0, NAN}}, {0}, {"a"}, ""), mt::Error);
  CHECK_THROWS_AS(scatter_plot(path, "", "", "", {}, {}, {"a"}, ""), mt::Error);
  CHECK(dir.entries() == 0);
  scatter_plot(path, "one point", "", "", {{1, 2}}, {0}, {"a"}, "");  // a zero-width range
  CHECK(load(path).height == 800);
}

TEST_CASE("every plot: an unwritable path is an Error naming it, and leaves no file") {
  TempDir dir;
  const std::string missing = dir.file("no_such_dir/plot.png");
  CHECK_THROWS_WITH_AS(line_plot(missing, "", "", "", {{"a", kRed, {1, 2}}}), doctest::Contains(missing.c_str()), mt::Error);
  CHECK_THROWS_WITH_AS(heatmap(missing, "", {{1}}, {"a"}, {"b"}, "", ""), doctest::Contains(missing.c_str()), mt::Error);
  CHECK_THROWS_WITH_AS(scatter_plot(missing, "", "", "", {{0, 0}}, {0}, {"a"}, ""), doctest::Contains(missing.c_str()),
                       mt::Error);
  CHECK_FALSE(fs::exists(dir.path / "no_such_dir"));
  // A directory in the file's place: the temporary file is written, the rename fails and it is removed.
  fs::create_directories(dir.path / "taken.png" / "inside");
  CHECK_THROWS_WITH_AS(line_plot(dir.file("taken.png"), "", "", "", {{"a", kRed, {1}}}),
                       doctest::Contains("taken.png"), mt::Error);
  CHECK(dir.entries() == 1);
}

TEST_CASE("plot: features it cannot project are errors naming the features file, and write nothing") {
  TempDir dir;
  const std::string features = dir.file("features.pth");
  const mt::Tensor labels = mt::from_vector<int64_t>({0, 1, 0, 1, 0}, {5});
  const std::vector<std::pair<mt::Tensor, std::string>> bad = {
      {mt::ones({5, 1}), "the features have 1 dimension; two projected components need at least 2"},
      {mt::tensor({1, 2, 3, 4, 5, 6, 7, NAN, 9, 10}, {5, 2}), "feature [3, 1] is nan"},
  };
  PlotOptions o{features, dir.file("out"), {}};
  for (const auto& [values, fragment] : bad) {
    mt::save_pth_tuple(features, {values, labels});
    CHECK_THROWS_WITH_FRAGMENT(plot_features(o), features + ": " + fragment);
  }
  mt::save_pth_tuple(features, {mt::ones({5, 2}), mt::from_vector<int64_t>({0, -1, 0, 1, 0}, {5})});
  CHECK_THROWS_WITH_FRAGMENT(plot_features(o), features + ": label 1 is -1 (expected a class index from 0)");
  mt::save_pth_tuple(features, {mt::ones({5, 2}), mt::ones({5})});
  CHECK_THROWS_WITH_FRAGMENT(plot_features(o), "expected floating features and integer labels, got float32 and float32");
  CHECK_FALSE(fs::exists(dir.path / "out"));
}
