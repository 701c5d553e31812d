// Checkpoint io: StateDict and safetensors (round trips, corrupt files).
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "minitorch/io/safetensors.hpp"

using namespace mt;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// A fresh directory for files written by a test, removed at the end.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("minitorch_test_io_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// Same dtype, shape and bytes.
void check_identical(const Tensor& actual, const Tensor& expected, const std::string& name) {
  INFO("tensor " << name);
  REQUIRE(actual.dtype() == expected.dtype());
  REQUIRE(actual.shape() == expected.shape());
  const Tensor a = actual.contiguous(), e = expected.contiguous();
  const size_t n = size_t(e.numel()) * e.element_size();
  CHECK((n == 0 || std::memcmp(a.raw_data(), e.raw_data(), n) == 0));
}

// Calls parse on `input`; anything but success or minitorch::Error fails the test.
template <class Parse>
bool survives(const Parse& parse, const std::vector<uint8_t>& input) {
  try {
    parse(input);
    return true;
  } catch (const Error&) {
    return false;
  } catch (const std::exception& e) {
    FAIL("a non-minitorch exception escaped: " << e.what());
  }
  return false;
}

StateDict parse_st(const std::vector<uint8_t>& b, SafetensorsMetadata* meta = nullptr) {
  return parse_safetensors(b.data(), b.size(), "test.safetensors", meta);
}

}  // namespace

// ---- StateDict --------------------------------------------------------------------------------

TEST_CASE("StateDict keeps insertion order and names missing keys") {
  StateDict sd;
  sd.insert("b", zeros({2}));
  sd.insert("a", ones({3}));
  sd.insert("c", scalar_tensor(4));
  CHECK(sd.size() == 3);
  CHECK(sd.keys() == std::vector<std::string>{"b", "a", "c"});
  CHECK(sd.contains("a"));
  CHECK(sd.find("zz") == nullptr);
  CHECK(sd.at("c").item() == 4);
  CHECK_THROWS_WITH_FRAGMENT(sd.insert("a", zeros({1})), "duplicate name 'a'");
  CHECK_THROWS_WITH_FRAGMENT(sd.at("missing"), "no tensor named 'missing'; it has 'b', 'a', 'c'");

  std::vector<std::string> seen;
  for (const auto& [name, t] : sd) {
    std::string item = name;  // built with +=: g++ 12 warns falsely on "..." + std::string
    item += ':';
    item += std::to_string(t.numel());
    seen.push_back(item);
  }
  CHECK(seen == std::vector<std::string>{"b:2", "a:3", "c:1"});

  CHECK(sd.erase("b"));
  CHECK_FALSE(sd.erase("b"));
  CHECK(sd.keys() == std::vector<std::string>{"a", "c"});
  CHECK(sd.at("c").item() == 4);  // positions after the erased one still resolve
  sd.insert("b", zeros({5}));
  CHECK(sd.keys() == std::vector<std::string>{"a", "c", "b"});

  StateDict big;
  for (int i = 0; i < 15; ++i) big.insert(std::string("k").append(std::to_string(i)), zeros({1}));
  CHECK_THROWS_WITH_FRAGMENT(big.at("x"), "'k9', ... (5 more)");
}

// ---- safetensors ------------------------------------------------------------------------------

namespace {

// Every dtype, 0-dim, empty and non-contiguous tensors.
StateDict all_dtypes() {
  StateDict sd;
  sd.insert("f32", arange(0, 6).reshape({2, 3}) * 0.5 - 1.0);
  sd.insert("f16", (arange(0, 6) * 0.25).to(kFloat16));
  sd.insert("bf16", (arange(0, 6) * -0.5).to(kBFloat16));
  sd.insert("f64", arange(0, 4, 1, {.dtype = kFloat64}) / 3.0);
  sd.insert("i64", from_vector<int64_t>({INT64_MIN, -1, 0, INT64_MAX}, {4}));
  sd.insert("u8", from_vector<uint8_t>({0, 1, 255}, {3}));
  sd.insert("bool", arange(0, 5) > 2.0);
  sd.insert("scalar", scalar_tensor(7.25));
  sd.insert("empty", zeros({0, 3}));
  sd.insert("empty_i64", zeros({2, 0}, {.dtype = kInt64}));
  sd.insert("transposed", arange(0, 12).reshape({3, 4}).t());
  return sd;
}

// A safetensors file from a header and a data section.
std::vector<uint8_t> st_file(const std::string& header, const std::string& data = "") {
  const uint64_t n = header.size();
  std::string out(reinterpret_cast<const char*>(&n), 8);
  out += header;
  out += data;
  return bytes_of(out);
}

}  // namespace

TEST_CASE("safetensors round trip: every dtype, 0-dim, empty, metadata") {
  TempDir dir;
  const StateDict sd = all_dtypes();
  const SafetensorsMetadata meta{{"format", "pt"}, {"note", "caf\xc3\xa9 \"quoted\"\n\ttab\\"}, {"", ""}};
  save_safetensors(dir / "a.safetensors", sd, meta);
  CHECK_FALSE(fs::exists(dir / "a.safetensors.tmp"));

  SafetensorsMetadata loaded_meta;
  const StateDict back = load_safetensors(dir / "a.safetensors", &loaded_meta);
  CHECK(loaded_meta == meta);
  CHECK(back.keys() == sd.keys());
  for (const auto& [name, t] : sd) {
    check_identical(back.at(name), t, name);
    CHECK((t.numel() == 0 || back.at(name).is_contiguous()));
  }

  // The header is padded to a multiple of 8, so the data is 8-byte aligned in the file.
  const auto bytes = read_bytes(dir / "a.safetensors");
  uint64_t header_size;
  std::memcpy(&header_size, bytes.data(), 8);
  CHECK(header_size % 8 == 0);

  // Overwriting replaces the file; an empty state dict is a valid file.
  save_safetensors(dir / "a.safetensors", StateDict());
  CHECK(load_safetensors(dir / "a.safetensors").empty());
}

TEST_CASE("safetensors: corrupt and hostile files give one clear Error") {
  const std::string t = R"("t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string eight(8, '\0');
  CHECK(parse_st(st_file("{" + t + "}", eight)).size() == 1);  // the baseline is valid

  CHECK_THROWS_WITH_FRAGMENT(parse_st({1, 2, 3}), "too short for the 8-byte header length");
  auto huge = st_file("{}");
  huge[6] = 1;  // header length 2^48
  CHECK_THROWS_WITH_FRAGMENT(parse_st(huge), "over the limit");
  auto past = st_file("{}");
  past[0] = 40;
  CHECK_THROWS_WITH_FRAGMENT(parse_st(past), "runs past the end of the file");

  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{" + t + "}", eight + "xx")), "cover only 8");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{" + t + "}", "1234")), "outside the data section");
  CHECK_THROWS_WITH_FRAGMENT(
      parse_st(st_file(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight)), "needs 3 x 4");
  CHECK_THROWS_WITH_FRAGMENT(
      parse_st(st_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", eight)), "outside the data section");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight)),
                             "overlaps tensor \"a\"");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight)),
                             "leaving a gap");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"t":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})", eight)),
                             "dtype \"I32\", which minitorch does not support");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight)),
                             "not a non-negative integer");
  CHECK_THROWS_WITH_FRAGMENT(
      parse_st(st_file(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}})", eight)),
      "overflows");
  CHECK_THROWS_WITH_FRAGMENT(
      parse_st(st_file(R"({"t":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", "1234")),
      "at most 8");
  CHECK_THROWS_WITH_FRAGMENT(
      parse_st(st_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", eight)), "unknown field");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"t":{"dtype":"F32","shape":[2]}})", eight)), "lacks data_offsets");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"t":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", "\x01\x02")),
                             "holds 2 (expected 0 or 1)");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"__metadata__":{"a":1}})")), "expected a string");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("[]")), "expected an object");

  // JSON errors name the byte in the file.
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{" + t + "," + t + "}", eight)), "duplicate key \"t\"");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{" + t, eight)), "header byte");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{" + t + ",}", eight)), "expected a string key");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"t":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", eight)),
                             "only integers");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"t":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}})", eight)),
                             "leading zeros");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"t":{"dtype":"F32","shape":[99999999999999999999]}})")),
                             "does not fit in 64 bits");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"__metadata__":{"a":"\x"}})")), "invalid escape");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"__metadata__":{"a":"\ud800"}})")), "unpaired high surrogate");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{\"__metadata__\":{\"a\":\"\xff\"}}")), "invalid UTF-8");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{\"__metadata__\":{\"a\":\"\n\"}}")), "control character");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{} x")), "after the end of the JSON value");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(R"({"a":true})")), "expected an object, array, string or integer");
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file(std::string(100, '[') + std::string(100, ']'))), "nested deeper");

  // Escapes decode, including a surrogate pair.
  SafetensorsMetadata meta;
  parse_st(st_file(R"({"__metadata__":{"k":"\u00e9\ud83d\ude00\/\b"}})"), &meta);
  CHECK(meta.at("k") == "\xc3\xa9\xf0\x9f\x98\x80/\b");
}

TEST_CASE("safetensors: every truncation of a valid file is an Error") {
  TempDir dir;
  save_safetensors(dir / "a.safetensors", all_dtypes(), {{"k", "v"}});
  for (const std::string& path : {dir / "a.safetensors"}) {
    const auto bytes = read_bytes(path);
    for (size_t n = 0; n < bytes.size(); ++n) {
      const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(n));
      CHECK_MESSAGE(!survives([](const auto& b) { return parse_st(b); }, cut), "a prefix of " << n << " bytes parsed");
    }
  }
}

TEST_CASE("save_safetensors refuses what it could not read back") {
  TempDir dir;
  StateDict sd;
  sd.insert("__metadata__", zeros({1}));
  CHECK_THROWS_WITH_FRAGMENT(save_safetensors(dir / "a.safetensors", sd), "reserved");
  StateDict bad_name;
  bad_name.insert("w\xff", zeros({1}));
  CHECK_THROWS_WITH_FRAGMENT(save_safetensors(dir / "a.safetensors", bad_name), "not valid UTF-8");
  CHECK_THROWS_WITH_FRAGMENT(save_safetensors(dir / "no/such/dir/a.safetensors", all_dtypes()), "cannot create");
  CHECK_THROWS_WITH_FRAGMENT(load_safetensors(dir / "absent.safetensors"), "cannot open");
  CHECK_FALSE(fs::exists(dir / "a.safetensors"));
}
