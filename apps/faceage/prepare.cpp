#include "prepare.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "files.hpp"
#include "minitorch/io/mat.hpp"
#include "minitorch/ops/creation.hpp"

namespace faceage {

using minitorch::Generator;

std::vector<LabelledImage> read_mat_labels(const std::string& mat_path) {
  const minitorch::CacdImageMeta meta = minitorch::read_cacd_image_meta(mat_path);
  std::vector<LabelledImage> out;
  out.reserve(meta.size());
  for (size_t i = 0; i < meta.size(); ++i) out.push_back({meta.name[i], meta.age[i]});
  return out;
}

std::vector<LabelledImage> read_csv_labels(const std::string& csv_path) {
  std::ifstream in(csv_path);
  MT_CHECK(in.good(), "cannot open CSV ", csv_path);
  std::vector<LabelledImage> out;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);  // UTF-8 BOM
    if (line.empty()) continue;
    const size_t comma = line.rfind(',');
    MT_CHECK(comma != std::string::npos, csv_path, ":", number, ": expected 'file,age', got '", line, "'");
    const std::string file = line.substr(0, comma), age = line.substr(comma + 1);
    char* end = nullptr;
    const long long value = std::strtoll(age.c_str(), &end, 10);
    if (number == 1 && (end == age.c_str() || *end != '\0')) continue;  // a header line
    MT_CHECK(end != age.c_str() && *end == '\0' && value >= 0 && value < 200, csv_path, ":", number,
             ": the age '", age, "' is not a whole number of years");
    out.push_back({file, value});
  }
  MT_CHECK(!out.empty(), "CSV ", csv_path, " has no 'file,age' rows");
  return out;
}

PrepareReport prepare(const std::vector<LabelledImage>& images, const PrepareOptions& o) {
  MT_CHECK(o.per_group > 0, "--per-group must be positive, got ", o.per_group);
  MT_CHECK(!images.empty(), "no labelled images to prepare");
  MT_CHECK(fs::is_directory(o.images_dir), "image folder ", o.images_dir, " does not exist");
  ensure_writable_dir(o.out_dir, "output");
  // Shuffle (Fisher-Yates with a seeded generator), as the tutorial's random.shuffle.
  std::vector<LabelledImage> order = images;
  Generator gen(o.seed);
  const auto draws = minitorch::rand({int64_t(order.size())}, {.dtype = minitorch::kFloat64}, &gen).to_vector<double>();
  for (size_t i = order.size(); i-- > 1;) std::swap(order[i], order[std::min(i, size_t(draws[i] * double(i + 1)))]);
  std::map<std::string, int64_t> counts;
  PrepareReport report;
  for (const LabelledImage& image : order) {
    const std::string group = age_group(image.age);
    if (counts[group] >= o.per_group) continue;
    const fs::path from = fs::path(o.images_dir) / image.file;
    if (!fs::exists(from)) {
      ++report.missing;
      continue;
    }
    copy_or_link(from, fs::path(o.out_dir) / group / fs::path(image.file).filename(), o.link);
    ++counts[group];
  }
  MT_CHECK(!counts.empty(), "none of the ", images.size(), " listed images exists in ", o.images_dir);
  for (const auto& [group, n] : counts) report.groups.emplace_back(group, n);
  return report;
}

std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> split(const SplitOptions& o) {
  MT_CHECK(o.val_fraction > 0 && o.val_fraction < 1, "--val-fraction must be between 0 and 1, got ", o.val_fraction);
  const auto classes = list_subdirs(o.in_dir);
  MT_CHECK(!classes.empty(), "folder ", o.in_dir, " has no class folders (expected e.g. 10s, 20s, ...)");
  ensure_writable_dir(o.out_dir, "output");
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> sizes;
  for (const fs::path& dir : classes) {
    const auto files = list_images(dir);
    MT_CHECK(files.size() >= 2, "class folder ", dir.string(), " has ", files.size(),
             " images; at least 2 are needed to split");
    Generator gen(o.seed);
    const auto perm = minitorch::randperm(int64_t(files.size()), &gen).to_vector<int64_t>();
    const int64_t n_val = int64_t(std::ceil(double(files.size()) * o.val_fraction));
    const std::string name = dir.filename().string();
    for (size_t i = 0; i < perm.size(); ++i) {
      const fs::path& f = files[size_t(perm[i])];
      copy_or_link(f, fs::path(o.out_dir) / (int64_t(i) < n_val ? "val" : "train") / name / f.filename(), o.link);
    }
    sizes.push_back({name, {int64_t(files.size()) - n_val, n_val}});
  }
  return sizes;
}

}  // namespace faceage
