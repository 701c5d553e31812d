#include "prepare.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "files.hpp"
#include "minitorch/io/mat.hpp"
#include "minitorch/ops/creation.hpp"
#include "run_record.hpp"

namespace faceage {

using minitorch::Generator;

namespace {

// `name` with NUL bytes shown as \0, so that an error message is not cut at the first one.
std::string printable(const std::string& name) {
  std::string out;
  for (char c : name) out += c == '\0' ? std::string("\\0") : std::string(1, c);
  return out;
}

void check_entry(const LabelledImage& image, const std::string& where) {
  MT_CHECK(!image.file.empty(), where, ": the file name is empty");
  MT_CHECK(image.file.find('\0') == std::string::npos, where, ": the file name '", printable(image.file),
           "' holds a NUL byte (is the file cut short?)");
  const fs::path path(image.file);
  bool climbs = false;
  for (const fs::path& part : path) climbs |= part == "..";
  MT_CHECK(path.is_relative() && !climbs, where, ": the file name '", image.file,
           "' must be relative to the image folder, without '..'");
  MT_CHECK(image.age >= 0 && image.age < 200, where, ": the age ", image.age,
           " is not a plausible age in years (expected 0 to 199)");
}

}  // namespace

std::vector<LabelledImage> read_mat_labels(const std::string& mat_path) {
  const minitorch::CacdImageMeta meta = minitorch::read_cacd_image_meta(mat_path);
  std::vector<LabelledImage> out;
  out.reserve(meta.size());
  for (size_t i = 0; i < meta.size(); ++i) {
    out.push_back({meta.name[i], meta.age[i]});
    check_entry(out.back(), mat_path + ": celebrityImageData entry " + std::to_string(i + 1));
  }
  return out;
}

std::vector<LabelledImage> read_csv_labels(const std::string& csv_path) {
  MT_CHECK(!fs::is_directory(csv_path), "--csv ", csv_path, " is a folder (expected a CSV file of file,age rows)");
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
    MT_CHECK(end != age.c_str() && *end == '\0', csv_path, ":", number, ": the age '", age,
             "' is not a whole number of years");
    out.push_back({file, value});
    check_entry(out.back(), csv_path + ":" + std::to_string(number));
  }
  MT_CHECK(!out.empty(), "CSV ", csv_path, " has no 'file,age' rows");
  return out;
}

PrepareReport prepare(const std::vector<LabelledImage>& images, const PrepareOptions& o) {
  MT_CHECK(o.per_group > 0, "--per-group must be positive, got ", o.per_group);
  MT_CHECK(!images.empty(), "no labelled images to prepare");
  MT_CHECK(fs::is_directory(o.images_dir), "--images ", o.images_dir, " is not a folder");
  // Shuffle (Fisher-Yates with a seeded generator), as the tutorial's random.shuffle.
  std::vector<LabelledImage> order = images;
  Generator gen(o.seed);
  const auto draws = minitorch::rand({int64_t(order.size())}, {.dtype = minitorch::kFloat64}, &gen).to_vector<double>();
  for (size_t i = order.size(); i-- > 1;) std::swap(order[i], order[std::min(i, size_t(draws[i] * double(i + 1)))]);
  // The plan first: nothing is removed or written before it is known that something will be.
  std::map<std::string, int64_t> counts;
  std::map<fs::path, int64_t> age_of;  // the files taken, with their ages
  std::set<fs::path> targets;
  std::vector<std::pair<fs::path, fs::path>> copies;
  PrepareReport report;
  for (const LabelledImage& image : order) {
    const fs::path from = (fs::path(o.images_dir) / image.file).lexically_normal();
    // A file listed twice is copied once (into the group of the entry shuffled first); names are
    // flattened into the group folder, so two folders' files of one name would overwrite each other.
    if (const auto taken = age_of.find(from); taken != age_of.end()) {
      ++(taken->second == image.age ? report.duplicates : report.conflicting_ages);
      continue;
    }
    const std::string group = age_group(image.age);
    int64_t& count = counts[group];
    if (count >= o.per_group) continue;
    std::error_code ec;
    if (!fs::exists(from, ec)) {
      ++report.missing;
      continue;
    }
    // Only what split and train will read: a listed folder, or a file that is not an image by
    // its extension, would be counted here and dropped there.
    if (!fs::is_regular_file(from, ec) || !is_image(from)) {
      if (report.not_images++ == 0) report.first_not_image = from.string();
      continue;
    }
    const fs::path to = fs::path(o.out_dir) / group / from.filename();
    if (!targets.insert(to).second) {
      ++report.duplicates;
      continue;
    }
    age_of[from] = image.age;
    copies.emplace_back(from, to);
    ++count;
  }
  std::set<std::string> groups;
  for (const auto& [group, n] : counts)
    if (n > 0) report.groups.emplace_back(group, n), groups.insert(group);
  MT_CHECK(!report.groups.empty(), "prepare: none of the ", images.size(), " listed images is an image file in ",
           o.images_dir, " (", report.missing, " missing, ", report.not_images, " not .jpg, .jpeg, .png or .bmp files)");
  ensure_writable_dir(o.out_dir, "output");
  std::vector<fs::path> inputs = {o.images_dir};
  if (!o.labels_file.empty()) inputs.push_back(o.labels_file);
  for (const auto& [from, to] : copies) inputs.push_back(from);
  make_way(o.out_dir, groups, inputs, o.overwrite, "prepare");
  for (const auto& [from, to] : copies) copy_or_link(from, to, o.link);
  record_complete(o.out_dir, groups, "prepare");
  return report;
}

std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> split(const SplitOptions& o) {
  MT_CHECK(o.val_fraction > 0 && o.val_fraction < 1, "--val-fraction must be between 0 and 1, got ", o.val_fraction);
  check_finished(o.in_dir, "split");
  const auto classes = list_subdirs(o.in_dir);
  MT_CHECK(!classes.empty(), "folder ", o.in_dir, " has no class folders (expected e.g. 10s, 20s, ...)");
  MT_CHECK(!is_within(o.out_dir, o.in_dir), "split: --out ", o.out_dir, " is --in ", o.in_dir,
           " or lies inside it; its train/ and val/ would become class folders of the input");
  // Every class keeps at least one image on each side (checked before anything is written).
  std::vector<std::vector<fs::path>> files_of;
  for (const fs::path& dir : classes) {
    files_of.push_back(list_images(dir));
    const int64_t n = int64_t(files_of.back().size());
    MT_CHECK(n >= 2, "split: class folder ", dir.string(), " has ", n, " images; at least 2 are needed to split");
    MT_CHECK(n - int64_t(std::ceil(double(n) * o.val_fraction)) >= 1, "split: --val-fraction ", o.val_fraction,
             " leaves no training image of the ", n, " in ", dir.string());
  }
  ensure_writable_dir(o.out_dir, "output");
  std::vector<fs::path> inputs = {o.in_dir};
  for (size_t c = 0; c < classes.size(); ++c) {
    inputs.push_back(classes[c]);
    inputs.insert(inputs.end(), files_of[c].begin(), files_of[c].end());
  }
  make_way(o.out_dir, {"train", "val"}, inputs, o.overwrite, "split");
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> sizes;
  for (size_t c = 0; c < classes.size(); ++c) {
    const std::vector<fs::path>& files = files_of[c];
    Generator gen(o.seed);
    const auto perm = minitorch::randperm(int64_t(files.size()), &gen).to_vector<int64_t>();
    const int64_t n_val = int64_t(std::ceil(double(files.size()) * o.val_fraction));
    const std::string name = classes[c].filename().string();
    for (size_t i = 0; i < perm.size(); ++i) {
      const fs::path& f = files[size_t(perm[i])];
      copy_or_link(f, fs::path(o.out_dir) / (int64_t(i) < n_val ? "val" : "train") / name / f.filename(), o.link);
    }
    sizes.push_back({name, {int64_t(files.size()) - n_val, n_val}});
  }
  record_complete(o.out_dir, {"train", "val"}, "split");
  return sizes;
}

}  // namespace faceage
