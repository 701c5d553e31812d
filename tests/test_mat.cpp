// .mat metadata: CACD's struct layouts in MATLAB v5 and v7.3, written by scipy and h5py
// (tests/fixtures/mat/, tools/make_mat_fixtures.py), by matio and by libhdf5 in MATLAB's own
// layout (tests/mat_writer.hpp); and one clear Error for every kind of bad file.
#include <chrono>
#include <fstream>
#include <sstream>

#include "data_helpers.hpp"
#include "mat_writer.hpp"
#include "minitorch/io/mat.hpp"

using namespace mt;

namespace {

std::string mat_fixture(const std::string& name) { return std::string(MINITORCH_FIXTURES) + "/mat/" + name; }

// expected.txt: "image AGE IDENTITY YEAR RANK LFW BIRTH NAME" and "celebrity IDENTITY BIRTH RANK LFW NAME",
// the name being the rest of the line (possibly empty, possibly with spaces).
CacdMeta expected_meta() {
  std::ifstream in(mat_fixture("expected.txt"));
  REQUIRE(in.good());
  CacdMeta m;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    const int count = kind == "image" ? 6 : 4;
    std::vector<int64_t> v(count);
    for (auto& x : v) words >> x;
    std::string name;
    words.get();  // the space before the name
    std::getline(words, name);
    if (kind == "image") {
      auto& i = m.images;
      i.age.push_back(v[0]), i.identity.push_back(v[1]), i.year.push_back(v[2]);
      i.rank.push_back(v[3]), i.lfw.push_back(v[4]), i.birth.push_back(v[5]), i.name.push_back(name);
    } else {
      auto& c = m.celebrities;
      c.identity.push_back(v[0]), c.birth.push_back(v[1]), c.rank.push_back(v[2]), c.lfw.push_back(v[3]);
      c.name.push_back(name);
    }
  }
  return m;
}

void check_equal(const CacdMeta& got, const CacdMeta& want) {
  const auto& a = got.images;
  const auto& b = want.images;
  CHECK(a.size() == b.size());
  CHECK(a.name == b.name);
  CHECK(a.age == b.age);
  CHECK(a.identity == b.identity);
  CHECK(a.year == b.year);
  CHECK(a.rank == b.rank);
  CHECK(a.lfw == b.lfw);
  CHECK(a.birth == b.birth);
  CHECK(got.celebrities.name == want.celebrities.name);
  CHECK(got.celebrities.identity == want.celebrities.identity);
  CHECK(got.celebrities.birth == want.celebrities.birth);
  CHECK(got.celebrities.rank == want.celebrities.rank);
  CHECK(got.celebrities.lfw == want.celebrities.lfw);
}

std::vector<int64_t> as_int(const std::vector<double>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("CACD metadata written by scipy (v5, v7) and h5py (v7.3, MATLAB's layout) reads back exactly") {
  const CacdMeta want = expected_meta();
  REQUIRE(want.images.size() == 6);
  REQUIRE(want.celebrities.size() == 6);
  CHECK(want.images.name[4] == "35_\xe5\xbc\xa0\xe5\xad\x90\xe6\x80\xa1_0002.jpg");  // UTF-8 in, UTF-8 out
  SUBCASE("v5") { check_equal(read_cacd_meta(mat_fixture("cacd_meta_v5.mat")), want); }
  SUBCASE("v7 (v5 compressed, MATLAB's default)") { check_equal(read_cacd_meta(mat_fixture("cacd_meta_v7.mat")), want); }
  SUBCASE("v7.3, whose `feature` field declares 6 x 75520 doubles that were never written") {
    check_equal(read_cacd_meta(mat_fixture("cacd_v73.mat")), want);
  }
}

TEST_CASE("files written by matio, v5 and v7.3, in any numeric class") {
  TempDir dir;
  const CacdRows rows = make_cacd_rows(50);
  for (mat_ft version : {MAT_FT_MAT5, MAT_FT_MAT73})
    for (matio_classes cls : {MAT_C_UINT8, MAT_C_UINT16, MAT_C_DOUBLE}) {
      CAPTURE(int(version));
      CAPTURE(int(cls));
      CacdRows r = rows;
      if (cls == MAT_C_UINT8)
        for (auto* column : {&r.year, &r.birth})
          for (double& y : *column) y -= 1900;  // fits in a byte
      const std::string path = dir / "m.mat";
      write_cacd_matio(path, version, r, cls);
      const CacdImageMeta m = read_cacd_image_meta(path);
      CHECK(m.name == r.name);
      CHECK(m.age == as_int(r.age));
      CHECK(m.year == as_int(r.year));
      CHECK(m.birth == as_int(r.birth));
      CHECK(m.lfw == as_int(r.lfw));
    }
  // After a compressed variable of an odd length (unaligned offsets), a struct reads too.
  const std::string mixed = dir / "mixed.mat";
  write_cacd_matio(mixed, MAT_FT_MAT5, rows, MAT_C_DOUBLE, "celebrityImageData", "", true);
  CHECK(read_cacd_image_meta(mixed).name == rows.name);
}

TEST_CASE("read_mat_struct reads any struct's fields by name") {
  const MatStructColumns c = read_mat_struct(mat_fixture("cacd_v73.mat"), "celebrityData", {"birth"}, {"name"});
  CHECK(c.integers.at("birth").size() == 6);
  CHECK(c.strings.at("name").back().empty());  // MATLAB's empty char array
  CHECK(c.integers.count("rank") == 0);
}

TEST_CASE("a v7.3 file in MATLAB's layout with 20,000 rows reads whole") {
  // The time is printed, not asserted (a sanitizer build takes several times longer): the speed
  // of the full 163,446 rows is bench/mat_bench.cpp's to check (bench/RESULTS.md).
  TempDir dir;
  const CacdRows rows = make_cacd_rows(20000);
  write_cacd_hdf5(dir / "big.mat", rows);
  const auto start = std::chrono::steady_clock::now();
  const CacdImageMeta m = read_cacd_image_meta(dir / "big.mat");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(m.name == rows.name);
  CHECK(m.identity == as_int(rows.identity));
  MESSAGE("read 20,000 rows of v7.3 metadata in " << seconds << " s (a quadratic reader would take minutes)");
}

TEST_CASE("bad .mat files give one Error naming the file and what was expected") {
  TempDir dir;
  CHECK_THROWS_WITH_FRAGMENT(read_cacd_meta(dir / "none.mat"), join_text({"'", dir / "none.mat", "' does not exist"}));
  CHECK_THROWS_WITH_FRAGMENT(read_cacd_meta(dir.str()), "is a folder, not a .mat file");
  write_text(dir / "short.mat", "MATLAB 5.0");
  CHECK_THROWS_WITH_FRAGMENT(read_cacd_meta(dir / "short.mat"), "has 10 bytes, too short for a .mat file");
  write_text(dir / "text.mat", std::string(200, 'x'));
  CHECK_THROWS_WITH_FRAGMENT(read_cacd_meta(dir / "text.mat"), "is not a .mat file (expected a MATLAB v5 or v7.3 file");

  // Truncated copies of both fixtures, cut at every byte (every 7th of the larger v7.3 file):
  // matio read a struct's fields and a cell's strings from data a cut-short file leaves short.
  // (A cut that left every value would read them all; none of these does.)
  for (const auto& [name, step] :
       {std::pair{"cacd_meta_v5.mat", 1}, std::pair{"cacd_meta_v7.mat", 1}, std::pair{"cacd_v73.mat", 7}}) {
    CAPTURE(name);
    const std::string cut = dir / (std::string("cut_") + name);
    const std::string whole = file_contents(mat_fixture(name));
    REQUIRE(whole.size() > 128);
    int complete = 0;
    for (size_t size = 128; size + 1 < whole.size(); size += size_t(step)) {
      CAPTURE(size);
      write_text(cut, whole.substr(0, size));
      try {
        const CacdMeta meta = read_cacd_meta(cut);
        check_equal(meta, expected_meta());
        ++complete;
      } catch (const Error& e) {
        CHECK_MESSAGE(std::string(e.what()).find(cut) != std::string::npos, e.what());
      }
    }
    CHECK(complete == 0);
  }
  // Corrupt bytes in the v7.3 file: an error or the data, never a crash or gigabytes allocated
  // for a size the file cannot hold.
  {
    const std::string flipped = dir / "flipped.mat", whole = file_contents(mat_fixture("cacd_v73.mat"));
    REQUIRE(whole.size() > 12327);
    std::vector<size_t> places{7815, 12327};  // a dataset's size made gigabytes; a bad_alloc
    for (size_t at = 512; at < whole.size(); at += 11) places.push_back(at);
    for (const size_t at : places) {
      for (const char value : {'\xff', '\x26'}) {
        CAPTURE(at);
        std::string bytes = whole;
        bytes[at] = value;
        write_text(flipped, bytes);
        try {
          read_cacd_meta(flipped);
        } catch (const Error& e) {
          CHECK_MESSAGE(std::string(e.what()).find(flipped) != std::string::npos, e.what());
        }
        // Every identifier the reader opened is closed again, on the error paths too.
        CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0);
      }
    }
  }

  // Without the struct: the error lists what the file has.
  for (mat_ft version : {MAT_FT_MAT5, MAT_FT_MAT73}) {
    CAPTURE(int(version));
    write_cacd_matio(dir / "other.mat", version, make_cacd_rows(3), MAT_C_UINT16, "someStruct");
    CHECK_THROWS_WITH_FRAGMENT(read_cacd_image_meta(dir / "other.mat"), "'celebrityImageData'");
    CHECK_THROWS_WITH_FRAGMENT(read_cacd_image_meta(dir / "other.mat"), "(the file holds: someStruct)");
    // Without a field: the error lists the fields.
    write_cacd_matio(dir / "noage.mat", version, make_cacd_rows(3), MAT_C_UINT16, "celebrityImageData", "age");
    CHECK_THROWS_WITH_FRAGMENT(read_cacd_image_meta(dir / "noage.mat"),
                               "struct 'celebrityImageData' has no field 'age' (its fields: ");
    CHECK_THROWS_WITH_FRAGMENT(read_cacd_image_meta(dir / "noage.mat"), "identity");
    // Fractional numbers.
    CacdRows rows = make_cacd_rows(3);
    rows.age[2] = 34.5;
    write_cacd_matio(dir / "frac.mat", version, rows, MAT_C_DOUBLE);
    CHECK_THROWS_WITH_FRAGMENT(read_cacd_image_meta(dir / "frac.mat"), "field 'age' value 2 is 34.5 (expected a whole number)");
  }
  // The h5py fixture has no celebrityData.name of the right length... but its image struct has no
  // celebrity fields: reading celebrities from an images-only file names the missing struct.
  write_cacd_hdf5(dir / "images_only.mat", make_cacd_rows(4));
  CHECK_THROWS_WITH_FRAGMENT(read_cacd_celebrity_meta(dir / "images_only.mat"),
                             "no struct variable 'celebrityData' (the file holds: celebrityImageData)");
}
