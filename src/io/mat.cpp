// .mat files: telling v5 from v7.3, the shared conversions, and the CACD layout on top of
// read_mat_struct.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>

#include "json.hpp"
#include "mat_internal.hpp"
#include "utf8.hpp"
#include "minitorch/error.hpp"

namespace minitorch {

namespace internal {

std::string utf16_to_utf8(const uint16_t* units, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t cp = units[i];
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n && units[i + 1] >= 0xdc00 && units[i + 1] <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (units[i + 1] - 0xdc00);
      ++i;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      cp = 0xfffd;
    }
    internal::append_utf8(out, cp);
  }
  return out;
}

std::string bytes_to_utf8(const uint8_t* bytes, size_t n) {
  std::string s(reinterpret_cast<const char*>(bytes), n);
  if (valid_utf8(s)) return s;
  std::vector<uint16_t> latin1(bytes, bytes + n);  // Latin-1 is the first 256 code points
  return utf16_to_utf8(latin1.data(), n);
}

int64_t whole_number(double v, const std::string& where, const std::string& field, size_t index) {
  MT_CHECK(std::isfinite(v) && v == std::trunc(v) && std::abs(v) < 9.007199254740992e15, where, ": field '", field,
           "' value ", index, " is ", v, " (expected a whole number)");
  return int64_t(v);
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "nothing" : out;
}

}  // namespace internal

namespace {

enum class MatVersion { V5, V73 };

// The 128-byte MAT header: text starting "MATLAB", then at byte 124 the version, 0x0100 for v5
// and 0x0200 for v7.3 (whose HDF5 data starts at byte 512), in the file's byte order, which the
// endian indicator "IM" or "MI" at byte 126 gives.
MatVersion sniff(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  MT_CHECK(status.type() != fs::file_type::not_found, "read_mat_struct: '", path, "' does not exist");
  MT_CHECK(!fs::is_directory(status), "read_mat_struct: '", path, "' is a folder, not a .mat file");
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  MT_CHECK(f != nullptr, "read_mat_struct: cannot open '", path, "': ", std::strerror(errno));
  unsigned char h[128];
  const size_t n = std::fread(h, 1, sizeof h, f.get());
  const char* expected = "(expected a MATLAB v5 or v7.3 file, whose header starts with 'MATLAB')";
  MT_CHECK(n == sizeof h, "read_mat_struct: '", path, "' has ", n, " bytes, too short for a .mat file ", expected);
  MT_CHECK(std::memcmp(h, "MATLAB", 6) == 0, "read_mat_struct: '", path, "' is not a .mat file ", expected);
  const bool little = h[126] == 'I' && h[127] == 'M';
  MT_CHECK(little || (h[126] == 'M' && h[127] == 'I'), "read_mat_struct: '", path,
           "' has a corrupt .mat header (no endian indicator at byte 126)");
  const unsigned version = little ? unsigned(h[124] | h[125] << 8) : unsigned(h[124] << 8 | h[125]);
  if (version == 0x0200) return MatVersion::V73;
  MT_CHECK(version == 0x0100, "read_mat_struct: '", path, "' has .mat version 0x", std::hex, version,
           " (expected 0x0100 for v5 or 0x0200 for v7.3)");
  return MatVersion::V5;
}

// Every column of a struct must have one length.
template <class Columns>
size_t check_lengths(const Columns& columns, const std::string& path, const std::string& variable) {
  const std::string* first = nullptr;
  size_t n = 0;
  const auto check = [&](const std::string& field, size_t size) {
    if (!first) {
      first = &field;
      n = size;
    }
    MT_CHECK(size == n, "read_cacd_meta: ", path, ": ", variable, ".", field, " has ", size, " entries but ", variable,
             ".", *first, " has ", n);
  };
  for (const auto& [field, values] : columns.strings) check(field, values.size());
  for (const auto& [field, values] : columns.integers) check(field, values.size());
  return n;
}

}  // namespace

MatStructColumns read_mat_struct(const std::string& path, const std::string& variable,
                                 const std::vector<std::string>& integer_fields,
                                 const std::vector<std::string>& string_fields) {
  const MatVersion version = sniff(path);
  try {
    return version == MatVersion::V73 ? internal::read_mat73_struct(path, variable, integer_fields, string_fields)
                                      : internal::read_mat5_struct(path, variable, integer_fields, string_fields);
  } catch (const std::bad_alloc&) {  // sizes read from a corrupt file
    detail::fail("read_mat_struct: ", path, ": out of memory while reading struct '", variable,
                 "' (a size in the file is far too large: corrupt?)");
  }
}

CacdImageMeta read_cacd_image_meta(const std::string& path) {
  MatStructColumns c = read_mat_struct(path, "celebrityImageData", {"age", "identity", "year", "rank", "lfw", "birth"},
                                       {"name"});
  check_lengths(c, path, "celebrityImageData");
  CacdImageMeta m;
  m.age = std::move(c.integers["age"]);
  m.identity = std::move(c.integers["identity"]);
  m.year = std::move(c.integers["year"]);
  m.rank = std::move(c.integers["rank"]);
  m.lfw = std::move(c.integers["lfw"]);
  m.birth = std::move(c.integers["birth"]);
  m.name = std::move(c.strings["name"]);
  return m;
}

CacdCelebrityMeta read_cacd_celebrity_meta(const std::string& path) {
  MatStructColumns c = read_mat_struct(path, "celebrityData", {"identity", "birth", "rank", "lfw"}, {"name"});
  check_lengths(c, path, "celebrityData");
  CacdCelebrityMeta m;
  m.name = std::move(c.strings["name"]);
  m.identity = std::move(c.integers["identity"]);
  m.birth = std::move(c.integers["birth"]);
  m.rank = std::move(c.integers["rank"]);
  m.lfw = std::move(c.integers["lfw"]);
  return m;
}

CacdMeta read_cacd_meta(const std::string& path) {
  return {read_cacd_image_meta(path), read_cacd_celebrity_meta(path)};
}

}  // namespace minitorch
