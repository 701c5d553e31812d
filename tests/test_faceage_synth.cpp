// The synthetic CACD set: files, names, the .mat layout (read back with matio), determinism,
// option checks, and the plan and age cues behind them.
#include <matio.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "helpers.hpp"
#include "synth.hpp"
#include "synth_face.hpp"
#include "synth_mat.hpp"
#include "synth_people.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh directory under the system's temporary directory, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("minitorch_test_faceage_synth_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// Every file under `dir` (relative name -> bytes).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = file_contents(entry.path());
  return files;
}

faceage::SynthOptions tiny_options(const fs::path& dir) {
  faceage::SynthOptions o;
  o.out_dir = dir.string();
  o.identities = 6;
  o.per_identity = 3;
  o.seed = 7;
  return o;
}

// The tiny set, written once for the tests that only read it.
const fs::path& tiny_set() {
  static TempDir dir("tiny");
  static bool written = (faceage::write_synthetic_cacd(tiny_options(dir.path)), true);
  (void)written;
  return dir.path;
}

using MatPtr = std::unique_ptr<mat_t, decltype(&Mat_Close)>;
using VarPtr = std::unique_ptr<matvar_t, decltype(&Mat_VarFree)>;

// The text of a char row vector as UTF-8, whether stored as UTF-8 or as UTF-16 code units.
std::string char_text(const matvar_t* var) {
  REQUIRE(var != nullptr);
  REQUIRE(var->class_type == MAT_C_CHAR);
  REQUIRE(var->rank == 2);
  CHECK(var->dims[0] == 1);
  if (var->data_type == MAT_T_UTF8 || var->data_type == MAT_T_UINT8)
    return std::string(static_cast<const char*>(var->data), var->nbytes);
  std::string text;
  for (size_t i = 0; i < var->nbytes / 2; ++i) {  // basic multilingual plane only, enough for names
    const unsigned c = static_cast<const uint16_t*>(var->data)[i];
    if (c < 0x80) {
      text += char(c);
    } else if (c < 0x800) {
      text += char(0xC0 | (c >> 6));
      text += char(0x80 | (c & 0x3F));
    } else {
      text += char(0xE0 | (c >> 12));
      text += char(0x80 | ((c >> 6) & 0x3F));
      text += char(0x80 | (c & 0x3F));
    }
  }
  return text;
}

template <class T>
std::vector<long> numbers(const matvar_t* var) {
  std::vector<long> out;
  for (size_t i = 0; i < var->dims[0] * var->dims[1]; ++i) out.push_back(long(static_cast<const T*>(var->data)[i]));
  return out;
}

struct Field {
  const char* name;
  matio_classes cls;
};

// Checks a top-level 1x1 struct: field names in order, MATLAB classes, and `rows` x 1 columns
// (feature: 0 x 0). Returns the struct.
VarPtr check_struct(mat_t* mat, const char* name, const std::vector<Field>& fields, size_t rows) {
  VarPtr var(Mat_VarRead(mat, name), &Mat_VarFree);
  REQUIRE_MESSAGE(var != nullptr, "no variable " << name);
  CHECK(var->class_type == MAT_C_STRUCT);
  REQUIRE(var->rank == 2);
  CHECK((var->dims[0] == 1 && var->dims[1] == 1));
  REQUIRE(Mat_VarGetNumberOfFields(var.get()) == fields.size());
  char* const* names = Mat_VarGetStructFieldnames(var.get());
  for (size_t i = 0; i < fields.size(); ++i) {
    INFO(name << "." << fields[i].name);
    CHECK(std::string(names[i]) == fields[i].name);
    const matvar_t* field = Mat_VarGetStructFieldByIndex(var.get(), i, 0);
    REQUIRE(field != nullptr);
    CHECK(field->class_type == fields[i].cls);
    REQUIRE(field->rank == 2);
    const bool empty = std::string(fields[i].name) == "feature";
    CHECK(field->dims[0] == (empty ? 0 : rows));
    CHECK(field->dims[1] == (empty ? 0 : 1));
  }
  return var;
}

std::vector<std::string> cell_texts(matvar_t* s, const char* field) {
  matvar_t* cell = Mat_VarGetStructFieldByName(s, field, 0);
  std::vector<std::string> texts;
  for (size_t i = 0; i < cell->dims[0]; ++i) texts.push_back(char_text(Mat_VarGetCell(cell, int(i))));
  return texts;
}

template <class T>
std::vector<long> field_numbers(matvar_t* s, const char* field) {
  return numbers<T>(Mat_VarGetStructFieldByName(s, field, 0));
}

}  // namespace

TEST_CASE("faceage synth: the files of a tiny set, named AGE_First_Last_NNNN.jpg, decode to the asked size") {
  const fs::path& dir = tiny_set();
  REQUIRE(fs::is_regular_file(dir / "celebrity2000_meta.mat"));
  std::vector<fs::path> jpegs;
  for (const auto& entry : fs::directory_iterator(dir / "CACD2000")) jpegs.push_back(entry.path());
  CHECK(jpegs.size() == 6 * 3);
  const std::regex pattern(R"(^(\d+)_([^_]+)_([^_]+)_(\d{4})\.jpg$)");
  for (const fs::path& path : jpegs) {
    std::smatch m;
    const std::string name = path.filename().string();
    CHECK_MESSAGE(std::regex_match(name, m, pattern), name);
    const mt::Tensor image = mt::data::read_image(path.string());
    CHECK(image.shape() == mt::Shape{250, 250, 3});
  }
}

TEST_CASE("faceage synth: celebrity2000_meta.mat has CACD's structs, fields, classes and sizes (read with matio)") {
  const fs::path& dir = tiny_set();
  MatPtr mat(Mat_Open((dir / "celebrity2000_meta.mat").c_str(), MAT_ACC_RDONLY), &Mat_Close);
  REQUIRE(mat != nullptr);
  CHECK(Mat_GetVersion(mat.get()) == MAT_FT_MAT5);
  const size_t n = 18, k = 6;
  VarPtr images = check_struct(mat.get(), "celebrityImageData",
                               {{"age", MAT_C_UINT8}, {"identity", MAT_C_UINT16}, {"year", MAT_C_UINT16},
                                {"feature", MAT_C_UINT8}, {"rank", MAT_C_UINT8}, {"lfw", MAT_C_UINT8},
                                {"birth", MAT_C_UINT16}, {"name", MAT_C_CELL}},
                               n);
  VarPtr people = check_struct(mat.get(), "celebrityData",
                               {{"name", MAT_C_CELL}, {"identity", MAT_C_UINT16}, {"birth", MAT_C_UINT16},
                                {"rank", MAT_C_UINT8}, {"lfw", MAT_C_UINT8}},
                               k);

  const auto people_names = cell_texts(people.get(), "name");
  const auto people_birth = field_numbers<uint16_t>(people.get(), "birth");
  CHECK(field_numbers<uint16_t>(people.get(), "identity") == std::vector<long>{1, 2, 3, 4, 5, 6});
  const auto files = cell_texts(images.get(), "name");
  const auto age = field_numbers<uint8_t>(images.get(), "age");
  const auto year = field_numbers<uint16_t>(images.get(), "year");
  const auto birth = field_numbers<uint16_t>(images.get(), "birth");
  const auto identity = field_numbers<uint16_t>(images.get(), "identity");
  const std::regex pattern(R"(^(\d+)_(.+)_(\d{4})\.jpg$)");
  for (size_t i = 0; i < n; ++i) {
    INFO("entry " << i << ": " << files[i]);
    std::smatch m;
    REQUIRE(std::regex_match(files[i], m, pattern));
    CHECK(std::stol(m[1]) == age[i]);  // the age in the file name is the age in the .mat
    CHECK(fs::is_regular_file(dir / "CACD2000" / files[i]));
    CHECK(age[i] == year[i] - birth[i]);
    CHECK((age[i] >= 14 && age[i] <= 62));
    CHECK((year[i] >= 2004 && year[i] <= 2013));
    REQUIRE((identity[i] >= 1 && identity[i] <= long(k)));
    CHECK(m[2] == people_names[size_t(identity[i] - 1)]);
    CHECK(birth[i] == people_birth[size_t(identity[i] - 1)]);
  }
}

TEST_CASE("faceage synth: the same seed gives the same bytes, another seed other images") {
  TempDir a("seed_a"), b("seed_b"), c("seed_c");
  faceage::write_synthetic_cacd(tiny_options(a.path));
  faceage::write_synthetic_cacd(tiny_options(b.path));
  auto other = tiny_options(c.path);
  other.seed = 8;
  faceage::write_synthetic_cacd(other);
  const auto first = snapshot(a.path);
  CHECK(first.size() == 6 * 3 + 2);  // the photos, the .mat and the .faceage-synth mark
  CHECK(first == snapshot(b.path));
  CHECK(first != snapshot(c.path));
}

TEST_CASE("faceage synth: the size option and a set written over an old one") {
  TempDir dir("size");
  auto o = tiny_options(dir.path);
  o.identities = 2;
  o.per_identity = 2;
  o.size = 48;
  faceage::write_synthetic_cacd(o);
  faceage::write_synthetic_cacd(o);  // rewriting in place works and leaves no temporary files
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir.path / "CACD2000")) {
    CHECK(mt::data::read_image(entry.path().string()).shape() == mt::Shape{48, 48, 3});
    ++count;
  }
  CHECK(count == 4);
  CHECK(snapshot(dir.path).size() == 4 + 2);
  // A smaller set over a larger one replaces it whole: no photo outlives the metadata.
  o.identities = 1;
  o.per_identity = 1;
  faceage::write_synthetic_cacd(o);
  CHECK(snapshot(dir.path).size() == 1 + 2);
  // Never over a real download in the same layout.
  TempDir real("real");
  fs::create_directories(real.path / "CACD2000");
  std::ofstream(real.path / "celebrity2000_meta.mat") << "the real metadata";
  CHECK_THROWS_WITH_FRAGMENT(faceage::write_synthetic_cacd(tiny_options(real.path)),
                             "holds a CACD2000/ folder or celebrity2000_meta.mat that faceage synth did not write");
  CHECK(snapshot(real.path).size() == 1);
}

TEST_CASE("faceage synth: bad options throw minitorch::Error with a clear message") {
  TempDir dir("bad");
  auto o = tiny_options(dir.path);
  o.identities = 0;
  CHECK_THROWS_WITH_FRAGMENT(faceage::write_synthetic_cacd(o), "identities must be in [1, 65535], got 0");
  o = tiny_options(dir.path);
  o.per_identity = 0;
  CHECK_THROWS_WITH_FRAGMENT(faceage::write_synthetic_cacd(o), "per_identity must be in [1, 1000], got 0");
  o = tiny_options(dir.path);
  o.size = 31;
  CHECK_THROWS_WITH_FRAGMENT(faceage::write_synthetic_cacd(o), "size must be in [32, 4096] pixels, got 31");
  o = tiny_options("");
  CHECK_THROWS_WITH_FRAGMENT(faceage::write_synthetic_cacd(o), "out_dir is empty");
  // A directory below a regular file cannot be created, whoever runs the test (root included).
  fs::create_directories(dir.path);
  std::ofstream(dir.path / "a_file") << "x";
  o = tiny_options(dir.path / "a_file" / "set");
  CHECK_THROWS_WITH_FRAGMENT(faceage::write_synthetic_cacd(o), "cannot create the directory");
}

TEST_CASE("faceage synth: the .mat's bytes depend on the plan only; failures name the file") {
  TempDir dir("mat");
  fs::create_directories(dir.path);
  const auto plan = faceage::synth::plan_cacd(4, 2, 1);
  faceage::synth::write_cacd_meta((dir.path / "a.mat").string(), plan);
  faceage::synth::write_cacd_meta((dir.path / "b.mat").string(), plan);
  CHECK(snapshot(dir.path).size() == 2);  // no temporary files left
  CHECK(file_contents(dir.path / "a.mat") == file_contents(dir.path / "b.mat"));
  CHECK_THROWS_WITH_FRAGMENT(faceage::synth::write_cacd_meta((dir.path / "no" / "c.mat").string(), plan), "c.mat");

  // Names with accents and apostrophes come back from the file as they went in.
  const auto many = faceage::synth::plan_cacd(40, 1, 1);
  faceage::synth::write_cacd_meta((dir.path / "many.mat").string(), many);
  MatPtr mat(Mat_Open((dir.path / "many.mat").c_str(), MAT_ACC_RDONLY), &Mat_Close);
  REQUIRE(mat != nullptr);
  VarPtr people(Mat_VarRead(mat.get(), "celebrityData"), &Mat_VarFree);
  REQUIRE(people != nullptr);
  const auto names = cell_texts(people.get(), "name");
  REQUIRE(names.size() == many.celebrities.size());
  bool non_ascii = false;
  for (size_t i = 0; i < names.size(); ++i) {
    CHECK(names[i] == many.celebrities[i].name);
    for (unsigned char ch : names[i]) non_ascii |= ch >= 0x80;
  }
  CHECK(non_ascii);
}

TEST_CASE("faceage synth: the default plan populates every age group, with CACD-like names") {
  const faceage::SynthOptions defaults;
  const auto plan = faceage::synth::plan_cacd(defaults.identities, defaults.per_identity, defaults.seed);
  REQUIRE(plan.images.size() == size_t(defaults.identities * defaults.per_identity));
  std::map<int, int> groups;
  for (const auto& image : plan.images) ++groups[image.age / 10 * 10];
  CHECK(groups.size() == 6);
  for (const auto& [group, count] : groups) {
    INFO("group " << group << "s");
    CHECK(count >= 200);  // the tutorial keeps up to 200 per group
  }
  // Over many people, names hold accents and apostrophes, and numbers have gaps.
  const auto many = faceage::synth::plan_cacd(300, 10, 1);
  std::set<std::string> names, files;
  bool non_ascii = false, apostrophe = false, gap = false;
  for (const auto& c : many.celebrities) {
    names.insert(c.name);
    for (unsigned char ch : c.name) non_ascii |= ch >= 0x80;
    apostrophe |= c.name.find('\'') != std::string::npos;
  }
  std::map<std::pair<int, int>, std::vector<int>> numbers_per_year;  // (identity, year) -> NNNN
  for (const auto& image : many.images) {
    files.insert(image.file);
    const std::string digits = image.file.substr(image.file.size() - 8, 4);
    numbers_per_year[{image.identity, image.year}].push_back(std::stoi(digits));
  }
  for (const auto& [key, numbers] : numbers_per_year) {
    CHECK(numbers.front() == 1);
    gap |= numbers.back() > int(numbers.size());
  }
  CHECK(names.size() == 300);
  CHECK(files.size() == many.images.size());
  CHECK(non_ascii);
  CHECK(apostrophe);
  CHECK(gap);
}

TEST_CASE("faceage synth: the age cues grow smoothly with age") {
  faceage::synth::Rng rng(3);
  for (int person = 0; person < 20; ++person) {
    const auto traits = faceage::synth::random_traits(rng);
    auto previous = faceage::synth::age_look(traits, 14);
    for (int age = 15; age <= 62; ++age) {
      const auto look = faceage::synth::age_look(traits, age);
      CHECK(look.youth <= previous.youth);
      CHECK(look.wrinkles >= previous.wrinkles);
      CHECK(look.sag >= previous.sag);
      CHECK(look.grey >= previous.grey);
      CHECK(look.recession >= previous.recession);
      CHECK((look.wrinkles - previous.wrinkles <= 0.1 && previous.youth - look.youth <= 0.15));  // no jumps
      previous = look;
    }
  }
  faceage::synth::FaceTraits average;
  CHECK(faceage::synth::age_look(average, 60).wrinkles > faceage::synth::age_look(average, 20).wrinkles + 0.5);
}
