#include "prepare.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "files.hpp"
#include "minitorch/io/mat.hpp"
#include "minitorch/ops/creation.hpp"

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

namespace {

// Whether `inner` is `outer` or lies inside it (both made absolute, symbolic links resolved).
bool is_within(const fs::path& inner, const fs::path& outer) {
  auto normal = [](const fs::path& p) {
    fs::path n = fs::weakly_canonical(fs::absolute(p));
    return n.has_filename() ? n : n.parent_path();  // without a trailing "/"
  };
  const fs::path a = normal(inner), b = normal(outer);
  auto i = a.begin();
  for (auto j = b.begin(); j != b.end(); ++j, ++i)
    if (i == a.end() || *i != *j) return false;
  return true;
}

// A run of prepare or split records the folders it writes in `out` (out/.faceage-<command>, one
// name per line), before writing them: a later run then tells them from folders of the user's,
// which it never removes.
fs::path record_of(const fs::path& out, const char* command) { return out / (std::string(".faceage-") + command); }

// The names a command writes: prepare the age groups ("0s" .. "100s"), split "train" and "val".
bool is_own_folder(const std::string& name, const char* command) {
  if (std::string(command) == "split") return name == "train" || name == "val";
  for (int group = 0; group <= 100; group += 10)
    if (name == std::to_string(group) + "s") return true;
  return false;
}

// The recorded names, of those only the ones the command writes: an edited record cannot point
// --overwrite at "..", an absolute path or any folder of the user's.
std::set<std::string> recorded_folders(const fs::path& out, const char* command) {
  std::set<std::string> names;
  std::ifstream in(record_of(out, command));
  for (std::string line; std::getline(in, line);)
    if (is_own_folder(line, command)) names.insert(line);
  return names;
}

// Makes way in `out` for a run that writes the sub-folders `folders`. An earlier run's folders
// (recorded) that hold files are an error, or with `overwrite` removed, unless they hold
// `input`; any other non-empty folder in the way is always an error.
void make_way(const fs::path& out, const std::set<std::string>& folders, const fs::path& input, bool overwrite,
              const char* command) {
  const std::set<std::string> earlier = recorded_folders(out, command);
  std::set<std::string> involved = folders;
  involved.insert(earlier.begin(), earlier.end());
  for (const std::string& name : involved) {
    const fs::path dir = out / name;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(dir, ec)) || (fs::is_directory(fs::symlink_status(dir, ec)) && fs::is_empty(dir, ec)))
      continue;
    MT_CHECK(earlier.count(name), command, ": ", dir.string(), " already exists and was not written by faceage ",
             command, "; remove it or choose another --out");
    MT_CHECK(overwrite, command, ": ", dir.string(), " holds the files of an earlier run, which would mix with this ",
             "one's; pass --overwrite to replace them, or choose another --out");
    MT_CHECK(!is_within(input, dir), command, ": --overwrite would remove ", dir.string(), ", which holds the input ",
             input.string());
    fs::remove_all(dir, ec);
    MT_CHECK(!ec, command, ": cannot remove ", dir.string(), ": ", ec.message());
  }
  std::string record;
  for (const std::string& name : folders) record += name + "\n";
  write_text_atomic(record_of(out, command), record);
}

}  // namespace

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
  std::set<fs::path> sources, targets;
  std::vector<std::pair<fs::path, fs::path>> copies;
  PrepareReport report;
  for (const LabelledImage& image : order) {
    const std::string group = age_group(image.age);
    int64_t& count = counts[group];
    if (count >= o.per_group) continue;
    const fs::path from = (fs::path(o.images_dir) / image.file).lexically_normal();
    if (!fs::exists(from)) {
      ++report.missing;
      continue;
    }
    // A file listed twice (perhaps with two ages) is copied once; names are flattened into the
    // group folder, so two folders' files of one name would overwrite each other.
    const fs::path to = fs::path(o.out_dir) / group / from.filename();
    if (sources.count(from) || targets.count(to)) {
      ++report.duplicates;
      continue;
    }
    sources.insert(from);
    targets.insert(to);
    copies.emplace_back(from, to);
    ++count;
  }
  std::set<std::string> groups;
  for (const auto& [group, n] : counts)
    if (n > 0) report.groups.emplace_back(group, n), groups.insert(group);
  MT_CHECK(!report.groups.empty(), "prepare: none of the ", images.size(), " listed images exists in ", o.images_dir);
  ensure_writable_dir(o.out_dir, "output");
  make_way(o.out_dir, groups, o.images_dir, o.overwrite, "prepare");
  for (const auto& [from, to] : copies) copy_or_link(from, to, o.link);
  return report;
}

std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> split(const SplitOptions& o) {
  MT_CHECK(o.val_fraction > 0 && o.val_fraction < 1, "--val-fraction must be between 0 and 1, got ", o.val_fraction);
  const auto classes = list_subdirs(o.in_dir);
  MT_CHECK(!classes.empty(), "folder ", o.in_dir, " has no class folders (expected e.g. 10s, 20s, ...)");
  MT_CHECK(!is_within(o.out_dir, o.in_dir), "split: --out ", o.out_dir, " lies inside --in ", o.in_dir,
           "; its train/ and val/ would become class folders of the input");
  // Every class keeps at least one image on each side (checked before anything is written).
  std::vector<std::vector<fs::path>> files_of;
  for (const fs::path& dir : classes) {
    files_of.push_back(list_images(dir));
    const int64_t n = int64_t(files_of.back().size());
    MT_CHECK(n >= 2, "class folder ", dir.string(), " has ", n, " images; at least 2 are needed to split");
    MT_CHECK(n - int64_t(std::ceil(double(n) * o.val_fraction)) >= 1, "split: --val-fraction ", o.val_fraction,
             " leaves no training image of the ", n, " in ", dir.string());
  }
  ensure_writable_dir(o.out_dir, "output");
  make_way(o.out_dir, {"train", "val"}, o.in_dir, o.overwrite, "split");
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
  return sizes;
}

}  // namespace faceage
