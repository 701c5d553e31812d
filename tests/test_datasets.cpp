// ImageFolder and CsvImageDataset: classes, labels, sample order, the CSV dialect, and one clear
// Error naming the file or folder for every kind of bad input.
#include <unistd.h>

#include "data_helpers.hpp"
#include "minitorch/data/csv_dataset.hpp"
#include "minitorch/data/image_folder.hpp"
#include "minitorch/data/transforms.hpp"

using namespace mt;
using namespace mt::data;

namespace {

std::vector<std::string> relative_paths(const ImageDataset& ds, const TempDir& dir) {
  std::vector<std::string> out;
  for (const ImageSample& s : ds.samples()) out.push_back(fs::relative(s.path, dir.path()).string());
  return out;
}

std::vector<int64_t> labels(const ImageDataset& ds) {
  std::vector<int64_t> out;
  for (const ImageSample& s : ds.samples()) out.push_back(s.label);
  return out;
}

}  // namespace

TEST_CASE("ImageFolder: classes are the sorted sub-folders, samples sorted by folder and name") {
  TempDir dir;
  write_noise_png(dir / "root/dog/b.png", 4, 5, 1);
  write_noise_png(dir / "root/dog/a.PNG", 4, 5, 2);    // extensions match whatever their case
  write_noise_png(dir / "root/cat/z.png", 4, 5, 3);
  write_noise_png(dir / "root/cat/sub/a.png", 4, 5, 4);  // searched recursively
  write_noise_png(dir / "root/cat/y.jpeg.png", 4, 5, 5);
  write_text(dir / "root/cat/notes.txt", "not an image");  // other files are ignored
  write_text(dir / "root/cat/readme", "");
  write_noise_png(dir / "root/Bird/c.png", 4, 5, 6);      // upper case sorts first, as in Python

  ImageFolder ds(dir / "root");
  CHECK(ds.classes() == std::vector<std::string>{"Bird", "cat", "dog"});
  CHECK(ds.class_to_idx() == std::map<std::string, int64_t>{{"Bird", 0}, {"cat", 1}, {"dog", 2}});
  CHECK(relative_paths(ds, dir) == std::vector<std::string>{"root/Bird/c.png", "root/cat/y.jpeg.png", "root/cat/z.png",
                                                            "root/cat/sub/a.png", "root/dog/a.PNG", "root/dog/b.png"});
  CHECK(labels(ds) == std::vector<int64_t>{0, 1, 1, 1, 2, 2});
  CHECK(ds.size() == 6);
  CHECK(ds.root() == dir / "root");

  // Without a transform the input is the decoded image.
  Generator gen(0);
  const Example ex = ds.get(5, gen);
  CHECK(ex.label == 2);
  CHECK(ex.path == ds.samples()[5].path);
  CHECK(ds.path(5) == ex.path);
  CHECK(pixel_equal(ex.input, noise_image(4, 5, 1)));
  CHECK_THROWS_WITH_FRAGMENT(ds.get(6, gen), "index 6 is out of range for 6 samples");
}

TEST_CASE("ImageFolder applies the transform with the generator it is given") {
  TempDir dir;
  write_noise_png(dir / "a/x/0.png", 6, 8, 1);
  using namespace transforms;
  ImageFolder ds(dir / "a", Compose({RandomHorizontalFlip(0.5), ToTensor()}));
  const Tensor plain = to_tensor(noise_image(6, 8, 1)), flipped = to_tensor(hflip(noise_image(6, 8, 1)));
  bool saw_plain = false, saw_flipped = false;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    Generator g1(seed), g2(seed);
    const Tensor a = ds.get(0, g1).input, b = ds.get(0, g2).input;
    CHECK(pixel_equal(a, b));  // same generator state, same result
    saw_plain |= pixel_equal(a, plain);
    saw_flipped |= pixel_equal(a, flipped);
  }
  CHECK(saw_plain);
  CHECK(saw_flipped);
}

TEST_CASE("ImageFolder takes other extensions when asked") {
  TempDir dir;
  write_noise_png(dir / "r/c/a.png", 3, 3, 1);
  write_noise_png(dir / "r/c/b.img", 3, 3, 2);
  ImageFolder ds(dir / "r", {}, {.extensions = {"img"}});
  CHECK(relative_paths(ds, dir) == std::vector<std::string>{"r/c/b.img"});
  // A file torchvision would list but that cannot be decoded here is named, not silently left
  // out (unless the extensions were chosen).
  write_text(dir / "r/c/photo.WEBP", "RIFF");
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "r"), join_text({"'", dir / "r/c/photo.WEBP",
                                                                "' is an image torchvision's ImageFolder would list"}));
  CHECK(ImageFolder(dir / "r", {}, {.extensions = {"img"}}).size() == 1);
}

TEST_CASE("ImageFolder: bad folders give one Error naming the folder") {
  TempDir dir;
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "missing"), join_text({"root '", dir / "missing", "' does not exist"}));
  write_text(dir / "file.txt", "x");
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "file.txt"), "is not a folder");

  fs::create_directories(dir / "flat");
  write_noise_png(dir / "flat/a.png", 3, 3, 1);
  write_noise_png(dir / "flat/b.png", 3, 3, 2);
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "flat"), "has no sub-folders");
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "flat"), "it holds 2 images directly");

  write_noise_png(dir / "classes/ok/a.png", 3, 3, 1);
  fs::create_directories(dir / "classes/empty");
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "classes"), join_text({"class folder '", dir / "classes/empty", "' holds no images"}));
  write_text(dir / "classes/text_only/a.txt", "x");
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "classes"), join_text({dir / "classes/text_only", "' hold no images"}));
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "classes"), "expected files ending in .jpg, .jpeg, .png, .bmp");

  if (geteuid() != 0) {  // root reads every folder whatever its permissions
    write_noise_png(dir / "locked/c/a.png", 3, 3, 1);
    fs::permissions(dir / "locked", fs::perms::owner_all, fs::perm_options::remove);
    CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "locked"), "cannot read");
    fs::permissions(dir / "locked", fs::perms::owner_all, fs::perm_options::add);
  }
}

TEST_CASE("a corrupt image is an Error naming it, or skipped with skip_bad_images") {
  TempDir dir;
  write_noise_png(dir / "r/a/good.png", 4, 4, 1);
  write_text(dir / "r/a/text.jpg", "this is not a JPEG");
  write_noise_png(dir / "r/b/cut.png", 16, 16, 2);
  const auto bytes = fs::file_size(dir / "r/b/cut.png");
  fs::resize_file(dir / "r/b/cut.png", bytes / 2);  // truncated
  write_noise_png(dir / "r/b/good.png", 4, 4, 3);

  ImageFolder strict(dir / "r");
  CHECK(strict.size() == 4);
  Generator gen(0);
  CHECK_THROWS_WITH_FRAGMENT(strict.get(1, gen), join_text({"'", dir / "r/a/text.jpg", "' is not a JPEG, PNG or BMP image"}));
  CHECK_THROWS_WITH_FRAGMENT(strict.get(2, gen), join_text({dir / "r/b/cut.png", "' holds corrupt or truncated PNG data"}));

  ImageFolder lenient(dir / "r", {}, {.skip_bad_images = true});
  CHECK(relative_paths(lenient, dir) == std::vector<std::string>{"r/a/good.png", "r/b/good.png"});
  CHECK(labels(lenient) == std::vector<int64_t>{0, 1});
  REQUIRE(lenient.skipped().size() == 2);
  CHECK(lenient.skipped()[0].path == dir / "r/a/text.jpg");
  CHECK(lenient.skipped()[1].reason.find("truncated") != std::string::npos);

  write_text(dir / "bad/a/x.png", "");
  CHECK_THROWS_WITH_FRAGMENT(ImageFolder(dir / "bad", {}, {.skip_bad_images = true}), "none of the 1 images can be decoded");
}

TEST_CASE("decade_bin: the tutorial's age groups") {
  CHECK(decade_bin(14) == "10s");
  CHECK(decade_bin(20) == "20s");
  CHECK(decade_bin(62) == "60s");
  CHECK(decade_bin(0) == "0s");
  CHECK(decade_bin(100) == "100s");
  CHECK(decade_bin(137) == "100s");  // capped
  CHECK_THROWS_WITH_FRAGMENT(decade_bin(-1), "age -1 is negative");
}

TEST_CASE("CsvImageDataset: class names, integer labels and binned ages") {
  TempDir dir;
  for (const char* name : {"a.png", "b.png", "c d.png", "e,f.png", "53_Jos\xc3\xa9_0001.png"})
    write_noise_png(dir / (std::string("img/") + name), 3, 3, 7);

  SUBCASE("names, with a header, quotes, a BOM and CRLF line ends") {
    write_text(dir / "labels.csv", "\xef\xbb\xbf" "file,label\r\nb.png,dog\r\n\"c d.png\",cat\r\n\r\n\"e,f.png\",\"dog\"\r\na.png,bird");
    CsvImageDataset ds(dir / "labels.csv", dir / "img");
    CHECK(ds.classes() == std::vector<std::string>{"bird", "cat", "dog"});
    CHECK(relative_paths(ds, dir) == std::vector<std::string>{"img/b.png", "img/c d.png", "img/e,f.png", "img/a.png"});
    CHECK(labels(ds) == std::vector<int64_t>{2, 1, 2, 0});
  }
  SUBCASE("integer labels without a header; extra columns") {
    write_text(dir / "labels.csv", "a.png,2,x\nb.png,0,y\n");
    CsvImageDataset ds(dir / "labels.csv", dir / "img");
    CHECK(labels(ds) == std::vector<int64_t>{2, 0});
    CHECK(ds.classes() == std::vector<std::string>{"0", "1", "2"});
    CsvImageDataset named(dir / "labels.csv", dir / "img", {}, {.classes = {"x", "y", "z"}});
    CHECK(named.classes() == std::vector<std::string>{"x", "y", "z"});
    CHECK(labels(named) == std::vector<int64_t>{2, 0});
    // A label far beyond any class count (a year typed in the label column) is an error, not
    // millions of class names.
    write_text(dir / "labels.csv", "a.png,2\nb.png,2000000000\n");
    CHECK_THROWS_WITH_FRAGMENT(CsvImageDataset(dir / "labels.csv", dir / "img"),
                               "label 2000000000 is not a class index (at most 1000000 classes");
  }
  SUBCASE("ages binned into decades") {
    write_text(dir / "ages.csv", "name,age\n53_Jos\xc3\xa9_0001.png,53\na.png,14\nb.png,19\n\"c d.png\",62\n");
    CsvImageDataset ds(dir / "ages.csv", dir / "img", {}, {.bin = decade_bin});
    CHECK(ds.classes() == std::vector<std::string>{"10s", "50s", "60s"});
    CHECK(labels(ds) == std::vector<int64_t>{1, 0, 0, 2});
    // With the class list fixed, indices do not depend on which bins the file happens to hold.
    CsvImageDataset fixed(dir / "ages.csv", dir / "img", {},
                          {.bin = decade_bin, .classes = {"10s", "20s", "30s", "40s", "50s", "60s"}});
    CHECK(labels(fixed) == std::vector<int64_t>{4, 0, 0, 5});
  }
  SUBCASE("chosen columns and an explicit header setting") {
    write_text(dir / "cols.csv", "7,a.png\n3,b.png\n");
    CsvImageDataset ds(dir / "cols.csv", dir / "img", {},
                       {.header = CsvImageOptions::Header::Absent, .file_column = 1, .label_column = 0});
    CHECK(labels(ds) == std::vector<int64_t>{7, 3});
    CsvImageDataset skip_first(dir / "cols.csv", dir / "img", {},
                               {.header = CsvImageOptions::Header::Present, .file_column = 1, .label_column = 0});
    CHECK(labels(skip_first) == std::vector<int64_t>{3});
  }
}

TEST_CASE("CsvImageDataset: errors name the CSV file and line") {
  TempDir dir;
  write_noise_png(dir / "img/a.png", 3, 3, 1);
  write_noise_png(dir / "img/b.png", 3, 3, 2);
  const std::string csv = dir / "l.csv", root = dir / "img";
  const auto check = [&](const std::string& text, const std::string& fragment, CsvImageOptions options = {}) {
    write_text(csv, text);
    CHECK_THROWS_WITH_FRAGMENT(CsvImageDataset(csv, root, {}, options), fragment);
  };
  check("file,label\na.png,cat\nmissing.png,dog\n", join_text({"l.csv: line 3: image '", dir / "img/missing.png", "' does not exist"}));
  check("missing.jpg,3\n", "line 1: image");  // a missing image file is not taken for a header
  check("a.png,cat\nb.png,7\n", "line 2: label '7' is a number, but the first row's label is a class name");
  check("a.png,1\nb.png,x\n", "line 2: label 'x' is not an integer (the first row's label is a class index)");
  check("a.png,-2\n", "line 1: label -2 is negative");
  check("a.png,3\nb.png,3 years\n", "line 2: label '3 years' is not an integer (the bin function needs one)",
        {.bin = decade_bin});
  check("a.png,-3\n", "line 1: label -3 cannot be binned: decade_bin: age -3 is negative", {.bin = decade_bin});
  check("a.png,cat\nb.png,cow\n", "line 2: label 'cow' is not one of the 2 given classes", {.classes = {"cat", "dog"}});
  check("a.png,5\n", "line 1: label 5 is out of range for 2 classes", {.classes = {"cat", "dog"}});
  check("a.png,cat\nb.png\n", "line 2: expected at least 2 comma-separated fields (file and label), found 1");
  check("a.png,cat\n\"b.png,dog\n", "line 2: a quoted field is not closed");
  check("\"a.png\"x,cat\n", "line 1: unexpected 'x' after a closing quote");
  check("a.png,\n", "line 1: the label is empty");
  check(",cat\n", "line 1: the file name is empty");
  check("file,label\n", "has no data rows");
  check("", "has no data rows");
  fs::create_directories(dir / "img/folder.png");
  check("folder.png,cat\n", "is a folder, not an image file");
  CHECK_THROWS_WITH_FRAGMENT(CsvImageDataset(dir / "nope.csv", root), join_text({"CsvImageDataset: cannot open '", dir / "nope.csv", "'"}));
}

TEST_CASE("CsvImageDataset: skip_bad_images") {
  TempDir dir;
  write_noise_png(dir / "img/a.png", 3, 3, 1);
  write_text(dir / "img/b.png", "garbage");
  write_text(dir / "l.csv", "a.png,0\nb.png,1\n");
  CsvImageDataset strict(dir / "l.csv", dir / "img");
  Generator gen(0);
  CHECK_THROWS_WITH_FRAGMENT(strict.get(1, gen), "b.png' is not a JPEG, PNG or BMP image");
  CsvImageDataset lenient(dir / "l.csv", dir / "img", {}, {.skip_bad_images = true});
  CHECK(lenient.size() == 1);
  CHECK(lenient.skipped().size() == 1);
  CHECK(lenient.classes() == std::vector<std::string>{"0", "1"});  // classes come from the file, not the survivors
}
