// Checkpoint io: StateDict, safetensors (round trips, a file written by Python, corrupt files),
// torch.save archives (fixtures written by tools/make_io_fixtures.py, hostile files) and a
// seeded mutation sweep that feeds thousands of damaged files to the parsers.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "../src/io/torch_unpickler.hpp"
#include "../src/io/zip_reader.hpp"
#include "helpers.hpp"
#include "minitorch/io/atomic_write.hpp"
#include "minitorch/io/pth.hpp"
#include "minitorch/io/safetensors.hpp"

using namespace mt;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(MINITORCH_FIXTURES) + "/io/";

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
StateDict parse_pt(const std::vector<uint8_t>& b) { return parse_pth(b.data(), b.size(), "test.pth"); }

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

TEST_CASE("safetensors written by Python (struct + json, the reference layout) loads") {
  SafetensorsMetadata meta;
  const StateDict sd = load_safetensors(kDir + "interop.safetensors", &meta);
  CHECK(meta == SafetensorsMetadata{{"format", "pt"}, {"note", "caf\xc3\xa9 \"quoted\"\n\ttab"}});
  CHECK(sd.size() == 10);
  const Tensor base = arange(0, 6, 1, {.dtype = kFloat64}).reshape({2, 3}) * 0.25 - 0.5;
  check_identical(sd.at("f32"), base.to(kFloat32), "f32");
  check_identical(sd.at("f16"), base.to(kFloat16), "f16");
  check_identical(sd.at("bf16"), base.to(kBFloat16), "bf16");
  check_identical(sd.at("f64"), arange(0, 6, 1, {.dtype = kFloat64}).reshape({3, 2}) / 3.0, "f64");
  check_identical(sd.at("i64"), from_vector<int64_t>({-3, 0, int64_t(1) << 40}, {3}), "i64");
  check_identical(sd.at("u8"), from_vector<uint8_t>({0, 127, 255}, {3}), "u8");
  check_identical(sd.at("bool"), from_vector<uint8_t>({1, 0, 1}, {3}) > 0.0, "bool");
  check_identical(sd.at("scalar"), scalar_tensor(3.5), "scalar");
  check_identical(sd.at("empty"), zeros({0, 4}), "empty");
  check_identical(sd.at("empty_i64"), zeros({2, 0}, {.dtype = kInt64}), "empty_i64");
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
  // No elements, but strides that would overflow.
  CHECK_THROWS_WITH_FRAGMENT(
      parse_st(st_file(R"({"t":{"dtype":"F32","shape":[0,4611686018427387904,4611686018427387904],"data_offsets":[0,0]},)"
                       R"("u":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", eight)),
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
  CHECK_THROWS_WITH_FRAGMENT(parse_st(st_file("{" + t, eight)), ": byte ");
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
  for (const std::string& path : {dir / "a.safetensors", kDir + "interop.safetensors"}) {
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

// ---- torch.save archives ----------------------------------------------------------------------

TEST_CASE("pth fixtures load with PyTorch's values") {
  const StateDict expected = load_safetensors(kDir + "expected.safetensors");
  for (const std::string fixture : {"conv_sd", "checkpoint", "proto4", "dtypes", "half", "bf16", "deflated", "zip64"}) {
    INFO("fixture " << fixture);
    const StateDict sd = load_pth(kDir + fixture + ".pth");
    std::vector<std::string> want;
    for (const auto& [name, t] : expected)
      if (name.starts_with(fixture + "/")) want.push_back(name.substr(fixture.size() + 1));
    CHECK(sd.keys() == want);
    for (const auto& [name, t] : sd) check_identical(t, expected.at(fixture + "/" + name), name);
  }
}

TEST_CASE("pth: views, strides and shared storages are honoured") {
  const StateDict sd = load_pth(kDir + "conv_sd.pth");
  // base = arange(30).reshape(5, 6); view = base[1:, ::2] (storage offset 6, strides (6, 2)).
  std::vector<double> view;
  for (int i = 1; i < 5; ++i)
    for (int j = 0; j < 6; j += 2) view.push_back(6 * i + j);
  CHECK(sd.at("extra.view").shape() == Shape{4, 3});
  CHECK(sd.at("extra.view").to_vector<double>() == view);
  CHECK(sd.at("extra.transposed").to_vector<double>() == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(sd.at("features.0.1.num_batches_tracked").dtype() == kInt64);
  CHECK(sd.at("features.0.1.num_batches_tracked").item() == 3);
  check_identical(sd.at("extra.tied"), sd.at("head.weight"), "extra.tied");

  const StateDict d = load_pth(kDir + "dtypes.pth");
  CHECK(d.at("expanded").to_vector<double>() == std::vector<double>{0, 1, 2, 0, 1, 2});
  CHECK(d.at("i32").dtype() == kInt64);  // widened
  CHECK(d.at("i32").to_vector<int64_t>() == std::vector<int64_t>{INT32_MIN, -1, 7, INT32_MAX});
  CHECK(d.at("i8").to_vector<int64_t>() == std::vector<int64_t>{-128, -1, 127});
  CHECK(d.at("nested.deeper.leaf").to_vector<double>() == std::vector<double>{1, -1});
  CHECK_FALSE(d.contains("nested.skipped"));  // lists are not part of a state dict
  CHECK(d.at("scalar").dim() == 0);
}

TEST_CASE("pth: hostile and unsupported archives are refused") {
  // Nothing is ever called: os.system("echo pwned") is an inert object, and not a state dict.
  CHECK_THROWS_WITH_FRAGMENT(load_pth(kDir + "evil.pth"),
                             "holds a Python object made by os.system, not a dict of tensors (nothing in it was run)");
  CHECK_THROWS_WITH_FRAGMENT(load_pth(kDir + "big_endian.pth"), "big-endian");
  CHECK_THROWS_WITH_FRAGMENT(load_pth(kDir + "absent.pth"), "cannot open");
  CHECK_THROWS_WITH_FRAGMENT(parse_pt(bytes_of("\x80\x02}q\x00.")), "legacy (non-zip)");
  CHECK_THROWS_WITH_FRAGMENT(parse_pt(bytes_of("hello, not a zip at all")), "not a zip archive");
  CHECK_THROWS_WITH_FRAGMENT(parse_pt(read_bytes(kDir + "interop.safetensors")), "not a zip archive");
  // A corrupted storage byte fails the CRC check.
  auto bytes = read_bytes(kDir + "conv_sd.pth");
  bytes[internal::ZipReader(bytes.data(), bytes.size(), "").find("conv_sd/data/0")->data_offset + 5] ^= 0x10;
  CHECK_THROWS_WITH_FRAGMENT(parse_pt(bytes), "CRC-32");
  // The storage's own error comes first, then where the pickle asked for it.
  CHECK_THROWS_WITH_FRAGMENT(parse_pt(bytes), "zip entry 'conv_sd/data/0' fails its CRC-32 check (corrupt file) (reached from");
}

TEST_CASE("pth: every truncation of a fixture is an Error") {
  for (const std::string fixture : {"conv_sd", "proto4", "deflated", "zip64"}) {
    const auto bytes = read_bytes(kDir + fixture + ".pth");
    for (size_t n = 0; n < bytes.size(); ++n) {
      const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(n));
      CHECK_MESSAGE(!survives(parse_pt, cut), fixture << ": a prefix of " << n << " bytes parsed");
    }
  }
}

// ---- the restricted unpickler on hand-written pickles -----------------------------------------

namespace {

// Writes pickle opcodes (protocol 2) for the tests.
struct Pickle {
  std::string b = "\x80\x02";
  Pickle& op(char c) { b += c; return *this; }
  Pickle& raw(const std::string& s) { b += s; return *this; }
  Pickle& u32(uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); return *this; }
  Pickle& global(const std::string& module, const std::string& name) { return op('c').raw(module + "\n" + name + "\n"); }
  Pickle& str(const std::string& s) { return op('X').u32(uint32_t(s.size())).raw(s); }
  Pickle& integer(int64_t v) { op('\x8a').op('\x08'); b.append(reinterpret_cast<const char*>(&v), 8); return *this; }
  Pickle& mark() { return op('('); }
  Pickle& tuple() { return op('t'); }
  Pickle& ordered_dict() { return global("collections", "OrderedDict").op(')').op('R'); }
  Pickle& ints(const std::vector<int64_t>& v) {
    mark();
    for (int64_t x : v) integer(x);
    return tuple();
  }
  // _rebuild_tensor_v2 of FloatStorage `key` with `numel` elements.
  Pickle& tensor(const std::string& key, int64_t numel, int64_t offset, const std::vector<int64_t>& size,
                 const std::vector<int64_t>& stride) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    mark().str("storage").global("torch", "FloatStorage").str(key).str("cpu").integer(numel).tuple().op('Q');
    integer(offset).ints(size).ints(stride).op('\x89').ordered_dict().tuple();
    return op('R');
  }
  std::vector<uint8_t> stop() const { return bytes_of(b + "."); }
};

// Storage "0" holds 0, 1, ..., 9 as float32.
StateDict unpickle(const std::vector<uint8_t>& pkl) {
  static const std::vector<float> storage = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const internal::StorageSource source = [](const std::string& key) {
    MT_CHECK(key == "0", "no storage '", key, "'");
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(storage.data()), storage.size() * 4);
  };
  return internal::unpickle_state_dict(pkl, source, 1 << 20, "pth: test.pth");
}

}  // namespace

TEST_CASE("unpickler: hand-written pickles") {
  // A dict with one strided view, a nested dict with an int key, and skipped leaves.
  Pickle p;
  p.op('}').mark().str("w").tensor("0", 10, 1, {2, 2}, {4, 1});
  p.str("opt").op('}').integer(0).op('}').str("m").tensor("0", 10, 9, {}, {}).op('s').op('s');
  p.str("n").op('N').str("f").op('G').raw(std::string("\x3f\xf0\0\0\0\0\0\0", 8)).op('u');
  const StateDict sd = unpickle(p.stop());
  CHECK(sd.keys() == std::vector<std::string>{"w", "opt.0.m"});
  CHECK(sd.at("w").to_vector<double>() == std::vector<double>{1, 2, 5, 6});
  CHECK(sd.at("opt.0.m").item() == 9);

  // Globals are never called. Those outside torch's tensor machinery (a training checkpoint's
  // argparse.Namespace, built by NEWOBJ and BUILD) stand as inert objects, skipped like numbers;
  // protocol 4's STACK_GLOBAL is read as GLOBAL is.
  {
    Pickle q;
    q.op('}').mark().str("args").global("argparse", "Namespace").op(')').op('\x81').op('}').str("lr").str("0.1").op('s').op('b');
    q.str("w").tensor("0", 10, 0, {2}, {1});
    q.str("f").str("builtins").str("eval").op('\x93').str("1 + 1").op('\x85').op('R').op('u');
    const StateDict with_objects = unpickle(q.stop());
    CHECK(with_objects.keys() == std::vector<std::string>{"w"});
  }
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().str("builtins").str("eval").op('\x93').stop()),
                             "holds a Python object made by builtins.eval, not a dict of tensors");
  // A torch.nn.Module's state (its __dict__) holds "_parameters": a whole pickled model, whose
  // weights would silently be missing, is named wherever it sits.
  auto module = [](Pickle& q) -> Pickle& {
    return q.global("torchvision.models.convnext", "ConvNeXt").op(')').op('\x81').op('}').str("_parameters").op('}').op('s').op('b');
  };
  {
    Pickle q;
    CHECK_THROWS_WITH_FRAGMENT(unpickle(module(q).stop()),
                               "data.pkl holds a whole pickled model (torchvision.models.convnext.ConvNeXt), not its tensors");
  }
  {
    Pickle q;
    q.op('}').str("model");
    module(q).op('s');
    CHECK_THROWS_WITH_FRAGMENT(unpickle(q.stop()), "'model' holds a whole pickled model (torchvision.models.convnext.ConvNeXt)");
  }
  // Names come from STACK_GLOBAL's strings as from GLOBAL's line: bounded and printable.
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().str(std::string(300, 'a')).str("b").op('\x93').stop()),
                             "STACK_GLOBAL has an invalid or overlong name");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().str("a\nb").str("c").op('\x93').stop()),
                             "STACK_GLOBAL has an invalid or overlong name");
  {  // An integer beyond 64 bits (a training script's seed of 2**70) is a number like any other,
     // skipped; where a size is expected it is refused.
    Pickle q;
    q.op('}').mark().str("seed").op('\x8a').op('\x09').raw(std::string("\0\0\0\0\0\0\0\0\x40", 9));
    q.str("negative").op('\x8a').op('\x09').raw(std::string("\0\0\0\0\0\0\0\0\xc0", 9));  // -2**70
    q.str("w").tensor("0", 10, 0, {2}, {1}).op('u');
    CHECK(unpickle(q.stop()).keys() == std::vector<std::string>{"w"});
    Pickle big_size;
    big_size.op('}').str("t").global("torch._utils", "_rebuild_tensor_v2").mark();
    big_size.mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(10).tuple().op('Q');
    big_size.integer(0).mark().op('\x8a').op('\x09').raw(std::string("\0\0\0\0\0\0\0\0\x40", 9)).tuple();
    big_size.ints({1}).op('\x89').ordered_dict().tuple().op('R').op('s');
    CHECK_THROWS_WITH_FRAGMENT(unpickle(big_size.stop()), "should be an int, found float");
  }
  {  // Each distinct name is kept, so their number is bounded.
    Pickle q;
    q.op(']');
    for (int i = 0; i <= 1 << 16; ++i) q.str("m").str("n" + std::to_string(i)).op('\x93').op('a');
    CHECK_THROWS_WITH_FRAGMENT(unpickle(q.stop()), "names more than 65536 distinct Python classes and functions");
  }
  // A tensor built by torch machinery not read here would vanish from the state dict: refused.
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().global("torch._utils", "_rebuild_sparse_tensor").stop()),
                             "unsupported tensor kind 'torch._utils._rebuild_sparse_tensor'");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().global("torch", "ComplexFloatStorage").stop()),
                             "unsupported tensor kind 'torch.ComplexFloatStorage'");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().global("torch._tensor", "_rebuild_from_type_v2").stop()),
                             "unsupported tensor kind");
  // Views must stay inside their storage, whatever the arithmetic.
  auto one_tensor = [](int64_t offset, std::vector<int64_t> size, std::vector<int64_t> stride, int64_t numel = 10) {
    Pickle q;
    q.op('}').str("t").tensor("0", numel, offset, size, stride).op('s');
    return q.stop();
  };
  CHECK_THROWS_WITH_FRAGMENT(unpickle(one_tensor(0, {3, 4}, {4, 1})), "reaches element 11");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(one_tensor(10, {}, {})), "reaches element 10");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(one_tensor(-1, {1}, {1})), "negative storage offset");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(one_tensor(0, {2}, {-1})), "no negative entries");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(one_tensor(0, {INT64_MAX, 2}, {1, INT64_MAX})), "overflow");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(one_tensor(0, {1 << 30, 1 << 10}, {0, 0})), "would take more than");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(one_tensor(0, {2}, {1, 1})), "size [2] but stride [1, 1]");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(one_tensor(0, {2}, {1}, 11)), "should hold 11 elements");
  CHECK(unpickle(one_tensor(0, {0, 5}, {7, 7})).at("t").numel() == 0);
  {
    Pickle q;
    q.op('}').str("t").tensor("1", 10, 0, {1}, {1}).op('s');
    CHECK_THROWS_WITH_FRAGMENT(unpickle(q.stop()), "no storage '1'");
  }

  // A dict inside itself ends in an Error, not a stack overflow.
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op('}').op('q').raw("\x01").str("me").op('h').raw("\x01").op('s').stop()),
                             "nest deeper");
  // A list inside itself is merely skipped.
  CHECK(unpickle(Pickle().op('}').str("l").op(']').op('q').raw("\x02").op('h').raw("\x02").op('a').op('s').stop()).empty());

  // Malformed pickles.
  CHECK_THROWS_WITH_FRAGMENT(unpickle(bytes_of("}.")), "expected a pickle starting with PROTO");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(bytes_of("\x80\x01}.")), "unsupported pickle protocol 1");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(bytes_of(Pickle().op('}').b)), "ends without STOP");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op('}').op('h').raw("\x07").stop()), "memo entry 7 was never stored");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op('X').u32(1000).raw("abc").stop()), "runs past the end");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op('s').stop()), "stack is empty");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op('u').stop()), "no MARK");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op('}').op('0').stop()), "unsupported pickle opcode 0x30");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(bytes_of(Pickle().op('}').b + ".x")), "1 bytes follow STOP");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op(']').stop()), "holds a list, expected a dict");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op(']').op('K').raw("\x01").op('K').raw("\x02").op('s').stop()),
                             "SETITEM expects a dict, found list");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op('}').mark().str("k").op('u').stop()), "odd number");
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().global("collections", "OrderedDict").op('}').op('R').stop()),
                             "expects a tuple of arguments, found dict");
  {
    Pickle deep;
    for (int i = 0; i < 5000; ++i) deep.mark();
    CHECK_THROWS_WITH_FRAGMENT(unpickle(deep.stop()), "MARKs nest deeper");
  }
  // Errors name the file, data.pkl and the byte of the opcode.
  CHECK_THROWS_WITH_FRAGMENT(unpickle(Pickle().op('}').op('0').stop()), "pth: test.pth: data.pkl: byte 3:");
}

// ---- seeded mutations of every fixture ----------------------------------------------------------

namespace {

// Damages a copy of `input` in one of several ways, as a fuzzer would, deterministically.
std::vector<uint8_t> mutate(std::vector<uint8_t> b, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t(0) : size_t(rng() % n); };
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, '.', '(', 'X', 0x8a};
  const int rounds = 1 + int(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    switch (rng() % 7) {
      case 0: if (!b.empty()) b[pick(b.size())] ^= uint8_t(1u << (rng() % 8)); break;    // bit flip
      case 1: b.resize(pick(b.size() + 1)); break;                                         // truncation
      case 2: b.insert(b.begin() + std::ptrdiff_t(pick(b.size() + 1)), uint8_t(rng())); break;  // insertion
      case 3: if (!b.empty()) b.erase(b.begin() + std::ptrdiff_t(pick(b.size()))); break;  // deletion
      case 4: if (!b.empty()) b[pick(b.size())] = kInteresting[rng() % std::size(kInteresting)]; break;
      case 5:  // a 4-byte little-endian number (a length, an offset) set to an extreme
        if (b.size() >= 4) {
          const uint32_t v = rng() % 2 ? 0xffffffffu : uint32_t(rng() % 4096);
          std::memcpy(&b[pick(b.size() - 3)], &v, 4);
        }
        break;
      case 6:  // a chunk duplicated elsewhere
        if (b.size() >= 8) {
          const size_t from = pick(b.size() - 8), len = 1 + pick(std::min<size_t>(64, b.size() - from));
          const std::vector<uint8_t> chunk(b.begin() + std::ptrdiff_t(from), b.begin() + std::ptrdiff_t(from + len));
          b.insert(b.begin() + std::ptrdiff_t(pick(b.size() + 1)), chunk.begin(), chunk.end());
        }
        break;
    }
  }
  return b;
}

template <class Parse>
void sweep(const std::string& what, const std::vector<uint8_t>& input, const Parse& parse, int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int parsed = 0;
  for (int i = 0; i < count; ++i) parsed += survives(parse, mutate(input, rng));
  MESSAGE(what << ": " << parsed << " of " << count << " mutations still parse");
}

}  // namespace

TEST_CASE("seeded mutations of every fixture give a result or an Error, never a crash") {
  for (const std::string fixture : {"conv_sd", "checkpoint", "proto4", "dtypes", "deflated", "zip64", "evil"})
    sweep(fixture + ".pth", read_bytes(kDir + fixture + ".pth"), parse_pt, 1500, 1);
  for (const std::string fixture : {"interop", "expected"})
    sweep(fixture + ".safetensors", read_bytes(kDir + fixture + ".safetensors"),
          [](const auto& b) { return parse_st(b); }, 1500, 2);

  // The CRC check stops most damage to data.pkl inside the archive, so damage the pickle itself,
  // serving the storages from the intact archive.
  for (const std::string fixture : {"conv_sd", "proto4", "dtypes"}) {
    const auto archive = read_bytes(kDir + fixture + ".pth");
    const internal::ZipReader zip(archive.data(), archive.size(), fixture);
    std::vector<uint8_t> buffer;
    const auto pkl_view = zip.read(*zip.find(fixture + "/data.pkl"), buffer);
    const std::vector<uint8_t> pkl(pkl_view.begin(), pkl_view.end());
    std::vector<uint8_t> scratch;  // only deflated entries use it, and these fixtures are stored
    const internal::StorageSource source = [&](const std::string& key) {
      const internal::ZipEntry* e = zip.find(fixture + "/data/" + key);
      MT_CHECK(e, "no storage '", key, "'");
      return zip.read(*e, scratch);
    };
    sweep(fixture + "/data.pkl", pkl,
          [&](const std::vector<uint8_t>& b) { return internal::unpickle_state_dict(b, source, 1 << 24, fixture); },
          3000, 3);
  }
}

TEST_CASE("write_file_atomic: the whole file or the old one, never through a link left at the temporary name") {
  const fs::path dir = fs::temp_directory_path() / "minitorch_atomic_write";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "victim.txt") << "kept";
  fs::create_symlink(dir / "victim.txt", dir / "out.txt.tmp");
  write_file_atomic((dir / "out.txt").string(), "new text", "test");
  std::ifstream victim(dir / "victim.txt"), written(dir / "out.txt");
  CHECK(std::string(std::istreambuf_iterator<char>(victim), {}) == "kept");
  CHECK(std::string(std::istreambuf_iterator<char>(written), {}) == "new text");
  CHECK_FALSE(fs::exists(fs::symlink_status(dir / "out.txt.tmp")));
  CHECK_THROWS_WITH_FRAGMENT(write_file_atomic((dir / "absent" / "x.txt").string(), "x", "test"),
                             "test: cannot create");
  fs::remove_all(dir);
}
