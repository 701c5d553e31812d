// faceage's steps 1 and 2 (prepare, split) on made-up files: what they refuse, what they count,
// and that a second run never mixes with an earlier one's files.
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "prepare.hpp"

namespace fs = std::filesystem;
using namespace mt;

namespace {

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The files below `dir`, without the records of the runs (.faceage-prepare, .faceage-split).
size_t files_below(const fs::path& dir) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    n += entry.is_regular_file() && entry.path().filename().string().rfind(".faceage-", 0) != 0;
  return n;
}

// A fresh folder under /tmp for one test case.
fs::path fresh(const char* name) {
  const fs::path root = fs::temp_directory_path() / name;
  fs::remove_all(root);
  fs::create_directories(root);
  return root;
}

// root/sorted/10s and 20s with `per_group` images each, and split options from there to root/split.
faceage::SplitOptions sorted_groups(const fs::path& root, int per_group) {
  for (const char* group : {"10s", "20s"})
    for (int i = 0; i < per_group; ++i) write_file(root / "sorted" / group / (std::to_string(i) + ".jpg"), group);
  faceage::SplitOptions o;
  o.in_dir = (root / "sorted").string();
  o.out_dir = (root / "split").string();
  return o;
}

}  // namespace

TEST_CASE("prepare: names and ages are checked, repeated names skipped and counted") {
  const fs::path root = fresh("faceage_prepare_test");
  write_file(root / "images" / "15_Ann_0001.jpg", "a");
  write_file(root / "images" / "27_Bo_0001.jpg", "b");
  write_file(root / "images" / "more" / "15_Ann_0001.jpg", "c");  // another folder's file of the same name
  write_file(root / "labels.csv",
             "file,age\n15_Ann_0001.jpg,15\n27_Bo_0001.jpg,27\n15_Ann_0001.jpg,15\nmore/15_Ann_0001.jpg,17\n"
             "absent.jpg,33\n27_Bo_0001.jpg,41\n");
  faceage::PrepareOptions o;
  o.images_dir = (root / "images").string();
  o.out_dir = (root / "sorted").string();
  const faceage::PrepareReport report = faceage::prepare(faceage::read_csv_labels((root / "labels.csv").string()), o);
  REQUIRE(report.groups.size() == 2);
  CHECK(report.groups[0] == std::pair<std::string, int64_t>{"10s", 1});
  // 27_Bo_0001.jpg goes to the group of whichever of its two entries the shuffle puts first.
  CHECK((report.groups[1].first == "20s" || report.groups[1].first == "40s"));
  CHECK(report.groups[1].second == 1);
  CHECK(report.missing == 1);
  CHECK(report.duplicates == 2);
  CHECK(report.conflicting_ages == 1);  // 27_Bo_0001.jpg again, at 41: copied once
  CHECK(files_below(root / "sorted") == 2);  // the counts are the files written

  // Listed paths that split and train would not read (a folder, a file without an image
  // extension) are skipped and counted, never copied or counted as images.
  fs::create_directories(root / "images" / "folder.jpg");
  write_file(root / "images" / "notes.txt", "n");
  write_file(root / "images" / "no_extension", "x");
  o.overwrite = true;
  const faceage::PrepareReport odd = faceage::prepare(
      {{"folder.jpg", 22}, {"notes.txt", 23}, {"no_extension", 24}, {"27_Bo_0001.jpg", 27}}, o);
  CHECK(odd.not_images == 3);
  CHECK(odd.groups == std::vector<std::pair<std::string, int64_t>>{{"20s", 1}});
  CHECK(files_below(root / "sorted") == 1);
  o.overwrite = false;

  // Entries that would leave the image folder, or that a cut-short file shows, are errors
  // naming the file and line.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"../x.jpg,20", "labels_bad.csv:2: the file name '../x.jpg' must be relative to the image folder, without '..'"},
      {"/etc/x.jpg,20", "must be relative"},
      {",20", "labels_bad.csv:2: the file name is empty"},
      {std::string("a\0b.jpg,20", 10), "holds a NUL byte"},
      {"x.jpg,250", "labels_bad.csv:2: the age 250 is not a plausible age in years"},
      {"x.jpg,2.5", "is not a whole number of years"},
  };
  for (const auto& [row, fragment] : bad) {
    CAPTURE(fragment);
    write_file(root / "labels_bad.csv", "file,age\n" + row + "\n");
    CHECK_THROWS_WITH_FRAGMENT(faceage::read_csv_labels((root / "labels_bad.csv").string()), fragment);
  }
  CHECK_THROWS_WITH_FRAGMENT(faceage::read_csv_labels(root.string()), "is a folder");
  fs::remove_all(root);
}

TEST_CASE("prepare: an earlier run's folders are refused or replaced, the user's never removed") {
  const fs::path root = fresh("faceage_prepare_again_test");
  write_file(root / "images" / "15_Ann_0001.jpg", "a");
  write_file(root / "images" / "27_Bo_0001.jpg", "b");
  write_file(root / "images" / "71_Cy_0001.jpg", "c");
  const std::vector<faceage::LabelledImage> images = {{"15_Ann_0001.jpg", 15}, {"27_Bo_0001.jpg", 27}};
  faceage::PrepareOptions o;
  o.images_dir = (root / "images").string();
  o.out_dir = (root / "sorted").string();
  std::vector<faceage::LabelledImage> with_70s = images;
  with_70s.push_back({"71_Cy_0001.jpg", 71});
  faceage::prepare(with_70s, o);
  write_file(root / "sorted" / "1990s" / "holiday.txt", "the user's");
  CHECK_THROWS_WITH_FRAGMENT(faceage::prepare(images, o), "holds the files of an earlier run, which would mix");
  // Nothing listed exists: an error before anything is removed.
  o.overwrite = true;
  CHECK_THROWS_WITH_FRAGMENT(faceage::prepare({{"absent.jpg", 30}}, o),
                             "none of the 1 listed images is an image file in " + o.images_dir + " (1 missing, 0 not");
  CHECK(files_below(root / "sorted") == 4);
  // --overwrite replaces the earlier run's groups, 70s included, and leaves the user's folder.
  const auto report = faceage::prepare(images, o);
  CHECK(report.groups.size() == 2);
  CHECK_FALSE(fs::exists(root / "sorted" / "70s"));
  CHECK(fs::exists(root / "sorted" / "1990s" / "holiday.txt"));
  CHECK(files_below(root / "sorted") == 3);  // two images and holiday.txt

  // Never removed: a folder no run wrote, or one that holds the input.
  write_file(root / "mine" / "10s" / "notes.txt", "the user's");
  o.out_dir = (root / "mine").string();
  CHECK_THROWS_WITH_FRAGMENT(faceage::prepare(images, o), "mine/10s is in the way and no faceage prepare run recorded writing it");
  CHECK(fs::exists(root / "mine" / "10s" / "notes.txt"));
  o.out_dir = (root / "sorted").string();
  o.images_dir = (root / "sorted" / "10s").string();
  CHECK_THROWS_WITH_FRAGMENT(faceage::prepare({{"15_Ann_0001.jpg", 15}}, o), "sorted/10s holds the input");
  CHECK(fs::exists(root / "sorted" / "10s" / "15_Ann_0001.jpg"));
  // A record naming other folders than the command writes ("..", absolute paths, the user's) is
  // not followed.
  o.images_dir = (root / "images").string();
  write_file(root / "sorted" / ".faceage-prepare", "..\n/\n" + (root / "images").string() + "\n1990s\n.\n\n10s\n20s\n");
  faceage::prepare(images, o);
  CHECK(fs::exists(root / "images" / "71_Cy_0001.jpg"));
  CHECK(fs::exists(root / "sorted" / "1990s" / "holiday.txt"));
  CHECK(files_below(root / "sorted") == 3);

  // Input files inside a recorded folder (listed as 20s/..., the earlier output read back) stop
  // the run before anything is removed: 10s stays too.
  o.images_dir = (root / "sorted").string();
  CHECK_THROWS_WITH_FRAGMENT(faceage::prepare({{"20s/27_Bo_0001.jpg", 27}}, o), "sorted/20s holds the input");
  CHECK(files_below(root / "sorted") == 3);
  fs::remove_all(root);
}

TEST_CASE("prepare and split: the output of an interrupted run is refused by the next step") {
  const fs::path root = fresh("faceage_interrupted_test");
  faceage::SplitOptions o = sorted_groups(root, 3);
  // A record without its last line: as prepare leaves it when stopped while copying.
  write_file(root / "sorted" / ".faceage-prepare", "10s\n20s\n");
  CHECK_THROWS_WITH_FRAGMENT(faceage::split(o), "is the output of a faceage prepare that did not finish");
  write_file(root / "sorted" / ".faceage-prepare", "10s\n20s\n# complete\n");
  faceage::split(o);
  CHECK(file_contents(root / "split" / ".faceage-split") == "train\nval\n# complete\n");
  fs::remove_all(root);
}

TEST_CASE("split: both sides keep images, the output stays out of the input, an earlier run is refused") {
  const fs::path root = fresh("faceage_split_test");
  faceage::SplitOptions o = sorted_groups(root, 4);
  o.val_fraction = 0.9;  // ceil(4 * 0.9) = 4 for validation, none to train on
  CHECK_THROWS_WITH_FRAGMENT(faceage::split(o), "--val-fraction 0.9 leaves no training image of the 4 in");
  CHECK_FALSE(fs::exists(root / "split"));  // checked before anything is written
  o.val_fraction = 0.2;
  o.out_dir = (root / "sorted" / "x").string();
  CHECK_THROWS_WITH_FRAGMENT(faceage::split(o), "or lies inside it");
  o.out_dir = (root / "sorted" / ".." / "sorted/").string();
  CHECK_THROWS_WITH_FRAGMENT(faceage::split(o), "or lies inside it");
  o.out_dir = (root / "sorted_split").string();  // a sibling whose name starts like the input's
  // An image in a format faceage cannot read is named, not silently left out of the split.
  const fs::path webp = fs::path(o.in_dir) / "10s" / "extra.webp";
  write_file(webp, "RIFF");
  CHECK_THROWS_WITH_FRAGMENT(faceage::split(o), "'" + webp.string() + "' is an image in a format faceage cannot read");
  fs::remove(webp);
  CHECK(faceage::split(o).size() == 2);

  CHECK_THROWS_WITH_FRAGMENT(faceage::split(o), "sorted_split/train holds the files of an earlier run");
  o.overwrite = true;
  o.seed = 7;
  const auto sizes = faceage::split(o);
  CHECK(sizes[0].second == std::pair<int64_t, int64_t>{3, 1});
  CHECK(files_below(root / "sorted_split") == 8);  // no image of the first run left over
  // A split of the earlier split's train/ into the same --out would remove its own input.
  o.in_dir = (root / "sorted_split" / "train").string();
  CHECK_THROWS_WITH_FRAGMENT(faceage::split(o), "sorted_split/train holds the input");
  CHECK(files_below(root / "sorted_split") == 8);
  fs::remove_all(root);
}
